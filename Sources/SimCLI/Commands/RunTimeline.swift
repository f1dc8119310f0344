import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// The cycle-timeline options of `elsa-sim run` (`docs/sweeps.md`, "Cycle timeline"): the chosen
/// head is simulated again with the pipeline's interval recorder on (same selection, same counters)
/// and written as Chrome trace-event JSON and/or an SVG Gantt chart.
enum RunTimeline {
    static let options: Set<String> = ["timeline", "timeline-svg", "timeline-head", "timeline-window", "timeline-max-events"]
    static let defaultMaxEvents = 200_000

    static let help = """
      --timeline FILE.json   write one head's cycle timeline as Chrome trace events (Perfetto,
                             chrome://tracing; 1 trace µs = 1 cycle): busy/blocked spans per module
                             instance, queue-occupancy counters per key bank
      --timeline-svg FILE    the same timeline as an SVG Gantt chart (use a window of a few queries)
      --timeline-head L:H    the head: layer index or name, query head index (required with the above)
      --timeline-window A:B  only cycles [A, B)
      --timeline-max-events N  refuse a timeline with more events (default 200000)
    """

    static func requested(_ args: ParsedArguments) -> Bool { args.last("timeline") != nil || args.last("timeline-svg") != nil }

    /// Resolves `--timeline-head` against `trace` (before any simulation, so a typo fails fast).
    static func head(_ args: ParsedArguments, trace: AttentionTrace) throws -> (layer: Int, head: Int)? {
        guard requested(args) else { return nil }
        guard let text = args.last("timeline-head") else {
            throw UsageError.missingOption("--timeline-head LAYER:HEAD", command: "run --timeline")
        }
        let names = trace.layers.map(\.name)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let layer = Int(parts[0]).flatMap({ $0 >= 0 && $0 < names.count ? $0 : nil }) ?? names.firstIndex(of: parts[0]),
              let head = Int(parts[1]), head >= 0, head < trace.queryHeads else {
            throw TimelineError.unknownHead(text, layers: names, heads: trace.queryHeads)
        }
        if let w = args.last("timeline-window") { _ = try TimelineWindow.parse(w) }
        _ = try args.int("timeline-max-events", default: defaultMaxEvents, range: 1 ... 100_000_000)
        return (layer, head)
    }

    static func write(_ args: ParsedArguments, at target: (layer: Int, head: Int), trace: AttentionTrace, inputs: SimulationInputs,
                      result: SimulationResult, console: Console) throws {
        let headResult = result.layers[target.layer].heads[target.head]
        let selection = inputs.config.numerics.mode == .elsa  // the hardware's own selection (docs/numerics.md §7)
            ? HardwareDatapath(config: inputs.config, projection: inputs.model.projection)
                .select(trace: trace, layer: target.layer, queryHead: target.head, threshold: headResult.threshold).0
            : inputs.model.selectHead(trace: trace, layer: target.layer, queryHead: target.head,
                                      threshold: headResult.threshold).selection
        let parameters = TimingParameters(config: inputs.config)
        let (timing, full) = ElsaPipeline.simulateRecording(parameters: parameters, selection: selection)
        precondition(timing == headResult.timing, "the recorded run of \(trace.layers[target.layer].name) head \(target.head) differs from the simulation")
        let window = try args.last("timeline-window").map { text throws(TimelineError) in try TimelineWindow.parse(text) }
            ?? TimelineWindow(start: 0, end: timing.totalCycles)
        guard window.start < timing.totalCycles else {
            throw TimelineError.windowOutside(start: window.start, cycles: timing.totalCycles)
        }
        let recording = window.clip(full)
        let name = "\(trace.layers[target.layer].name) head \(target.head)"
        let limit = try args.int("timeline-max-events", default: defaultMaxEvents, range: 1 ... 100_000_000)
        if let path = args.last("timeline") {
            let chrome = ChromeTraceTimeline(recording: recording, parameters: parameters, title: name, metadata: [
                "config": .string(inputs.config.name), "trace": .string(result.traceName),
                "layer": .string(trace.layers[target.layer].name), "head": .int(Int64(target.head)),
                "window": .array([.int(window.start), .int(window.end)]), "total_cycles": .int(timing.totalCycles),
                "preprocessing_cycles": .int(timing.preprocessingCycles),
            ])
            let events = chrome.eventCount
            guard events <= limit else {
                throw TimelineError.tooManyEvents(events: events, limit: limit, head: name, cycles: timing.totalCycles)
            }
            try writeOutput(chrome.render(), to: path, console: console)
            console.err("timeline: wrote \(path) (\(name), cycles \(window.start)…\(window.end), \(events) events)\n")
        }
        if let path = args.last("timeline-svg") {
            let spans = recording.intervals.count
            guard spans <= limit else {
                throw TimelineError.tooManyEvents(events: spans, limit: limit, head: name, cycles: timing.totalCycles)
            }
            let traceName = URL(fileURLWithPath: result.traceName).lastPathComponent
            let title = "\(inputs.config.name): \(traceName) \(name), cycles \(window.start)…\(window.end)"
            try writeOutput(TimelineGanttChart(recording: recording, parameters: parameters, window: window, title: title).render(),
                            to: path, console: console)
            console.err("timeline: wrote \(path)\n")
        }
    }
}
