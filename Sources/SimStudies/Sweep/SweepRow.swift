import SimIO
import SimCharts
import SimReports
import Foundation
import SimCore
import ElsaModel

/// One simulated sweep point as stored in the outputs: its JSON Lines text (kept byte for byte, so
/// resumed and merged outputs equal fresh ones) and the parsed value the CSV and plots read
/// (`docs/sweeps.md`, "Row fields").
public struct SweepRow: Sendable {
    public let index: Int
    /// `config_hash`: `ConfigIdentity.hash(of:)` of the point's effective config.
    public let configHash: String
    public let traceID: String
    /// The row's JSON text, without the newline.
    public let line: String
    public let value: JSONValue

    /// Parses a row line of a sweep output.
    public init(line: String, file: String, lineNumber: Int) throws(SweepError) {
        guard let value = try? JSONValue.parse(Data(line.utf8)), let o = value.objectValue,
              let index = o["index"]?.integerValue, let configHash = o["config_hash"]?.stringValue,
              let traceID = o["trace_hash"]?.stringValue else {
            throw .malformedOutput(file: file, line: lineNumber, message: "not a sweep row (a JSON object with index, config_hash and trace_hash)")
        }
        // Rows read back (resume, merge) are held to what a fresh row satisfies.
        guard index >= 0 else {
            throw .malformedOutput(file: file, line: lineNumber, message: "index: \(index) is negative; expected a point index ≥ 0")
        }
        for key in ["cycles", "preprocessing_cycles", "execution_cycles", "selected_pairs", "total_pairs"] {
            guard let field = o[key], field != .null else { continue }
            guard let n = field.integerValue, n >= 0 else {
                throw .malformedOutput(file: file, line: lineNumber,
                                       message: "\(key): \(SweepRow.clip(field.serialized())) is not valid; expected an integer ≥ 0")
            }
        }
        if let selected = o["selected_pairs"]?.integerValue, let total = o["total_pairs"]?.integerValue, selected > total {
            throw .malformedOutput(file: file, line: lineNumber,
                                   message: "selected_pairs: \(selected) exceeds total_pairs \(total)")
        }
        self.index = index
        self.configHash = configHash
        self.traceID = traceID
        self.line = line
        self.value = value
    }

    /// `text` cut to 60 characters for a message.
    static func clip(_ text: String) -> String { text.count > 60 ? String(text.prefix(60)) + "…" : text }

    /// The row of point `index`: swept values, totals, utilization, execution-phase peaks, stalls,
    /// area proxy and the keys that resuming checks, then what `run` reports for the whole trace
    /// (`RunSummary`: quality, energy, area, throughput per area, bottleneck, closed form and
    /// lower bound, simulator version).
    ///
    /// - Parameters:
    ///   - values: the swept fields' values, in column order.
    ///   - tokens: the trace's real tokens `n` (for the hash unit's execution-phase busy cycles).
    ///   - shape: the trace's shape (`n`, `head_dim`, `layers`, `heads`, `kv_heads` of the row).
    ///   - bound: ELSA IV-D's per-query bound summed over every head (`SteadyStateBound`).
    ///   - simulator: the simulator's version string (`BuildInfo.version`), written as `elsa-sim VERSION`.
    public static func make(index: Int, trace: TraceIdentity, configHash: String, values: [(field: String, value: JSONValue)],
                            config: ElsaConfig, result: SimulationResult, tokens: Int, shape: SweepTraceShape,
                            bound: SteadyStateBound, simulator: String) -> SweepRow {
        let m = SweepMetrics(result: result, parameters: TimingParameters(config: config), tokens: tokens)
        let area = AreaProxy(config: config)
        let summary = RunSummary(config: config, result: result, simulator: simulator)
        var swept: [String: JSONValue] = [:]
        for (field, value) in values { swept[field] = value }
        let object: JSONValue = .object([
            "index": .int(Int64(index)),
            "trace": .string(trace.name),
            "trace_hash": .string(trace.id),
            "config_hash": .string(configHash),
            "config": .string(config.name),
            "values": .object(swept),
            "cycles": .int(result.cycles),
            "preprocessing_cycles": .int(result.preprocessingCycles),
            "execution_cycles": .int(result.executionCycles),
            "preprocessing_share": .double(result.cycles == 0 ? 0 : Double(result.preprocessingCycles) / Double(result.cycles)),
            "time_us": .double(result.microseconds(result.cycles)),
            "selected_pairs": .int(Int64(result.selectedPairs)),
            "total_pairs": .int(Int64(result.totalPairs)),
            "selected_fraction": .double(result.totalPairs == 0 ? 0 : Double(result.selectedPairs) / Double(result.totalPairs)),
            "utilization": m.utilization.json,
            "execution_peak": m.executionPeak.json,
            "stall_cycles": .object(["candidate_selection": .int(m.selectorStalls), "attention": .int(m.attentionBlocked)]),
            "paper_bound": boundJSON(bound),
            "area_proxy": .object(["multipliers": .int(Int64(area.multipliers)), "selectors": .int(Int64(area.selectors)),
                                   "units": .int(Int64(area.units))]),
        ].merging(summary.fields) { old, _ in old }.merging(shape.fields) { old, _ in old })
        let line = object.serialized()
        // Re-parse so a fresh row carries exactly the value a row read back from a file would.
        return try! SweepRow(line: line, file: "(memory)", lineNumber: 0)
    }

