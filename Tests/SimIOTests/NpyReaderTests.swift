import Foundation
import Testing
@testable import SimIO

@Suite struct NpyReaderTests {
    static let validFixtures = ["v1_f4.npy", "v2_f4.npy", "v3_f4.npy", "f2.npy", "f8.npy", "matrix_f4.npy",
                                "scalar_f4.npy", "empty_f4.npy"]

    @Test(arguments: validFixtures)
    func readsWhatNumPyWrote(name: String) throws {
        let expected = try #require(try ExpectedArray.load()[name])
        let array = try NpyReader.read(contentsOf: Fixtures.npy(name))
        #expect(array.shape == expected.shape)
        #expect(array.storedDType.descr == expected.dtype)
        #expect(array.values.map(\.bitPattern) == expected.bits)
    }

    @Test(arguments: [("v1_f4.npy", NpyVersion.v1_0), ("v2_f4.npy", .v2_0), ("v3_f4.npy", .v3_0)])
    func parsesEachVersion(name: String, version: NpyVersion) throws {
        let data = try Fixtures.bytes(Fixtures.npy(name))
        let header = try data.withUnsafeBytes { raw throws(NpyError) in try NpyHeader.parse(raw, path: name) }
        #expect(header.version == version)
        #expect(header.shape == [2, 3, 4])
        #expect(header.dataOffset % 64 == 0)
    }

    @Test func float16SpecialValues() throws {
        let array = try NpyReader.read(contentsOf: Fixtures.npy("f2.npy"))
        #expect(array.values[0] == 0 && array.values[0].sign == .plus)
        #expect(array.values[1] == 0 && array.values[1].sign == .minus)
        #expect(array.values[4] == 65504)
        #expect(array.values[5] == 0x1p-24) // 6e-8 rounds to the smallest subnormal half
        #expect(array.values[8] == .infinity && array.values[9] == -.infinity && array.values[10].isNaN)
    }

