/// The `.npy` format version of a file (NumPy "format.py": 1.0, 2.0 and 3.0 are defined).
///
/// 1.0 stores the header length in 2 bytes, 2.0 and 3.0 in 4 bytes; 1.0 and 2.0 headers are latin-1,
/// 3.0 headers are UTF-8.
public enum NpyVersion: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case v1_0
    case v2_0
    case v3_0

    /// Creates the version for the two version bytes following the magic string, or `nil` if unsupported.
    public init?(major: UInt8, minor: UInt8) {
        switch (major, minor) {
        case (1, 0): self = .v1_0
        case (2, 0): self = .v2_0
        case (3, 0): self = .v3_0
        default: return nil
        }
    }

    /// The major version byte.
    public var major: UInt8 {
        switch self {
        case .v1_0: 1
        case .v2_0: 2
        case .v3_0: 3
        }
    }

    /// Width in bytes of the little-endian header-length field.
    public var headerLengthSize: Int { self == .v1_0 ? 2 : 4 }

    public var description: String { "\(major).0" }
}
