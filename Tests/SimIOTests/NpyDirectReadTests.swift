import Testing
import Foundation
@testable import SimIO

/// Issue 18 part 4: `NpyReader.read(contentsOf:)` reads the data section straight into the array
/// (float32) or converts it chunk by chunk (float16 eight at a time, float64). Files are built by hand
/// (magic, version, header length, the dict padded with spaces and a newline, the data); every result is
/// compared bit for bit with the element-by-element conversion of the standard library's `Float16` and
/// `Float(Double)`, and with `decode` of the whole file (the general path).
@Suite struct NpyDirectReadTests {
    static func file(descr: String, shape: [Int], version: UInt8 = 1, headerLength: Int = 118, data payload: Data) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while dict.utf8.count < headerLength - 1 { dict += " " }
        dict += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        let length = dict.utf8.count
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF)])
        if version != 1 { data.append(contentsOf: [UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]) }
        data.append(contentsOf: Array(dict.utf8))
        data.append(payload)
        return data
    }

    static func read(_ data: Data) throws -> NpyArray {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("a.npy")
            try data.write(to: url)
            return try NpyReader.read(contentsOf: url)
        }
    }

    @Test func halfConversionMatchesTheScalarOneOnEveryPattern() {
        // 65 536 patterns and 5 more, so the last ones go through the element-by-element tail.
        let patterns = (0 ..< 65541).map { UInt16(truncatingIfNeeded: $0 &* 40503 &+ 7) }
        let bytes = patterns.withUnsafeBytes { Data($0) }
        var out = [Float](repeating: 0, count: patterns.count)
        bytes.withUnsafeBytes { source in out.withUnsafeMutableBufferPointer { HalfFloat.convert(source, into: $0) } }
        for (bits, value) in zip(patterns, out) {
            let reference = Float(Float16(bitPattern: bits))
            // NaN: the payload is kept in the top mantissa bits, quiet bit as stored.
            let expected = reference.isNaN ? UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | UInt32(bits & 0x3FF) << 13
                                           : reference.bitPattern
            if value.bitPattern != expected {
                Issue.record("bits \(bits): \(value) (\(value.bitPattern)) != \(expected)")
                return
            }
        }
    }

    /// More elements than one conversion chunk, a count that is not a multiple of 8.
    @Test(arguments: ["<f2", "<f4", "<f8"])
    func directReadEqualsElementByElement(descr: String) throws {
        let shape = [3, 997, 37]
        let count = shape.reduce(1, *)
        #expect(count > NpyReader.chunkElements && count % 8 != 0)
        var state: UInt64 = 0x1234_5678
        var payload = Data()
        var expected: [UInt32] = []
        for _ in 0 ..< count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            switch descr {
            case "<f2":
                let bits = UInt16(truncatingIfNeeded: state >> 40) & 0x7BFF  // finite: the exponent is never all ones
                withUnsafeBytes(of: bits.littleEndian) { payload.append(contentsOf: $0) }
                expected.append(Float(Float16(bitPattern: bits)).bitPattern)
            case "<f4":
                let value = Float(Int64(bitPattern: state >> 11)) * 0x1p-40
                withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                expected.append(value.bitPattern)
            default:
                let value = Double(Int64(bitPattern: state >> 3)) * 0x1p-50
                withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                expected.append(Float(value).bitPattern)
            }
        }
        let data = Self.file(descr: descr, shape: shape, data: payload)
        let direct = try Self.read(data)
        #expect(direct.shape == shape)
        #expect(direct.values.map(\.bitPattern) == expected)
        #expect(try NpyReader.decode(data, path: "a.npy") == direct)
    }

    /// A header longer than the direct path's probe takes the general path.
    @Test func headerLongerThanTheProbe() throws {
        let values: [Float] = [1.5, -2, 3.25, 0, 7, -0.125]
        let payload = values.withUnsafeBytes { Data($0) }
        let array = try Self.read(Self.file(descr: "<f4", shape: [2, 3], version: 2, headerLength: NpyReader.headerProbe + 500,
                                            data: payload))
        #expect(Array(array.values) == values)
    }

    /// A truncated data section: the same one-line error on the direct path as from `decode`.
    @Test func truncatedDataSameError() throws {
        let data = Self.file(descr: "<f2", shape: [4, 5], data: Data(count: 30))
        #expect(throws: NpyError.truncatedData(path: "a.npy", shape: [4, 5], descr: "<f2", expectedBytes: 40, foundBytes: 30)) {
            _ = try NpyReader.decode(data, path: "a.npy")
        }
        do {
            _ = try Self.read(data)
            Issue.record("a truncated file was read")
        } catch let error as NpyError {
            guard case let .truncatedData(_, shape, descr, expectedBytes, foundBytes) = error else {
                Issue.record("\(error)"); return
            }
            #expect(shape == [4, 5] && descr == "<f2" && expectedBytes == 40 && foundBytes == 30)
        }
    }
}

@Suite struct FiniteScanTests {
    /// Every position of a 40-element array (two full blocks of 16 and a tail), each of NaN, ±infinity;
    /// the largest finite values and subnormals are finite.
    @Test func findsTheFirstNonFinite() {
        var values = [Float](repeating: 1, count: 40)
        values[3] = .greatestFiniteMagnitude
        values[20] = -.leastNonzeroMagnitude
        #expect(values.withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) } == nil)
        for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0xFFC0_0001)] {
            for position in values.indices {
                var copy = values
                copy[position] = bad
                if position + 5 < copy.count { copy[position + 5] = .nan }
                #expect(copy.withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) } == position)
            }
        }
        #expect([Float]().withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) } == nil)
    }
}
