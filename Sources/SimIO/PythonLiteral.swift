/// A Python literal as it appears in a `.npy` header: the subset of `ast.literal_eval` syntax NumPy's
/// header writer produces (dicts, tuples, lists, strings, integers, `True`/`False`/`None`).
///
/// Python-2-era headers may write integers with an `L` suffix (`(3L, 4L)`); NumPy still reads them, so
/// the parser accepts and drops the suffix.
enum PythonLiteral: Equatable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Key/value pairs in source order.
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.none, .none): true
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): a == b
        case (.dict(let a), .dict(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The literal as Python's `repr` would print it (for error messages).
    var repr: String {
        switch self {
        case .string(let s): return "'" + s.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "'", with: "\\'") + "'"
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .tuple(let items):
            return items.count == 1 ? "(\(items[0].repr),)" : "(" + items.map(\.repr).joined(separator: ", ") + ")"
        case .list(let items): return "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .dict(let pairs):
            return "{" + pairs.map { "\($0.key.repr): \($0.value.repr)" }.joined(separator: ", ") + "}"
        }
    }

    /// Parses one literal that fills `text` (surrounding whitespace allowed).
    ///
    /// - Throws: a human-readable reason (with the character offset) when `text` is not such a literal.
    static func parse(_ text: String) throws(PythonLiteralSyntaxError) -> PythonLiteral {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position < parser.scalars.count {
            throw parser.error("unexpected '\(parser.scalars[parser.position])' after the literal")
        }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        func error(_ message: String) -> PythonLiteralSyntaxError {
            PythonLiteralSyntaxError(message: message, offset: position)
        }

        mutating func skipWhitespace() {
            while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
        }

        static func isSpace(_ c: Unicode.Scalar) -> Bool {
            c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}"
        }

        mutating func parseValue(depth: Int) throws(PythonLiteralSyntaxError) -> PythonLiteral {
            guard depth < 32 else { throw error("literal nested too deeply") }
            skipWhitespace()
            guard position < scalars.count else { throw error("unexpected end of header") }
            let c = scalars[position]
            switch c {
            case "{": return try parseDict(depth: depth)
            case "(": return try parseSequence(close: ")", depth: depth)
            case "[": return try parseSequence(close: "]", depth: depth)
            case "'", "\"": return .string(try parseString())
            case "-", "+", "0" ... "9": return .int(try parseInt())
            default:
                if c.properties.isAlphabetic || c == "_" { return try parseName() }
                throw error("unexpected '\(c)'")
            }
        }

        mutating func parseDict(depth: Int) throws(PythonLiteralSyntaxError) -> PythonLiteral {
            position += 1 // {
            var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                skipWhitespace()
                guard position < scalars.count else { throw error("unterminated dict: missing '}'") }
                if scalars[position] == "}" { position += 1; return .dict(pairs) }
                let key = try parseValue(depth: depth + 1)
                skipWhitespace()
                guard position < scalars.count, scalars[position] == ":" else {
                    throw error("expected ':' after dict key \(key.repr)")
                }
                position += 1
                let value = try parseValue(depth: depth + 1)
                pairs.append((key, value))
                skipWhitespace()
                guard position < scalars.count else { throw error("unterminated dict: missing '}'") }
                if scalars[position] == "," { position += 1; continue }
                if scalars[position] == "}" { position += 1; return .dict(pairs) }
                throw error("expected ',' or '}' in dict, found '\(scalars[position])'")
            }
        }

        mutating func parseSequence(close: Unicode.Scalar, depth: Int) throws(PythonLiteralSyntaxError) -> PythonLiteral {
            let isTuple = close == ")"
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                guard position < scalars.count else { throw error("unterminated sequence: missing '\(close)'") }
                if scalars[position] == close { position += 1; break }
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < scalars.count else { throw error("unterminated sequence: missing '\(close)'") }
                if scalars[position] == "," { position += 1; sawComma = true; continue }
                if scalars[position] == close { position += 1; break }
                throw error("expected ',' or '\(close)', found '\(scalars[position])'")
            }
            if isTuple {
                // `(x)` is just a parenthesised x in Python; `(x,)` and `()` are tuples.
                if items.count == 1 && !sawComma { return items[0] }
                return .tuple(items)
            }
            return .list(items)
        }

        mutating func parseString() throws(PythonLiteralSyntaxError) -> String {
            let quote = scalars[position]
            position += 1
            var text = String.UnicodeScalarView()
            while position < scalars.count {
                let c = scalars[position]
                position += 1
                if c == quote { return String(text) }
                if c == "\n" { break }
                if c == "\\" {
                    guard position < scalars.count else { break }
                    let escaped = scalars[position]
                    position += 1
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "r": text.append("\r")
                    case "0": text.append("\u{0}")
                    default: text.append(escaped) // \\ \' \" and anything else taken literally
                    }
                } else {
                    text.append(c)
                }
            }
            throw error("unterminated string")
        }

        mutating func parseInt() throws(PythonLiteralSyntaxError) -> Int {
            let start = position
            var negative = false
            if scalars[position] == "-" || scalars[position] == "+" {
                negative = scalars[position] == "-"
                position += 1
            }
            var value = 0
            var digits = 0
            while position < scalars.count, ("0" ... "9").contains(scalars[position]) {
                let digit = Int(scalars[position].value - 48)
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(digit)
                if o1 || o2 { position = start; throw error("integer too large") }
                value = plus
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw error("expected digits") }
            if position < scalars.count, scalars[position] == "L" || scalars[position] == "l" { position += 1 }
            if position < scalars.count, scalars[position] == "." || scalars[position] == "e"
                || scalars[position] == "E" || scalars[position] == "j" {
                throw error("expected an integer, found a non-integer number")
            }
            return negative ? -value : value
        }

        mutating func parseName() throws(PythonLiteralSyntaxError) -> PythonLiteral {
            let start = position
            while position < scalars.count,
                  scalars[position].properties.isAlphabetic || scalars[position] == "_"
                    || ("0" ... "9").contains(scalars[position]) {
                position += 1
            }
            var name = String.UnicodeScalarView()
            name.append(contentsOf: scalars[start ..< position])
            switch String(name) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                position = start
                throw error("unexpected name '\(String(name))'; expected a literal")
            }
        }
    }
}

/// A syntax error in a Python literal, with the character offset where parsing stopped.
struct PythonLiteralSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at character \(offset)" }
}
