import SimIO
import SimCharts
import Foundation
import Workload

/// The report of `elsa-sim trace inspect`: the human table and the JSON document, both built from one
/// `TraceStatistics` (and the trace's storage description) so they always agree. Field meanings:
/// docs/traces.md, "Inspecting a trace".
public struct TraceInspectReport {
    public let path: String
    public let statistics: TraceStatistics
    public let storage: TraceStorageInfo?
    /// Layer names, in order.
    public let layerNames: [String]
    /// Layers that record `out`.
    public let layersWithOut: Int
    /// The additive bias's effect per layer and overall (`nil`: the trace has no bias).
    public var bias: (layers: [BiasStatistics], overall: BiasStatistics)? = nil

    public init(path: String, statistics: TraceStatistics, storage: TraceStorageInfo?, layerNames: [String],
                layersWithOut: Int) {
        self.path = path
        self.statistics = statistics
        self.storage = storage
        self.layerNames = layerNames
        self.layersWithOut = layersWithOut
    }

    // MARK: JSON

    public func json() -> JSONValue {
        let s = statistics
        var dtype: [String: JSONValue] = ["manifest": storage?.manifestDType.map { .string($0) } ?? .null]
        if let storage { dtype["arrays"] = .array(storage.distinctDTypes.map { .string($0.descr) }) }
        return .object([
            "bias": biasJSON(),
            "trace": .string(path),
            "model": .string(s.model),
            "layers": .int(Int64(s.layerCount)),
            "heads": .int(Int64(s.queryHeads)),
            "kv_heads": .int(Int64(s.kvHeads)),
            "n": .int(Int64(s.n)),
            "tokens": .int(Int64(s.tokens)),
            "padding": .int(Int64(s.n - s.tokens)),
            "head_dim": .int(Int64(s.headDim)),
            "dtype": .object(dtype),
            "causal": .bool(s.causal),
            "scale": .double(s.scale),
            "mass": .double(s.mass),
            "out_tolerance": .object(["absolute": .double(s.tolerance.absolute), "relative": .double(s.tolerance.relative)]),
            "layers_with_out": .int(Int64(layersWithOut)),
            "overall": Self.statisticsJSON(s.overall),
            "per_layer": .array(s.layers.enumerated().map { index, layer in
                var entry = Self.statisticsJSON(layer).objectValue!
                entry["layer"] = .int(Int64(index))
                entry["name"] = .string(layerNames[index])
                entry["query_heads"] = .int(Int64(s.layerHeads[index]))
                entry["kv_heads"] = .int(Int64(s.layerKVHeads[index]))
                entry["heads"] = .array((0 ..< s.layerHeads[index]).map { head in
                    let h = s.head(layer: index, head: head)
                    var row = Self.statisticsJSON(h.statistics).objectValue!
                    row["head"] = .int(Int64(head))
                    row["kv_head"] = .int(Int64(h.kvHead))
                    return .object(row)
                })
                return .object(entry)
            }),
        ])
    }

    static func statisticsJSON(_ a: AttentionStatistics) -> JSONValue {
        let k = a.keysForMass, norms = a.keyNorms
        var object: [String: JSONValue] = [
            "keys_for_mass": .object([
                "queries": .int(Int64(k.queries)), "mean": .double(k.mean), "median": .double(k.median),
                "min": .int(Int64(k.minimum)), "max": .int(Int64(k.maximum)), "mean_fraction": .double(k.meanFraction),
            ]),
            "key_norms": .object([
                "keys": .int(Int64(norms.keys)), "min": .double(norms.minimum), "mean": .double(norms.mean),
                "max": .double(norms.maximum), "cv": .double(norms.cv), "mean_head_cv": .double(a.meanHeadKeyNormCV),
            ]),
        ]
        if let o = a.output {
            object["out"] = .object([
                "compared": .int(Int64(o.compared)), "max_abs_error": .double(o.maxAbsoluteError),
                "worst_tolerance_ratio": .double(o.worstToleranceRatio), "mismatches": .int(Int64(o.mismatches)),
                "non_finite": .int(Int64(o.nonFinite)), "consistent": .bool(o.consistent),
            ])
        } else {
            object["out"] = .null
        }
        return .object(object)
    }

    // MARK: Human table

