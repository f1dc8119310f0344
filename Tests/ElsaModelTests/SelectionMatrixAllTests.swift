import Testing
import Workload
@testable import ElsaModel

/// `SelectionMatrix.all` (exact mode's selection) fills whole words at once; it must equal the matrix
/// built one pair at a time with `set`, on row lengths at and around the word boundaries.
@Suite struct SelectionMatrixAllTests {
    @Test func equalsThePairByPairMatrix() {
        var rng = SeededGenerator(seed: 77)
        for keys in [1, 2, 63, 64, 65, 127, 128, 129, 200, 512] {
            for queries in [1, 3, 17] {
                let edges = [0, 1, 63, 64, 65, 127, 128, 129, keys - 1, keys].filter { $0 >= 0 && $0 <= keys }
                let visible = ContiguousArray((0 ..< queries).map { i in
                    i < edges.count ? edges[i] : Int.random(in: 0 ... keys, using: &rng)
                })
                var expected = SelectionMatrix(queries: queries, keys: keys, visible: visible)
                for i in 0 ..< queries { for j in 0 ..< visible[i] { expected.set(query: i, key: j) } }
                let all = SelectionMatrix.all(queries: queries, keys: keys, visible: visible)
                #expect(all == expected, "keys \(keys), visible \(Array(visible))")
                #expect(all.selectedPairs == visible.reduce(0, +))
            }
        }
    }
}
