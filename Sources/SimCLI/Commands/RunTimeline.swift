import Foundation
import Accelerators
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
                             instance (ELSA: and queue-occupancy counters per key bank; A^3: the
                             host sort and its four modules; not for the ideal accelerator)
      --timeline-svg FILE    the same timeline as an SVG Gantt chart (ELSA; a window of a few queries)
      --timeline-head L:H    the head: layer index or name, query head index (required with the above)
      --timeline-window A:B  only cycles [A, B)
      --timeline-max-events N  refuse a timeline with more events (default 200000)
    """

    static func requested(_ args: ParsedArguments) -> Bool { args.last("timeline") != nil || args.last("timeline-svg") != nil }

    /// Resolves `--timeline-head` and the other options against `trace` (before any simulation, so a
    /// typo fails fast); `nil` without `--timeline` / `--timeline-svg`.
    static func request(_ args: ParsedArguments, trace: AttentionTrace) throws -> TimelineRequest? {
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
        let window = try args.last("timeline-window").map { text throws(TimelineError) in try TimelineWindow.parse(text) }
        let limit = try args.int("timeline-max-events", default: defaultMaxEvents, range: 1 ... 100_000_000)
        return TimelineRequest(layer: layer, head: head, window: window, maxEvents: limit,
                               chrome: args.last("timeline") != nil, svg: args.last("timeline-svg") != nil)
    }

    /// Asks the model for the head's timeline and writes the requested files.
    static func write<Model: AcceleratorModel>(_ args: ParsedArguments, request: TimelineRequest, model: Model, trace: AttentionTrace,
                                               traceName: String, result: Model.Result, console: Console) throws {
        let output = try model.timeline(request, trace: trace, traceName: traceName, result: result)
        if let path = args.last("timeline"), let chrome = output.chromeJSON {
            try writeOutput(chrome, to: path, console: console)
            console.err("timeline: wrote \(path) (\(output.name), cycles \(output.window.start)…\(output.window.end), \(output.events) events)\n")
        }
        if let path = args.last("timeline-svg"), let svg = output.svg {
            try writeOutput(svg, to: path, console: console)
            console.err("timeline: wrote \(path)\n")
        }
    }
}
