import SimIO
import SimCharts
import Foundation
import SimCore
import ElsaModel

/// The report of `elsa-sim compare` (`docs/sweeps.md`, "Compare"): for every trace, layer and config
/// variant, preprocessing and execution cycles, the preprocessing share and the speedup over the
/// baseline variant (baseline cycles / variant cycles, layer by layer and in total), as a table, CSV,
/// JSON and a stacked bar chart normalized to the baseline (ELSA Fig. 11(b)).
public struct CompareReport {
    /// One compared configuration: a config file plus overrides.
    public struct Variant: Sendable {
        public var label: String
        public var configName: String
        public var configHash: String
        /// The overrides applied on top of the file, as `path=value`.
        public var overrides: [String]
        /// The effective config simulated (`--print-config` form), written beside the outputs as `OUT.config-K.json`.
        public var effectiveConfig: JSONValue

        public init(label: String, configName: String, configHash: String, overrides: [String], effectiveConfig: JSONValue = .null) {
            self.label = label
            self.configName = configName
            self.configHash = configHash
            self.overrides = overrides
            self.effectiveConfig = effectiveConfig
        }
    }

    public let variants: [Variant]
    public let traces: [TraceIdentity]
    /// `results[trace][variant]`, in the common schema of every accelerator.
    public let results: [[AcceleratorRun]]
    /// Index of the baseline variant.
    public let baseline: Int
    /// What `run` reports for each whole trace, `summaries[trace][variant]` (`CompareReport+Summary.swift`);
    /// empty when not given; `nil` for a model without one (energy and area are ELSA's).
    public let summaries: [[RunSummary?]]
    /// Provenance of the inputs (`CompareProvenance`); `nil` when not given.
    public let provenance: CompareProvenance?
    /// How the simulator performed; reported apart from the results.
    public let host: BatchHostStatistics?
    /// Each variant's modelling assumptions and calibration source (`AssumptionSummary`); empty when not
    /// given, `nil` for a model without any.
    public let assumptions: [AssumptionSummary?]
    /// The first variant that is the ideal accelerator (`"accelerator": "ideal"`): every entry's latency is
    /// also given normalized to it (`vs_ideal`, ELSA Fig. 11(b)).
    public var idealVariant: Int? { results.first?.firstIndex { $0.accelerator == "ideal" } }

    /// ELSA results only (the common schema is built from them).
    public init(variants: [Variant], traces: [TraceIdentity], results: [[SimulationResult]], baseline: Int,
                summaries: [[RunSummary]] = [], provenance: CompareProvenance? = nil, host: BatchHostStatistics? = nil,
                assumptions: [AssumptionSummary] = []) {
        self.init(variants: variants, traces: traces, runs: results.map { $0.map(AcceleratorRun.init(elsa:)) }, baseline: baseline,
                  summaries: summaries.map { $0.map { Optional($0) } }, provenance: provenance, host: host,
                  assumptions: assumptions.map { Optional($0) })
    }

    /// Any mix of accelerators (`AcceleratorRun`); `assumptions[v]` is `nil` for a model without any.
    public init(variants: [Variant], traces: [TraceIdentity], runs results: [[AcceleratorRun]], baseline: Int,
                summaries: [[RunSummary?]] = [], provenance: CompareProvenance? = nil, host: BatchHostStatistics? = nil,
                assumptions: [AssumptionSummary?] = []) {
        self.assumptions = assumptions
        precondition(results.count == traces.count && results.allSatisfy { $0.count == variants.count }, "results are not [trace][variant]")
        precondition(baseline >= 0 && baseline < variants.count, "baseline \(baseline) outside the variants")
        precondition(summaries.isEmpty || (summaries.count == traces.count && summaries.allSatisfy { $0.count == variants.count }),
                     "summaries are not [trace][variant]")
        self.variants = variants
        self.traces = traces
        self.results = results
        self.baseline = baseline
        self.summaries = summaries
        self.provenance = provenance
        self.host = host
    }

    /// One (trace, layer-or-total, variant) cell of the comparison.
    public struct Entry: Sendable, Equatable {
        public var trace: Int
        /// Layer name, or `total`.
        public var layer: String
        public var variant: Int
        public var preprocessing: Cycle
        public var execution: Cycle
        public var cycles: Cycle { preprocessing + execution }
        public var selectedPairs: Int
        public var totalPairs: Int
        /// The baseline variant's cycles for the same trace and layer.
        public var baselineCycles: Cycle
        /// This variant's time / the ideal accelerator's time for the same trace and layer (µs at each
        /// config's clock); `nil` without an ideal variant.
        public var vsIdeal: Double? = nil

