import SimIO
import Foundation
import SimCore
import ElsaModel

/// What produced a report, for any accelerator: the simulator version, the `config_hash` / `trace_hash` identities (`docs/reports.md`) of
/// the effective config and of the trace, and the engine (`docs/reports.md`, "Header and provenance").
public struct ReportProvenance: Sendable, Equatable {
    public var simulatorVersion: String
    public var configHash: String
    public var traceHash: String
    public var engine: String

    public init(simulatorVersion: String, configHash: String, traceHash: String, engine: String = "event") {
        self.simulatorVersion = simulatorVersion
        self.configHash = configHash
        self.traceHash = traceHash
        self.engine = engine
    }

    public func json() -> JSONValue {
        .object(["simulator": .string("elsa-sim " + simulatorVersion), "config_hash": .string(configHash),
                 "trace_hash": .string(traceHash), "engine": .string(engine)])
    }
}

/// The report of `elsa-sim run` for a model without a report of its own (A^3, the ideal accelerator):
/// table, JSON and CSV in the common schema of `docs/reports.md` — the keys ELSA's `RunReport` uses for
/// the same quantities, the model's own fields under its namespace (`"a3": {...}`), a `units` block.
public struct AcceleratorRunReport: Sendable {
    public let run: AcceleratorRun
    /// The model's run-level fields, written under `run.accelerator` at the top level.
    public let extras: [(key: String, value: JSONValue)]
    public let provenance: ReportProvenance?
    public let host: HostStatistics?
    /// A one-line description of the model for the table header (e.g. `approximate`).
    public let headline: String
    /// Extra lines under the table (what each column means for this model).
    public let notes: [String]

    public init(run: AcceleratorRun, extras: [(key: String, value: JSONValue)] = [], provenance: ReportProvenance? = nil,
                host: HostStatistics? = nil, headline: String = "", notes: [String] = []) {
        self.run = run
        self.extras = extras
        self.provenance = provenance
        self.host = host
        self.headline = headline
        self.notes = notes
    }

    /// The `units` block every run JSON carries.
    public static let units: JSONValue = .object(CommonRunFields.units)

    // MARK: JSON

    public func json() -> JSONValue {
        let r = run
        var root: [String: JSONValue] = [
            "accelerator": .string(r.accelerator),
            "config": .string(r.configName),
            "trace": .string(r.traceName),
            "clock_ghz": .double(r.clockGHz),
            "totals": .object(CommonRunFields.totals(
                cycles: r.cycles, preprocessingCycles: r.preprocessingCycles, executionCycles: r.executionCycles,
                selectedPairs: r.selectedPairs, totalPairs: r.totalPairs, clockGHz: r.clockGHz, quality: r.quality)),
            "layers": .array(r.layers.map(layerJSON)),
            "units": Self.units,
        ]
        if !extras.isEmpty { root[r.accelerator] = Self.object(extras) }
        if let provenance { root["provenance"] = provenance.json() }
        if let host { root["host"] = host.json() }
        return .object(root)
    }

    static func object(_ pairs: [(key: String, value: JSONValue)]) -> JSONValue {
        .object(Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    static func activityJSON(_ a: UnitActivity) -> JSONValue {
        .object(["busy": .int(a.busy), "blocked": .int(a.blocked), "starved": .int(a.starved), "idle": .int(a.idle)])
    }

    func utilizationJSON(_ heads: [AcceleratorHead]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: AcceleratorRun.utilization(heads, moduleNames: run.moduleNames).map { ($0.name, JSONValue.double($0.share)) }))
    }

