import Workload

/// The preprocessing step of approximate A^3 (A^3 §IV-A): every column of one head's key matrix
/// sorted ascending, each entry stored as (value, row ID) — the "Sorted Key Matrix" of §IV-C.
///
/// Only real tokens are keys (padding is excluded). Equal values are ordered by row ID, so the order is
/// total and the search deterministic.
public struct A3SortedKeys: Sendable, Equatable {
    /// Keys per column.
    public let keys: Int
    /// Columns (the trace's head dim).
    public let columns: Int
    /// `values[c · keys + r]`: the r-th smallest value of column c.
    public let values: ContiguousArray<Double>
    /// `rows[c · keys + r]`: the row ID (key index) that value came from.
    public let rows: ContiguousArray<Int32>

    /// Sorts the columns of a `keys × columns` row-major matrix.
    public init(matrix: [Double], keys: Int, columns: Int) {
        precondition(matrix.count == keys * columns, "matrix has \(matrix.count) values for \(keys) × \(columns)")
        self.keys = keys
        self.columns = columns
        var values = ContiguousArray<Double>(repeating: 0, count: keys * columns)
        var rows = ContiguousArray<Int32>(repeating: 0, count: keys * columns)
        var order = Array(0 ..< keys)
        for c in 0 ..< columns {
            order.sort { a, b in
                let x = matrix[a * columns + c], y = matrix[b * columns + c]
                return x != y ? x < y : a < b
            }
            for (r, row) in order.enumerated() {
                values[c * keys + r] = matrix[row * columns + c]
                rows[c * keys + r] = Int32(row)
            }
        }
        self.values = values
        self.rows = rows
    }

    /// The real keys of query head `queryHead` of `layer` (its key/value head), sorted per column.
    public init(layer: AttentionLayer, queryHead: Int, tokens: Int) {
        let kv = layer.kvHead(forQueryHead: queryHead)
        let d = layer.k.dim
        var matrix = [Double](repeating: 0, count: tokens * d)
        for y in 0 ..< tokens {
            let start = layer.k.offset(head: kv, row: y)
            for c in 0 ..< d { matrix[y * d + c] = Double(layer.k.storage[start + c]) }
        }
        self.init(matrix: matrix, keys: tokens, columns: d)
    }
}
