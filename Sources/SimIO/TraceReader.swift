import Foundation
import Workload

/// Reads an `elsa-trace/1` trace directory (`trace.json` plus `.npy` arrays) into an `AttentionTrace`,
/// enforcing every rule of the format (`docs/trace-format.md`, "What a reader rejects").
///
/// Unknown fields are ignored; `null` counts as absent for optional fields. `scale` defaults to
/// `1/sqrt(head_dim)`, `causal` to `false`, `input.tokens` to n. Layer paths are relative to the trace
/// directory. Checks run in a fixed order (manifest fields, then layer by layer q, k, v, out, bias:
/// existence, the `.npy` itself, shape, finiteness) so the first problem is always the one reported.
/// Finiteness is required of q, k and v, and of the bias on the pairs a query may attend (real query,
/// visible key; padding rows and columns and, under `causal`, future keys are ignored); `out` is only
/// shape-checked. Layers naming the same bias file share one copy of it, read and checked once.
public enum TraceReader {
    /// The manifest's file name inside a trace directory.
    public static let manifestName = "trace.json"
    /// The only `format` value this reader accepts.
    public static let formatName = "elsa-trace/1"

    /// Most values (q, k, v and out of every layer) a trace may hold: 2^29, 2 GiB as `Float`.
    public static let maxTraceElements = 1 << 29

    /// Reads the trace in the directory at `path` (messages name files as `path/...`).
    ///
    /// - Throws: `TraceError` naming the file and field at fault.
    public static func read(path: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(TraceError) -> AttentionTrace {
        var display = path
        while display.count > 1 && display.hasSuffix("/") { display.removeLast() }
        return try read(directory: URL(fileURLWithPath: path, isDirectory: true), displayPath: display, threads: threads)
    }

    /// Reads the trace in `directory`.
    ///
    /// Layer 0 is read first (it fixes n and head_dim). The other layers are read by up to `threads`
    /// workers, each taking the next unread layer as it finishes one (so no worker waits for a slower
    /// one's layer), each layer checked on its own, and taken in manifest order: the same trace, and the
    /// same first error, whatever the thread count. A layer naming a bias file not read yet is read
    /// alone, in order, so layers sharing a bias share one copy. Once the layers read hold more than
    /// `elementLimit` values, workers read no further layer; the in-order pass reads a skipped layer
    /// itself if it gets to one, so the bound is met within the layers in flight, and the error names
    /// the layer a one-at-a-time read would.
    ///
    /// - Parameter displayPath: how to name the directory in messages (default `directory.relativePath`).
    /// - Throws: `TraceError` naming the file and field at fault.
    public static func read(directory: URL, displayPath: String? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(TraceError) -> AttentionTrace {
        try read(directory: directory, displayPath: displayPath, threads: threads, elementLimit: maxTraceElements)
    }

    /// `read(directory:displayPath:threads:)` with the bound on the values read as a parameter (tests).
    static func read(directory: URL, displayPath: String?, threads: Int, elementLimit: Int) throws(TraceError) -> AttentionTrace {
        let directoryName = displayPath ?? directory.relativePath
        let manifestPath = directoryName + "/" + manifestName
        let manifestURL = directory.appendingPathComponent(manifestName)
        let data = try readManifest(url: manifestURL, path: manifestPath)
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw .invalidJSON(path: manifestPath, reason: jsonReason(data, error))
        }
        let manifest = try Manifest(root, path: manifestPath)
        var reader = LayerReader(directory: directory, directoryName: directoryName, manifest: manifest)
        var layers: [AttentionLayer] = []
        layers.reserveCapacity(manifest.layers.count)
        var elements = 0
        func append(_ layer: AttentionLayer, index: Int) throws(TraceError) {
            elements += Self.valueCount(layer)
            if elements > elementLimit {
                throw .invalidValue(path: manifestPath, field: "layers[\(index)]", found: "\(elements) values in layers 0…\(index)",
                                    expected: "at most \(elementLimit) values (q, k, v and out) in a whole trace (docs/config.md, Bounds)")
            }
            layers.append(layer)
        }
        try append(try reader.read(manifest.layers[0], index: 0), index: 0)
        let entries = manifest.layers
        var first = 1
        while first < entries.count {
            guard threads > 1 && reader.hasReadBias(of: entries[first]) else {
                try append(try reader.read(entries[first], index: first), index: first)
                first += 1
                continue
            }
            // The run of layers whose bias (if any) is read already: reading them changes no state.
            var end = first + 1
            while end < entries.count && reader.hasReadBias(of: entries[end]) { end += 1 }
            let run = first ..< end
            let base = reader
            let budget = ReadBudget(used: elements, limit: elementLimit)
            let results = ParallelSlots<Result<AttentionLayer, TraceError>?>.map(count: run.count, threads: threads) { k in
                guard budget.hasRoom() else { return nil }
                var own = base
                let index = run.lowerBound + k
                do throws(TraceError) {
                    let layer = try own.read(entries[index], index: index)
                    budget.add(Self.valueCount(layer))
                    return .success(layer)
                } catch { return .failure(error) }
            }
            for (k, result) in results.enumerated() {
                let index = run.lowerBound + k
                // A layer skipped for the bound is read here, alone: the in-order sum reaches the bound
                // by the last layer a worker read, so few (if any) are.
                let layer: AttentionLayer
                if let result { layer = try result.get() } else { layer = try reader.read(entries[index], index: index) }
                try append(layer, index: index)
            }
            first = end
        }
        return AttentionTrace(model: manifest.model, description: manifest.description, scale: manifest.scale,
                              causal: manifest.causal, tokens: manifest.tokens, layers: layers)
    }

    /// The values a layer holds (q, k, v and out), as the bound counts them.
    private static func valueCount(_ layer: AttentionLayer) -> Int {
        layer.q.storage.count + layer.k.storage.count + layer.v.storage.count + (layer.out?.storage.count ?? 0)
    }

    private static func readManifest(url: URL, path: String) throws(TraceError) -> Data {
        switch InputFile.readDocument(url.path) {
        case let .success(data): return data
        case let .failure(problem):
            if problem.missing { throw .manifestNotFound(path: path) }
            throw .manifestUnreadable(path: path, reason: problem.reason)
        }
    }

    /// The parser's own words for why `data` is not JSON (JSONDecoder's message has no position).
    package static func jsonReason(_ data: Data, _ error: any Error) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
            return "\(error)"
        }
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return "\(error)"
    }
}