    /// The header lines and the table: per layer, then (unless `summary`) its heads, then the trace.
    public func table(summary: Bool = false) -> String {
        let s = statistics
        var text = "elsa-sim trace inspect — \(path)\n"
        let padding = s.n - s.tokens
        var dtypeText = storage?.manifestDType.map { "\($0) (trace.json)" } ?? "not given in trace.json"
        if let storage { dtypeText += "; arrays stored as " + storage.distinctDTypes.map(\.descr).joined(separator: ", ") }
        let uniform = Set(s.layerHeads).count == 1 && Set(s.layerKVHeads).count == 1
        let headLine = !uniform ? "query heads " + s.layerHeads.map(String.init).joined(separator: "/")
            + ", key/value heads " + s.layerKVHeads.map(String.init).joined(separator: "/") + " by layer"
            : s.kvHeads == s.queryHeads ? "\(s.queryHeads) heads"
            : "\(s.queryHeads) query heads, \(s.kvHeads) key/value heads"
        let header: [(String, String)] = [
            ("model", s.model),
            ("shape", "\(s.layerCount) layers × \(headLine), n = \(s.n), head_dim = \(s.headDim)"),
            ("tokens", "\(s.tokens) real, \(padding) padding"),
            ("dtype", dtypeText),
            ("causal", s.causal ? "true" : "false"),
            ("scale", Self.significant(s.scale, 7) + (abs(s.scale * Double(s.headDim).squareRoot() - 1) < 1e-12
                ? " (1/√\(s.headDim))" : "")),
        ] + biasHeader() + [
            ("out", outLine()),
        ]
        let width = header.map(\.0.count).max()!
        for (key, value) in header { text += key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "\n" }
        text += "\n"

        let percent = Self.significant(s.mass * 100, 4)
        var rows: [[String]] = [["layer", "head", "keys\(percent)%:mean", "median", "max", "mean/n",
                                 "‖k‖ min", "mean", "max", "CV", "head CV", "max|Δout|", "out"]]
        var rules: Set<Int> = [1]
        for (index, layer) in s.layers.enumerated() {
            if !summary && index > 0 { rules.insert(rows.count) }
            rows.append(row(layerNames[index], "all", layer))
            if !summary {
                for head in 0 ..< s.layerHeads[index] {
                    rows.append(row("", "\(head)", s.head(layer: index, head: head).statistics))
                }
            }
        }
        rules.insert(rows.count)
        rows.append(row("total", "all", s.overall))
        text += TextTable.render(rows, rightAligned: Set(1 ..< 12), ruleBefore: rules)
        text += "keys\(percent)%: fewest keys whose softmax probabilities sum to ≥ \(percent) % per real query; "
            + "mean/n: mean of keys / visible keys; ‖k‖ over real keys; CV = std/mean pooled, "
            + "head CV = mean of the per-head CVs; "
            + "out ok: |out − exact| ≤ \(JSONValue.format(s.tolerance.absolute)) + \(JSONValue.format(s.tolerance.relative))·|exact| "
            + "on real rows (docs/traces.md)\n"
        text += biasTable()
        return text
    }

    private func outLine() -> String {
        let s = statistics
        guard let o = s.overall.output else {
            return layersWithOut == 0 ? "not recorded" : "recorded in \(layersWithOut) of \(s.layerCount) layers; not checked"
        }
        let verdict = o.consistent ? "consistent with softmax(q·kᵀ·scale\(bias == nil ? "" : " + bias"))·v"
            : "INCONSISTENT: \(o.mismatches) of \(o.compared) elements outside tolerance"
                + (o.nonFinite > 0 ? " (\(o.nonFinite) not finite)" : "")
        return "recorded in \(layersWithOut) of \(s.layerCount) layers; \(verdict) "
            + "(max |out − exact| \(Self.scientific(o.maxAbsoluteError)); tolerance "
            + "\(JSONValue.format(s.tolerance.absolute)) + \(JSONValue.format(s.tolerance.relative))·|exact|)"
    }

    private func row(_ layer: String, _ head: String, _ a: AttentionStatistics) -> [String] {
        let k = a.keysForMass, norms = a.keyNorms
        return [layer, head, Self.fixed(k.mean, 1), Self.fixed(k.median, 1), "\(k.maximum)", Self.fixed(k.meanFraction, 3),
                Self.fixed(norms.minimum, 2), Self.fixed(norms.mean, 2), Self.fixed(norms.maximum, 2), Self.fixed(norms.cv, 3),
                Self.fixed(a.meanHeadKeyNormCV, 3),
                a.output.map { Self.scientific($0.maxAbsoluteError) } ?? "—",
                a.output.map { $0.consistent ? "ok" : "BAD" } ?? "—"]
    }

    static func fixed(_ d: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", d) }
    static func scientific(_ d: Double) -> String { String(format: "%.2e", d) }
    static func significant(_ d: Double, _ digits: Int) -> String { String(format: "%.\(digits)g", d) }
}
