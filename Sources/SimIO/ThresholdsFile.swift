import Foundation
import ElsaModel

/// Per-head thresholds `t` (ELSA III-E) in the `elsa-thresholds/1` format:
/// `{"format": "elsa-thresholds/1", "p": 1.0, "layers": [{"name": "layer0", "t": [one per head]}]}`.
/// A `null` entry means "select every visible key" for that head (a head no query could be learned from).
public struct ThresholdsFile: Sendable, Equatable {
    public static let format = "elsa-thresholds/1"
    public var p: Double
    /// Layer names and per-head thresholds, in layer order.
    public var layers: [(name: String, t: [Double?])]
    /// Extra provenance written by `elsa-sim calibrate` (traces used, queries per head).
    public var provenance: [String: JSONValue] = [:]

    public init(p: Double, layers: [(name: String, t: [Double?])], provenance: [String: JSONValue] = [:]) {
        self.p = p
        self.layers = layers
        self.provenance = provenance
    }

    public static func == (a: ThresholdsFile, b: ThresholdsFile) -> Bool {
        a.p == b.p && a.layers.map(\.name) == b.layers.map(\.name) && a.layers.map(\.t) == b.layers.map(\.t)
            && a.provenance == b.provenance
    }

    /// `[layer][head]` thresholds.
    public var matrix: [[Double?]] { layers.map(\.t) }

    public static func read(file: String) throws(ConfigError) -> ThresholdsFile {
        let root = try ConfigLoader.readDocument(file: file)
        do { return try decode(root) } catch { throw .inFile(file: file, error: error) }
    }

    public static func decode(_ root: JSONValue) throws(ConfigError) -> ThresholdsFile {
        guard let object = root.objectValue else {
            throw .wrongType(path: "(top level)", found: root.kindDescription, expected: "an object")
        }
        guard object["format"] == .string(format) else {
            throw .invalidValue(path: "format", value: object["format"]?.brief ?? "(missing)", expected: "\"\(format)\"")
        }
        guard let p = object["p"]?.doubleValue, p >= 0 else {
            throw .wrongType(path: "p", found: object["p"]?.kindDescription ?? "nothing", expected: "a number ≥ 0")
        }
        guard case let .array(layerValues)? = object["layers"], !layerValues.isEmpty else {
            throw .wrongType(path: "layers", found: object["layers"]?.kindDescription ?? "nothing", expected: "a non-empty array")
        }
        var layers: [(name: String, t: [Double?])] = []
        for (i, value) in layerValues.enumerated() {
            guard let layer = value.objectValue, let name = layer["name"]?.stringValue else {
                throw .wrongType(path: "layers[\(i)]", found: value.kindDescription, expected: "an object with a string \"name\"")
            }
            guard case let .array(ts)? = layer["t"], !ts.isEmpty else {
                throw .wrongType(path: "layers[\(i)].t", found: layer["t"]?.kindDescription ?? "nothing",
                                 expected: "a non-empty array of numbers (one per head)")
            }
            var row: [Double?] = []
            for (h, t) in ts.enumerated() {
                if t == .null { row.append(nil); continue }
                guard let v = t.doubleValue, v.isFinite else {
                    throw .wrongType(path: "layers[\(i)].t[\(h)]", found: t.kindDescription, expected: "a finite number or null")
                }
                row.append(v)
            }
            layers.append((name, row))
        }
        var provenance = object
        for key in ["format", "p", "layers"] { provenance[key] = nil }
        return ThresholdsFile(p: p, layers: layers, provenance: provenance)
    }

    public func json() -> JSONValue {
        var root = provenance
        root["format"] = .string(Self.format)
        root["p"] = .double(p)
        root["layers"] = .array(layers.map { layer in
            .object(["name": .string(layer.name), "t": .array(layer.t.map { $0.map(JSONValue.double) ?? .null })])
        })
        return .object(root)
    }

    /// Checks that the file covers `layers` × `heads` with the same layer names.
    public func check(layerNames: [String], heads: Int, file: String) throws(ConfigError) {
        guard layers.count == layerNames.count else {
            throw .inFile(file: file, error: .inconsistent(path: "layers", message: "has \(layers.count) layers; the trace has \(layerNames.count)"))
        }
        for (i, layer) in layers.enumerated() {
            guard layer.name == layerNames[i] else {
                throw .inFile(file: file, error: .inconsistent(path: "layers[\(i)].name",
                                                               message: "is \"\(layer.name)\"; the trace's layer \(i) is \"\(layerNames[i])\""))
            }
            guard layer.t.count == heads else {
                throw .inFile(file: file, error: .inconsistent(path: "layers[\(i)].t", message: "has \(layer.t.count) thresholds; the trace has \(heads) heads"))
            }
        }
    }
}