/// The fields of `trace.json` after type checking.
private struct Manifest {
    struct Layer {
        var name: String
        var q: String
        var k: String
        var v: String
        var out: String?
        var bias: String?
    }

    let path: String
    var model: String
    var description: String?
    var heads: Int?
    var headDim: Int?
    var scale: Double?
    var causal: Bool
    var tokens: Int?
    var layers: [Layer]

    init(_ root: JSONValue, path: String) throws(TraceError) {
        self.path = path
        guard case .object(let top) = root else {
            throw .wrongType(path: path, field: "(top level)", found: root.kind, expected: "a JSON object")
        }
        guard let format = top["format"], format != .null else { throw .missingField(path: path, field: "format") }
        guard case .string(TraceReader.formatName) = format else { throw .wrongFormat(path: path, found: format.brief) }
        model = try Self.string(top, "model", in: "", path: path, required: true)!
        description = try Self.string(top, "description", in: "", path: path, required: false)
        heads = try Self.positiveInt(top, "heads", in: "", path: path)
        headDim = try Self.positiveInt(top, "head_dim", in: "", path: path)
        if let value = Self.present(top["scale"]) {
            guard let number = value.numberValue else {
                throw .wrongType(path: path, field: "scale", found: value.brief, expected: "a number")
            }
            // Bounded so that scale · (q · k) stays finite in Double for any float32 inputs (docs/config.md, Bounds).
            guard number.isFinite && number > 0 && number <= 1e6 else {
                throw .invalidValue(path: path, field: "scale", found: value.brief, expected: "a number > 0 and ≤ 1e6")
            }
            scale = number
        }
        causal = false
        if let value = Self.present(top["causal"]) {
            guard case .bool(let flag) = value else {
                throw .wrongType(path: path, field: "causal", found: value.brief, expected: "true or false")
            }
            causal = flag
        }
        _ = try Self.string(top, "dtype", in: "", path: path, required: false) // informational
        if let input = Self.present(top["input"]) {
            guard case .object(let members) = input else {
                throw .wrongType(path: path, field: "input", found: input.brief, expected: "an object")
            }
            if let value = Self.present(members["tokens"]) {
                guard let count = value.integerValue else {
                    throw .wrongType(path: path, field: "input.tokens", found: value.brief, expected: "an integer")
                }
                tokens = count
            }
        }
        guard let layersValue = Self.present(top["layers"]) else { throw .missingField(path: path, field: "layers") }
        guard case .array(let entries) = layersValue else {
            throw .wrongType(path: path, field: "layers", found: layersValue.brief, expected: "an array of layer objects")
        }
        guard !entries.isEmpty else {
            throw .invalidValue(path: path, field: "layers", found: "[]", expected: "at least one layer")
        }
        layers = []
        for (index, entry) in entries.enumerated() {
            let field = "layers[\(index)]"
            guard case .object(let members) = entry else {
                throw .wrongType(path: path, field: field, found: entry.brief,
                                 expected: "an object {\"name\", \"q\", \"k\", \"v\", \"out\"}")
            }
            layers.append(Layer(
                name: try Self.string(members, "name", in: field + ".", path: path, required: true)!,
                q: try Self.string(members, "q", in: field + ".", path: path, required: true)!,
                k: try Self.string(members, "k", in: field + ".", path: path, required: true)!,
                v: try Self.string(members, "v", in: field + ".", path: path, required: true)!,
                out: try Self.string(members, "out", in: field + ".", path: path, required: false),
                bias: try Self.string(members, "bias", in: field + ".", path: path, required: false)))
        }
    }

