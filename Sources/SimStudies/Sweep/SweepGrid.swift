import SimIO
import SimCharts
import SimReports
/// The points of a sweep: every trace × the cartesian product of the axes, plus fixed overrides that
/// apply to every point (`docs/sweeps.md`, "Grid").
///
/// Point order (the output order) puts the trace outermost, then the axes in the order given, the last
/// axis changing fastest: with `--set a=1,2 --set b=x,y` the points are (a=1,b=x), (a=1,b=y), (a=2,b=x),
/// (a=2,b=y).
public struct SweepGrid: Sendable {
    public let traces: [TraceIdentity]
    public let axes: [SweepAxis]
    /// Overrides applied to every point before the axes' values.
    public let fixed: [(path: String, value: JSONValue)]

    /// - Throws: `SweepError.duplicateField` when a field is swept or fixed twice; `.invalidSpec` for an
    ///   axis without values.
    public init(traces: [TraceIdentity], axes: [SweepAxis], fixed: [(path: String, value: JSONValue)]) throws(SweepError) {
        precondition(!traces.isEmpty, "a sweep needs a trace")
        var seen: Set<String> = []
        for field in fixed.map(\.path) + axes.flatMap(\.fields) {
            guard seen.insert(field).inserted else { throw .duplicateField(field: field) }
        }
        for axis in axes where axis.count == 0 {
            throw .invalidSpec(file: "(sweep)", path: axis.fields.joined(separator: "+"), message: "an axis needs at least one value")
        }
        // Bound the grid before anything iterates over it (docs/config.md, "Bounds").
        var points = traces.count
        for axis in axes {
            let (product, overflow) = points.multipliedReportingOverflow(by: axis.count)
            guard !overflow, product <= Self.maxPoints else {
                let sizes = ([traces.count] + axes.map(\.count)).map(String.init).joined(separator: " × ")
                throw .invalidSpec(file: "(sweep)", path: axes.flatMap(\.fields).joined(separator: ", "),
                                   message: "the grid has \(sizes)\(overflow ? "" : " = \(product)") points (traces × axis values); at most \(Self.maxPoints) are allowed (docs/config.md, Bounds)")
            }
            points = product
        }
        self.traces = traces
        self.axes = axes
        self.fixed = fixed
    }

    /// Most points one sweep may have (all traces, before sharding).
    public static let maxPoints = 10_000

    /// Points per trace: the product of the axis lengths (1 with no axis).
    public var pointsPerTrace: Int { axes.reduce(1) { $0 * $1.count } }
    public var count: Int { traces.count * pointsPerTrace }

    /// The swept fields in column order (linked axes contribute each of their fields).
    public var fields: [String] { axes.flatMap(\.fields) }

    /// Trace index and position on every axis of point `index`.
    public func coordinates(_ index: Int) -> (trace: Int, positions: [Int]) {
        precondition(index >= 0 && index < count, "point \(index) outside 0..<\(count)")
        var rest = index % pointsPerTrace
        var positions = Array(repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            positions[a] = rest % axes[a].count
            rest /= axes[a].count
        }
        return (index / pointsPerTrace, positions)
    }

    /// The swept fields' values at point `index`, in column order.
    public func values(at index: Int) -> [(field: String, value: JSONValue)] {
        let positions = coordinates(index).positions
        var out: [(field: String, value: JSONValue)] = []
        for (a, axis) in axes.enumerated() {
            for (f, field) in axis.fields.enumerated() { out.append((field, axis.values[positions[a]][f])) }
        }
        return out
    }

    /// Every override of point `index`: the fixed ones, then the swept values.
    public func overrides(at index: Int) -> [(path: String, value: JSONValue)] {
        fixed + values(at: index).map { (path: $0.field, value: $0.value) }
    }

    /// `trace=…, field=value, …` for messages.
    public func label(at index: Int) -> String {
        var parts = values(at: index).map { "\($0.field)=\(SweepAxis.text($0.value))" }
        if traces.count > 1 { parts.insert("trace=\(traces[coordinates(index).trace].name)", at: 0) }
        return parts.isEmpty ? "the base config" : parts.joined(separator: ", ")
    }

    /// The grid's identity: a `FNV1a64` of the axes, the fixed overrides, the traces' content ids
    /// and `configsHash` (every point's effective config). Equal fingerprints mean equal point lists.
    public func fingerprint(configsHash: String) -> String {
        let document: JSONValue = .object([
            "format": .string(SweepHeader.format),
            "axes": .array(axes.map(\.json)),
            "fixed": .array(fixed.map { .array([.string($0.path), $0.value]) }),
            "traces": .array(traces.map { .string($0.id) }),
            "configs": .string(configsHash),
        ])
        return FNV1a64.of(document.serialized())
    }
}
