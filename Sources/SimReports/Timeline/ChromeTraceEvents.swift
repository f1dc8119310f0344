import SimIO

/// The Chrome trace-event document every model's timeline is written as (Perfetto, chrome://tracing;
/// `docs/sweeps.md`, "Cycle timeline"): a process-name event, a name and sort index per thread track,
/// then the spans and counters, one event per line. Timestamps are cycles.
public enum ChromeTraceEvents {
    /// A complete (`X`) span on track `tid`; blocked spans are drawn in the viewer's warning colour.
    public static func span(tid: Int, label: String, busy: Bool, start: Int64, length: Int64, query: Int) -> JSONValue {
        let state = busy ? "busy" : "blocked"
        var e: [String: JSONValue] = ["ph": .string("X"), "pid": .int(1), "tid": .int(Int64(tid)),
                                      "name": .string(busy ? label : "blocked \(label)"),
                                      "cat": .string(state), "ts": .int(start), "dur": .int(length),
                                      "args": .object(["query": .int(Int64(query)), "state": .string(state)])]
        if !busy { e["cname"] = .string("terrible") }
        return .object(e)
    }

    /// Events before the spans: the process name and every track's name and sort index.
    public static func header(title: String, tracks: [(tid: Int, name: String)]) -> [JSONValue] {
        var events: [JSONValue] = [.object(["ph": .string("M"), "pid": .int(1), "name": .string("process_name"),
                                            "args": .object(["name": .string("elsa-sim \(title)")])])]
        for t in tracks {
            events.append(.object(["ph": .string("M"), "pid": .int(1), "tid": .int(Int64(t.tid)), "name": .string("thread_name"),
                                   "args": .object(["name": .string(t.name)])]))
            events.append(.object(["ph": .string("M"), "pid": .int(1), "tid": .int(Int64(t.tid)), "name": .string("thread_sort_index"),
                                   "args": .object(["sort_index": .int(Int64(t.tid))])]))
        }
        return events
    }

    /// The document: `otherData` (metadata, generator, time unit) and the events, one per line.
    public static func render(events: [JSONValue], metadata: [String: JSONValue]) -> String {
        var other = metadata
        other["generator"] = .string("elsa-sim")
        other["time_unit"] = .string("cycles: 1 trace microsecond = 1 cycle")
        // No displayTimeUnit: with "ns" chrome://tracing would print 1 cycle as 1000 ns.
        let head = "{\"otherData\":" + JSONValue.object(other).serialized() + ",\"traceEvents\":[\n"
        return head + events.map { $0.serialized() }.joined(separator: ",\n") + "\n]}\n"
    }
}