    private static func present(_ value: JSONValue?) -> JSONValue? {
        if let value, value != .null { return value }
        return nil
    }

    private static func string(_ object: [String: JSONValue], _ key: String, in prefix: String, path: String,
                               required: Bool) throws(TraceError) -> String? {
        guard let value = present(object[key]) else {
            if required { throw .missingField(path: path, field: prefix + key) }
            return nil
        }
        guard case .string(let text) = value else {
            throw .wrongType(path: path, field: prefix + key, found: value.brief, expected: "a string")
        }
        return text
    }

    private static func positiveInt(_ object: [String: JSONValue], _ key: String, in prefix: String,
                                    path: String) throws(TraceError) -> Int? {
        guard let value = present(object[key]) else { return nil }
        guard let number = value.integerValue else {
            throw .wrongType(path: path, field: prefix + key, found: value.brief, expected: "an integer")
        }
        guard number >= 1 else {
            throw .invalidValue(path: path, field: prefix + key, found: value.brief, expected: "an integer >= 1")
        }
        return number
    }
}

/// Reads and cross-checks the arrays of each layer, remembering n and head_dim from the first.
private struct LayerReader {
    let directory: URL
    let directoryName: String
    let manifest: Manifest
    /// (n, head_dim) fixed by layer 0's q.
    var sequence: (n: Int, headDim: Int)?
    /// Bias arrays already read and checked, by standardized file path (layers may share one).
    var biases: [String: Tensor3] = [:]

    init(directory: URL, directoryName: String, manifest: Manifest) {
        self.directory = directory
        self.directoryName = directoryName
        self.manifest = manifest
    }

