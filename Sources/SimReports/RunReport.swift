import SimIO
import SimCharts
import Foundation
import SimCore
import ElsaModel

/// The report of `elsa-sim run`: the human table, the JSON document and the CSV rows, all built from one
/// `SimulationResult` so the three always agree. Field meanings: `docs/reports.md`.
public struct RunReport {
    public let result: SimulationResult
    /// Energy, area and throughput per area (`docs/energy.md`); `nil` leaves them out.
    public let energy: EnergyReport?
    /// Version and input hashes (`nil` leaves them out, e.g. in tests).
    public let provenance: Provenance?
    /// The simulator's own speed; kept in a separate `host` section that differs between runs.
    public let host: HostStatistics?
    /// The modelling assumptions and the calibration source, stated in the header (`AssumptionSummary`).
    public let assumptions: AssumptionSummary?

    public init(result: SimulationResult, energy: EnergyReport? = nil, provenance: Provenance? = nil, host: HostStatistics? = nil,
                assumptions: AssumptionSummary? = nil) {
        self.assumptions = assumptions
        self.result = result
        self.energy = energy
        self.provenance = provenance
        self.host = host
    }

    // MARK: JSON

    public func json() -> JSONValue {
        let r = result
        let analytic = r.analytic
        return addingLongSequences(to: addingBias(to: addingAssumptions(to: addingExplanations(to: addingNumerics(to: addingEnergy(to: .object([
            "accelerator": .string("elsa"),
            "config": .string(r.configName),
            "trace": .string(r.traceName),
            "thresholds": .string(r.thresholds.description),
            "clock_ghz": .double(r.clockGHz),
            "totals": .object(CommonRunFields.totals(
                cycles: r.cycles, preprocessingCycles: r.preprocessingCycles, executionCycles: r.executionCycles,
                selectedPairs: r.selectedPairs, totalPairs: r.totalPairs, clockGHz: r.clockGHz, quality: r.quality
            ).merging([
                "paper_closed_form_cycles": .int(analytic.paperClosedForm),
                "lower_bound_cycles": .int(analytic.lowerBound),
                "bottleneck": bottleneckJSON(r.bottleneck),
            ]) { common, _ in common }),
            "layers": .array(r.layers.map(layerJSON)),
        ])))))))
    }

    func layerJSON(_ layer: LayerResult) -> JSONValue {
        .object(CommonRunFields.layer(
            name: layer.name, cycles: layer.cycles, preprocessingCycles: layer.preprocessingCycles,
            executionCycles: layer.executionCycles, criticalAccelerator: layer.criticalAccelerator,
            selectedPairs: layer.selectedPairs, totalPairs: layer.totalPairs, quality: layer.quality
        ).merging([
            "utilization": utilizationJSON(Self.layerUtilization(layer)),
            "bottleneck": bottleneckJSON(layer.bottleneck),
            "analytic": analyticJSON(layer.analytic, simulated: layer.cycles),
            "modules": layerModulesJSON(layer),
            "memory_traffic": trafficJSON(layer.heads.reduce(MemoryTraffic.zero) { $0 + result.traffic($1) }),
            "heads": .array(layer.heads.map(headJSON)),
        ]) { common, _ in common })
    }

    func headJSON(_ h: HeadResult) -> JSONValue {
        let t = h.timing
        func activity(_ a: UnitActivity) -> JSONValue {
            .object(["busy": .int(a.busy), "blocked": .int(a.blocked), "starved": .int(a.starved), "idle": .int(a.idle)])
        }
        let queueMax = t.queues.map(\.maximum).max() ?? 0
        let queueMean = t.queues.isEmpty ? 0 : t.queues.reduce(0.0) { $0 + $1.mean(over: t.executionCycles) } / Double(t.queues.count)
        return .object([
            "head": .int(Int64(h.head)),
            "accelerator": .int(Int64(h.accelerator)),
            "cycles": .int(t.totalCycles),
            "preprocessing_cycles": .int(t.preprocessingCycles),
            "execution_cycles": .int(t.executionCycles),
            "selected_pairs": .int(Int64(h.selectedPairs)),
            "total_pairs": .int(Int64(h.totalPairs)),
            "threshold": h.threshold.map { .double($0) } ?? .null,
            "utilization": utilizationJSON(h.utilization),
            "stall_cycles": .object(["candidate_selection": .int(t.selectorStallCycles)]),
            "bottleneck": bottleneckJSON(h.bottleneck),
            "analytic": analyticJSON(h.analytic, simulated: t.totalCycles),
            "modules": .object([
                "hash": activity(t.hash),
                "norm": activity(t.norm),
                "candidate_selection": activity(t.selectors.reduce(UnitActivity(), +)),
                "attention": activity(t.attention.reduce(UnitActivity(), +)),
                "output_division": activity(t.outputDivision),
            ]),
            "selector_queues": .object(["max_occupancy": .int(Int64(queueMax)), "mean_occupancy": .double(queueMean)]),
            "quality": h.quality.map(QualityFields.json) ?? .null,
        ])
    }

    func utilizationJSON(_ u: ModuleUtilization) -> JSONValue {
        .object(["hash": .double(u.hash), "norm": .double(u.norm), "candidate_selection": .double(u.candidateSelection),
                 "attention": .double(u.attention), "output_division": .double(u.outputDivision)])
    }

    /// A layer's utilization: Σ busy over its heads / Σ (cycles × instances) — cycle-weighted over heads.
    public static func layerUtilization(_ layer: LayerResult) -> ModuleUtilization {
        ModuleUtilization(heads: layer.heads.map(\.timing))
    }

    // MARK: CSV

