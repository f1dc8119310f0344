/// A command line the CLI cannot act on: exit code 64 with a one-line message.
public enum UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCommand(String, suggestion: String?)
    case unknownOption(String, command: String, suggestion: String?)
    case missingValue(option: String)
    case invalidValue(option: String, value: String, expected: String)
    case missingOption(String, command: String)
    case unexpectedArgument(String, command: String)
    /// A positional argument (a subcommand, a file) is missing.
    case missingArgument(String, command: String)

    public var description: String {
        switch self {
        case let .unknownCommand(c, s):
            return "unknown command '\(c)'" + (s.map { "; did you mean '\($0)'?" } ?? "") + " (see 'elsa-sim --help')"
        case let .unknownOption(o, c, s):
            return "\(c): unknown option '\(o)'" + (s.map { "; did you mean '\($0)'?" } ?? "") + " (see 'elsa-sim \(c) --help')"
        case let .missingValue(o):
            return "option '\(o)' needs a value"
        case let .invalidValue(o, v, e):
            return "option '\(o)': '\(v)' is not valid; expected \(e)"
        case let .missingOption(o, c):
            return "\(c): missing required option '\(o)' (see 'elsa-sim \(c) --help')"
        case let .missingArgument(a, c):
            return "\(c): missing \(a) (see 'elsa-sim \(c) --help')"
        case let .unexpectedArgument(a, c):
            return "\(c): unexpected argument '\(a)' (see 'elsa-sim \(c) --help')"
        }
    }
}