    /// Whether `entry` names no bias or one already read (then reading it changes no state).
    func hasReadBias(of entry: Manifest.Layer) -> Bool {
        guard let file = entry.bias else { return true }
        return biases[biasKey(file)] != nil
    }

    private func biasKey(_ file: String) -> String {
        URL(fileURLWithPath: file, relativeTo: directory).standardizedFileURL.path
    }

    mutating func read(_ entry: Manifest.Layer, index: Int) throws(TraceError) -> AttentionLayer {
        let prefix = "layers[\(index)]."
        let (q, qPath) = try tensor(entry.q, field: prefix + "q")
        guard q.heads >= 1 && q.rows >= 1 && q.dim >= 1 else {
            throw .shapeMismatch(path: qPath, field: prefix + "q", shape: q.shape,
                                 expected: "(heads, n, head_dim) with every extent >= 1", reason: "is empty")
        }
        if let heads = manifest.heads, q.heads != heads {
            throw .shapeMismatch(path: qPath, field: prefix + "q", shape: q.shape,
                                 expected: pythonShape([heads, q.rows, q.dim]),
                                 reason: "has \(q.heads) heads but trace.json says heads = \(heads)")
        }
        if let headDim = manifest.headDim, q.dim != headDim {
            throw .shapeMismatch(path: qPath, field: prefix + "q", shape: q.shape,
                                 expected: pythonShape([q.heads, q.rows, headDim]),
                                 reason: "has head dimension \(q.dim) but trace.json says head_dim = \(headDim)")
        }
        if let (n, headDim) = sequence {
            guard q.rows == n && q.dim == headDim else {
                throw .shapeMismatch(path: qPath, field: prefix + "q", shape: q.shape,
                                     expected: pythonShape([q.heads, n, headDim]),
                                     reason: "disagrees with layers[0].q (n = \(n), head_dim = \(headDim))")
            }
        } else {
            sequence = (q.rows, q.dim)
            if let tokens = manifest.tokens, tokens < 1 || tokens > q.rows {
                throw .tokensOutOfRange(path: manifest.path, tokens: tokens, n: q.rows)
            }
        }
        try requireFinite(q, path: qPath, field: prefix + "q")

        let (k, kPath) = try tensor(entry.k, field: prefix + "k")
        try requireKeyValueShape(k, path: kPath, field: prefix + "k", q: q)
        try requireFinite(k, path: kPath, field: prefix + "k")

        let (v, vPath) = try tensor(entry.v, field: prefix + "v")
        try requireKeyValueShape(v, path: vPath, field: prefix + "v", q: q)
        if v.heads != k.heads {
            throw .shapeMismatch(path: vPath, field: prefix + "v", shape: v.shape, expected: pythonShape(k.shape),
                                 reason: "disagrees with \(prefix)k")
        }
        try requireFinite(v, path: vPath, field: prefix + "v")

        var out: Tensor3?
        if let outFile = entry.out {
            let (tensor, outPath) = try tensor(outFile, field: prefix + "out")
            if tensor.shape != q.shape {
                throw .shapeMismatch(path: outPath, field: prefix + "out", shape: tensor.shape,
                                     expected: pythonShape(q.shape), reason: "disagrees with \(prefix)q")
            }
            out = tensor
        }
        var bias: Tensor3?
        if let biasFile = entry.bias { bias = try readBias(biasFile, field: prefix + "bias", q: q) }
        return AttentionLayer(name: entry.name, q: q, k: k, v: v, out: out, bias: bias)
    }

    /// The additive bias `[q.heads, n, n]`, read once per file and shared by every layer naming it; finite
    /// on every (real query, visible key) pair.
    private mutating func readBias(_ file: String, field: String, q: Tensor3) throws(TraceError) -> Tensor3 {
        let key = biasKey(file)
        let display = file.hasPrefix("/") ? file : directoryName + "/" + file
        let bias: Tensor3
        let fresh: Bool
        if let cached = biases[key] {
            bias = cached
            fresh = false
        } else {
            (bias, _) = try tensor(file, field: field)
            fresh = true
        }
        let expected = [q.heads, q.rows, q.rows]
        if bias.shape != expected {
            throw .shapeMismatch(path: display, field: field, shape: bias.shape, expected: pythonShape(expected),
                                 reason: "disagrees with q (heads = \(q.heads), n = \(q.rows)); a bias is [heads, n, n]")
        }
        if fresh {
            try requireFiniteBias(bias, path: display, field: field)
            biases[key] = bias
        }
        return bias
    }

