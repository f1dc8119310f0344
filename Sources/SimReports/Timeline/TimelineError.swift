import SimIO
import SimCharts
/// A cycle timeline the CLI will not write (exit code 64, `docs/sweeps.md`, "Cycle timeline").
public enum TimelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The head (or window) has more trace events than the limit.
    case tooManyEvents(events: Int, limit: Int, head: String, cycles: Int64)
    /// `--timeline-head` does not name a layer and head of the trace.
    case unknownHead(String, layers: [String], heads: Int)
    /// `--timeline-window` is not `START:END` with `0 ≤ START < END`.
    case invalidWindow(String)
    /// The window starts at or after the head's last cycle.
    case windowOutside(start: Int64, cycles: Int64)
    /// The trace is longer than the key memory, so every head runs in key tiles (`long_sequences = tile`).
    case tiledHead(tokens: Int, capacity: Int)
    /// `what` (an option) is not available for `accelerator`'s timelines.
    case unsupported(accelerator: String, what: String)

    public var description: String {
        switch self {
        case let .tooManyEvents(events, limit, head, cycles):
            return "timeline of \(head): \(events) trace events, more than the limit \(limit); narrow it with "
                + "--timeline-window START:END (the head runs cycles 0…\(cycles)), e.g. --timeline-window 0:\(max(1, cycles * Int64(limit) / Int64(max(1, events)) / 2)), "
                + "or raise --timeline-max-events"
        case let .unknownHead(text, layers, heads):
            return "--timeline-head '\(text)': expected LAYER:HEAD with LAYER a layer index 0…\(layers.count - 1) or name (\(layers.prefix(4).joined(separator: ", "))\(layers.count > 4 ? ", …" : "")) and HEAD 0…\(heads - 1)"
        case let .windowOutside(start, cycles):
            return "--timeline-window: starts at cycle \(start), but the head runs cycles 0…\(cycles - 1) (a head's cycles count from its own preprocessing)"
        case let .tiledHead(tokens, capacity):
            return "--timeline: the trace has \(tokens) tokens, more than key_memory_capacity \(capacity), so every head runs in \((tokens + capacity - 1) / capacity) key tiles (long_sequences = tile); a timeline records one untiled invocation: use a trace of at most \(capacity) tokens or raise key_memory_capacity"
        case let .unsupported(accelerator, what):
            return what == "--timeline-svg"
                ? "--timeline-svg: not available for an \"\(accelerator)\" config (only ELSA draws a Gantt chart); use --timeline FILE.json (Chrome trace events)"
                : "\(what): not available for an \"\(accelerator)\" config (it has no pipeline to record)"
        case let .invalidWindow(text):
            return "--timeline-window '\(text)': expected START:END in cycles with 0 ≤ START < END"
        }
    }
}
