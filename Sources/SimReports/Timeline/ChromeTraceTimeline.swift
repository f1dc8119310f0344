import SimIO
import SimCharts
import SimCore
import ElsaModel

/// One head invocation's recording as Chrome trace-event JSON (the format Perfetto and
/// chrome://tracing open; `docs/sweeps.md`, "Cycle timeline"): one thread track per module instance
/// with a complete (`X`) span per busy or blocked interval, and one counter track per key bank whose
/// series are the reserved slots of its `Pc` selector queues. Timestamps are cycles: the viewer's
/// "µs" reads as cycles.
public struct ChromeTraceTimeline {
    public let recording: PipelineRecording
    public let parameters: TimingParameters
    /// `layer0 head 3`.
    public let title: String
    public let metadata: [String: JSONValue]

    public init(recording: PipelineRecording, parameters: TimingParameters, title: String, metadata: [String: JSONValue] = [:]) {
        self.recording = recording
        self.parameters = parameters
        self.title = title
        self.metadata = metadata
    }

    /// Thread id and display name of every instance, in display order.
    public static func tracks(_ p: TimingParameters) -> [(unit: PipelineUnit, tid: Int, name: String)] {
        var out: [(PipelineUnit, Int, String)] = [(.hash, 1, "hash unit"), (.norm, 2, "norm unit")]
        var tid = 3
        for b in 0 ..< p.attentionModules {
            for s in 0 ..< p.selectorsPerModule {
                out.append((.selector(bank: b, index: s), tid, "selector b\(b).s\(s)"))
                tid += 1
            }
        }
        for b in 0 ..< p.attentionModules {
            out.append((.attention(bank: b), tid, "attention b\(b)"))
            tid += 1
        }
        out.append((.outputDivision, tid, "output division"))
        return out
    }

    /// Counter events: one per (bank, cycle) at which any of the bank's queues changed.
    var counterEvents: [JSONValue] {
        var levels = Array(repeating: Array(repeating: 0, count: parameters.selectorsPerModule), count: parameters.attentionModules)
        var out: [JSONValue] = []
        var i = 0
        let changes = recording.queueLevels
        while i < changes.count {
            let cycle = changes[i].cycle
            var touched: Set<Int> = []
            while i < changes.count && changes[i].cycle == cycle {
                levels[changes[i].bank][changes[i].selector] = changes[i].level
                touched.insert(changes[i].bank)
                i += 1
            }
            for b in touched.sorted() {
                var args: [String: JSONValue] = [:]
                for s in 0 ..< parameters.selectorsPerModule { args["s\(s)"] = .int(Int64(levels[b][s])) }
                out.append(.object(["ph": .string("C"), "pid": .int(1), "name": .string("queue slots b\(b)"), "ts": .int(cycle),
                                    "args": .object(args)]))
            }
        }
        return out
    }

    /// Events the document will hold (metadata, spans, counters).
    public var eventCount: Int { 1 + 2 * Self.tracks(parameters).count + recording.intervals.count + counterEvents.count }

    /// The JSON document, one event per line (diff-friendly, byte-stable).
    public func render() -> String {
        let tracks = Self.tracks(parameters)
        var tid: [PipelineUnit: Int] = [:]
        for t in tracks { tid[t.unit] = t.tid }
        var events = ChromeTraceEvents.header(title: title, tracks: tracks.map { ($0.tid, $0.name) })
        for i in recording.intervals {
            let label: String
            switch (i.unit, i.query) {
            case (.hash, -1): label = "hash keys"
            case (.norm, _): label = "key norms"
            default: label = "q\(i.query)"
            }
            events.append(ChromeTraceEvents.span(tid: tid[i.unit] ?? 0, label: label, busy: i.state == .busy, start: i.start,
                                                 length: i.length, query: i.query))
        }
        events += counterEvents
        return ChromeTraceEvents.render(events: events, metadata: metadata)
    }
}
