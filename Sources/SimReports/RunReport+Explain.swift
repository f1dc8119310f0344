import SimIO
import SimCharts
import Foundation
import SimCore
import ElsaModel

/// The parts of a run report that explain the numbers: provenance, units, bottleneck, analytic
/// cross-check, cycle conservation and memory traffic (`docs/reports.md`).
extension RunReport {
    func addingExplanations(to document: JSONValue) -> JSONValue {
        guard case var .object(root) = document else { return document }
        root["units"] = .object(CommonRunFields.units.merging([
            "bytes": .string("bytes; Q/K/V/output rows are ceil(9·d/8) bytes, key hashes k/8, key norms 1"),
        ]) { common, _ in common })
        if let provenance { root["provenance"] = provenance.json() }
        if let host { root["host"] = host.json() }
        return .object(root)
    }

    func bottleneckJSON(_ b: Bottleneck) -> JSONValue {
        .object(["module": .string(b.kind.rawValue), "busy_share": .double(b.share),
                 "pressure": .object(Dictionary(uniqueKeysWithValues: b.pressure.map { ($0.key.rawValue, JSONValue.double($0.value)) }))])
    }

    func analyticJSON(_ a: AnalyticModel, simulated: Cycle) -> JSONValue {
        .object(["paper_closed_form_cycles": .int(a.paperClosedForm), "lower_bound_cycles": .int(a.lowerBound),
                 "relative_difference": .double(a.paperClosedForm == 0 ? 0 : Double(simulated - a.paperClosedForm) / Double(a.paperClosedForm)),
                 "at_or_above_lower_bound": .bool(simulated >= a.lowerBound)])
    }

    /// Busy/blocked/starved/idle summed over the layer's heads per module kind, and whether every instance
    /// of every head conserves its cycles.
    func layerModulesJSON(_ layer: LayerResult) -> JSONValue {
        func sum(_ pick: (HeadTiming) -> [UnitActivity]) -> JSONValue {
            let a = layer.heads.reduce(UnitActivity()) { acc, h in pick(h.timing).reduce(acc, +) }
            return .object(["busy": .int(a.busy), "blocked": .int(a.blocked), "starved": .int(a.starved), "idle": .int(a.idle)])
        }
        return .object([
            "hash": sum { [$0.hash] }, "norm": sum { [$0.norm] }, "candidate_selection": sum { $0.selectors },
            "attention": sum { $0.attention }, "output_division": sum { [$0.outputDivision] },
            "conserved": .bool(layer.heads.allSatisfy { $0.timing.isConserved }),
        ])
    }

    func trafficJSON(_ t: MemoryTraffic) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: OnChipMemory.allCases.map { m in
            (m.rawValue, JSONValue.object(["reads": .int(t.reads[m] ?? 0), "writes": .int(t.writes[m] ?? 0),
                                           "read_bytes": .int(t.readBytes(m)), "write_bytes": .int(t.writeBytes(m))]))
        }))
    }

    static func bottleneckCell(_ b: Bottleneck) -> String {
        let name: String
        switch b.kind {
        case .hash: name = "hash"
        case .norm: name = "norm"
        case .candidateSelection: name = "select"
        case .attention: name = "attn"
        case .outputDivision: name = "outdiv"
        }
        return "\(name) \(percent(b.share))"
    }

    static func signedPercent(_ simulated: Cycle, _ reference: Cycle) -> String {
        guard reference > 0 else { return "—" }
        return String(format: "%+.1f%%", 100 * Double(simulated - reference) / Double(reference))
    }
}