    static func boundJSON(_ b: SteadyStateBound) -> JSONValue {
        let q = b.queries == 0 ? 1 : b.queries
        return .object([
            "execution_cycles": .int(b.cycles),
            "limiter": .object(["hash": .double(b.hash / q), "candidate_selection": .double(b.candidateSelection / q),
                                "attention": .double(b.attention / q), "output_division": .double(b.outputDivision / q)]),
        ])
    }

    /// The number at a dotted path of the row (`cycles`, `utilization.attention`, `values.approximation.p`).
    public func number(_ path: String) -> Double? {
        Self.lookup(value, path)?.doubleValue
    }

    /// The value at a dotted path of a row (`values.FIELD` reads a swept field whose name has dots).
    public static func lookup(_ value: JSONValue, _ path: String) -> JSONValue? {
        if path.hasPrefix("values.") {
            return value.objectValue?["values"]?.objectValue?[String(path.dropFirst("values.".count))]
        }
        return value.value(atDottedPath: path)
    }
}

/// Per-kind shares of one whole simulation (every head of every layer): utilization = Σ busy /
/// Σ (T × instances) (`docs/model.md` §5 utilization, cycle-weighted over heads), and the execution
/// peak = Σ over heads of the busiest instance's busy cycles in `[P, T)` / Σ over heads of `X`
/// (`docs/sweeps.md`, "Row fields"). A peak near 1 marks the unit that sets the pace.
struct SweepMetrics {
    struct Shares {
        var hash = 0.0, norm = 0.0, candidateSelection = 0.0, attention = 0.0, outputDivision = 0.0
        var includesNorm = true
        var json: JSONValue {
            var o: [String: JSONValue] = ["hash": .double(hash), "candidate_selection": .double(candidateSelection),
                                          "attention": .double(attention), "output_division": .double(outputDivision)]
            if includesNorm { o["norm"] = .double(norm) }
            return .object(o)
        }
    }

    var utilization = Shares()
    var executionPeak = Shares(includesNorm: false)
    var selectorStalls: Cycle = 0
    var attentionBlocked: Cycle = 0

    init(result: SimulationResult, parameters: TimingParameters, tokens: Int) {
        for layer in result.layers {
            for head in layer.heads {
                let t = head.timing
                selectorStalls += t.selectorStallCycles
                attentionBlocked += t.attention.reduce(0) { $0 + $1.blocked }
            }
        }
        let u = ModuleUtilization(heads: result.layers.flatMap { $0.heads.map(\.timing) })
        utilization = Shares(hash: u.hash, norm: u.norm, candidateSelection: u.candidateSelection, attention: u.attention,
                             outputDivision: u.outputDivision)
        // The bottleneck's own per-kind peaks, so `bottleneck` is always the argmax of `peak_*`.
        let peak = result.bottleneck.peak
        executionPeak = Shares(hash: peak[.hash] ?? 0, candidateSelection: peak[.candidateSelection] ?? 0,
                               attention: peak[.attention] ?? 0, outputDivision: peak[.outputDivision] ?? 0,
                               includesNorm: false)
    }
}

/// A stand-in for silicon area until an area model exists (`docs/sweeps.md`, "Area proxy"): the
/// multipliers `m_h + Pa·2·d + m_o` (hash unit, the attention modules' dot product and weighted sum,
/// output division; ELSA IV-C) and the `Pa·Pc` candidate selectors, times `accelerators`. `units`
/// counts one per multiplier and one per selector. It is a count, not mm².
public struct AreaProxy: Sendable, Equatable {
    public var multipliers: Int
    public var selectors: Int
    public var units: Int { multipliers + selectors }

    public init(config: ElsaConfig) {
        let perAccelerator = config.hash.multipliers + config.attentionModules * 2 * config.headDim + config.outputDivision.multipliers
        multipliers = perAccelerator * config.accelerators
        selectors = config.attentionModules * config.selectorsPerModule * config.accelerators
    }
}

