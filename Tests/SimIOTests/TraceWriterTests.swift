import Foundation
import Testing
import Workload
@testable import SimIO

@Suite struct TraceWriterTests {
    static func smallTrace() -> AttentionTrace {
        SyntheticTraceGenerator(layers: 2, heads: 4, kvHeads: 2, n: 6, headDim: 3, seed: 99, tokens: 5,
                                causal: true).generate()
    }

    @Test func roundTrip() throws {
        try withTemporaryDirectory { dir in
            let trace = Self.smallTrace()
            try TraceWriter.write(trace, to: dir.appendingPathComponent("t"))
            let back = try TraceReader.read(directory: dir.appendingPathComponent("t"))
            #expect(back == trace)
        }
    }

    @Test func roundTripOfTheNumPyTrace() throws {
        try withTemporaryDirectory { dir in
            let trace = try TraceReader.read(directory: Fixtures.trace("trace-gqa"))
            try TraceWriter.write(trace, to: dir)
            #expect(try TraceReader.read(directory: dir) == trace)
        }
    }

    @Test func byteStable() throws {
        try withTemporaryDirectory { dir in
            let trace = Self.smallTrace()
            let first = dir.appendingPathComponent("a"), second = dir.appendingPathComponent("b")
            try TraceWriter.write(trace, to: first)
            try TraceWriter.write(trace, to: second)
            let names = try FileManager.default.contentsOfDirectory(atPath: first.path).sorted()
            #expect(names == (try FileManager.default.contentsOfDirectory(atPath: second.path).sorted()))
            #expect(names.count == 1 + 2 * 4)
            for name in names {
                #expect(try Data(contentsOf: first.appendingPathComponent(name))
                    == Data(contentsOf: second.appendingPathComponent(name)), "\(name)")
            }
        }
    }

    @Test func manifestText() {
        let t = Tensor3(heads: 1, rows: 2, dim: 4)
        let trace = AttentionTrace(model: "m/x", layers: [AttentionLayer(name: "L0", q: t, k: t, v: t)])
        let text = String(decoding: TraceWriter.manifestData(for: trace), as: UTF8.self)
        #expect(text == """
            {
              "causal" : false,
              "dtype" : "float32",
              "format" : "elsa-trace/1",
              "head_dim" : 4,
              "heads" : 1,
              "input" : {
                "tokens" : 2
              },
              "layers" : [
                {
                  "k" : "layer0.k.npy",
                  "name" : "L0",
                  "q" : "layer0.q.npy",
                  "v" : "layer0.v.npy"
                }
              ],
              "model" : "m/x",
              "scale" : 0.5
            }

            """)
    }

    @Test func unwritableDirectory() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("file")
            try Data("x".utf8).write(to: file)
            let error = #expect(throws: TraceError.self) {
                try TraceWriter.write(Self.smallTrace(), to: file.appendingPathComponent("t"))
            }
            guard case .unwritable = error else {
                Issue.record("expected unwritable, got \(String(describing: error))")
                return
            }
        }
    }
}
