import Foundation

/// A parsed JSON value that keeps integers apart from other numbers, so a manifest reader can say
/// exactly which type it found ("`heads`: found "4"; expected an integer").
enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// What kind of value this is, for messages ("a string", "an integer", ...).
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A short rendering of the value for messages (strings quoted, containers abbreviated).
    var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .number(let value): return String(value)
        case .string(let value):
            let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
            return "\"" + shown + "\""
        case .array(let items): return "an array of \(items.count)"
        case .object(let members): return "an object with \(members.count) fields"
        }
    }

    /// The integer this value denotes: an integer, or a number with no fractional part.
    var integerValue: Int? {
        switch self {
        case .int(let value): value
        case .number(let value) where value.rounded() == value && abs(value) < 0x1p62: Int(value)
        default: nil
        }
    }

    /// The number this value denotes (an integer or a number).
    var numberValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}
