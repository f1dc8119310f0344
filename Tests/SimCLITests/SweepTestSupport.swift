import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

/// Paths and helpers shared by the sweep and compare tests.
enum SweepTestSupport {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shippedTrace = root.appendingPathComponent("Traces/minilm-l6-gutenberg-n128").path
    static let paperConfig = root.appendingPathComponent("Configs/elsa-paper.json").path

    /// A fresh empty directory under the temporary directory.
    static func temporaryDirectory(_ name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elsa-sweep-tests-\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// The shipped trace cut to its first layer and first head (real data, 1/72 of the work), written
    /// once per process.
    static let shippedSlice: String = {
        let trace = try! TraceReader.read(path: shippedTrace)
        func cut(_ t: Tensor3) -> Tensor3 {
            Tensor3(heads: 1, rows: t.rows, dim: t.dim, storage: ContiguousArray(t.storage[0 ..< t.rows * t.dim]))
        }
        let layer = trace.layers[0]
        let slice = AttentionTrace(model: trace.model, description: "first layer, head 0 of the shipped trace",
                                   scale: trace.scale, causal: trace.causal, tokens: trace.tokens,
                                   layers: [AttentionLayer(name: layer.name, q: cut(layer.q), k: cut(layer.k), v: cut(layer.v),
                                                           out: layer.out.map(cut))])
        let directory = temporaryDirectory("slice") + "/minilm-l6-layer0-head0"
        try! TraceWriter.write(slice, to: URL(fileURLWithPath: directory))
        return directory
    }()

    /// A small synthetic trace (1 layer, 2 heads, n = 24), written once per process.
    static let tinyTrace: String = {
        let directory = temporaryDirectory("tiny") + "/tiny"
        let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 24, headDim: 16, seed: 7).generate()
        try! TraceWriter.write(trace, to: URL(fileURLWithPath: directory))
        return directory
    }()

    /// Runs the CLI in-process and returns (exit code, stdout, stderr).
    static func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let console = Console.capturing()
        let code = runMain(arguments, console: console)
        return (code, console.standardOutput, console.standardError)
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