    public static let csvHeader = "layer,head,accelerator,cycles,preprocessing_cycles,execution_cycles,selected_pairs,total_pairs,selected_fraction,threshold,util_hash,util_norm,util_candidate_selection,util_attention,util_output_division,stall_cycles_candidate_selection,bottleneck,bottleneck_busy_share,paper_closed_form_cycles,lower_bound_cycles,"
        + QualityFields.csvColumns.joined(separator: ",")

    public func csv() -> String {
        // Provenance closes every row, so a row copied out of the file still says what produced it.
        let provenanceCells = provenance.map { p in
            "," + [p.simulatorVersion, p.configHash, p.traceHash, p.engine].map(Self.csvField).joined(separator: ",")
        } ?? ""
        var lines = [Self.csvHeader + (energy == nil ? "" : "," + Self.csvEnergyHeader)
                     + (result.bias.isVisible ? ",bias_policy" : "")
                     + numericsCSVHeader + (provenance == nil ? "" : ",simulator,config_hash,trace_hash,engine") + ",trace,config"]
        // The trace and config names close every row (the same last columns in every model's run CSV).
        let nameCells = "," + [result.traceName, result.configName].map(Self.csvField).joined(separator: ",")
        let energyCells = energyCSVSuffixes(), numericsCells = numericsCSVSuffixes()
        for layer in result.layers {
            for h in layer.heads {
                let t = h.timing, u = h.utilization
                let fields: [String] = [
                    layer.name, "\(h.head)", "\(h.accelerator)", "\(t.totalCycles)", "\(t.preprocessingCycles)",
                    "\(t.executionCycles)", "\(h.selectedPairs)", "\(h.totalPairs)",
                    Self.number(h.totalPairs == 0 ? 0 : Double(h.selectedPairs) / Double(h.totalPairs)),
                    h.threshold.map(Self.number) ?? "",
                    Self.number(u.hash), Self.number(u.norm), Self.number(u.candidateSelection),
                    Self.number(u.attention), Self.number(u.outputDivision), "\(t.selectorStallCycles)",
                    h.bottleneck.kind.rawValue, Self.number(h.bottleneck.share),
                    "\(h.analytic.paperClosedForm)", "\(h.analytic.lowerBound)",
                ] + QualityFields.csvValues(h.quality)
                lines.append(fields.map(Self.csvField).joined(separator: ",") + (energyCells.isEmpty ? "" : energyCells[lines.count - 1])
                             + biasCSVCell + (numericsCells.isEmpty ? "" : numericsCells[lines.count - 1]) + provenanceCells + nameCells)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ d: Double) -> String { JSONValue.format(d) }

    package static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    // MARK: Human table

    public func table() -> String {
        let r = result
        var out = "elsa-sim run — config \(r.configName), trace \(r.traceName), thresholds \(r.thresholds), clock \(JSONValue.format(r.clockGHz)) GHz\(biasHeader)\n"
        if let p = provenance {
            out += "elsa-sim \(p.simulatorVersion), \(p.engine) engine; config \(p.configHash); trace \(p.traceHash)\n"
        }
        out += assumptions?.headerLine ?? ""
        var rows: [[String]] = [["layer", "preproc", "exec", "total", "time µs", "selected", "mass", "err", "hash", "norm", "select",
                                 "attn", "outdiv", "bound by", "paper CF", "Δ"]]
        for layer in r.layers {
            let u = Self.layerUtilization(layer)
            rows.append([layer.name, "\(layer.preprocessingCycles)", "\(layer.executionCycles)", "\(layer.cycles)",
                         Self.fixed(r.microseconds(layer.cycles), 2),
                         Self.percent(layer.selectedPairs, layer.totalPairs),
                         QualityFields.massCell(layer.quality?.massKeptMean), QualityFields.errorCell(layer.quality?.outputError),
                         Self.percent(u.hash), Self.percent(u.norm), Self.percent(u.candidateSelection),
                         Self.percent(u.attention), Self.percent(u.outputDivision),
                         Self.bottleneckCell(layer.bottleneck), "\(layer.analytic.paperClosedForm)",
                         Self.signedPercent(layer.cycles, layer.analytic.paperClosedForm)])
        }
        let analytic = r.analytic
        rows.append(["total", "\(r.preprocessingCycles)", "\(r.executionCycles)", "\(r.cycles)",
                     Self.fixed(r.microseconds(r.cycles), 2), Self.percent(r.selectedPairs, r.totalPairs),
                     QualityFields.massCell(r.quality?.massKeptMean), QualityFields.errorCell(r.quality?.outputError),
                     "", "", "", "", "", "", "\(analytic.paperClosedForm)", Self.signedPercent(r.cycles, analytic.paperClosedForm)])
        out += TextTable.render(rows, rightAligned: Set(1 ..< 16).subtracting([13]), ruleBefore: [1, rows.count - 1])
        out += "cycles: integers at \(JSONValue.format(r.clockGHz)) GHz; utilization = busy / cycles per module kind; bound by = the module kind whose busiest instance is busiest in the execution phase (its busy share of execution cycles); paper CF = ELSA IV-D closed form, Δ = simulated vs it (docs/model.md §5, §6)\n"
        out += "mass: mean exact softmax mass on the selected keys; err: relative L2 error of the output (docs/quality.md)\n"
        out += numericsTable()
        out += longSequenceLines()
        out += energyTable()
        return out
    }

    static func fixed(_ d: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", d) }
    static func percent(_ d: Double) -> String { String(format: "%.1f%%", d * 100) }
    static func percent(_ a: Int, _ b: Int) -> String { b == 0 ? "—" : percent(Double(a) / Double(b)) }
}
