import Foundation
import Workload

/// Writes `.npy` files byte-for-byte as NumPy 2.x `np.save` does: format 1.0, a header
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }` followed by NumPy's growth spaces,
/// padded with spaces and a final `\n` so the data section starts at a multiple of 64 bytes.
public enum NpyWriter {
    /// The complete file contents for `values` of `shape`, stored as `dtype`.
    ///
    /// float32 values are stored exactly; float16 rounds to nearest even; float64 widens exactly.
    /// - Precondition: `values.count == shape.reduce(1, *)`.
    public static func encode(shape: [Int], values: ContiguousArray<Float>, dtype: NpyDType = .float32) -> Data {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        var file = header(shape: shape, dtype: dtype)
        let prefix = file.count
        file.count += values.count * dtype.itemSize
        file.withUnsafeMutableBytes { raw in
            let out = UnsafeMutableRawBufferPointer(rebasing: raw[prefix...])
            values.withUnsafeBufferPointer { source in
                switch dtype {
                case .float32:
                    for (i, value) in source.enumerated() {
                        out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                    }
                case .float16:
                    for (i, value) in source.enumerated() {
                        out.storeBytes(of: HalfFloat.bits(from: value).littleEndian, toByteOffset: i * 2,
                                       as: UInt16.self)
                    }
                case .float64:
                    for (i, value) in source.enumerated() {
                        out.storeBytes(of: Double(value).bitPattern.littleEndian, toByteOffset: i * 8,
                                       as: UInt64.self)
                    }
                }
            }
        }
        return file
    }

    /// The file contents for `array` stored as `dtype` (default: the type it was read from).
    public static func encode(_ array: NpyArray, dtype: NpyDType? = nil) -> Data {
        encode(shape: array.shape, values: array.values, dtype: dtype ?? array.storedDType)
    }

    /// The file contents for a `[heads, rows, dim]` tensor.
    public static func encode(_ tensor: Tensor3, dtype: NpyDType = .float32) -> Data {
        encode(shape: tensor.shape, values: tensor.storage, dtype: dtype)
    }

    /// Writes `array` to `url` (atomically, replacing any existing file).
    ///
    /// - Throws: `NpyError.unwritable` naming the file.
    public static func write(_ array: NpyArray, dtype: NpyDType? = nil, to url: URL,
                             displayPath: String? = nil) throws(NpyError) {
        try write(encode(array, dtype: dtype), to: url, displayPath: displayPath)
    }

    /// Writes a `[heads, rows, dim]` tensor to `url`.
    ///
    /// - Throws: `NpyError.unwritable` naming the file.
    public static func write(_ tensor: Tensor3, dtype: NpyDType = .float32, to url: URL,
                             displayPath: String? = nil) throws(NpyError) {
        try write(encode(tensor, dtype: dtype), to: url, displayPath: displayPath)
    }

    private static func write(_ data: Data, to url: URL, displayPath: String?) throws(NpyError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .unwritable(path: displayPath ?? url.relativePath, reason: error.localizedDescription)
        }
    }

    /// Magic, version 1.0, header length and the padded header, as NumPy's `_write_array_header`.
    static func header(shape: [Int], dtype: NpyDType) -> Data {
        var text = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(pythonShape(shape)), }"
        // NumPy leaves room to rewrite the first extent in place (GROWTH_AXIS_MAX_DIGITS = 21).
        if let first = shape.first { text += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        let prelude = NpyHeader.magic.count + 2 + 2
        let headerLength = text.utf8.count + 1 // + "\n"
        let padding = 64 - (prelude + headerLength) % 64
        text += String(repeating: " ", count: padding) + "\n"
        let total = headerLength + padding
        precondition(total <= Int(UInt16.max), "shape \(shape) needs a header longer than format 1.0 allows")
        var data = Data(NpyHeader.magic)
        data.append(contentsOf: [1, 0, UInt8(total & 0xFF), UInt8(total >> 8)])
        data.append(contentsOf: Array(text.utf8))
        return data
    }
}
