/// The parsed prelude and header of a `.npy` file (NumPy "format.py"): version, dtype, order, shape and
/// where the data section starts.
public struct NpyHeader: Sendable, Equatable {
    public var version: NpyVersion
    public var dtype: NpyDType
    public var shape: [Int]
    /// Byte offset of the first element (always a multiple of 64 in files NumPy writes).
    public var dataOffset: Int

    /// The magic string every `.npy` file starts with.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY

    /// Number of elements (`shape.reduce(1, *)`, 1 for a 0-d array); checked for overflow when parsed.
    public var count: Int { shape.reduce(1, *) }

    /// Bytes the data section needs.
    public var dataByteCount: Int { count * dtype.itemSize }

    /// Parses the prelude and header at the start of `bytes`.
    ///
    /// Rejects, in this order: a bad magic string, an unsupported version, a truncated header, a header
    /// that is not NumPy's dict literal with exactly the keys `descr`, `fortran_order`, `shape`, an
    /// unsupported dtype or big-endian byte order, and Fortran order.
    ///
    /// - Parameter path: the file name used in error messages.
    /// - Throws: `NpyError` naming `path`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(NpyError) -> NpyHeader {
        let magicCount = magic.count
        guard bytes.count >= magicCount, zip(bytes.prefix(magicCount), magic).allSatisfy({ $0 == $1 }) else {
            throw .badMagic(path: path, found: Array(bytes.prefix(magicCount)))
        }
        guard bytes.count >= magicCount + 2 else {
            throw .truncatedHeader(path: path, expectedBytes: magicCount + 2, foundBytes: bytes.count)
        }
        let major = bytes[magicCount], minor = bytes[magicCount + 1]
        guard let version = NpyVersion(major: major, minor: minor) else {
            throw .unsupportedVersion(path: path, major: major, minor: minor)
        }
        let lengthStart = magicCount + 2
        let headerStart = lengthStart + version.headerLengthSize
        guard bytes.count >= headerStart else {
            throw .truncatedHeader(path: path, expectedBytes: headerStart, foundBytes: bytes.count)
        }
        var headerLength = 0
        for i in (0 ..< version.headerLengthSize).reversed() {
            headerLength = headerLength << 8 | Int(bytes[lengthStart + i])
        }
        let dataOffset = headerStart + headerLength
        guard bytes.count >= dataOffset else {
            throw .truncatedHeader(path: path, expectedBytes: dataOffset, foundBytes: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart ..< dataOffset])
        let text: String
        if version == .v3_0 {
            guard let utf8 = String(validating: headerBytes, as: UTF8.self) else {
                throw .malformedHeader(path: path, reason: "version 3.0 header is not valid UTF-8")
            }
            text = utf8
        } else {
            // Latin-1: every byte is the code point of the same value.
            var scalars = String.UnicodeScalarView()
            for byte in headerBytes { scalars.append(Unicode.Scalar(byte)) }
            text = String(scalars)
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(text)
        } catch {
            throw .malformedHeader(path: path, reason: "\(error) in \(Self.quoted(text))")
        }
        guard case .dict(let pairs) = literal else {
            throw .malformedHeader(path: path, reason: "header is not a dict: \(Self.quoted(text))")
        }
        var entries: [String: PythonLiteral] = [:]
        for (key, value) in pairs {
            guard case .string(let name) = key else {
                throw .malformedHeader(path: path, reason: "header key \(key.repr) is not a string")
            }
            entries[name] = value
        }
        let expectedKeys: Set<String> = ["descr", "fortran_order", "shape"]
        guard Set(entries.keys) == expectedKeys else {
            let found = entries.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw .malformedHeader(path: path, reason: "header keys are [\(found)]; expected exactly "
                + "['descr', 'fortran_order', 'shape']")
        }
        let dtype = try Self.dtype(entries["descr"]!, path: path)
        guard case .bool(let fortranOrder) = entries["fortran_order"]! else {
            throw .malformedHeader(path: path,
                                   reason: "fortran_order is \(entries["fortran_order"]!.repr); expected True or False")
        }
        if fortranOrder { throw .fortranOrder(path: path) }
        let shapeLiteral = entries["shape"]!
        guard case .tuple(let dims) = shapeLiteral else {
            throw .malformedHeader(path: path,
                                   reason: "shape is \(shapeLiteral.repr); expected a tuple of non-negative integers")
        }
        var shape: [Int] = []
        var bytesNeeded = dtype.itemSize
        for dim in dims {
            guard case .int(let extent) = dim, extent >= 0 else {
                throw .malformedHeader(path: path,
                                       reason: "shape is \(shapeLiteral.repr); expected a tuple of non-negative integers")
            }
            let (product, overflow) = bytesNeeded.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw .malformedHeader(path: path, reason: "shape \(shapeLiteral.repr) is too large")
            }
            bytesNeeded = product
            shape.append(extent)
        }
        return NpyHeader(version: version, dtype: dtype, shape: shape, dataOffset: dataOffset)
    }

    /// Maps a descr literal to a supported dtype, or throws the precise reason it is not one.
    private static func dtype(_ descr: PythonLiteral, path: String) throws(NpyError) -> NpyDType {
        guard case .string(let text) = descr else {
            throw .unsupportedDtype(path: path, descr: descr.repr) // structured or subarray dtype
        }
        var order: Character = "="
        var code = Substring(text)
        if let first = text.first, "<>|=".contains(first) {
            order = first
            code = code.dropFirst()
        }
        let float: NpyDType? = switch code {
        case "f2": .float16
        case "f4": .float32
        case "f8": .float64
        default: nil
        }
        guard let float else { throw .unsupportedDtype(path: path, descr: descr.repr) }
        switch order {
        case "<", "=": return float // '=' (native) never appears in NumPy's output; every supported host is little-endian
        case ">": throw .bigEndian(path: path, descr: descr.repr)
        default: throw .unsupportedDtype(path: path, descr: descr.repr)
        }
    }

    private static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingSuffix(while: { $0 == " " || $0 == "\n" })
        return "\"" + (trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed) + "\""
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return String(self[startIndex ..< end])
    }
}
