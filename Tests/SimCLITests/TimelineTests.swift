import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim run --timeline`: the Chrome trace's spans add up to the run report's counters, the
/// window clips, the event limit refuses with a way out, a bad head fails before simulating.
@Suite struct TimelineTests {
    static func timeline(_ extra: [String], head: String = "0:1") -> (code: Int32, err: String, dir: String) {
        let d = SweepTestSupport.temporaryDirectory("timeline")
        let r = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace, "--quiet",
                                      "--json", d + "/run.json", "--timeline-head", head] + extra.map { $0.replacingOccurrences(of: "DIR", with: d) })
        return (r.code, r.err, d)
    }

    static func events(_ path: String) throws -> [[String: JSONValue]] {
        let doc = try JSONValue.parse(Data(SweepTestSupport.read(path).utf8))
        guard case let .array(events)? = doc.objectValue?["traceEvents"] else { return [] }
        return events.compactMap(\.objectValue)
    }

    /// Σ durations of the busy (blocked) spans on each kind's tracks = the head's busy (blocked)
    /// cycles in the run report's JSON (`modules`), which come from the counters, not the recorder.
    @Test func spansSumToTheRunReportCounters() throws {
        let t = Self.timeline(["--timeline", "DIR/t.json"])
        #expect(t.code == 0)
        let events = try Self.events(t.dir + "/t.json")
        var trackName: [Int64: String] = [:]
        for e in events where e["ph"] == .string("M") && e["name"] == .string("thread_name") {
            trackName[Int64(e["tid"]!.integerValue!)] = e["args"]?.objectValue?["name"]?.stringValue
        }
        var sums: [String: Int] = [:]
        for e in events where e["ph"] == .string("X") {
            let name = trackName[Int64(e["tid"]!.integerValue!)] ?? "?"
            let kind = name.hasPrefix("selector") ? "candidate_selection" : name.hasPrefix("attention") ? "attention"
                : name == "hash unit" ? "hash" : name == "norm unit" ? "norm" : "output_division"
            sums["\(kind).\(e["cat"]!.stringValue!)", default: 0] += e["dur"]!.integerValue!
        }
        let report = try JSONValue.parse(Data(SweepTestSupport.read(t.dir + "/run.json").utf8))
        let head = try #require(report.objectValue?["layers"].flatMap { if case let .array(a) = $0 { return a[0] } else { return nil } }?
            .objectValue?["heads"].flatMap { if case let .array(a) = $0 { return a[1] } else { return nil } }?.objectValue)
        let modules = try #require(head["modules"]?.objectValue)
        for kind in ["hash", "norm", "candidate_selection", "attention", "output_division"] {
            for state in ["busy", "blocked"] {
                #expect(sums["\(kind).\(state)", default: 0] == modules[kind]?.objectValue?[state]?.integerValue, "\(kind) \(state)")
            }
        }
        #expect((sums["candidate_selection.busy"] ?? 0) > 0 && (sums["hash.busy"] ?? 0) > 0)
        // Counter tracks: one per key bank (Pa = 4), each with Pc = 8 series.
        let counters = events.filter { $0["ph"] == .string("C") }
        #expect(Set(counters.compactMap { $0["name"]?.stringValue }) == Set((0 ..< 4).map { "queue slots b\($0)" }))
        #expect(counters.allSatisfy { $0["args"]?.objectValue?.count == 8 })
    }

    /// A window keeps only spans inside it (clipped), and the SVG chart is well-formed XML.
    @Test func windowClipsAndSVGParses() throws {
        let t = Self.timeline(["--timeline", "DIR/t.json", "--timeline-svg", "DIR/t.svg", "--timeline-window", "150:190"])
        #expect(t.code == 0)
        let spans = try Self.events(t.dir + "/t.json").filter { $0["ph"] == .string("X") }
        #expect(!spans.isEmpty)
        #expect(spans.allSatisfy { ($0["ts"]!.integerValue!) >= 150 && $0["ts"]!.integerValue! + $0["dur"]!.integerValue! <= 190 })
        let parser = XMLParser(data: Data(SweepTestSupport.read(t.dir + "/t.svg").utf8))
        #expect(parser.parse(), "the SVG is not well-formed XML")
    }

    @Test func tooManyEventsIsRefusedWithAWayOut() {
        let t = Self.timeline(["--timeline", "DIR/t.json", "--timeline-max-events", "50"])
        #expect(t.code == 64)
        #expect(t.err.contains("more than the limit 50") && t.err.contains("--timeline-window START:END"))
        #expect(!FileManager.default.fileExists(atPath: t.dir + "/t.json"))
    }

    @Test func unknownHeadFailsBeforeSimulating() {
        let t = Self.timeline(["--timeline", "DIR/t.json"], head: "3:0")
        #expect(t.code == 64 && t.err.contains("--timeline-head '3:0'"))
        #expect(!t.err.contains("simulated"))
        let missing = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                            "--timeline", "/tmp/x.json"])
        #expect(missing.code == 64 && missing.err.contains("--timeline-head"))
    }

    /// `TimelineWindow.clip`: spans cut to [10, 20); the level in force at 10 is carried to 10.
    @Test func clipByHand() {
        let r = PipelineRecordingFixture.recording
        let clipped = TimelineWindow(start: 10, end: 20).clip(r)
        #expect(clipped.intervals.map { [$0.start, $0.end] } == [[10, 12], [15, 20]])
        #expect(clipped.queueLevels.map { [$0.cycle, Int64($0.level)] } == [[10, 2], [14, 0]])
    }
}

import ElsaModel

enum PipelineRecordingFixture {
    static let recording = PipelineRecording(
        intervals: [PipelineInterval(unit: .attention(bank: 0), state: .busy, query: 0, start: 2, end: 5),
                    PipelineInterval(unit: .attention(bank: 0), state: .busy, query: 1, start: 8, end: 12),
                    PipelineInterval(unit: .attention(bank: 0), state: .busy, query: 2, start: 15, end: 30)],
        queueLevels: [QueueLevelChange(bank: 0, selector: 0, cycle: 3, level: 1), QueueLevelChange(bank: 0, selector: 0, cycle: 7, level: 2),
                      QueueLevelChange(bank: 0, selector: 0, cycle: 14, level: 0), QueueLevelChange(bank: 0, selector: 0, cycle: 25, level: 1)],
        queryStarts: [0, 6, 13], outputDivisionStarts: [6, 13, 31])
}
