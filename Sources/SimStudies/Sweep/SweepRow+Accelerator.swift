import SimIO
import SimCharts
import SimReports
import Foundation
import A3Model
import Accelerators
import ElsaModel

extension SweepRow {
    /// The row of a point of a model other than ELSA (`docs/sweeps.md`, "A^3 sweeps"), in the ELSA row's
    /// layout so CSV, resume, merge and plots stay shared, built from the common schema
    /// (`AcceleratorRun`, `docs/reports.md`): the keys, the swept values, the totals `elsa-sim run`
    /// reports (cycles, preprocessing, execution, selected fraction, time), `utilization` per module
    /// (busy / cycles, the model's module names), `bottleneck` (the module with the highest busy share,
    /// a name as in ELSA rows), quality (`docs/quality.md` §1) and simulator; the model's own fields under
    /// its namespace (`"a3": {...}`), and the trace's shape (`SweepTraceShape`). ELSA-only numbers (peaks,
    /// IV-D bound, stalls, area proxy, energy, area, closed form, lower bound) are absent, so their CSV
    /// cells are empty.
    ///
    /// - Parameter simulator: the version string (`BuildInfo.version`), written as `elsa-sim VERSION`.
    public static func make(index: Int, trace: TraceIdentity, configHash: String, values: [(field: String, value: JSONValue)],
                            run r: AcceleratorRun, extras: [(key: String, value: JSONValue)], shape: SweepTraceShape,
                            simulator: String) -> SweepRow {
        var swept: [String: JSONValue] = [:]
        for (field, value) in values { swept[field] = value }
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let utilization = AcceleratorRun.utilization(r.layers.flatMap(\.heads), moduleNames: r.moduleNames)
        // The busiest module (first on ties, in module order).
        let busiest = utilization.reduce(nil as (name: String, share: Double)?) { best, u in (best == nil || u.share > best!.share) ? u : best }
        var object: [String: JSONValue] = [
            "index": .int(Int64(index)),
            "accelerator": .string(r.accelerator),
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
            "total_pairs": .int(Int64(r.totalPairs)),
            "selected_fraction": .double(ratio(r.selectedPairs, r.totalPairs)),
            "utilization": .object(Dictionary(uniqueKeysWithValues: utilization.map { ($0.name, JSONValue.double($0.share)) })),
            "bottleneck": busiest.map { .object(["module": .string($0.name), "busy_share": .double($0.share)]) } ?? .null,
            "quality": r.quality.map(QualityFields.json) ?? .null,
            "simulator": .string("elsa-sim " + simulator),
        ]
        if !extras.isEmpty { object[r.accelerator] = .object(Dictionary(extras.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })) }
        let line = JSONValue.object(object.merging(shape.fields) { old, _ in old }).serialized()
        return try! SweepRow(line: line, file: "(memory)", lineNumber: 0)
    }
}
