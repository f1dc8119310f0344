/// A dense, row-major `[heads, rows, dim]` tensor of `Float`, the shape of one layer's Q, K, V or output
/// in an `elsa-trace/1` trace.
///
/// Traces may store float16, float32 or float64; readers convert every element to `Float` (float32),
/// the precision of the simulator's functional model (see `docs/model.md`, "Precision").
public struct Tensor3: Sendable, Equatable {
    public let heads: Int
    public let rows: Int
    public let dim: Int
    /// `heads * rows * dim` elements; element `(h, r, c)` is at `(h * rows + r) * dim + c`.
    public var storage: ContiguousArray<Float>

    public init(heads: Int, rows: Int, dim: Int, storage: ContiguousArray<Float>) {
        precondition(heads >= 0 && rows >= 0 && dim >= 0, "negative tensor shape [\(heads), \(rows), \(dim)]")
        precondition(storage.count == heads * rows * dim,
                     "storage holds \(storage.count) elements, shape [\(heads), \(rows), \(dim)] needs \(heads * rows * dim)")
        self.heads = heads
        self.rows = rows
        self.dim = dim
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(heads: Int, rows: Int, dim: Int) {
        self.init(heads: heads, rows: rows, dim: dim,
                  storage: ContiguousArray(repeating: 0, count: heads * rows * dim))
    }

    /// The shape as `[heads, rows, dim]`, for messages.
    public var shape: [Int] { [heads, rows, dim] }

    /// Index of element `(head, row, 0)` in `storage`.
    @inlinable
    public func offset(head: Int, row: Int) -> Int { (head * rows + row) * dim }

    @inlinable
    public subscript(head: Int, row: Int, column: Int) -> Float {
        get { storage[(head * rows + row) * dim + column] }
        set { storage[(head * rows + row) * dim + column] = newValue }
    }

    /// One row as an array (convenient in tests and cold paths; hot paths use `offset` and `storage`).
    public func row(head: Int, row: Int) -> [Float] {
        let start = offset(head: head, row: row)
        return Array(storage[start ..< start + dim])
    }
}
