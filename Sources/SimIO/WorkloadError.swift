/// A workload file (`elsa-workload/1`, `docs/workloads.md`) that cannot be used: one line naming the
/// file, the JSON path, what was found and what was expected. The CLI maps `unreadable` to exit code 66
/// when the file is missing and everything else to 65.
public enum WorkloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be opened or read (`missing`: it does not exist).
    case unreadable(file: String, reason: String, missing: Bool)
    /// A field is missing, of the wrong type or out of range.
    case invalid(file: String, path: String, found: String, expected: String)
    /// A statistics target the synthetic generator cannot reach.
    case unreachableTarget(file: String, path: String, message: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason, _):
            return "\(file): \(reason)"
        case let .invalid(file, path, found, expected):
            return "\(file): \(path): found \(found); expected \(expected)"
        case let .unreachableTarget(file, path, message):
            return "\(file): \(path): \(message)"
        }
    }
}
