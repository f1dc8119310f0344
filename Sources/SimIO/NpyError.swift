/// Why a `.npy` file could not be read or written.
///
/// Every case names the file (`path`, as given by the caller) and says what was found and what was
/// expected, following `elsa-trace/1` "What a reader must reject".
public enum NpyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read (a directory, permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// The first six bytes are not `\x93NUMPY`; `found` holds the bytes that were there (at most six).
    case badMagic(path: String, found: [UInt8])
    /// The version bytes name a format other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(path: String, major: UInt8, minor: UInt8)
    /// The file ends inside the fixed prelude or the header.
    case truncatedHeader(path: String, expectedBytes: Int, foundBytes: Int)
    /// The header is not the Python dict literal NumPy writes (`reason` says where it went wrong).
    case malformedHeader(path: String, reason: String)
    /// The dtype is not one of `'<f2'`, `'<f4'`, `'<f8'`.
    case unsupportedDtype(path: String, descr: String)
    /// A big-endian float (`'>f4'` etc.); the format requires little-endian.
    case bigEndian(path: String, descr: String)
    /// `fortran_order` is `True`; the format requires C order.
    case fortranOrder(path: String)
    /// The data section is shorter than the shape and dtype require.
    case truncatedData(path: String, shape: [Int], descr: String, expectedBytes: Int, foundBytes: Int)
    /// The array does not have the rank the caller requires.
    case wrongRank(path: String, shape: [Int], expectedRank: Int)
    /// The values do not fit the shape (writer side).
    case countMismatch(path: String, shape: [Int], count: Int)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// The shape holds more elements than one array may (`NpyReader.maxElements`).
    case tooLarge(path: String, shape: [Int], limit: Int)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .badMagic(let path, _),
             .unsupportedVersion(let path, _, _), .truncatedHeader(let path, _, _),
             .malformedHeader(let path, _), .unsupportedDtype(let path, _), .bigEndian(let path, _),
             .fortranOrder(let path), .truncatedData(let path, _, _, _, _), .wrongRank(let path, _, _),
             .countMismatch(let path, _, _), .unwritable(let path, _), .tooLarge(let path, _, _):
            return path
        }
    }

    public var description: String { "\(path): \(problem)" }

    /// The message without the leading file name (the trace reader puts the manifest field in between).
    public var problem: String {
        switch self {
        case .fileNotFound:
            return "file does not exist"
        case .unreadable(_, let reason):
            return "cannot read file: \(reason)"
        case .badMagic(_, let found):
            let shown = found.isEmpty ? "an empty file" : "'\(Self.escaped(found))'"
            return "not a .npy file: bad magic string \(shown); expected '\\x93NUMPY'"
        case .unsupportedVersion(_, let major, let minor):
            return "unsupported .npy format version \(major).\(minor); expected 1.0, 2.0 or 3.0"
        case .truncatedHeader(_, let expected, let found):
            return "truncated .npy header: expected at least \(expected) bytes, found \(found)"
        case .malformedHeader(_, let reason):
            return "malformed .npy header: \(reason)"
        case .unsupportedDtype(_, let descr):
            return "unsupported dtype \(descr); expected \(NpyDType.acceptedList)"
        case .bigEndian(_, let descr):
            return "big-endian byte order (dtype \(descr)); expected little-endian "
                + "\(NpyDType.acceptedList) (save with a.astype(a.dtype.newbyteorder('<')))"
        case .fortranOrder:
            return "fortran_order is True; expected C order (save np.ascontiguousarray(a))"
        case .truncatedData(_, let shape, let descr, let expected, let found):
            return "truncated data section: shape \(pythonShape(shape)) of '\(descr)' needs "
                + "\(expected) bytes, found \(found)"
        case .wrongRank(_, let shape, let expectedRank):
            return "shape \(pythonShape(shape)) has rank \(shape.count); expected rank \(expectedRank)"
        case .countMismatch(_, let shape, let count):
            return "\(count) values do not fill shape \(pythonShape(shape)); expected "
                + "\(shape.reduce(1, *)) values"
        case .unwritable(_, let reason):
            return "cannot write file: \(reason)"
        case .tooLarge(_, let shape, let limit):
            return "shape \(pythonShape(shape)) holds more than \(limit) elements, the most one array may hold (docs/config.md, Bounds)"
        }
    }

    /// Printable ASCII as is, everything else as `\xNN`.
    private static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "'") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}

/// A shape as Python prints a tuple: `(2, 3, 4)`, `(5,)`, `()`.
func pythonShape(_ shape: [Int]) -> String {
    switch shape.count {
    case 0: return "()"
    case 1: return "(\(shape[0]),)"
    default: return "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
