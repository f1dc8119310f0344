import Workload

/// An n-dimensional array read from (or to be written to) a `.npy` file: a C-order shape and its
/// elements converted to `Float`.
///
/// The trace reader turns rank-3 arrays into `Tensor3`; the simulator also loads the k×d hash matrix
/// from a rank-2 array.
public struct NpyArray: Sendable, Equatable {
    /// Extents, outermost first (C order). Empty for a 0-d array.
    public var shape: [Int]
    /// `shape.reduce(1, *)` elements in C (row-major) order.
    public var values: ContiguousArray<Float>
    /// The element type stored in the file (values are always converted to `Float`).
    public var storedDType: NpyDType

    public init(shape: [Int], values: ContiguousArray<Float>, storedDType: NpyDType = .float32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(values.count == shape.reduce(1, *),
                     "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
        self.storedDType = storedDType
    }

    /// A rank-3 array as `[heads, rows, dim]`.
    public init(_ tensor: Tensor3) {
        self.init(shape: tensor.shape, values: tensor.storage)
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Throws unless the array has rank `rank`.
    ///
    /// - Parameter path: the file name used in the error.
    /// - Throws: `NpyError.wrongRank`.
    public func requireRank(_ rank: Int, path: String) throws(NpyError) {
        if shape.count != rank { throw .wrongRank(path: path, shape: shape, expectedRank: rank) }
    }

    /// The array as a `[heads, rows, dim]` tensor.
    ///
    /// - Throws: `NpyError.wrongRank` when the array is not rank 3.
    public func tensor3(path: String) throws(NpyError) -> Tensor3 {
        try requireRank(3, path: path)
        return Tensor3(heads: shape[0], rows: shape[1], dim: shape[2], storage: values)
    }
}
