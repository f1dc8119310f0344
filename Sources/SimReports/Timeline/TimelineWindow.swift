import SimIO
import SimCharts
import SimCore
import ElsaModel

/// The cycles a timeline shows: `[start, end)`; intervals are clipped to it, queue levels inside it
/// are kept and the level in force at `start` is repeated there.
public struct TimelineWindow: Sendable, Equatable {
    public var start: Cycle
    public var end: Cycle

    public init(start: Cycle, end: Cycle) {
        precondition(start >= 0 && start < end, "window [\(start), \(end))")
        self.start = start
        self.end = end
    }

    /// Parses `START:END`.
    public static func parse(_ text: String) throws(TimelineError) -> TimelineWindow {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int64(parts[0]), let b = Int64(parts[1]), a >= 0, a < b else { throw .invalidWindow(text) }
        return TimelineWindow(start: a, end: b)
    }

    /// `recording` restricted to the window.
    public func clip(_ recording: PipelineRecording) -> PipelineRecording {
        var intervals: [PipelineInterval] = []
        for var i in recording.intervals where i.end > start && i.start < end {
            i.start = max(i.start, start)
            i.end = min(i.end, end)
            intervals.append(i)
        }
        var levels: [QueueLevelChange] = []
        var before: [String: QueueLevelChange] = [:]
        for change in recording.queueLevels {
            if change.cycle < start { before["\(change.bank).\(change.selector)"] = change }
            else if change.cycle < end { levels.append(change) }
        }
        let carried = before.values.filter { $0.level != 0 }.map { QueueLevelChange(bank: $0.bank, selector: $0.selector, cycle: start, level: $0.level) }
            .sorted { ($0.bank, $0.selector) < ($1.bank, $1.selector) }
        return PipelineRecording(intervals: intervals, queueLevels: carried + levels, queryStarts: recording.queryStarts,
                                 outputDivisionStarts: recording.outputDivisionStarts)
    }
}