    /// NaN or an infinity on a pair some query attends (padding rows/columns and future keys are skipped).
    private func requireFiniteBias(_ t: Tensor3, path: String, field: String) throws(TraceError) {
        let n = t.rows
        let tokens = min(max(manifest.tokens ?? n, 0), n)
        for head in 0 ..< t.heads {
            for row in 0 ..< tokens {
                let visible = manifest.causal ? min(row + 1, tokens) : tokens
                let base = t.offset(head: head, row: row)
                for column in 0 ..< visible where !t.storage[base + column].isFinite {
                    let value = t.storage[base + column]
                    let name = value.isNaN ? "NaN" : (value > 0 ? "+infinity" : "-infinity")
                    throw .nonFinite(path: path, field: field, value: name, head: head, row: row, column: column,
                                     flatIndex: base + column)
                }
            }
        }
    }

    /// k or v: `[kvHeads, n, head_dim]` with `kvHeads` dividing q's head count.
    private func requireKeyValueShape(_ t: Tensor3, path: String, field: String, q: Tensor3) throws(TraceError) {
        guard t.rows == q.rows && t.dim == q.dim else {
            throw .shapeMismatch(path: path, field: field, shape: t.shape,
                                 expected: pythonShape([t.heads, q.rows, q.dim]),
                                 reason: "disagrees with q (n = \(q.rows), head_dim = \(q.dim))")
        }
        guard t.heads >= 1 && q.heads % t.heads == 0 else {
            throw .headCountDoesNotDivide(path: path, field: field, queryHeads: q.heads, kvHeads: t.heads)
        }
    }

    /// Reads one rank-3 array, mapping every failure to the manifest field.
    private func tensor(_ file: String, field: String) throws(TraceError) -> (Tensor3, String) {
        let url = URL(fileURLWithPath: file, relativeTo: directory)
        let display = file.hasPrefix("/") ? file : directoryName + "/" + file
        // "layer0.q.npy/" names a directory; URL would quietly drop the slash.
        if file.isEmpty || file.hasSuffix("/") {
            throw .invalidValue(path: manifest.path, field: field, found: "\"\(JSONValue.clipped(file))\"",
                                expected: "the name of a .npy file (not empty, not ending in /)")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .layerFileNotFound(path: manifest.path, field: field, file: file)
        }
        do {
            return (try NpyReader.readTensor3(contentsOf: url, displayPath: display), display)
        } catch {
            throw .array(field: field, error)
        }
    }

    private func requireFinite(_ t: Tensor3, path: String, field: String) throws(TraceError) {
        let firstBad: Int? = t.storage.withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) }
        guard let index = firstBad else { return }
        let value = t.storage[index]
        let name = value.isNaN ? "NaN" : (value > 0 ? "+infinity" : "-infinity")
        throw .nonFinite(path: path, field: field, value: name, head: index / (t.rows * t.dim),
                         row: index / t.dim % t.rows, column: index % t.dim, flatIndex: index)
    }
}

/// The values read so far by parallel layer readers, in any order: a reader starts a layer only while
/// they are within the bound.
private final class ReadBudget: @unchecked Sendable {
    private var used: Int
    private let limit: Int
    private let lock = NSLock()

    init(used: Int, limit: Int) {
        self.used = used
        self.limit = limit
    }

    func hasRoom() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return used <= limit
    }

    func add(_ values: Int) {
        lock.lock()
        used += values
        lock.unlock()
    }
}
