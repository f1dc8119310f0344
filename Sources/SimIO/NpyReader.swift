import Foundation
import Workload
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads NumPy `.npy` files (format versions 1.0, 2.0, 3.0) holding little-endian float16, float32 or
/// float64 in C order, as required by `elsa-trace/1` ("The arrays (`.npy`)").
///
/// Each element is converted to `Float` in one pass over the data section; bytes after the data section
/// are ignored, as NumPy does.
public enum NpyReader {
    /// Most elements one array may hold: 2^27 (512 MiB as `Float`; docs/config.md, "Bounds"). A
    /// valid header over a huge (or sparse) file would otherwise allocate without limit.
    public static let maxElements = 1 << 27

    /// Reads the array stored in the file at `url`.
    ///
    /// - Parameter displayPath: the name used in error messages (default: `url.relativePath`).
    /// - Throws: `NpyError` naming the file.
    public static func read(contentsOf url: URL, displayPath: String? = nil) throws(NpyError) -> NpyArray {
        let path = displayPath ?? url.relativePath
        if let problem = InputFile.problem(url.path) {
            if problem.missing { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: problem.reason)
        }
        // A file larger than the largest array plus a header is refused before it is mapped (a sparse
        // multi-GiB file would otherwise be read for seconds, or exhaust the address space).
        let size = InputFile.size(url.path)
        if size > maxElements * 8 + (1 << 20) {
            throw .unreadable(path: path, reason: "is \(size) bytes; an .npy file here holds at most \(maxElements) elements (docs/config.md, Bounds)")
        }
        // Straight into the array: the header from the file's first bytes, then the data section read
        // (float32) or converted chunk by chunk (float16, float64) into the array's own storage; no mapping
        // and no intermediate copy of the file. Anything unusual (a header past the first 4 KiB, a short
        // read) takes the general path below, which reports every problem.
        if let array = try readDirect(url.path, size: size, displayPath: path) { return array }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                throw .fileNotFound(path: path)
            }
            throw .unreadable(path: path, reason: isDirectory.boolValue ? "is a directory"
                                                                          : error.localizedDescription)
        }
        return try decode(data, path: path)
    }

    /// Bytes read for the header on the direct path (a longer header takes the general path). A header
    /// is 128 bytes or a few more; the data bytes that follow it in the probe are copied, the rest read in place.
    static let headerProbe = 1 << 12
    /// Elements converted per chunk on the direct path (float16, float64).
    static let chunkElements = 1 << 15

    /// The direct path of `read`: `nil` when the file needs the general path (it then reports the problem).
    private static func readDirect(_ filePath: String, size: Int, displayPath path: String) throws(NpyError) -> NpyArray? {
        let fd = open(filePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let probe = min(size, headerProbe)
        var prefix = [UInt8](repeating: 0, count: probe)
        guard prefix.withUnsafeMutableBytes({ readFully(fd, into: $0, at: 0) }) else { return nil }
        let parsed: NpyHeader? = prefix.withUnsafeBytes { bytes in try? NpyHeader.parse(bytes, path: path) }
        guard let header = parsed else { return nil }
        guard header.count <= maxElements else {
            throw .tooLarge(path: path, shape: header.shape, limit: maxElements)
        }
        let needed = header.dataByteCount, available = size - header.dataOffset
        guard available >= needed else {
            throw .truncatedData(path: path, shape: header.shape, descr: header.dtype.descr,
                                 expectedBytes: needed, foundBytes: available)
        }
        let count = header.count, itemSize = header.dtype.itemSize
        var complete = true
        let values = ContiguousArray<Float>(unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = count  // Float is trivial; on a failed read the array is dropped
            // The data bytes already in the prefix.
            let inPrefix = max(0, min(needed, probe - header.dataOffset))
            if header.dtype == .float32 && isLittleEndian {
                let destination = UnsafeMutableRawBufferPointer(buffer)
                prefix.withUnsafeBytes { bytes in
                    destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset ..< header.dataOffset + inPrefix]))
                }
                complete = readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: destination[inPrefix ..< needed]),
                                     at: header.dataOffset + inPrefix)
                return
            }
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * itemSize, alignment: 16)
            defer { chunk.deallocate() }
            var done = 0
            while done < count && complete {
                let elements = min(chunkElements, count - done)
                let slice = UnsafeMutableRawBufferPointer(rebasing: chunk[0 ..< elements * itemSize])
                complete = readFully(fd, into: slice, at: header.dataOffset + done * itemSize)
                convert(UnsafeRawBufferPointer(slice), dtype: header.dtype,
                        into: UnsafeMutableBufferPointer(rebasing: buffer[done ..< done + elements]))
                done += elements
            }
        }
        return complete ? NpyArray(shape: header.shape, values: values, storedDType: header.dtype) : nil
    }

    private static var isLittleEndian: Bool {
        #if _endian(little)
        return true
        #else
        return false
        #endif
    }

    /// Reads exactly `buffer.count` bytes at `offset`; false on an error or an early end of file.
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
        var done = 0
        while done < buffer.count {
            let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return false }
            done += got
        }
        return true
    }

    /// Reads the array at `url` and requires it to have rank `rank` (e.g. 2 for a k×d hash matrix).
    ///
    /// - Throws: `NpyError`, including `.wrongRank`.
    public static func read(contentsOf url: URL, rank: Int, displayPath: String? = nil) throws(NpyError) -> NpyArray {
        let array = try read(contentsOf: url, displayPath: displayPath)
        try array.requireRank(rank, path: displayPath ?? url.relativePath)
        return array
    }

    /// Reads a rank-3 array as a `[heads, rows, dim]` tensor.
    public static func readTensor3(contentsOf url: URL, displayPath: String? = nil) throws(NpyError) -> Tensor3 {
        try read(contentsOf: url, displayPath: displayPath).tensor3(path: displayPath ?? url.relativePath)
    }

    /// Decodes the bytes of a `.npy` file.
    ///
    /// - Parameter path: the file name used in error messages.
    /// - Complexity: O(file size); no per-element allocation.
    public static func decode(_ data: Data, path: String) throws(NpyError) -> NpyArray {
        let result: Result<NpyArray, NpyError> = data.withUnsafeBytes { bytes in
            Result { () throws(NpyError) -> NpyArray in try decode(bytes, path: path) }
        }
        return try result.get()
    }

    /// Decodes the bytes of a `.npy` file held in memory.
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws(NpyError) -> NpyArray {
        let header = try NpyHeader.parse(bytes, path: path)
        guard header.count <= maxElements else {
            throw .tooLarge(path: path, shape: header.shape, limit: maxElements)
        }
        let needed = header.dataByteCount
        let available = bytes.count - header.dataOffset
        guard available >= needed else {
            throw .truncatedData(path: path, shape: header.shape, descr: header.dtype.descr,
                                 expectedBytes: needed, foundBytes: available)
        }
        let source = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset ..< header.dataOffset + needed])
        let count = header.count
        let values = ContiguousArray<Float>(unsafeUninitializedCapacity: count) { buffer, initialized in
            convert(source, dtype: header.dtype, into: buffer)
            initialized = count
        }
        return NpyArray(shape: header.shape, values: values, storedDType: header.dtype)
    }

    /// Converts little-endian elements of `dtype` to `Float`.
    private static func convert(_ source: UnsafeRawBufferPointer, dtype: NpyDType,
                                into buffer: UnsafeMutableBufferPointer<Float>) {
        let count = buffer.count
        switch dtype {
        case .float32:
            #if _endian(little)
            if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source) }
            #else
            for i in 0 ..< count {
                let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                buffer[i] = Float(bitPattern: bits)
            }
            #endif
        case .float16:
            HalfFloat.convert(source, into: buffer)
        case .float64:
            for i in 0 ..< count {
                let bits = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                buffer[i] = Float(Double(bitPattern: bits))
            }
        }
    }
}
