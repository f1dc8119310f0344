import Foundation

/// What names a trace in sweep and compare outputs: a short name (the directory's last path
/// component) and a content identity (`FNV1a64` of `trace.json` followed by every file its layers
/// reference, in manifest order), so outputs made on different machines from the same trace agree.
public struct TraceIdentity: Sendable, Equatable {
    public var name: String
    public var id: String

    public init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// Hashes the trace directory at `path`.
    ///
    /// - Throws: `TraceError` when the manifest or a referenced file cannot be read (the trace reader
    ///   reports the same files first, so this only fails when a file vanished in between).
    public static func of(path: String) throws(TraceError) -> TraceIdentity {
        var display = path
        while display.count > 1 && display.hasSuffix("/") { display.removeLast() }
        let directory = URL(fileURLWithPath: display, isDirectory: true)
        let manifestPath = display + "/" + TraceReader.manifestName
        guard let manifest = FileManager.default.contents(atPath: directory.appendingPathComponent(TraceReader.manifestName).path) else {
            throw .manifestNotFound(path: manifestPath)
        }
        var hash = FNV1a64()
        hash.update(manifest)
        if let root = try? JSONValue.parse(manifest), case let .array(layers)? = root.objectValue?["layers"] {
            for (index, layer) in layers.enumerated() {
                for key in ["q", "k", "v", "out"] {
                    guard let file = layer.objectValue?[key]?.stringValue else { continue }
                    let filePath = directory.appendingPathComponent(file).path
                    guard InputFile.problem(filePath) == nil, let data = FileManager.default.contents(atPath: filePath) else {
                        throw .layerFileNotFound(path: manifestPath, field: "layers[\(index)].\(key)", file: display + "/" + file)
                    }
                    hash.update(file)
                    hash.update(data)
                }
            }
        }
        return TraceIdentity(name: directory.lastPathComponent, id: hash.hex)
    }
}
