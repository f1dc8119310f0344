import Testing
import Foundation
import ElsaModel
import SimIO
import Accelerators
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

/// Issue requirement: with a hash matrix loaded from `.npy` and a thresholds file, the selected pairs are
/// exactly those of a straightforward re-implementation of the rule (`docs/algorithm.md`), built here with
/// plain loops from the files' contents.
@Suite struct LoadedMatrixSelectionTests {
    @Test(arguments: [(UInt64(11), false), (12, true)])
    func filesDriveSelectionExactly(seed: UInt64, causal: Bool) throws {
        let dir = Repo.temporaryDirectory()
        let d = 16, k = 24, heads = 2, n = 23, tokens = 21
        var g = SeededGenerator(seed: seed)
        // A random (not orthogonal) k×d projection: the rule must not depend on orthogonality.
        let matrix = ContiguousArray((0 ..< k * d).map { _ in Float(g.nextGaussian()) })
        let matrixPath = dir.appendingPathComponent("A.npy")
        try NpyWriter.write(NpyArray(shape: [k, d], values: matrix), to: matrixPath)
        let trace = SyntheticTraceGenerator(layers: 2, heads: heads, n: n, headDim: d, seed: seed, tokens: tokens, causal: causal,
                                            concentration: 1).generate()
        let tracePath = dir.appendingPathComponent("trace")
        try TraceWriter.write(trace, to: tracePath)
        let thresholds: [[Double]] = [[0.05, -0.1], [0.2, 0.0]]
        let file = ThresholdsFile(p: 1, layers: [("layer0", thresholds[0].map { $0 }), ("layer1", thresholds[1].map { $0 })])
        let thresholdsPath = dir.appendingPathComponent("t.json").path
        try Data(file.json().pretty().utf8).write(to: URL(fileURLWithPath: thresholdsPath))
        let configPath = dir.appendingPathComponent("c.json").path
        try Data(#"{"head_dim": 16, "hash": {"bits": 24, "projection": "dense"}, "theta_bias": 0.1}"#.utf8)
            .write(to: URL(fileURLWithPath: configPath))

        let inputs = try SimulationInputs.load(configPath: configPath, overrides: [], hashMatrix: matrixPath.path,
                                               thresholdsPath: thresholdsPath)
        let reread = try TraceReader.read(path: tracePath.path)
        let given = try #require(try inputs.thresholdMatrix(for: reread))
        for l in 0 ..< 2 {
            for h in 0 ..< heads {
                let got = inputs.model.selectHead(trace: reread, layer: l, queryHead: h, threshold: given[l][h]).selection
                let expected = Self.plainSelection(layer: reread.layers[l], head: h, trace: reread, matrix: matrix, k: k, d: d,
                                                   thetaBias: 0.1, t: thresholds[l][h])
                for i in 0 ..< tokens {
                    for j in 0 ..< reread.visibleKeys(query: i) {
                        #expect(got.isSelected(query: i, key: j) == expected.contains([i, j]), "layer \(l) head \(h) pair (\(i), \(j))")
                    }
                }
                #expect(got.selectedPairs == expected.count)
                // The thresholds keep some pairs and drop others, so the comparison is not vacuous.
                #expect(expected.count > 0 && expected.count < got.totalPairs, "selected \(expected.count) of \(got.totalPairs)")
            }
        }
    }

    /// The rule of `docs/algorithm.md` §1–§4 written out with plain loops.
    static func plainSelection(layer: AttentionLayer, head: Int, trace: AttentionTrace, matrix: ContiguousArray<Float>, k: Int,
                               d: Int, thetaBias: Double, t: Double) -> Set<[Int]> {
        func bits(_ x: [Float]) -> [Bool] {
            (0 ..< k).map { r in
                var s = 0.0
                for c in 0 ..< x.count { s += Double(matrix[r * d + c]) * Double(x[c]) }
                return s >= 0
            }
        }
        let kv = layer.kvHead(forQueryHead: head)
        let n = trace.tokens
        let keyBits = (0 ..< n).map { bits(layer.k.row(head: kv, row: $0)) }
        let norms: [Float] = (0 ..< n).map { j in
            Float(layer.k.row(head: kv, row: j).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        }
        let maxNorm = norms.max()!
        var out = Set<[Int]>()
        for i in 0 ..< n {
            let qb = bits(layer.q.row(head: head, row: i))
            for j in 0 ..< trace.visibleKeys(query: i) {
                let hamming = (0 ..< k).filter { qb[$0] != keyBits[j][$0] }.count
                let angle = max(0, Double.pi / Double(k) * Double(hamming) - thetaBias)
                if norms[j] * Float(cos(angle)) > Float(t) * maxNorm { out.insert([i, j]) }
            }
        }
        return out
    }
}
