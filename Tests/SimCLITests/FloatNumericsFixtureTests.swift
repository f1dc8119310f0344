import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `numerics.mode: float` (the default) must reproduce the reports the simulator wrote before number
/// formats existed: every leaf of the stored reports (`Fixtures/`, written by commit 0d89223) must exist
/// in a fresh report with an identical value (Doubles of `quality` objects within `qualityTolerance`).
/// Keys added since (by any branch) are allowed. Not compared:
/// `host` (timing), `provenance.simulator` (the version), `provenance.config_hash` (a hash of the
/// effective config, which now lists the `numerics` fields with their defaults), `trace` and
/// `calibration.traces` (the trace path as given on the command line).
@Suite struct FloatNumericsFixtureTests {
    static let ignored: Set<String> = ["host", "provenance.simulator", "provenance.config_hash", "trace", "calibration.traces"]

    /// Every leaf of `value` with its dotted path (array elements as `[i]`).
    static func leaves(_ value: JSONValue, _ path: String = "", into out: inout [(String, JSONValue)]) {
        if ignored.contains(path) { return }
        switch value {
        case let .object(o):
            for key in o.keys.sorted() { leaves(o[key]!, path.isEmpty ? key : path + "." + key, into: &out) }
        case let .array(a):
            for (i, item) in a.enumerated() { leaves(item, path + "[\(i)]", into: &out) }
        default:
            out.append((path, value))
        }
    }

    /// The value at a path produced by `leaves`.
    static func lookup(_ value: JSONValue, _ path: String) -> JSONValue? {
        var current: JSONValue? = value
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                guard let i = Int(name[name.index(after: open) ..< name.index(before: name.endIndex)]) else { return nil }
                indices.insert(i, at: 0)
                name = name[..<open]
            }
            current = current?.objectValue?[String(name)]
            for i in indices {
                guard case let .array(a)? = current, i < a.count else { return nil }
                current = a[i]
            }
        }
        return current
    }

    /// Identical: same case and, for numbers, the same bits.
    static func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.double(x), .double(y)): return x.bitPattern == y.bitPattern
        default: return a == b
        }
    }

    /// The largest relative change allowed in a Double of the quality metrics: the softmaxes of the
    /// metrics use `FastExp` (within 1 ulp of libm's `exp`, its row sums in four lanes) since issue 18,
    /// which moves mass, sink mass and output error in their last bits (measured ≤ 4.3e-16 relative
    /// before the four-lane sums, ≤ 1.3e-15 with them; docs/quality.md §1, "The exponential and the
    /// tolerance"). Every other leaf must keep its bits.
    static let qualityTolerance = 1e-12

    /// The largest relative change allowed in an `output_error`: its output rows are summed in float32
    /// blocks since issue 18's sixth round (docs/quality.md §1, "Output rows in float32"), which moved the
    /// stored reports' errors by at most 6.5e-8 relative; a dropped key moves them by 9e-4 and more.
    static let outputErrorTolerance = 1e-6

    /// `identical`, except that a Double of the quality metrics (under a `quality` object, or a layer's
    /// `sink_mass`) may move by `qualityTolerance`, and an `output_error` by `outputErrorTolerance`.
    static func agrees(_ a: JSONValue, _ b: JSONValue, path: String) -> Bool {
        if case let (.double(x), .double(y)) = (a, b),
           path.hasPrefix("totals.quality.") || path.contains(".quality.") || path.hasSuffix(".sink_mass") {
            let tolerance = path.hasSuffix(".output_error") ? outputErrorTolerance : qualityTolerance
            return x == y || abs(x - y) <= tolerance * max(abs(x), abs(y))
        }
        return identical(a, b)
    }

    @Test(arguments: ["elsa-paper", "elsa-base"])
    func floatReportsEqualTheStoredOnes(config: String) throws {
        let stored = try JSONValue.parse(Data(contentsOf: Repo.root.appendingPathComponent(
            "Tests/SimCLITests/Fixtures/\(config)-gutenberg-n128.json")))
        let out = Repo.temporaryDirectory().appendingPathComponent("r.json").path
        let r = CLIRun(["run", "--config", Repo.path("Configs/\(config).json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                        "--json", out, "--threads", "1", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let fresh = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out)))
        var paths: [(String, JSONValue)] = []
        Self.leaves(stored, into: &paths)
        #expect(paths.count > 5000)
        var mismatches: [String] = []
        for (path, value) in paths {
            guard let now = Self.lookup(fresh, path) else { mismatches.append("\(path): missing"); continue }
            if !Self.agrees(value, now, path: path) { mismatches.append("\(path): stored \(value.serialized()), now \(now.serialized())") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differences, first: \(mismatches.prefix(5))")
        // Float mode adds no numerics object.
        #expect(Self.lookup(fresh, "totals.numerics") == nil)
    }

    /// The comparison itself notices a changed leaf (so an empty mismatch list means something).
    @Test func aChangedLeafIsFound() throws {
        let a: JSONValue = .object(["x": .array([.double(0.1), .int(3)]), "host": .double(1)])
        let b: JSONValue = .object(["x": .array([.double(0.1.nextUp), .int(3)]), "y": .null])
        var paths: [(String, JSONValue)] = []
        Self.leaves(a, into: &paths)
        #expect(paths.map(\.0) == ["x[0]", "x[1]"])
        #expect(!Self.identical(paths[0].1, Self.lookup(b, "x[0]")!))
        #expect(Self.identical(paths[1].1, Self.lookup(b, "x[1]")!))
        // Under `quality` a last-bit change agrees, a change of 1e-9 does not (an output error may move by
        // 1e-7, not 1e-5); elsewhere nothing moves.
        #expect(Self.agrees(.double(0.3), .double(0.3.nextUp), path: "layers[0].heads[1].quality.output_error"))
        #expect(Self.agrees(.double(0.3), .double(0.3.nextDown), path: "totals.quality.mass_kept_mean"))
        #expect(!Self.agrees(.double(0.3), .double(0.3 + 1e-9), path: "layers[0].quality.mass_kept_mean"))
        #expect(Self.agrees(.double(0.3), .double(0.3 + 3e-8), path: "layers[0].quality.output_error"))
        #expect(!Self.agrees(.double(0.3), .double(0.3 + 3e-6), path: "totals.quality.output_error"))
        #expect(Self.agrees(.double(0.3), .double(0.3.nextUp), path: "layers[2].sink_mass"))
        #expect(!Self.agrees(.double(0.3), .double(0.3 + 1e-9), path: "layers[2].sink_mass"))
        #expect(!Self.agrees(.double(0.3), .double(0.3.nextUp), path: "layers[0].heads[1].threshold"))
        #expect(!Self.agrees(.int(3), .int(4), path: "layers[0].quality.empty_queries"))
    }
}
