import Testing
import Foundation
@testable import SimIO

/// Issue 19, mutation gap: an .npy header of 256 bytes or more (the little-endian header length then
/// has a non-zero high byte). Bytes built by hand from the format: magic, version, uint16/uint32 LE
/// header length, the dict padded with spaces and a newline, then the data.
@Suite struct NpyLongHeaderTests {
    static func file(version: UInt8, headerLength: Int, values: [Float]) -> Data {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        let prelude = version == 1 ? 10 : 12
        while dict.utf8.count < headerLength - 1 { dict += " " }
        dict += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        let length = dict.utf8.count
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        if version != 1 { data.append(contentsOf: [UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]) }
        data.append(contentsOf: Array(dict.utf8))
        #expect(data.count == prelude + headerLength)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    @Test(arguments: [(UInt8(1), 374), (UInt8(1), 502), (UInt8(2), 628), (UInt8(1), 246)])
    func paddedHeaderIsRead(version: UInt8, headerLength: Int) throws {
        let values: [Float] = [1.5, -2, 3.25, 0, 7, -0.125]
        let array = try NpyReader.decode(Self.file(version: version, headerLength: headerLength, values: values), path: "long.npy")
        #expect(array.shape == [2, 3])
        #expect(Array(array.values) == values)
    }
}
