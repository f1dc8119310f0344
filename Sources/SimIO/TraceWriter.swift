import Foundation
import Workload

/// Writes an `AttentionTrace` as an `elsa-trace/1` directory: `trace.json` plus float32 `.npy` arrays
/// named `layerN.q.npy`, `layerN.k.npy`, `layerN.v.npy` and, when present, `layerN.out.npy`.
///
/// Additive biases (`AttentionLayer.bias`) are written once per distinct array: when every biased layer
/// has the same bias, one file `bias.npy` that each of them names (the MPNet convention); otherwise
/// `layerN.bias.npy` for the first layer `N` holding a given bias, named by every later layer equal to it.
///
/// The output is byte-deterministic: `trace.json` is pretty-printed with sorted keys, and the arrays are
/// written as NumPy's `np.save` writes them. `heads` and `head_dim` are written when every layer agrees
/// on them; `scale` and `input.tokens` are always written explicitly.
public enum TraceWriter {
    /// Writes `trace` into `directory`, creating it (and its parents) if needed and replacing files of the
    /// same names. Other files in the directory are left alone.
    ///
    /// - Throws: `TraceError.unwritable` naming the file that could not be written.
    public static func write(_ trace: AttentionTrace, to directory: URL) throws(TraceError) {
        let directoryName = directory.relativePath
        guard trace.scale.isFinite else {
            throw .unwritable(path: directoryName + "/" + TraceReader.manifestName,
                              reason: "scale \(trace.scale) is not a finite number")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directoryName, reason: error.localizedDescription)
        }
        let biasFiles = biasFileNames(trace.layers)
        var written = Set<String>()
        for (index, layer) in trace.layers.enumerated() {
            try writeArrays(of: layer, index: index, to: directory)
            if let bias = layer.bias, let name = biasFiles[index], written.insert(name).inserted {
                try writeBias(bias, named: name, to: directory)
            }
        }
        let manifestPath = directoryName + "/" + TraceReader.manifestName
        do {
            try manifestData(for: trace).write(to: directory.appendingPathComponent(TraceReader.manifestName),
                                               options: .atomic)
        } catch {
            throw .unwritable(path: manifestPath, reason: error.localizedDescription)
        }
    }

    /// Writes the `.npy` arrays of one layer (`layerN.q.npy` …) into an existing `directory`, so a long
    /// trace can be written layer by layer without holding all of it; finish with `writeManifest`.
    ///
    /// - Throws: `TraceError.unwritable` naming the file that could not be written.
    public static func writeArrays(of layer: AttentionLayer, index: Int, to directory: URL) throws(TraceError) {
        let directoryName = directory.relativePath
        let files = fileNames(layer: index)
        var arrays = [(files.q, layer.q), (files.k, layer.k), (files.v, layer.v)]
        if let out = layer.out { arrays.append((files.out, out)) }
        for (name, tensor) in arrays {
            do {
                try NpyWriter.write(tensor, dtype: .float32, to: directory.appendingPathComponent(name),
                                    displayPath: directoryName + "/" + name)
            } catch {
                throw .unwritable(path: error.path, reason: error.problem)
            }
        }
    }

    /// Writes one additive bias `[heads, n, n]` as float32 `.npy` named `name` into `directory`.
    ///
    /// - Throws: `TraceError.unwritable` naming the file.
    public static func writeBias(_ bias: Tensor3, named name: String, to directory: URL) throws(TraceError) {
        do {
            try NpyWriter.write(bias, dtype: .float32, to: directory.appendingPathComponent(name),
                                displayPath: directory.relativePath + "/" + name)
        } catch {
            throw .unwritable(path: error.path, reason: error.problem)
        }
    }

    /// The bias file each layer names (`nil` for a layer without bias): `bias.npy` when all biased layers
    /// share one bias, else `layerN.bias.npy` after the first layer holding each distinct bias.
    public static func biasFileNames(_ layers: [AttentionLayer]) -> [String?] {
        var distinct: [(bias: Tensor3, first: Int)] = []
        var owner: [Int?] = []
        for (index, layer) in layers.enumerated() {
            guard let bias = layer.bias else { owner.append(nil); continue }
            if let match = distinct.firstIndex(where: { $0.bias == bias }) {
                owner.append(match)
            } else {
                owner.append(distinct.count)
                distinct.append((bias, index))
            }
        }
        return owner.map { match in
            guard let match else { return nil }
            return distinct.count == 1 ? sharedBiasName : "layer\(distinct[match].first).bias.npy"
        }
    }

    /// The file name of a bias every biased layer shares.
    public static let sharedBiasName = "bias.npy"

    /// What `trace.json` records about one layer written by `writeArrays`.
    public struct LayerEntry: Sendable, Equatable {
        public var name: String
        public var heads: Int
        public var headDim: Int
        public var hasOut: Bool
        /// The bias file the layer names (written with `writeBias`), or `nil`.
        public var biasFile: String?

        public init(name: String, heads: Int, headDim: Int, hasOut: Bool, biasFile: String? = nil) {
            self.name = name
            self.heads = heads
            self.headDim = headDim
            self.hasOut = hasOut
            self.biasFile = biasFile
        }

        public init(_ layer: AttentionLayer, biasFile: String? = nil) {
            self.init(name: layer.name, heads: layer.q.heads, headDim: layer.q.dim, hasOut: layer.out != nil,
                      biasFile: biasFile)
        }
    }

    /// Writes `trace.json` for layers written with `writeArrays`; the same bytes `write` would produce.
    ///
    /// - Throws: `TraceError.unwritable`.
    public static func writeManifest(model: String, description: String?, scale: Double, causal: Bool, tokens: Int,
                                     layers: [LayerEntry], to directory: URL) throws(TraceError) {
        let manifestPath = directory.relativePath + "/" + TraceReader.manifestName
        guard scale.isFinite else { throw .unwritable(path: manifestPath, reason: "scale \(scale) is not a finite number") }
        do {
            try manifestData(model: model, description: description, scale: scale, causal: causal, tokens: tokens,
                             layers: layers)
                .write(to: directory.appendingPathComponent(TraceReader.manifestName), options: .atomic)
        } catch {
            throw .unwritable(path: manifestPath, reason: error.localizedDescription)
        }
    }

    /// The `.npy` file names of layer `layer`.
    public static func fileNames(layer: Int) -> (q: String, k: String, v: String, out: String) {
        ("layer\(layer).q.npy", "layer\(layer).k.npy", "layer\(layer).v.npy", "layer\(layer).out.npy")
    }

    /// The bytes of `trace.json` for `trace`: sorted keys, two-space indentation, a final newline.
    ///
    /// - Precondition: `trace.scale` is finite (JSON has no NaN or infinity).
    public static func manifestData(for trace: AttentionTrace) -> Data {
        manifestData(model: trace.model, description: trace.description, scale: trace.scale, causal: trace.causal,
                     tokens: trace.tokens,
                     layers: zip(trace.layers, biasFileNames(trace.layers)).map { LayerEntry($0, biasFile: $1) })
    }

    /// The bytes of `trace.json` for a trace with these fields and layers.
    ///
    /// - Precondition: `scale` is finite and `layers` is not empty.
    public static func manifestData(model: String, description: String?, scale: Double, causal: Bool, tokens: Int,
                                    layers: [LayerEntry]) -> Data {
        precondition(!layers.isEmpty, "a trace has at least one layer")
        var root: [String: JSONValue] = [
            "format": .string(TraceReader.formatName),
            "model": .string(model),
            "scale": .double(scale),
            "causal": .bool(causal),
            "dtype": .string("float32"),
            "input": .object(["tokens": .int(Int64(tokens))]),
        ]
        if let description { root["description"] = .string(description) }
        if layers.allSatisfy({ $0.heads == layers[0].heads }) { root["heads"] = .int(Int64(layers[0].heads)) }
        if layers.allSatisfy({ $0.headDim == layers[0].headDim }) { root["head_dim"] = .int(Int64(layers[0].headDim)) }
        root["layers"] = .array(layers.enumerated().map { index, layer in
            let files = fileNames(layer: index)
            var entry: [String: JSONValue] = [
                "name": .string(layer.name), "q": .string(files.q), "k": .string(files.k), "v": .string(files.v),
            ]
            if layer.hasOut { entry["out"] = .string(files.out) }
            if let bias = layer.biasFile { entry["bias"] = .string(bias) }
            return .object(entry)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(JSONValue.object(root))
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            preconditionFailure("encoding a JSON tree cannot fail: \(error)") // only non-finite numbers could
        }
    }
}
