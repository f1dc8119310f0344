import Foundation
import Testing
import Workload
@testable import SimIO

@Suite struct NpyWriterTests {
    /// The writer reproduces `np.save` byte for byte (header text, growth spaces, 64-byte padding, data).
    @Test(arguments: ["v1_f4.npy", "f2.npy", "matrix_f4.npy", "scalar_f4.npy", "empty_f4.npy"])
    func matchesNumPyBytes(name: String) throws {
        let url = try Fixtures.npy(name)
        let array = try NpyReader.read(contentsOf: url)
        #expect(NpyWriter.encode(array) == (try Fixtures.bytes(url)))
    }

    /// f8.npy holds doubles that float32 cannot represent, so only its header can match exactly.
    @Test func matchesNumPyFloat64Header() throws {
        let url = try Fixtures.npy("f8.npy")
        let array = try NpyReader.read(contentsOf: url)
        let ours = NpyWriter.encode(array)
        let numpy = try Fixtures.bytes(url)
        #expect(ours.count == numpy.count)
        #expect(ours.prefix(128) == numpy.prefix(128))
        #expect(try NpyReader.decode(ours, path: "f8") == array)
    }

    @Test func headerLayout() {
        let data = NpyWriter.encode(shape: [2, 3, 4], values: ContiguousArray(repeating: 1, count: 24))
        let header = String(decoding: data.prefix(128), as: UTF8.self)
        #expect(header.dropFirst(10).hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }"))
        #expect(data.count == 128 + 96)
        #expect(data[127] == UInt8(ascii: "\n"))
        #expect(data[8] == 118 && data[9] == 0) // header length 118 = 128 - 10
    }

    @Test(arguments: NpyDType.allCases)
    func roundTrip(dtype: NpyDType) throws {
        let values: ContiguousArray<Float> = [0, -0.0, 1, -2.5, 0.1, 65504, 0x1p-24, 3.25e-3, 1000, -7, 1e-3, 42]
        let data = NpyWriter.encode(shape: [3, 4], values: values, dtype: dtype)
        let back = try NpyReader.decode(data, path: "r.npy")
        #expect(back.shape == [3, 4])
        #expect(back.storedDType == dtype)
        let expected = dtype == .float16 ? ContiguousArray(values.map { HalfFloat.float(fromBits: HalfFloat.bits(from: $0)) })
                                         : values
        #expect(back.values.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func writesTensorFiles() throws {
        try withTemporaryDirectory { dir in
            let tensor = Tensor3(heads: 2, rows: 1, dim: 3, storage: [1, 2, 3, 4, 5, 6])
            let url = dir.appendingPathComponent("t.npy")
            try NpyWriter.write(tensor, to: url)
            #expect(try NpyReader.readTensor3(contentsOf: url) == tensor)
            let error = #expect(throws: NpyError.self) {
                try NpyWriter.write(tensor, to: dir.appendingPathComponent("no/such/dir/t.npy"), displayPath: "t.npy")
            }
            guard case .unwritable(path: "t.npy", _) = error else {
                Issue.record("expected unwritable, got \(String(describing: error))")
                return
            }
        }
    }
}

@Suite struct HalfFloatTests {
    /// Every binary16 pattern converts exactly as the standard library's `Float16` does.
    @Test func decodesEveryPattern() {
        for bits in UInt16.min ... UInt16.max {
            let ours = HalfFloat.float(fromBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(ours.isNaN)
            } else if ours.bitPattern != reference.bitPattern {
                Issue.record("bits \(bits): \(ours) != \(reference)")
                return
            }
        }
    }

    /// Rounding from Float agrees with `Float16(_:)` (round to nearest even) on tricky and random values.
    @Test func encodesLikeFloat16() {
        var generator = SeededGeneratorForTests(state: 12345)
        var values: [Float] = [0, -0.0, 65504, 65519.99, 65520, 1e-8, 0x1p-25, 0x1.8p-25, 0x1p-24, 0x1.8p-24,
                               0x1p-14, 0x1.ffcp-15, 1.0009765625, 1.00048828125, 1.00146484375, .infinity,
                               -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        for _ in 0 ..< 20000 {
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())))
        }
        for value in values where !value.isNaN {
            let ours = HalfFloat.bits(from: value)
            let reference = Float16(value).bitPattern
            if ours != reference {
                Issue.record("\(value): \(ours) != \(reference)")
                return
            }
        }
        #expect(HalfFloat.float(fromBits: HalfFloat.bits(from: .nan)).isNaN)
    }
}

/// xorshift for test inputs (independent of the generator under test elsewhere).
struct SeededGeneratorForTests {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
