/// Reading a value by a dotted path and writing it as one CSV cell: what every CSV writer
/// (run, compare, sweep) shares, so one quantity is spelled the same way in all of them.
extension JSONValue {
    /// The value at a dotted path (`a.b.c`), or nil when a step is missing or not an object.
    public func value(atDottedPath path: String) -> JSONValue? {
        var current = self
        for part in path.split(separator: ".") {
            guard let next = current.objectValue?[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// A CSV cell: strings bare, numbers shortest, other JSON serialized, null empty.
    public var csvCell: String {
        switch self {
        case .null: return ""
        case let .string(s): return s
        case let .double(d): return JSONValue.format(d)
        default: return serialized()
        }
    }
}
