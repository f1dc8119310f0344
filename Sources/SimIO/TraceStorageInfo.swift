import Foundation

/// How a trace directory stores its tensors, which `AttentionTrace` (all float32 in memory) does not
/// keep: `trace.json`'s informational `dtype` field and the dtype each layer's `.npy` arrays are stored in
/// (`elsa-trace/1`: `<f2`, `<f4` or `<f8`).
///
/// Read after `TraceReader.read` has accepted the directory (so the files exist and are valid); only the
/// manifest and the `.npy` headers are parsed.
public struct TraceStorageInfo: Sendable, Equatable {
    /// `trace.json`'s `dtype`, or `nil` when absent (or not a string).
    public var manifestDType: String?
    /// The stored dtype of every array, layer by layer in the order q, k, v, out, bias (when present).
    public var arrays: [(layer: Int, array: String, dtype: NpyDType)]

    /// The distinct stored dtypes in order of first appearance.
    public var distinctDTypes: [NpyDType] {
        var seen: [NpyDType] = []
        for entry in arrays where !seen.contains(entry.dtype) { seen.append(entry.dtype) }
        return seen
    }

    public init(manifestDType: String?, arrays: [(layer: Int, array: String, dtype: NpyDType)]) {
        self.manifestDType = manifestDType
        self.arrays = arrays
    }

    public static func == (a: TraceStorageInfo, b: TraceStorageInfo) -> Bool {
        a.manifestDType == b.manifestDType && a.arrays.count == b.arrays.count
            && zip(a.arrays, b.arrays).allSatisfy { $0.layer == $1.layer && $0.array == $1.array && $0.dtype == $1.dtype }
    }

    /// Reads the storage description of the trace directory at `path`.
    ///
    /// - Throws: `TraceError` when the manifest or a `.npy` header cannot be read (as `TraceReader` would).
    public static func read(path: String) throws(TraceError) -> TraceStorageInfo {
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        let manifestPath = path + "/" + TraceReader.manifestName
        let root: JSONValue
        do {
            root = try JSONValue.parse(Data(contentsOf: directory.appendingPathComponent(TraceReader.manifestName)))
        } catch {
            throw .manifestUnreadable(path: manifestPath, reason: "\(error)")
        }
        guard case .object(let top) = root, case .array(let layers)? = top["layers"] else {
            throw .missingField(path: manifestPath, field: "layers")
        }
        var arrays: [(layer: Int, array: String, dtype: NpyDType)] = []
        for (index, entry) in layers.enumerated() {
            guard case .object(let members) = entry else { continue }
            for name in ["q", "k", "v", "out", "bias"] {
                guard let file = members[name]?.stringValue else { continue }
                let url = URL(fileURLWithPath: file, relativeTo: directory)
                let display = file.hasPrefix("/") ? file : path + "/" + file
                do {
                    let data = try Data(contentsOf: url, options: .alwaysMapped)
                    let header = try data.withUnsafeBytes { bytes throws(NpyError) in
                        try NpyHeader.parse(bytes, path: display)
                    }
                    arrays.append((index, name, header.dtype))
                } catch let error as NpyError {
                    throw .array(field: "layers[\(index)].\(name)", error)
                } catch {
                    throw .layerFileNotFound(path: manifestPath, field: "layers[\(index)].\(name)", file: file)
                }
            }
        }
        return TraceStorageInfo(manifestDType: top["dtype"]?.stringValue, arrays: arrays)
    }
}
