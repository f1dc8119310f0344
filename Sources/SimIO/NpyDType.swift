/// An element type the simulator accepts in a `.npy` file: the little-endian IEEE floats allowed by
/// `elsa-trace/1` ("The arrays (`.npy`)": dtype `<f4`, `<f2` or `<f8`).
///
/// Whatever the stored type, readers convert every element to `Float` (float32).
public enum NpyDType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE 754 binary16, NumPy descr `'<f2'`.
    case float16 = "<f2"
    /// IEEE 754 binary32, NumPy descr `'<f4'`.
    case float32 = "<f4"
    /// IEEE 754 binary64, NumPy descr `'<f8'`.
    case float64 = "<f8"

    /// The NumPy descr string NumPy itself writes for this type (`'<f4'` etc.).
    public var descr: String { rawValue }

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float16: 2
        case .float32: 4
        case .float64: 8
        }
    }

    public var description: String { "'\(rawValue)'" }

    /// The accepted descr strings, for error messages.
    static let acceptedList = "'<f2' (float16), '<f4' (float32) or '<f8' (float64)"
}
