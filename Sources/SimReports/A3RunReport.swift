import SimIO
import SimCharts
import Foundation
import A3Model
import ElsaModel
import Workload

/// The report of `elsa-sim run` on an A^3 config: per layer, preprocessing / execution / total cycles,
/// candidate and selected fractions, approximation quality (`docs/quality.md` §1 metrics on the kept
/// keys) and module utilization; JSON and CSV beside the table (`docs/a3.md` §7 explains every column).
public struct A3RunReport: Sendable {
    public var result: A3SimulationResult
    /// Per `[layer][head]`, when measured.
    public var quality: [[QualityStatistics]]?
    public var provenance: A3Provenance?

    public init(result: A3SimulationResult, quality: [[QualityStatistics]]?, provenance: A3Provenance? = nil) {
        self.result = result
        self.quality = quality
        self.provenance = provenance
    }

    /// The layer's heads' quality merged in head order.
    public func layerQuality(_ l: Int) -> QualityStatistics? { quality.map { QualityStatistics.merged($0[l]) } }
    /// The whole trace's quality, layers merged in order.
    public var totalQuality: QualityStatistics? { quality.map { QualityStatistics.merged($0.joined()) } }

    /// Busy share of each module over the execution cycles of a set of heads (module name → share).
    package static func utilization(_ heads: [A3HeadResult]) -> [(A3Stage, Double)] {
        guard let stages = heads.first?.pipeline.stages else { return [] }
        let cycles = heads.reduce(Int64(0)) { $0 + $1.pipeline.cycles }
        return stages.enumerated().map { m, stage in
            let busy = heads.reduce(Int64(0)) { $0 + $1.pipeline.activity[m].busy }
            return (stage, cycles == 0 ? 0 : Double(busy) / Double(cycles))
        }
    }

    package static func stageKey(_ s: A3Stage) -> String {
        switch s {
        case .candidateSelection: return "candidate_selection"
        case .dotProduct: return "dot_product"
        case .exponent: return "exponent"
        case .output: return "output"
        }
    }

    // MARK: JSON

    public func json() -> JSONValue {
        let r = result
        var totals: [String: JSONValue] = [
            "cycles": .int(r.cycles), "preprocessing_cycles": .int(r.preprocessingCycles),
            "execution_cycles": .int(r.executionCycles), "selected_pairs": .int(Int64(r.selectedPairs)),
            "candidate_pairs": .int(Int64(r.candidatePairs)), "total_pairs": .int(Int64(r.totalPairs)),
            "selected_fraction": .double(Self.ratio(r.selectedPairs, r.totalPairs)),
            "candidate_fraction": .double(Self.ratio(r.candidatePairs, r.totalPairs)),
            "preprocessing_share": .double(r.cycles == 0 ? 0 : Double(r.preprocessingCycles) / Double(r.cycles)),
            "microseconds": .double(r.microseconds(r.cycles)),
        ]
        if let q = totalQuality { totals["quality"] = QualityFields.json(q) }
        var object: [String: JSONValue] = [
            "accelerator": .string(A3ConfigLoader.accelerator),
            "config": .string(r.configName), "trace": .string(r.traceName), "clock_ghz": .double(r.clockGHz),
            "approximate": .bool(r.approximate), "totals": .object(totals),
            "layers": .array(r.layers.enumerated().map { l, layer in layerJSON(l, layer) }),
        ]
        if let p = provenance {
            object["provenance"] = .object(["simulator": .string("elsa-sim " + p.simulatorVersion), "config_hash": .string(p.configHash),
                                            "trace_hash": .string(p.traceHash), "engine": .string("event")])
        }
        return .object(object)
    }

