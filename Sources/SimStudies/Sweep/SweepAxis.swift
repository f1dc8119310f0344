import SimIO
import SimCharts
import SimReports
import Foundation

/// One dimension of a sweep grid: one config field (or several linked fields that change together)
/// and the values it takes, in order (`docs/sweeps.md`, "Grid").
public struct SweepAxis: Sendable, Equatable {
    /// Dotted config paths (`attention_modules`, `approximation.p`); more than one for a linked axis.
    public var fields: [String]
    /// `values[i][f]` is field `f`'s value at position `i` of the axis.
    public var values: [[JSONValue]]

    public init(fields: [String], values: [[JSONValue]]) {
        precondition(values.allSatisfy { $0.count == fields.count }, "every axis value needs one entry per field")
        self.fields = fields
        self.values = values
    }

    /// A single-field axis.
    public init(field: String, values: [JSONValue]) {
        self.init(fields: [field], values: values.map { [$0] })
    }

    public var count: Int { values.count }

    /// `field=value` for position `i` (`a=1, b=64` for a linked axis).
    public func label(_ i: Int) -> String {
        zip(fields, values[i]).map { "\($0)=\(SweepAxis.text($1))" }.joined(separator: ", ")
    }

    /// The axis as stored in sweep output headers: `{"fields": [...], "values": [[...], ...]}`.
    public var json: JSONValue {
        .object(["fields": .array(fields.map(JSONValue.string)), "values": .array(values.map { .array($0) })])
    }

    /// A value as a user writes it on the command line: strings bare, everything else as JSON.
    public static func text(_ value: JSONValue) -> String {
        if case let .string(s) = value { return s }
        return value.serialized()
    }

    /// Splits a `--set` value list at commas outside brackets, braces and quotes:
    /// `1,2,4` → `1`, `2`, `4`; `[4,4,4],[8,8]` → `[4,4,4]`, `[8,8]`.
    public static func splitList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for c in text {
            if quoted {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true; current.append(c)
            case "[", "{": depth += 1; current.append(c)
            case "]", "}": depth -= 1; current.append(c)
            case "," where depth == 0: items.append(current); current = ""
            default: current.append(c)
            }
        }
        items.append(current)
        return items.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
