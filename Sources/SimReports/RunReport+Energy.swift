import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The energy and area parts of `RunReport` (`docs/energy.md` §4): an `energy` object in the JSON of each
/// head, layer and the totals, top-level `area` and `throughput` objects, CSV columns appended after the
/// timing columns, and an energy section under the human table. Present when the report has an
/// `EnergyReport`.
extension RunReport {
    /// Columns appended to `csvHeader` when the report carries energy.
    public static let csvEnergyHeader = "energy_uj,energy_dynamic_uj,energy_static_uj,energy_approximation_uj,energy_attention_output_division_uj,energy_external_memory_uj,average_power_mw,energy_per_query_nj,area_mm2"

    // MARK: JSON

    /// `base` (the timing JSON) with the energy objects added.
    func addingEnergy(to base: JSONValue) -> JSONValue {
        guard let energy, var top = base.objectValue else { return base }
        if var totals = top["totals"]?.objectValue {
            totals["energy"] = Self.energyJSON(energy.total, events: nil)
            top["totals"] = .object(totals)
        }
        if case let .array(layers)? = top["layers"] {
            top["layers"] = .array(zip(layers, energy.layers).map { layerValue, layer in
                guard var object = layerValue.objectValue else { return layerValue }
                let events = layer.activities.reduce(Array(repeating: Int64(0), count: EnergyComponent.allCases.count)) { sum, a in
                    zip(sum, a.events).map { $0 + $1 }
                }
                object["energy"] = Self.energyJSON(layer.energy, events: events)
                if case let .array(heads)? = object["heads"] {
                    object["heads"] = .array(heads.indices.map { h in
                        guard var head = heads[h].objectValue else { return heads[h] }
                        head["energy"] = Self.energyJSON(layer.heads[h], events: layer.activities[h].events)
                        return .object(head)
                    })
                }
                return .object(object)
            })
        }
        top["area"] = Self.areaJSON(energy.area)
        top["throughput"] = .object([
            "queries": .int(Int64(energy.total.queries)),
            "queries_per_s": .double(energy.queriesPerSecond),
            "queries_per_s_per_mm2": .double(energy.queriesPerSecondPerMM2),
        ])
        return .object(top)
    }

    static func energyJSON(_ e: EnergyBreakdown, events: [Int64]?) -> JSONValue {
        func uj(_ pj: Double) -> JSONValue { .double(pj * 1e-6) }
        var modules: [String: JSONValue] = [:]
        for c in EnergyComponent.allCases {
            var m: [String: JSONValue] = ["dynamic_uj": uj(e.dynamicPJ(c)), "static_uj": uj(e.staticPJ(c))]
            if let events { m["events"] = .int(events[c.index]) }
            modules[c.rawValue] = .object(m)
        }
        var groups: [String: JSONValue] = [:], shares: [String: JSONValue] = [:]
        for g in EnergyGroup.allCases {
            groups[g.rawValue] = uj(e.totalPJ(g))
            shares[g.rawValue] = .double(e.share(g))
        }
        return .object([
            "total_uj": uj(e.totalPJ), "dynamic_uj": uj(e.dynamicTotalPJ), "static_uj": uj(e.staticTotalPJ),
            "time_us": .double(e.timeNS * 1e-3), "queries": .int(Int64(e.queries)),
            "average_power_mw": .double(e.averagePowerMW), "energy_per_query_nj": .double(e.energyPerQueryPJ * 1e-3),
            "groups_uj": .object(groups), "group_shares": .object(shares), "modules": .object(modules),
        ])
    }

    static func areaJSON(_ a: AreaBreakdown) -> JSONValue {
        var modules: [String: JSONValue] = [:]
        for row in a.rows {
            modules[row.component.rawValue] = .object([
                "area_mm2": .double(row.areaMM2), "peak_dynamic_mw": .double(row.peakDynamicMW),
                "static_mw": .double(row.staticMW), "energy_per_event_pj": .double(row.energyPerEventPJ),
            ])
        }
        return .object([
            "core_mm2": .double(a.coreMM2), "external_memory_mm2": .double(a.externalMemoryMM2),
            "accelerator_mm2": .double(a.acceleratorMM2), "accelerators": .int(Int64(a.accelerators)),
            "total_mm2": .double(a.totalMM2), "peak_dynamic_mw": .double(a.peakDynamicMW), "static_mw": .double(a.staticMW),
            "modules": .object(modules),
        ])
    }

    // MARK: CSV

    /// The appended CSV cells of every (layer, head) row, in row order; empty without energy.
    func energyCSVSuffixes() -> [String] {
        guard let energy else { return [] }
        var out: [String] = []
        for layer in energy.layers {
            for e in layer.heads {
                let cells = [e.totalPJ, e.dynamicTotalPJ, e.staticTotalPJ, e.totalPJ(.approximation),
                             e.totalPJ(.attentionOutputDivision), e.totalPJ(.externalMemory)].map { Self.number($0 * 1e-6) }
                    + [Self.number(e.averagePowerMW), Self.number(e.energyPerQueryPJ * 1e-3), Self.number(energy.area.totalMM2)]
                out.append("," + cells.joined(separator: ","))
            }
        }
        return out
    }

    // MARK: Human table

    func energyTable() -> String {
        guard let energy else { return "" }
        let a = energy.area
        var out = "\nenergy and area (docs/energy.md): \(a.accelerators) × (\(Self.fixed(a.coreMM2, 3)) mm² core + \(Self.fixed(a.externalMemoryMM2, 3)) mm² external memories) = \(Self.fixed(a.totalMM2, 3)) mm²\n"
        var rows: [[String]] = [["layer", "energy µJ", "dynamic", "static", "power mW", "nJ/query", "approx", "attn+outdiv", "ext mem"]]
        func row(_ name: String, _ e: EnergyBreakdown) -> [String] {
            [name, Self.fixed(e.totalPJ * 1e-6, 3), Self.fixed(e.dynamicTotalPJ * 1e-6, 3), Self.fixed(e.staticTotalPJ * 1e-6, 3),
             Self.fixed(e.averagePowerMW, 1), Self.fixed(e.energyPerQueryPJ * 1e-3, 3),
             Self.percent(e.share(.approximation)), Self.percent(e.share(.attentionOutputDivision)),
             Self.percent(e.share(.externalMemory))]
        }
        for layer in energy.layers { rows.append(row(layer.name, layer.energy)) }
        rows.append(row("total", energy.total))
        out += TextTable.render(rows, rightAligned: Set(1 ..< 9), ruleBefore: [1, rows.count - 1])
        out += String(format: "throughput: %.4g queries/s, %.4g queries/s/mm²; shares: approx = hash + norm + selection + key hash/norm memories, ext mem = K/V/Q/O memories\n",
                      energy.queriesPerSecond, energy.queriesPerSecondPerMM2)
        return out
    }
}