    @Test func rankHelper() throws {
        let matrix = try NpyReader.read(contentsOf: Fixtures.npy("matrix_f4.npy"), rank: 2)
        #expect(matrix.shape == [3, 5])
        let error = #expect(throws: NpyError.self) {
            try NpyReader.read(contentsOf: Fixtures.npy("matrix_f4.npy"), rank: 3, displayPath: "m.npy")
        }
        #expect(error == .wrongRank(path: "m.npy", shape: [3, 5], expectedRank: 3))
        #expect(error?.description == "m.npy: shape (3, 5) has rank 2; expected rank 3")
        let tensor = try NpyReader.readTensor3(contentsOf: Fixtures.npy("v1_f4.npy"))
        #expect(tensor.shape == [2, 3, 4])
    }

    /// One case per `.npy` rejection in trace-format.md, on files numpy wrote (or numpy's bytes cut/patched).
    @Test(arguments: [
        ("bad_magic.npy", NpyError.badMagic(path: "bad_magic.npy", found: [0x50, 0x4B, 3, 4, 0x50, 0x59])),
        ("version_4.npy", .unsupportedVersion(path: "version_4.npy", major: 4, minor: 0)),
        ("int32.npy", .unsupportedDtype(path: "int32.npy", descr: "'<i4'")),
        ("big_endian_f4.npy", .bigEndian(path: "big_endian_f4.npy", descr: "'>f4'")),
        ("fortran_f4.npy", .fortranOrder(path: "fortran_f4.npy")),
        ("truncated_f4.npy", .truncatedData(path: "truncated_f4.npy", shape: [2, 3, 4], descr: "<f4",
                                            expectedBytes: 96, foundBytes: 90)),
    ])
    func rejects(name: String, expected: NpyError) throws {
        let error = #expect(throws: NpyError.self) {
            try NpyReader.read(contentsOf: Fixtures.npy(name), displayPath: name)
        }
        #expect(error == expected)
        #expect(error?.description.hasPrefix(name + ": ") == true)
    }

    @Test func messagesSayWhatIsAccepted() {
        #expect(NpyError.unsupportedDtype(path: "a.npy", descr: "'<i4'").description
            == "a.npy: unsupported dtype '<i4'; expected '<f2' (float16), '<f4' (float32) or '<f8' (float64)")
        #expect(NpyError.truncatedData(path: "a.npy", shape: [2, 3, 4], descr: "<f4", expectedBytes: 96,
                                       foundBytes: 90).description
            == "a.npy: truncated data section: shape (2, 3, 4) of '<f4' needs 96 bytes, found 90")
        #expect(NpyError.badMagic(path: "a.npy", found: Array("PK\u{3}\u{4}".utf8)).description
            == "a.npy: not a .npy file: bad magic string 'PK\\x03\\x04'; expected '\\x93NUMPY'")
    }

    @Test func missingAndUnreadableFiles() throws {
        try withTemporaryDirectory { dir in
            let missing = #expect(throws: NpyError.self) {
                try NpyReader.read(contentsOf: dir.appendingPathComponent("none.npy"), displayPath: "none.npy")
            }
            #expect(missing == .fileNotFound(path: "none.npy"))
            let directory = #expect(throws: NpyError.self) {
                try NpyReader.read(contentsOf: dir, displayPath: "dir")
            }
            #expect(directory == .unreadable(path: "dir", reason: "is a directory"))
        }
    }

    /// Headers NumPy would accept or reject that the fixtures do not cover.
    @Test(arguments: [
        // Python 2 era: long integers with an L suffix, extra spaces, double quotes.
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", [2, 3] as [Int]?),
        ("{\"shape\": (6,), \"fortran_order\": False, \"descr\": \"<f4\"}", [6]),
        ("{'descr': 'f4', 'fortran_order': False, 'shape': (), }", []),
        // Rejected: not a dict, a missing key, an extra key, a bad shape, bad fortran_order.
        ("['descr', '<f4']", nil),
        ("{'descr': '<f4', 'shape': (2,), }", nil),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", nil),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", nil),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", nil),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", nil),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", nil),
    ])
    func headerDialects(header: String, shape: [Int]?) throws {
        let count = shape?.reduce(1, *) ?? 0
        let file = Self.file(header: header, payload: [UInt8](repeating: 0, count: count * 4))
        if let shape {
            let array = try NpyReader.decode(file, path: "h.npy")
            #expect(array.shape == shape)
        } else {
            let error = #expect(throws: NpyError.self) { try NpyReader.decode(file, path: "h.npy") }
            guard case .malformedHeader(path: "h.npy", _) = error else {
                Issue.record("expected malformedHeader, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func structuredDtypeIsUnsupported() {
        let file = Self.file(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                             payload: [0, 0, 0, 0])
        #expect(throws: NpyError.unsupportedDtype(path: "s.npy", descr: "[('a', '<f4')]")) {
            try NpyReader.decode(file, path: "s.npy")
        }
    }

    @Test func truncatedHeader() {
        var file = Self.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", payload: [])
        file = file.prefix(20)
        let error = #expect(throws: NpyError.self) { try NpyReader.decode(file, path: "t.npy") }
        guard case .truncatedHeader(path: "t.npy", expectedBytes: _, foundBytes: 20) = error else {
            Issue.record("expected truncatedHeader, got \(String(describing: error))")
            return
        }
        #expect(throws: NpyError.badMagic(path: "e.npy", found: [])) { try NpyReader.decode(Data(), path: "e.npy") }
    }

    @Test func extraBytesAfterTheDataAreIgnored() throws {
        var data = try Fixtures.bytes(Fixtures.npy("v1_f4.npy"))
        let reference = try NpyReader.decode(data, path: "x")
        data.append(contentsOf: [1, 2, 3])
        #expect(try NpyReader.decode(data, path: "x") == reference)
    }

    /// A version 1.0 file with `header` (unpadded) followed by `payload`.
    static func file(header: String, payload: [UInt8]) -> Data {
        let text = Array((header + "\n").utf8)
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)])
        data.append(contentsOf: text)
        data.append(contentsOf: payload)
        return data
    }
}
