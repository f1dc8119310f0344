import Foundation
import SimIO
import SimCore
import SimCharts
import SimReports
import ElsaModel
import Workload

/// ELSA (Ham et al., ISCA 2021, Section IV) as an `AcceleratorModel`: an `elsa-config/1` config with its
/// hash projection and thresholds (`SimulationInputs`), simulated by `ElsaSimulation` on the event
/// engine (or the cycle-stepped reference), reported by `RunReport` with energy and area
/// (`docs/model.md`, `docs/energy.md`).
public struct ElsaAccelerator: AcceleratorModel {
    public static let accelerator = "elsa"
    public static let format = "elsa-config/1"
    public static let summary = "ELSA (ISCA 2021): hash-based candidate selection, Pa attention modules (docs/model.md)"

    public let inputs: SimulationInputs
    public let file: String

    public init(inputs: SimulationInputs, file: String) {
        self.inputs = inputs
        self.file = file
    }

    public static func load(file: String, options: LoadOptions) throws -> ElsaAccelerator {
        ElsaAccelerator(inputs: try SimulationInputs.load(configPath: file, overrides: options.overrides, hashMatrix: options.hashMatrix,
                                                          thresholdsPath: options.thresholdsPath), file: file)
    }

    public var config: ElsaConfig { inputs.config }
    public var configName: String { inputs.config.name }
    public var clockGHz: Double { inputs.config.clockGHz }
    public var moduleNames: [String] { ["hash", "norm", "candidate_selection", "attention", "output_division"] }
    public var effectiveConfig: JSONValue { ConfigLoader.effectiveJSON(inputs.config) }
    public var configHash: String { ConfigIdentity.hash(of: inputs.config) }

    public func validate(trace: AttentionTrace) throws {
        try inputs.model.validate(trace: trace)
        _ = try inputs.thresholdMatrix(for: trace)
    }

    public func simulate(trace: AttentionTrace, traceName: String, options: SimulationOptions,
                         progress: (@Sendable (Int, Int) -> Void)?) throws -> SimulationResult {
        guard let engine = TimingEngine(rawValue: options.engine) else {
            throw ConfigError.invalidValue(path: "--engine", value: options.engine, expected: "event or reference")
        }
        return try ElsaSimulation.run(trace: trace, traceName: traceName, model: inputs.model,
                                      thresholds: try inputs.thresholdMatrix(for: trace), engine: engine, threads: options.threads,
                                      quality: options.quality, progress: progress)
    }

    public func common(_ result: SimulationResult) -> AcceleratorRun { AcceleratorRun(elsa: result) }

    public func report(_ result: SimulationResult, trace: AttentionTrace, traceName: String, traceHash: String, simulator: String,
                       engine: String, host: HostStatistics?, evaluatedTraces: [String]) -> any RunOutput {
        return RunReport(result: result, energy: EnergyModel(config: inputs.config).report(for: result),
                         provenance: Provenance(simulatorVersion: simulator, config: inputs.config, traceHash: traceHash, engine: engine),
                         host: host, assumptions: inputs.assumptions(evaluatedTraces: evaluatedTraces))
    }

    public func summary(_ result: SimulationResult, simulator: String) -> RunSummary? {
        RunSummary(config: inputs.config, result: result, simulator: simulator)
    }

    public func ignoresOverride(_ path: String) -> Bool { inputs.model.isExact && path.hasPrefix("approximation.") }

    public func assumptions(evaluatedTraces: [String]) -> AssumptionSummary? { inputs.assumptions(evaluatedTraces: evaluatedTraces) }

    /// The chosen head simulated again with the pipeline's interval recorder on (same selection, same
    /// counters; `docs/sweeps.md`, "Cycle timeline").
    /// A timeline records one untiled invocation: a trace longer than the key memory is refused.
    public func checkTimeline(_ request: TimelineRequest, trace: AttentionTrace) throws {
        if trace.tokens > inputs.config.keyMemoryCapacity {
            throw TimelineError.tiledHead(tokens: trace.tokens, capacity: inputs.config.keyMemoryCapacity)
        }
    }

    public func timeline(_ request: TimelineRequest, trace: AttentionTrace, traceName: String,
                         result: SimulationResult) throws -> TimelineOutput {
        try checkTimeline(request, trace: trace)
        let headResult = result.layers[request.layer].heads[request.head]
        let selection = inputs.config.numerics.mode == .elsa  // the hardware's own selection (docs/numerics.md §7)
            ? HardwareDatapath(config: inputs.config, projection: inputs.model.projection)
                .select(trace: trace, layer: request.layer, queryHead: request.head, threshold: headResult.threshold).0
            : inputs.model.selectHead(trace: trace, layer: request.layer, queryHead: request.head,
                                      threshold: headResult.threshold).selection
        let parameters = TimingParameters(config: inputs.config)
        let (timing, full) = ElsaPipeline.simulateRecording(parameters: parameters, selection: selection)
        precondition(timing == headResult.timing, "the recorded run of \(trace.layers[request.layer].name) head \(request.head) differs from the simulation")
        let window = request.window ?? TimelineWindow(start: 0, end: timing.totalCycles)
        guard window.start < timing.totalCycles else {
            throw TimelineError.windowOutside(start: window.start, cycles: timing.totalCycles)
        }
        let recording = window.clip(full)
        let name = "\(trace.layers[request.layer].name) head \(request.head)"
        var output = TimelineOutput(chromeJSON: nil, svg: nil, events: 0, name: name, window: window)
        if request.chrome {
            let chrome = ChromeTraceTimeline(recording: recording, parameters: parameters, title: name, metadata: [
                "config": .string(inputs.config.name), "trace": .string(traceName),
                "layer": .string(trace.layers[request.layer].name), "head": .int(Int64(request.head)),
                "window": .array([.int(window.start), .int(window.end)]), "total_cycles": .int(timing.totalCycles),
                "preprocessing_cycles": .int(timing.preprocessingCycles),
            ])
            let events = chrome.eventCount
            guard events <= request.maxEvents else {
                throw TimelineError.tooManyEvents(events: events, limit: request.maxEvents, head: name, cycles: timing.totalCycles)
            }
            output.chromeJSON = chrome.render()
            output.events = events
        }
        if request.svg {
            let spans = recording.intervals.count
            guard spans <= request.maxEvents else {
                throw TimelineError.tooManyEvents(events: spans, limit: request.maxEvents, head: name, cycles: timing.totalCycles)
            }
            let shortTrace = URL(fileURLWithPath: traceName).lastPathComponent
            let title = "\(inputs.config.name): \(shortTrace) \(name), cycles \(window.start)…\(window.end)"
            output.svg = TimelineGanttChart(recording: recording, parameters: parameters, window: window, title: title).render()
        }
        return output
    }
}
