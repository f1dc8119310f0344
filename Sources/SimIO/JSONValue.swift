import Foundation

/// A parsed JSON document that keeps the distinction between booleans, integers and other numbers,
/// so that config errors can say exactly what was found (`found a string "4"; expected an integer`).
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses `data`: strict UTF-8 JSON by `JSONParser` (fast), anything it refuses by Foundation's
    /// `JSONDecoder` (the same values; its acceptance and its error message, without its noise).
    public static func parse(_ data: Data) throws -> JSONValue {
        if let value = data.withUnsafeBytes({ JSONParser.parse($0.bindMemory(to: UInt8.self)) }) { return value }
        return try parseWithFoundation(data)
    }

    /// `JSONDecoder`'s reading of `data` (the fallback of `parse`, and the reference its tests compare with).
    static func parseWithFoundation(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Parses a command-line value: JSON when it is valid JSON (`4`, `true`, `[4,4,2]`, `"x"`), else the
    /// bare text as a string (`round-robin`).
    public static func parseLiteral(_ text: String) -> JSONValue {
        if let v = try? parse(Data(text.utf8)) { return v }
        return .string(text)
    }

    /// What a user would call this value in a message: `an integer 4`, `a string "4"`.
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return "a boolean \(b)"
        case let .int(i): return "an integer \(i)"
        case let .double(d): return "a number \(d)"
        case let .string(s): return "a string \"\(JSONValue.clipped(s))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// `text` for a one-line message: at most 80 characters (a longer one ends in "… (N characters)"),
    /// control characters escaped, so a huge or binary value cannot flood or garble an error.
    public static func clipped(_ text: String, limit: Int = 80) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "… (\(text.unicodeScalars.count) characters)" }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80 ..< 0xA0).contains(scalar.value) {
                out += String(format: "\\x%02X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    public var objectValue: [String: JSONValue]? { if case let .object(o) = self { return o } else { return nil } }
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }

    /// Numeric value of an integer or a number.
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }

    /// Serializes as compact JSON with sorted keys (stable bytes for hashing and comparison).
    public func serialized() -> String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return JSONValue.format(d)
        case let .string(s): return JSONValue.quote(s)
        case let .array(a): return "[" + a.map { $0.serialized() }.joined(separator: ",") + "]"
        case let .object(o):
            return "{" + o.keys.sorted().map { JSONValue.quote($0) + ":" + o[$0]!.serialized() }.joined(separator: ",") + "}"
        }
    }

    /// Shortest round-tripping decimal for a double; integers print without a fraction.
    public static func format(_ d: Double) -> String {
        if !d.isFinite { return "null" }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

extension JSONValue {
    /// Pretty JSON with sorted keys and two-space indentation; byte-stable for equal values.
    public func pretty(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case let .array(a):
            if a.isEmpty { return "[]" }
            if a.allSatisfy({ if case .object = $0 { return false }; if case .array = $0 { return false }; return true }) {
                return "[" + a.map { $0.serialized() }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { inner + $0.pretty(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case let .object(o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.keys.sorted().map { inner + JSONValue.quote($0) + ": " + o[$0]!.pretty(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return serialized()
        }
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// What kind of value this is, for messages ("a string", "an integer", ...).
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A short rendering of the value for messages (strings quoted, containers abbreviated).
    public var brief: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .int(value): return String(value)
        case let .double(value): return String(value)
        case let .string(value):
            let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
            return "\"" + shown + "\""
        case let .array(items): return "an array of \(items.count)"
        case let .object(members): return "an object with \(members.count) fields"
        }
    }

    /// The integer this value denotes: an integer, or a number with no fractional part.
    public var integerValue: Int? {
        switch self {
        case let .int(value): return Int(value)
        case let .double(value) where value.rounded() == value && abs(value) < 0x1p62: return Int(value)
        default: return nil
        }
    }

    /// The number this value denotes (an integer or a number).
    public var numberValue: Double? { doubleValue }
}