        public var preprocessingShare: Double { cycles == 0 ? 0 : Double(preprocessing) / Double(cycles) }
        /// Baseline cycles / cycles.
        public var speedup: Double { cycles == 0 ? 0 : Double(baselineCycles) / Double(cycles) }
    }

    /// Every entry: trace by trace, layers in order then `total`, variants in order.
    public var entries: [Entry] {
        var out: [Entry] = []
        let ideal = idealVariant
        func ratio(_ r: AcceleratorRun, _ cycles: Cycle, _ idealRun: AcceleratorRun, _ idealCycles: Cycle) -> Double {
            idealCycles == 0 ? 0 : r.microseconds(cycles) / idealRun.microseconds(idealCycles)
        }
        for (t, row) in results.enumerated() {
            let layerNames = row[baseline].layers.map(\.name)
            for (l, name) in layerNames.enumerated() {
                for (v, r) in row.enumerated() {
                    let layer = r.layers[l]
                    var e = Entry(trace: t, layer: name, variant: v, preprocessing: layer.preprocessingCycles,
                                  execution: layer.executionCycles, selectedPairs: layer.selectedPairs,
                                  totalPairs: layer.totalPairs, baselineCycles: row[baseline].layers[l].cycles)
                    if let ideal { e.vsIdeal = ratio(r, layer.cycles, row[ideal], row[ideal].layers[l].cycles) }
                    out.append(e)
                }
            }
            for (v, r) in row.enumerated() {
                var e = Entry(trace: t, layer: "total", variant: v, preprocessing: r.preprocessingCycles, execution: r.executionCycles,
                              selectedPairs: r.selectedPairs, totalPairs: r.totalPairs, baselineCycles: row[baseline].cycles)
                if let ideal { e.vsIdeal = ratio(r, r.cycles, row[ideal], row[ideal].cycles) }
                out.append(e)
            }
        }
        return out
    }

    // MARK: table

    public func table() -> String {
        var out = "elsa-sim compare — baseline: \(variants[baseline].label); speedup = baseline cycles / cycles\n"
        for (i, v) in variants.enumerated() {
            out += "  [\(i + 1)] \(v.label)" + (v.overrides.isEmpty ? "" : "  (\(v.overrides.joined(separator: ", ")))") + "\n"
        }
        out += assumptionLines()
        let withIdeal = idealVariant != nil
        var rows = [["trace", "layer", "config", "preproc", "exec", "total", "preproc %", "selected", "speedup"] + (withIdeal ? ["vs ideal"] : [])]
        var rules: Set<Int> = [1]
        var previous: (Int, String)? = nil
        for e in entries {
            if let p = previous, p != (e.trace, e.layer) { rules.insert(rows.count) }
            previous = (e.trace, e.layer)
            rows.append([traces[e.trace].name, e.layer, variants[e.variant].label, "\(e.preprocessing)", "\(e.execution)", "\(e.cycles)",
                         String(format: "%.1f%%", e.preprocessingShare * 100),
                         e.totalPairs == 0 ? "—" : String(format: "%.1f%%", Double(e.selectedPairs) / Double(e.totalPairs) * 100),
                         String(format: "%.2f×", e.speedup)] + (withIdeal ? [e.vsIdeal.map { String(format: "%.2f", $0) } ?? "—"] : []))
        }
        out += TextTable.render(rows, rightAligned: Set(3 ..< rows[0].count), ruleBefore: rules)
        out += "cycles: integers; a layer's cycles are its slowest accelerator's (docs/model.md §1); preproc % = preprocessing / total\n"
        if let ideal = idealVariant {
            out += "vs ideal: latency normalized to \(variants[ideal].label), the ELSA paper's ideal accelerator (time at each config's clock; ELSA Fig. 11(b); docs/ideal.md)\n"
        }
        out += summaryTable()
        return out
    }

    // MARK: CSV

    public static let csvHeader = "trace,layer,variant,config,overrides,preprocessing_cycles,execution_cycles,cycles,preprocessing_share,selected_fraction,speedup,normalized_cycles,baseline,accelerator,vs_ideal"

