import Foundation
import Workload

/// What names a trace in every output (`docs/reports.md`, "Identities"): a short name (the trace
/// directory's last path component) and the one content identity, `trace_hash` (`hash(of:)`), which
/// `run`, `compare`, `sweep` and `sensitivity` all report, so outputs made anywhere from the same trace
/// can be joined.
public struct TraceIdentity: Sendable, Equatable {
    public var name: String
    /// The trace's `trace_hash` (`TraceIdentity.hash(of:)`).
    public var id: String

    public init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// The identity of `trace`, read from the directory `path`.
    public init(path: String, trace: AttentionTrace) {
        var display = path
        while display.count > 1 && display.hasSuffix("/") { display.removeLast() }
        self.init(name: URL(fileURLWithPath: display, isDirectory: true).lastPathComponent, id: Self.hash(of: trace))
    }

    /// The canonical header of `canonicalBytes`: the JSON object `{"causal", "format": "elsa-trace/1",
    /// "layers": [{"name", "q", "k", "v", and "out" / "bias" when present: each [heads, rows, dim]}],
    /// "model", "scale", "tokens"}`, compact with sorted keys (`JSONValue.serialized`), then a newline.
    public static func canonicalHeader(_ trace: AttentionTrace) -> String {
        let layers: [JSONValue] = trace.layers.map { layer in
            var o: [String: JSONValue] = ["name": .string(layer.name)]
            for (key, tensor) in tensors(layer) { o[key] = .array(tensor.shape.map { .int(Int64($0)) }) }
            return .object(o)
        }
        let header: JSONValue = .object(["format": .string("elsa-trace/1"), "model": .string(trace.model),
                                         "scale": .double(trace.scale), "causal": .bool(trace.causal),
                                         "tokens": .int(Int64(trace.tokens)), "layers": .array(layers)])
        return header.serialized() + "\n"
    }

    /// `trace_hash`: 16 lowercase hex digits, FNV-1a 64 over `canonicalHeader`'s UTF-8 (a byte per
    /// step), then per layer in order its tensors q, k, v, out, bias (those present), each tensor's
    /// float32 bit patterns in storage order (head, row, dim) two per step (`FNV1a64.updateWords`).
    public static func hash(of trace: AttentionTrace) -> String {
        var h = FNV1a64()
        h.update(canonicalHeader(trace))
        for layer in trace.layers {
            for (_, tensor) in tensors(layer) {
                tensor.storage.withUnsafeBufferPointer { floats in
                    floats.withMemoryRebound(to: UInt32.self) { h.updateWords($0) }
                }
            }
        }
        return h.hex
    }

    static func tensors(_ layer: AttentionLayer) -> [(String, Tensor3)] {
        var list: [(String, Tensor3)] = [("q", layer.q), ("k", layer.k), ("v", layer.v)]
        if let out = layer.out { list.append(("out", out)) }
        if let bias = layer.bias { list.append(("bias", bias)) }
        return list
    }
}