    func modulesJSON(_ heads: [AcceleratorHead]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: run.moduleNames.map { name in
            let sum = heads.reduce(UnitActivity()) { acc, h in acc + (h.modules.first { $0.name == name }?.activity ?? UnitActivity()) }
            return (name, Self.activityJSON(sum))
        }))
    }

    func layerJSON(_ layer: AcceleratorLayer) -> JSONValue {
        .object(CommonRunFields.layer(
            name: layer.name, cycles: layer.cycles, preprocessingCycles: layer.preprocessingCycles,
            executionCycles: layer.executionCycles, criticalAccelerator: layer.criticalAccelerator,
            selectedPairs: layer.selectedPairs, totalPairs: layer.totalPairs, quality: layer.quality
        ).merging([
            "utilization": utilizationJSON(layer.heads),
            "modules": modulesJSON(layer.heads),
            "heads": .array(layer.heads.map(headJSON)),
        ]) { common, _ in common })
    }

    func headJSON(_ h: AcceleratorHead) -> JSONValue {
        var o: [String: JSONValue] = [
            "head": .int(Int64(h.head)),
            "accelerator": .int(Int64(h.accelerator)),
            "cycles": .int(h.cycles),
            "preprocessing_cycles": .int(h.preprocessingCycles),
            "execution_cycles": .int(h.executionCycles),
            "selected_pairs": .int(Int64(h.selectedPairs)),
            "total_pairs": .int(Int64(h.totalPairs)),
            "utilization": utilizationJSON([h]),
            "modules": modulesJSON([h]),
            "quality": h.quality.map(QualityFields.json) ?? .null,
        ]
        if !h.extras.isEmpty { o[run.accelerator] = Self.object(h.extras) }
        return .object(o)
    }

    // MARK: CSV

    /// The columns every accelerator's run CSV starts with (ELSA's names and order).
    public static let commonCSVColumns = ["layer", "head", "accelerator", "cycles", "preprocessing_cycles", "execution_cycles",
                                          "selected_pairs", "total_pairs", "selected_fraction"]
    /// The columns every run CSV ends with: provenance, then the trace and config names.
    public static let provenanceCSVColumns = ["simulator", "config_hash", "trace_hash", "engine", "trace", "config"]

    public var csvHeader: String {
        let extraKeys = run.layers.first?.heads.first?.extras.map { "\(run.accelerator)_\($0.key)" } ?? []
        return (Self.commonCSVColumns + run.moduleNames.map { "util_\($0)" } + QualityFields.csvColumns + extraKeys
            + Self.provenanceCSVColumns).joined(separator: ",")
    }

    public func csv() -> String {
        var lines = [csvHeader]
        let tail = [provenance.map { "elsa-sim " + $0.simulatorVersion } ?? "", provenance?.configHash ?? "", provenance?.traceHash ?? "",
                    provenance?.engine ?? "", run.traceName, run.configName]
        for layer in run.layers {
            for h in layer.heads {
                let cells = [layer.name, "\(h.head)", "\(h.accelerator)", "\(h.cycles)", "\(h.preprocessingCycles)", "\(h.executionCycles)",
                             "\(h.selectedPairs)", "\(h.totalPairs)",
                             JSONValue.format(h.totalPairs == 0 ? 0 : Double(h.selectedPairs) / Double(h.totalPairs))]
                    + AcceleratorRun.utilization([h], moduleNames: run.moduleNames).map { JSONValue.format($0.share) }
                    + QualityFields.csvValues(h.quality)
                    + h.extras.map { $0.value.csvCell }
                    + tail
                lines.append(cells.map(RunReport.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Table

    public func table() -> String {
        let r = run
        var out = "elsa-sim run (\(r.accelerator)) — config \(r.configName), trace \(r.traceName)\(headline.isEmpty ? "" : ", " + headline), clock \(JSONValue.format(r.clockGHz)) GHz\n"
        if let p = provenance { out += "elsa-sim \(p.simulatorVersion), \(p.engine) engine; config \(p.configHash); trace \(p.traceHash)\n" }
        var rows: [[String]] = [["layer", "preproc", "exec", "total", "time µs", "selected", "mass", "err"] + r.moduleNames]
        func row(_ name: String, pre: Cycle, exec: Cycle, total: Cycle, sel: Int, pairs: Int, q: QualityStatistics?,
                 heads: [AcceleratorHead]) -> [String] {
            [name, "\(pre)", "\(exec)", "\(total)", String(format: "%.2f", r.microseconds(total)),
             pairs == 0 ? "—" : String(format: "%.1f%%", Double(sel) / Double(pairs) * 100),
             QualityFields.massCell(q?.massKeptMean), QualityFields.errorCell(q?.outputError)]
                + AcceleratorRun.utilization(heads, moduleNames: r.moduleNames).map { String(format: "%.0f%%", $0.share * 100) }
        }
        for layer in r.layers {
            rows.append(row(layer.name, pre: layer.preprocessingCycles, exec: layer.executionCycles, total: layer.cycles,
                            sel: layer.selectedPairs, pairs: layer.totalPairs, q: layer.quality, heads: layer.heads))
        }
        rows.append(row("total", pre: r.preprocessingCycles, exec: r.executionCycles, total: r.cycles, sel: r.selectedPairs,
                        pairs: r.totalPairs, q: r.quality, heads: r.layers.flatMap(\.heads)))
        out += TextTable.render(rows, rightAligned: Set(1 ..< rows[0].count), ruleBefore: [1, rows.count - 1])
        out += "cycles: integers at \(JSONValue.format(r.clockGHz)) GHz; selected: computed (query, key) pairs over visible pairs; mass, err: docs/quality.md §1; module columns: busy share of the cycles (docs/reports.md)\n"
        for note in notes { out += note + "\n" }
        return out
    }
}
