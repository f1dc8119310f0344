import SimIO
import SimCharts
import SimReports
import Foundation
import A3Model
import ElsaModel

extension SweepRow {
    /// The row of an A^3 point (`docs/sweeps.md`, "A^3 sweeps"), in the ELSA row's layout so CSV, resume,
    /// merge and plots stay shared: the keys, the swept values, the totals of `elsa-sim run` on the A^3
    /// config (`A3RunReport`: cycles, preprocessing = host sort, execution, selected fraction, time) and
    /// its quality (`docs/quality.md` §1) and simulator. ELSA-only numbers (utilization and peaks of the
    /// ELSA modules, IV-D bound, stalls, area proxy, energy, area, bottleneck, closed form, lower bound)
    /// are absent, so their CSV cells are empty. Also carries `accelerator: "a3"`, the candidate pairs and
    /// fraction, and `a3_utilization` (busy share of each A^3 module over the execution cycles,
    /// `docs/a3.md` §7) in the JSON only, and the trace's shape (`SweepTraceShape`) as an ELSA row does.
    ///
    /// - Parameter simulator: the version string (`BuildInfo.version`), written as `elsa-sim VERSION`.
    public static func makeA3(index: Int, trace: TraceIdentity, configHash: String, values: [(field: String, value: JSONValue)],
                              report: A3RunReport, shape: SweepTraceShape, simulator: String) -> SweepRow {
        let r = report.result
        var swept: [String: JSONValue] = [:]
        for (field, value) in values { swept[field] = value }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let utilization = A3RunReport.utilization(r.layers.flatMap(\.heads))
        let object: JSONValue = .object([
            "index": .int(Int64(index)),
            "accelerator": .string(A3ConfigLoader.accelerator),
            "trace": .string(trace.name),
            "trace_hash": .string(trace.id),
            "config_hash": .string(configHash),
            "config": .string(r.configName),
            "values": .object(swept),
            "cycles": .int(r.cycles),
            "preprocessing_cycles": .int(r.preprocessingCycles),
            "execution_cycles": .int(r.executionCycles),
            "preprocessing_share": .double(r.cycles == 0 ? 0 : Double(r.preprocessingCycles) / Double(r.cycles)),
            "time_us": .double(r.microseconds(r.cycles)),
            "selected_pairs": .int(Int64(r.selectedPairs)),
            "candidate_pairs": .int(Int64(r.candidatePairs)),
            "total_pairs": .int(Int64(r.totalPairs)),
            "selected_fraction": .double(ratio(r.selectedPairs, r.totalPairs)),
            "candidate_fraction": .double(ratio(r.candidatePairs, r.totalPairs)),
            "a3_utilization": .object(Dictionary(uniqueKeysWithValues: utilization.map { (A3RunReport.stageKey($0.0), JSONValue.double($0.1)) })),
            "quality": report.totalQuality.map(QualityFields.json) ?? .null,
            "simulator": .string("elsa-sim " + simulator),
        ].merging(shape.fields) { old, _ in old })
        return try! SweepRow(line: object.serialized(), file: "(memory)", lineNumber: 0)
    }
}
