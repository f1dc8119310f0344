import Foundation
import SimIO
import SimCore
import SimReports
import ElsaModel
import A3Model
import Workload

/// A^3 (Ham et al., HPCA 2020) as an `AcceleratorModel`: an `a3-config/1` config, simulated by
/// `A3Simulation` (greedy candidate search, post-scoring, the blocking module chain on SimCore), with
/// the approximation quality of `docs/quality.md` §1 measured on the kept keys by the same
/// `ApproximationQuality` code as ELSA (`docs/a3.md`).
public struct A3Accelerator: AcceleratorModel {
    public static let accelerator = A3ConfigLoader.accelerator
    public static let format = A3ConfigLoader.format
    public static let summary = "A^3 (HPCA 2020): greedy candidate search, post-scoring, a four-module pipeline (docs/a3.md)"

    public let config: A3Config
    public let file: String

    public init(config: A3Config, file: String) {
        self.config = config
        self.file = file
    }

    public static func load(file: String, options: LoadOptions) throws -> A3Accelerator {
        if options.hashMatrix != nil { throw AcceleratorError.unsupportedOption(option: "--hash-matrix", accelerator: accelerator, file: file) }
        if options.thresholdsPath != nil { throw AcceleratorError.unsupportedOption(option: "--thresholds", accelerator: accelerator, file: file) }
        return A3Accelerator(config: try A3ConfigLoader.load(file: file, overrides: options.overrides), file: file)
    }

    public var configName: String { config.name }
    public var clockGHz: Double { config.clockGHz }
    public var stages: [A3Stage] { A3TimingRules(config: config).stages }
    public var moduleNames: [String] { stages.map(Self.moduleName) }
    public var effectiveConfig: JSONValue { A3ConfigLoader.effectiveJSON(config) }
    public var configHash: String { ConfigIdentity.hash(of: config) }

    /// The stable report name of a module (`docs/a3.md` §7).
    public static func moduleName(_ s: A3Stage) -> String {
        switch s {
        case .candidateSelection: return "candidate_selection"
        case .dotProduct: return "dot_product"
        case .exponent: return "exponent"
        case .output: return "output"
        }
    }

    /// The result and the per-head quality (`[layer][head]`, `nil` when not measured).
    public struct Result: Sendable {
        public var simulation: A3SimulationResult
        public var quality: [[QualityStatistics?]]
    }

    public func validate(trace: AttentionTrace) throws {
        if let (path, message) = config.mismatch(headDim: trace.headDim, tokens: trace.tokens) {
            throw ConfigError.inFile(file: file, error: .inconsistent(path: path, message: message))
        }
    }

    public func simulate(trace: AttentionTrace, traceName: String, options: SimulationOptions,
                         progress: (@Sendable (Int, Int) -> Void)?) throws -> Result {
        try validate(trace: trace)
        let counter = Counter(total: trace.layers.count * trace.queryHeads, progress: progress)
        let quality = options.quality
        let (result, measures) = A3Simulation.run(trace: trace, traceName: traceName, config: config, threads: options.threads) {
            layer, head, selection -> QualityStatistics? in
            let measured = quality ? ApproximationQuality.measure(trace: trace, layer: layer, queryHead: head,
                                                                  selection: Self.selectionMatrix(selection)) : nil
            counter.finishOne()
            return measured
        }
        return Result(simulation: result, quality: measures)
    }

    /// The kept keys as ELSA's `SelectionMatrix` (same bit layout), for `ApproximationQuality`.
    public static func selectionMatrix(_ s: A3HeadSelection) -> SelectionMatrix {
        var m = SelectionMatrix(keys: s.keys, visible: ContiguousArray(s.visible))
        precondition(m.wordsPerRow == s.wordsPerRow, "selection layouts differ")
        m.bits = ContiguousArray(s.bits)
        return m
    }

    /// `approximate`, `candidate_pairs` (Σ C) and `candidate_fraction` (Σ C / Σ v).
    public func runExtras(_ result: Result) -> [(key: String, value: JSONValue)] {
        let r = result.simulation
        return [("approximate", .bool(r.approximate)), ("candidate_pairs", .int(Int64(r.candidatePairs))),
                ("candidate_fraction", .double(r.totalPairs == 0 ? 0 : Double(r.candidatePairs) / Double(r.totalPairs)))]
    }