    public func csv() -> String {
        var lines = [summaries.isEmpty && provenance == nil ? Self.csvHeader : Self.csvHeader + "," + Self.csvSummaryHeader]
        for e in entries {
            let v = variants[e.variant]
            let fields = [traces[e.trace].name, e.layer, v.label, v.configName, v.overrides.joined(separator: " "),
                          "\(e.preprocessing)", "\(e.execution)", "\(e.cycles)", RunReport.number(e.preprocessingShare),
                          RunReport.number(e.totalPairs == 0 ? 0 : Double(e.selectedPairs) / Double(e.totalPairs)),
                          RunReport.number(e.speedup), RunReport.number(e.speedup == 0 ? 0 : 1 / e.speedup),
                          e.variant == baseline ? "yes" : "no", results[e.trace][e.variant].accelerator,
                          e.vsIdeal.map(RunReport.number) ?? ""]
            lines.append((fields + summaryCSVCells(e)).map(RunReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    public func json() -> JSONValue {
        func entryJSON(_ e: Entry) -> JSONValue {
            .object(["variant": .string(variants[e.variant].label), "preprocessing_cycles": .int(e.preprocessing),
                     "execution_cycles": .int(e.execution), "cycles": .int(e.cycles),
                     "preprocessing_share": .double(e.preprocessingShare),
                     "selected_pairs": .int(Int64(e.selectedPairs)), "total_pairs": .int(Int64(e.totalPairs)),
                     "speedup": .double(e.speedup), "vs_ideal": e.vsIdeal.map { .double($0) } ?? .null])
        }
        let all = entries
        let tracesJSON: [JSONValue] = traces.indices.map { t in
            var layers: [JSONValue] = []
            var total: JSONValue = .null
            var names: [String] = []
            for e in all where e.trace == t && !names.contains(e.layer) { names.append(e.layer) }
            for name in names {
                let cells = all.filter { $0.trace == t && $0.layer == name }.map(entryJSON)
                if name == "total" { total = .array(cells) } else {
                    layers.append(.object(["name": .string(name), "variants": .array(cells)]))
                }
            }
            var traceObject: [String: JSONValue] = ["name": .string(traces[t].name), "trace_hash": .string(traces[t].id),
                                                    "layers": .array(layers), "total": total]
            if !summaries.isEmpty { traceObject["per_config"] = summaryJSON(trace: t) }
            return .object(traceObject)
        }
        var document: [String: JSONValue] = [
            "baseline": .string(variants[baseline].label),
            "variants": .array(variants.indices.map { i in
                let v = variants[i]
                let o: [String: JSONValue] = ["label": .string(v.label), "config": .string(v.configName), "config_hash": .string(v.configHash),
                                              "accelerator": .string(results.first?[i].accelerator ?? "elsa"),
                                              "overrides": .array(v.overrides.map(JSONValue.string))]
                return .object(o)
            }),
            "traces": .array(tracesJSON),
        ]
        if let ideal = idealVariant { document["ideal"] = .string(variants[ideal].label) }
        document["units"] = .object(["cycles": .string("clock cycles (integers) at each config's clock"),
                                     "speedup": .string("baseline cycles / cycles"),
                                     "vs_ideal": .string("time / the ideal accelerator's time (µs at each config's clock)")])
        if let provenance { document["provenance"] = provenance.json(variants: variants, traces: traces) }
        if let host { document["host"] = host.json() }
        return addingAssumptions(to: .object(document))
    }

    // MARK: chart

    /// Stacked bars normalized to the baseline's cycles of the same group: one trace → one group per
    /// layer plus `total`; several traces → one group per trace (its total), as ELSA Fig. 11(b) groups
    /// workloads.
    public func chart(title: String? = nil) -> StackedBarChart {
        let all = entries
        var groups: [StackedBarChart.Group] = []
        func bars(_ cells: [Entry]) -> [StackedBarChart.Bar] {
            cells.map { e in
                let base = Double(max(1, e.baselineCycles))
                return StackedBarChart.Bar(bottom: Double(e.execution) / base, top: Double(e.preprocessing) / base)
            }
        }
        if traces.count == 1 {
            var names: [String] = []
            for e in all where !names.contains(e.layer) { names.append(e.layer) }
            for name in names { groups.append(.init(label: name, bars: bars(all.filter { $0.layer == name }))) }
        } else {
            for t in traces.indices {
                groups.append(.init(label: traces[t].name, bars: bars(all.filter { $0.trace == t && $0.layer == "total" })))
            }
        }
        let subject = traces.count == 1 ? traces[0].name : "\(traces.count) traces"
        return StackedBarChart(title: title ?? "Latency normalized to \(variants[baseline].label) — \(subject)",
                               yLabel: "cycles / \(variants[baseline].label) cycles",
                               xLabel: traces.count == 1 ? "layer" : "trace (all layers)",
                               seriesNames: variants.map(\.label), bottomName: "execution", topName: "preprocessing",
                               groups: groups, reference: 1)
    }
}