    func layerJSON(_ l: Int, _ layer: A3LayerResult) -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(layer.name), "cycles": .int(layer.cycles), "preprocessing_cycles": .int(layer.preprocessingCycles),
            "execution_cycles": .int(layer.executionCycles), "critical_unit": .int(Int64(layer.criticalUnit)),
            "selected_pairs": .int(Int64(layer.selectedPairs)), "candidate_pairs": .int(Int64(layer.candidatePairs)),
            "total_pairs": .int(Int64(layer.totalPairs)),
            "heads": .array(layer.heads.map { h in
                var head: [String: JSONValue] = [
                    "head": .int(Int64(h.head)), "unit": .int(Int64(h.unit)), "total_cycles": .int(h.totalCycles),
                    "preprocessing_cycles": .int(h.preprocessingCycles), "execution_cycles": .int(h.executionCycles),
                    "iterations": .int(Int64(h.iterations)), "candidate_pairs": .int(Int64(h.candidatePairs)),
                    "selected_pairs": .int(Int64(h.selectedPairs)), "total_pairs": .int(Int64(h.totalPairs)),
                    "first_query_latency": h.pipeline.completions.isEmpty ? .null : .int(h.pipeline.latency(query: 0)),
                    "max_in_flight": .int(Int64(h.pipeline.inFlight.maximum)),
                    "modules": .object(Dictionary(uniqueKeysWithValues: h.pipeline.stages.enumerated().map { m, s in
                        let a = h.pipeline.activity[m]
                        return (Self.stageKey(s), JSONValue.object(["busy": .int(a.busy), "blocked": .int(a.blocked),
                                                                   "starved": .int(a.starved), "idle": .int(a.idle)]))
                    })),
                ]
                if let q = quality?[l][h.head] { head["quality"] = QualityFields.json(q) }
                return .object(head)
            }),
        ]
        if let q = layerQuality(l) { o["quality"] = QualityFields.json(q) }
        return .object(o)
    }

    // MARK: CSV

    public static let csvHeader = (["layer", "head", "unit", "total_cycles", "preprocessing_cycles", "execution_cycles", "iterations",
                                    "candidate_pairs", "selected_pairs", "total_pairs", "selected_fraction",
                                    "util_candidate_selection", "util_dot_product", "util_exponent", "util_output"]
                                   + QualityFields.csvColumns).joined(separator: ",")

    public func csv() -> String {
        var lines = [Self.csvHeader]
        for (l, layer) in result.layers.enumerated() {
            for h in layer.heads {
                let u = Dictionary(uniqueKeysWithValues: Self.utilization([h]))
                let cells = [RunReport.csvField(layer.name), "\(h.head)", "\(h.unit)", "\(h.totalCycles)", "\(h.preprocessingCycles)",
                             "\(h.executionCycles)", "\(h.iterations)", "\(h.candidatePairs)", "\(h.selectedPairs)", "\(h.totalPairs)",
                             JSONValue.format(Self.ratio(h.selectedPairs, h.totalPairs))]
                    + A3Stage.allCases.map { u[$0].map(JSONValue.format) ?? "" }
                    + QualityFields.csvValues(quality?[l][h.head])
                lines.append(cells.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Table

    public func table() -> String {
        let r = result
        var out = "elsa-sim run (A^3) — config \(r.configName), trace \(r.traceName), \(r.approximate ? "approximate" : "base"), clock \(JSONValue.format(r.clockGHz)) GHz\n"
        if let p = provenance { out += "elsa-sim \(p.simulatorVersion); config \(p.configHash); trace \(p.traceHash)\n" }
        var rows: [[String]] = [["layer", "preproc", "exec", "total", "time µs", "cand", "selected", "mass", "err",
                                 "select", "dot", "exp", "out"]]
        func row(_ name: String, pre: Int64, exec: Int64, total: Int64, cand: Int, sel: Int, pairs: Int,
                 q: QualityStatistics?, heads: [A3HeadResult]) -> [String] {
            let u = Dictionary(uniqueKeysWithValues: Self.utilization(heads))
            return [name, "\(pre)", "\(exec)", "\(total)", String(format: "%.2f", r.microseconds(total)),
                    Self.percentCell(cand, pairs), Self.percentCell(sel, pairs),
                    QualityFields.massCell(q?.massKeptMean), QualityFields.errorCell(q?.outputError)]
                + A3Stage.allCases.map { u[$0].map { String(format: "%.0f%%", $0 * 100) } ?? "—" }
        }
        for (l, layer) in r.layers.enumerated() {
            rows.append(row(layer.name, pre: layer.preprocessingCycles, exec: layer.executionCycles, total: layer.cycles,
                            cand: layer.candidatePairs, sel: layer.selectedPairs, pairs: layer.totalPairs,
                            q: layerQuality(l), heads: layer.heads))
        }
        rows.append(row("total", pre: r.preprocessingCycles, exec: r.executionCycles, total: r.cycles, cand: r.candidatePairs,
                        sel: r.selectedPairs, pairs: r.totalPairs, q: totalQuality, heads: r.layers.flatMap(\.heads)))
        out += TextTable.render(rows, rightAligned: Set(1 ..< 13), ruleBefore: [1, rows.count - 1])
        out += "cand / selected: candidates after the greedy search (C) and keys kept by post-scoring (K) over visible pairs; "
            + "mass, err: docs/quality.md §1; select/dot/exp/out: module busy share of the execution cycles (docs/a3.md §7)\n"
        return out
    }

    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
    static func percentCell(_ a: Int, _ b: Int) -> String { b == 0 ? "—" : String(format: "%.1f%%", Double(a) / Double(b) * 100) }
}

/// What produced an A^3 report: the simulator version, the effective config's `config_hash`
/// (`ConfigIdentity`) and the trace's `trace_hash` (`TraceIdentity`), as every report gives them.
public struct A3Provenance: Sendable, Equatable {
    public var simulatorVersion: String
    public var configHash: String
    public var traceHash: String

    public init(simulatorVersion: String, config: A3Config, trace: AttentionTrace) {
        self.simulatorVersion = simulatorVersion
        configHash = ConfigIdentity.hash(of: config)
        traceHash = TraceIdentity.hash(of: trace)
    }
}
