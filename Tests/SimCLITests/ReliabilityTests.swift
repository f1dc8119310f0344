import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
import ElsaModel
@testable import SimCLI

/// Issue 19: each class of finding of the fuzz campaign has a regression here (crashes, unbounded
/// allocation, hangs, silently wrong numbers, valid input refused, messages), and the sweep resume
/// with a duplicated row (a mutation gap).
@Suite struct ReliabilityTests {
    static let config = SweepTestSupport.paperConfig
    static var trace: String { SweepTestSupport.tinyTrace }
    static func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) { SweepTestSupport.run(arguments) }
    static func oneLine(_ text: String) -> Bool { text.hasPrefix("elsa-sim: ") && text.filter { $0 == "\n" }.count == 1 }

    /// Crashes: a Kronecker product that overflows Int, a grid whose size overflows, were traps.
    @Test func overflowingSizesAreRefused() {
        let kron = Self.run(["run", "--config", Self.config, "--trace", Self.trace, "--set", "hash.kronecker_factors=[4294967296,4294967296]"])
        #expect(kron.code == 65 && Self.oneLine(kron.err) && kron.err.contains("hash.kronecker_factors"))
        let values = (1 ... 100_000).map(String.init).joined(separator: ",")
        let grid = Self.run(["sweep", "--config", Self.config, "--trace", Self.trace, "--set", "norm.latency=\(values)",
                             "--set", "output_division.latency=\(values)", "--set", "attention.latency=\(values)",
                             "--set", "selector.pipeline_depth=\(values)", "--list"])
        #expect(grid.code == 65 && Self.oneLine(grid.err) && grid.err.contains("at most 10000"))
    }

    /// Unbounded allocation / hangs: the bounds of docs/config.md, "Bounds", each naming its field.
    @Test(arguments: [
        ("selectors_per_module=1024", "attention_modules=1024", "selectors_per_module"),
        ("hash.projection=dense", "hash.bits=4096", "hash.bits"),
        ("clock_ghz=1e-308", "name=x", "clock_ghz"),
        ("energy.hash.area_mm2=1e23", "name=x", "energy.hash.area_mm2"),
        ("energy.attention.static_mw=1e23", "name=x", "energy.attention.static_mw"),
    ])
    func boundsNameTheField(a: String, b: String, field: String) {
        let result = Self.run(["run", "--config", Self.config, "--trace", Self.trace, "--set", a, "--set", b,
                               "--set", "key_memory_capacity=16777216", "--set", "head_dim=4096"])
        #expect(result.code == 65 && Self.oneLine(result.err), "\(result.err)")
        #expect(result.err.contains(field + ": "), "\(result.err)")
    }

    /// A huge queue depth costs memory only when used: the result equals the default depth's whenever
    /// the queues never fill beyond it (here: 2^20 slots vs 64, on the tiny trace, identical cycles).
    @Test func hugeQueueDepthRunsAndMatches() {
        let small = Self.run(["run", "--config", Self.config, "--trace", Self.trace, "--set", "selector.queue_depth=64", "--json", "-", "--quiet"])
        let huge = Self.run(["run", "--config", Self.config, "--trace", Self.trace, "--set", "selector.queue_depth=1048576", "--json", "-", "--quiet"])
        #expect(small.code == 0 && huge.code == 0)
        func cycles(_ text: String) -> String? { text.split(separator: "\n").first { $0.contains("\"cycles\"") }.map(String.init) }
        #expect(cycles(small.out) != nil && cycles(small.out) == cycles(huge.out))
    }

    /// Sparse or huge .npy: a valid header over more elements than one array may hold is refused before
    /// allocating; a trace's scale of 1e308 (null quality before) is refused.
    @Test func hugeArraysAndScaleAreRefused() throws {
        let directory = SweepTestSupport.temporaryDirectory("huge")
        try FileManager.default.copyItem(atPath: Self.trace, toPath: directory + "/t")
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 65536, 4096), }"
        var text = header
        while (text.utf8.count + 11) % 64 != 0 { text += " " }
        text += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)])
        data.append(contentsOf: Array(text.utf8))
        try data.write(to: URL(fileURLWithPath: directory + "/t/layer0.q.npy"))
        truncate(directory + "/t/layer0.q.npy", 1 << 29)
        let big = Self.run(["run", "--config", Self.config, "--trace", directory + "/t"])
        #expect(big.code == 65 && Self.oneLine(big.err) && big.err.contains("holds more than 134217728 elements"), "\(big.err)")
        // A file larger than any allowed array (2^27 float64 values and a header) is refused unread.
        truncate(directory + "/t/layer0.q.npy", 1 << 33)
        let huge = Self.run(["run", "--config", Self.config, "--trace", directory + "/t"])
        #expect(huge.code == 65 && Self.oneLine(huge.err) && huge.err.contains("is 8589934592 bytes"), "\(huge.err)")
        try FileManager.default.removeItem(atPath: directory + "/t")
        try FileManager.default.copyItem(atPath: Self.trace, toPath: directory + "/t")
        let manifest = directory + "/t/trace.json"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        try original.replacingOccurrences(of: "\"scale\" : 0.25", with: "\"scale\" : 1e308").write(toFile: manifest, atomically: true, encoding: .utf8)
        let scale = Self.run(["run", "--config", Self.config, "--trace", directory + "/t"])
        #expect(scale.code == 65 && scale.err.contains("scale"), "\(scale.err)")
    }

    /// Silently wrong numbers: a stored `out` that holds NaN is checked, warned about (layer and head
    /// named) and not used; the report has no NaN and no unexplained null.
    @Test func nanInStoredOutIsWarnedAndNotUsed() throws {
        let directory = SweepTestSupport.temporaryDirectory("nanout")
        try FileManager.default.copyItem(atPath: Self.trace, toPath: directory + "/t")
        let file = directory + "/t/layer0.out.npy"
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        let header = 128 // SweepTestSupport's tiny trace: a 128-byte .npy prelude and header
        let offset = header + 4 * (1 * 24 * 16 + 2 * 16) // head 1, row 2, column 0
        data.replaceSubrange(offset ..< offset + 4, with: [0x00, 0x00, 0xC0, 0x7F])
        try data.write(to: URL(fileURLWithPath: file))
        let result = Self.run(["run", "--config", Self.config, "--trace", directory + "/t", "--json", "-", "--quiet"])
        #expect(result.code == 0)
        #expect(result.err.contains("warning: \(directory)/t: layer 0 head 1: the stored out disagrees"), "\(result.err)")
        #expect(!result.out.contains("NaN") && !result.out.contains("null,\n") || result.out.contains("output_error_reason"))
        let clean = Self.run(["run", "--config", Self.config, "--trace", Self.trace, "--json", "-", "--quiet"])
        func errors(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.contains("\"output_error\"") } }
        #expect(errors(result.out) == errors(clean.out))
    }

    /// Valid input refused before: projection "matrix-file" without a file plus --hash-matrix; mode
    /// "thresholds-file" without a file plus --thresholds. A wrong-shape matrix is reported against itself.
    @Test func commandLineFilesCompleteTheConfig() throws {
        let directory = SweepTestSupport.temporaryDirectory("complete")
        let configFile = directory + "/c.json"
        try #"{"head_dim": 16, "hash": {"projection": "matrix-file", "bits": 16}, "approximation": {"mode": "thresholds-file"}}"#
            .write(toFile: configFile, atomically: true, encoding: .utf8)
        let thresholds = directory + "/th.json"
        #expect(Self.run(["calibrate", "--p", "1", "--trace", Self.trace, "-o", thresholds]).code == 0)
        var identity = [Float](repeating: 0, count: 16 * 16)
        for i in 0 ..< 16 { identity[i * 16 + i] = 1 }
        try NpyWriter.write(NpyArray(shape: [16, 16], values: ContiguousArray(identity)), to: URL(fileURLWithPath: directory + "/m.npy"))
        let ok = Self.run(["run", "--config", configFile, "--trace", Self.trace, "--hash-matrix", directory + "/m.npy",
                           "--thresholds", thresholds, "--quiet"])
        #expect(ok.code == 0, "\(ok.err)")
        try NpyWriter.write(NpyArray(shape: [16, 8], values: ContiguousArray(identity.prefix(128))), to: URL(fileURLWithPath: directory + "/bad.npy"))
        let bad = Self.run(["run", "--config", configFile, "--trace", Self.trace, "--hash-matrix", directory + "/bad.npy",
                            "--thresholds", thresholds, "--quiet"])
        #expect(bad.code == 65 && bad.err.hasPrefix("elsa-sim: \(directory)/bad.npy: "), "\(bad.err)")
    }

    /// Messages: devices and FIFOs named as such; invalid config JSON with a position and exit 65; a huge
    /// string clipped; `config show` of an A^3 config; usage errors on stderr; `config fields extra`.
    @Test func messages() throws {
        let directory = SweepTestSupport.temporaryDirectory("messages")
        symlink("/dev/zero", directory + "/zero.json")
        mkfifo(directory + "/fifo.json", 0o644)
        let zero = Self.run(["config", "show", "--config", directory + "/zero.json"])
        #expect(zero.code == 66 && zero.err == "elsa-sim: \(directory)/zero.json: is a character device, not a regular file\n")
        let fifo = Self.run(["config", "show", "--config", directory + "/fifo.json"])
        #expect(fifo.code == 66 && fifo.err == "elsa-sim: \(directory)/fifo.json: is a FIFO (named pipe), not a regular file\n")
        try #"{"clock_ghz": 1,,}"#.write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        let bad = Self.run(["config", "show", "--config", directory + "/bad.json"])
        #expect(bad.code == 65 && Self.oneLine(bad.err) && bad.err.contains("character 16"), "\(bad.err)")
        let long = String(repeating: "y", count: 100_000)
        try #"{"clock_ghz": "\#(long)"}"#.write(toFile: directory + "/long.json", atomically: true, encoding: .utf8)
        let clipped = Self.run(["config", "show", "--config", directory + "/long.json"])
        #expect(clipped.code == 65 && Self.oneLine(clipped.err) && clipped.err.count < 400 && clipped.err.contains("(100000 characters)"))
        let a3 = Self.run(["config", "show", "--config", SweepTestSupport.root.appendingPathComponent("Configs/a3-conservative.json").path])
        #expect(a3.code == 0 && a3.out.contains("\"accelerator\" : \"a3\"") || a3.out.contains("\"accelerator\": \"a3\""), "\(a3.err)")
        for args in [["sweep", "merge"], ["trace"], ["config"], ["config", "fields", "extra"]] {
            let r = Self.run(args)
            #expect(r.code == 64 && r.out.isEmpty && Self.oneLine(r.err), "\(args): \(r.err)")
        }
        // Raw bytes of a binary header are escaped in the one-line message.
        #expect(errorLine(NpyError.malformedHeader(path: "x.npy", reason: "bad \u{1B}[2J\n\u{07}")) == "elsa-sim: x.npy: malformed .npy header: bad \\x1B[2J\\x0A\\x07\n")
    }

    /// Numbers refused: merged and resumed rows are held to what a fresh row satisfies (cycles ≥ 0), and
    /// a layer file name ending in "/" is refused.
    @Test func rowsAndLayerPathsAreValidated() throws {
        #expect(throws: SweepError.self) {
            try SweepRow(line: #"{"index":0,"config_hash":"a","trace_hash":"b","cycles":-1}"#, file: "s.jsonl", lineNumber: 2)
        }
        let directory = SweepTestSupport.temporaryDirectory("slash")
        try FileManager.default.copyItem(atPath: Self.trace, toPath: directory + "/t")
        let manifest = directory + "/t/trace.json"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        try original.replacingOccurrences(of: "\"layer0.q.npy\"", with: "\"layer0.q.npy/\"").write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = Self.run(["run", "--config", Self.config, "--trace", directory + "/t"])
        #expect(result.code != 0 && Self.oneLine(result.err), "\(result.err)")
    }

    /// Mutation gap: a sweep output with a duplicated row. Resuming keeps one copy, says it dropped the
    /// other, simulates nothing, and the files end byte-identical to the uninterrupted run.
    @Test func duplicatedRowOnResume() throws {
        let directory = SweepTestSupport.temporaryDirectory("dup")
        let args = ["sweep", "--config", Self.config, "--trace", Self.trace, "--set", "attention_modules=1,2", "--out", directory + "/g", "--quiet"]
        #expect(Self.run(args).code == 0)
        let jsonl = SweepTestSupport.read(directory + "/g.jsonl"), csv = SweepTestSupport.read(directory + "/g.csv")
        let lines = jsonl.split(separator: "\n", omittingEmptySubsequences: false)
        try (jsonl + lines[1] + "\n").write(toFile: directory + "/g.jsonl", atomically: true, encoding: .utf8)
        let again = Self.run(args)
        #expect(again.code == 0)
        #expect(again.err.contains("dropped 1 rows") && again.err.contains("simulated 0 of 2 points"), "\(again.err)")
        #expect(SweepTestSupport.read(directory + "/g.jsonl") == jsonl)
        #expect(SweepTestSupport.read(directory + "/g.csv") == csv)
    }
}