    public func common(_ result: Result) -> AcceleratorRun {
        let r = result.simulation
        let names = moduleNames
        let layers = r.layers.enumerated().map { l, layer in
            AcceleratorLayer(name: layer.name, heads: layer.heads.map { h in
                AcceleratorHead(layer: h.layer, head: h.head, accelerator: h.unit, cycles: h.totalCycles,
                                preprocessingCycles: h.preprocessingCycles, selectedPairs: h.selectedPairs, totalPairs: h.totalPairs,
                                modules: h.pipeline.activity.enumerated().map { m, a in
                                    // The pipeline's activity covers its execution cycles; the module waits (idle) during the host sort.
                                    var shifted = a
                                    shifted.idle += h.preprocessingCycles
                                    return ModuleActivity(name: names[m], instances: 1, activity: shifted)
                                },
                                quality: result.quality[l][h.head],
                                extras: [("iterations", .int(Int64(h.iterations))), ("candidate_pairs", .int(Int64(h.candidatePairs))),
                                         ("first_query_latency", h.pipeline.completions.isEmpty ? .null : .int(h.pipeline.latency(query: 0))),
                                         ("max_in_flight", .int(Int64(h.pipeline.inFlight.maximum)))])
            }, criticalAccelerator: layer.criticalUnit, cycles: layer.cycles, preprocessingCycles: layer.preprocessingCycles)
        }
        return AcceleratorRun(accelerator: Self.accelerator, configName: r.configName, traceName: r.traceName, clockGHz: r.clockGHz,
                              moduleNames: names, layers: layers)
    }

    public func report(_ result: Result, trace: AttentionTrace, traceName: String, traceHash: String, simulator: String, engine: String,
                       host: HostStatistics?, evaluatedTraces: [String]) -> any RunOutput {
        let r = result.simulation
        return AcceleratorRunReport(
            run: common(result), extras: runExtras(result),
            provenance: ReportProvenance(simulatorVersion: simulator, configHash: configHash, traceHash: traceHash, engine: engine),
            host: host, headline: r.approximate ? "approximate" : "base",
            notes: ["A^3: preproc = the host's sort of the key columns; selected = keys kept by post-scoring (K); a3.candidate_pairs = candidates of the greedy search (C); modules: docs/a3.md §7"])
    }

    /// The A^3 pipeline of the chosen head replayed with its spans recorded: one track per module,
    /// a busy span per query it works on and a blocked span while the next module is occupied.
    /// Cycles count from the head's start, so the pipeline starts after the host sort (preprocessing).
    public func checkTimeline(_ request: TimelineRequest, trace: AttentionTrace) throws {
        if request.svg { throw TimelineError.unsupported(accelerator: Self.accelerator, what: "--timeline-svg") }
    }

    public func timeline(_ request: TimelineRequest, trace: AttentionTrace, traceName: String, result: Result) throws -> TimelineOutput {
        try checkTimeline(request, trace: trace)
        let head = result.simulation.layers[request.layer].heads[request.head]
        let selection = A3FunctionalModel(config: config).selectHead(trace: trace, layer: request.layer, queryHead: request.head)
        let rules = A3TimingRules(config: config)
        let (timing, spans) = A3Pipeline.simulateRecording(stages: rules.stages, durations: rules.durations(selection.work))
        precondition(timing == head.pipeline, "the recorded A^3 run differs from the simulation")
        let offset = head.preprocessingCycles
        let total = head.totalCycles
        let window = request.window ?? TimelineWindow(start: 0, end: max(1, total))
        guard window.start < max(1, total) else { throw TimelineError.windowOutside(start: window.start, cycles: total) }
        let name = "\(trace.layers[request.layer].name) head \(request.head)"
        let names = moduleNames
        var tracks: [(tid: Int, name: String)] = []
        if offset > 0 { tracks.append((1, "host sort")) }
        for (m, n) in names.enumerated() { tracks.append((m + 2, n.replacingOccurrences(of: "_", with: " "))) }
        var events = ChromeTraceEvents.header(title: name, tracks: tracks)
        func clipped(_ start: Cycle, _ end: Cycle) -> (Cycle, Cycle)? {
            let a = max(start, window.start), b = min(end, window.end)
            return a < b ? (a, b) : nil
        }
        if offset > 0, let (a, b) = clipped(0, offset) {
            events.append(ChromeTraceEvents.span(tid: 1, label: "sort key columns", busy: true, start: a, length: b - a, query: -1))
        }
        for s in spans {
            guard let (a, b) = clipped(s.start + offset, s.end + offset) else { continue }
            events.append(ChromeTraceEvents.span(tid: s.stage + 2, label: "q\(s.query)", busy: s.busy, start: a, length: b - a, query: s.query))
        }
        guard events.count <= request.maxEvents else {
            throw TimelineError.tooManyEvents(events: events.count, limit: request.maxEvents, head: name, cycles: total)
        }
        let metadata: [String: JSONValue] = [
            "accelerator": .string(Self.accelerator), "config": .string(config.name), "trace": .string(traceName),
            "layer": .string(trace.layers[request.layer].name), "head": .int(Int64(request.head)),
            "window": .array([.int(window.start), .int(window.end)]), "total_cycles": .int(total),
            "preprocessing_cycles": .int(offset),
        ]
        return TimelineOutput(chromeJSON: request.chrome ? ChromeTraceEvents.render(events: events, metadata: metadata) : nil,
                              svg: nil, events: events.count, name: name, window: window)
    }
}
