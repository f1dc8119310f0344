import Foundation
import Testing

/// Locations of the committed fixtures (written by `scripts/make_npy_fixtures.py`) and scratch directories.
enum Fixtures {
    /// `Tests/SimIOTests/Fixtures` as copied into the test bundle.
    static var root: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)) }
    }

    static func npy(_ name: String) throws -> URL {
        try root.appendingPathComponent("npy").appendingPathComponent(name)
    }

    static func trace(_ name: String = "trace") throws -> URL {
        try root.appendingPathComponent(name)
    }

    static func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }
}

/// What `npy/expected.json` records for one array numpy wrote.
struct ExpectedArray: Decodable {
    var shape: [Int]
    var dtype: String
    var version: [Int]
    /// The float32 bit patterns of the values after `astype(np.float32)`.
    var bits: [UInt32]

    static func load() throws -> [String: ExpectedArray] {
        try JSONDecoder().decode([String: ExpectedArray].self, from: Data(contentsOf: Fixtures.npy("expected.json")))
    }
}

/// A fresh directory under the system temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("elsa-sim-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// Copies fixture directory `name` to `parent/name` and returns the copy.
func copyFixtureTrace(_ name: String = "trace", into parent: URL) throws -> URL {
    let destination = parent.appendingPathComponent(name, isDirectory: true)
    try FileManager.default.copyItem(at: Fixtures.trace(name), to: destination)
    return destination
}
