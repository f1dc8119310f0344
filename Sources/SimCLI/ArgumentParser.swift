import SimIO
import SimCharts
import SimReports
import SimStudies

/// A small command-line parser: `--name value`, `--name=value`, repeatable options, flags, and `--`
/// ending the options. A value may not be empty (except free text) and a separate value may not look
/// like an option (`--out --quiet` is a missing value; `--out=--x` is taken as written). Unknown options are errors that suggest the nearest known one.
struct ParsedArguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// - Parameters:
    ///   - options: names (without `--`) that take a value.
    ///   - flags: names that take none. `help` is always a flag.
    init(_ arguments: [String], command: String, options: Set<String>, flags flagNames: Set<String>) throws(UsageError) {
        let flagNames = flagNames.union(["help"])
        var i = 0
        var onlyPositional = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if onlyPositional || !arg.hasPrefix("-") || arg == "-" { positional.append(arg); continue }
            if arg == "--" { onlyPositional = true; continue }
            if arg == "-h" { flags.insert("help"); continue }
            var name = String(arg.drop { $0 == "-" })
            var inlineValue: String? = nil
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "o" { name = "output" }
            if flagNames.contains(name) {
                if inlineValue != nil { throw .invalidValue(option: "--\(name)", value: inlineValue!, expected: "no value (it is a flag)") }
                flags.insert(name)
            } else if options.contains(name) {
                let value: String
                if let v = inlineValue { value = v } else {
                    // `--out --quiet` is a forgotten value, not an output named "--quiet".
                    guard i < arguments.count, !(arguments[i].hasPrefix("--") && arguments[i].count > 2) else {
                        throw .missingValue(option: "--\(name)")
                    }
                    value = arguments[i]
                    i += 1
                }
                if value.isEmpty && !Self.mayBeEmpty.contains(name) {
                    throw .invalidValue(option: "--\(name)", value: value, expected: "a non-empty value")
                }
                values[name, default: []].append(value)
            } else {
                let known = Array(options.union(flagNames)).map { "--\($0)" }
                throw .unknownOption(arg, command: command, suggestion: ConfigLoader.closest("--\(name)", among: known))
            }
        }
    }

    /// Options whose value may be the empty string (free text); every other value, paths above all, may not.
    static let mayBeEmpty: Set<String> = ["title", "label"]

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func last(_ option: String) -> String? { values[option]?.last }
    func all(_ option: String) -> [String] { values[option] ?? [] }

    func required(_ option: String, command: String) throws(UsageError) -> String {
        guard let v = last(option) else { throw .missingOption("--\(option)", command: command) }
        return v
    }

    func int(_ option: String, default value: Int, range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = last(option) else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw .invalidValue(option: "--\(option)", value: text, expected: "an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return v
    }

    func double(_ option: String) throws(UsageError) -> Double? {
        guard let text = last(option) else { return nil }
        guard let v = Double(text), v.isFinite else {
            throw .invalidValue(option: "--\(option)", value: text, expected: "a number")
        }
        return v
    }

    /// `--set path=value` pairs, values parsed as JSON literals (bare words are strings).
    func overrides() throws(UsageError) -> [(path: String, value: JSONValue)] {
        var out: [(path: String, value: JSONValue)] = []
        for item in all("set") {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .invalidValue(option: "--set", value: item, expected: "field.path=value, e.g. attention_modules=8")
            }
            out.append((String(item[..<eq]), JSONValue.parseLiteral(String(item[item.index(after: eq)...]))))
        }
        return out
    }

    func noPositional(command: String) throws(UsageError) {
        if let extra = positional.first { throw .unexpectedArgument(extra, command: command) }
    }
}
