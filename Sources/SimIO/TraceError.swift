/// Why a trace directory could not be read or written: every rejection `elsa-trace/1` requires
/// ("What a reader must reject"), each naming the file and the `trace.json` field concerned.
///
/// Messages follow `<file>: <field>: <what was found>; expected <what>`, e.g.
/// `Traces/x/trace.json: layers[2].k: file 'layer2.k.npy' does not exist`.
public enum TraceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `trace.json` does not exist (`path` is the manifest's path).
    case manifestNotFound(path: String)
    /// `trace.json` exists but cannot be read.
    case manifestUnreadable(path: String, reason: String)
    /// `trace.json` is not valid JSON.
    case invalidJSON(path: String, reason: String)
    /// `format` is not exactly `"elsa-trace/1"`; `found` is the JSON value as written.
    case wrongFormat(path: String, found: String)
    /// A required field (`format`, `model`, `layers`, `layers[i].q` ...) is absent.
    case missingField(path: String, field: String)
    /// A field has the wrong JSON type.
    case wrongType(path: String, field: String, found: String, expected: String)
    /// A field has the right type but an impossible value (e.g. `heads: 0`, an empty `layers`).
    case invalidValue(path: String, field: String, found: String, expected: String)
    /// A layer path names no file; `file` is the path as written in `trace.json`.
    case layerFileNotFound(path: String, field: String, file: String)
    /// A `.npy` file was rejected (bad magic, version, dtype, byte order, order, truncation, rank).
    case array(field: String, NpyError)
    /// An array's shape disagrees with the other arrays or with `heads` / `head_dim`.
    case shapeMismatch(path: String, field: String, shape: [Int], expected: String, reason: String)
    /// The k/v head count does not divide the q head count.
    case headCountDoesNotDivide(path: String, field: String, queryHeads: Int, kvHeads: Int)
    /// q, k or v holds NaN or an infinity; `value` is `"NaN"`, `"+infinity"` or `"-infinity"`.
    case nonFinite(path: String, field: String, value: String, head: Int, row: Int, column: Int, flatIndex: Int)
    /// `input.tokens` is below 1 or larger than n.
    case tokensOutOfRange(path: String, tokens: Int, n: Int)
    /// The trace could not be written.
    case unwritable(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .manifestNotFound(let path), .manifestUnreadable(let path, _), .invalidJSON(let path, _),
             .wrongFormat(let path, _), .missingField(let path, _), .wrongType(let path, _, _, _),
             .invalidValue(let path, _, _, _), .layerFileNotFound(let path, _, _),
             .shapeMismatch(let path, _, _, _, _), .headCountDoesNotDivide(let path, _, _, _),
             .nonFinite(let path, _, _, _, _, _, _), .tokensOutOfRange(let path, _, _), .unwritable(let path, _):
            return path
        case .array(_, let error):
            return error.path
        }
    }

    public var description: String {
        switch self {
        case .manifestNotFound(let path):
            return "\(path): file does not exist; expected a trace directory holding trace.json (elsa-trace/1)"
        case .manifestUnreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .invalidJSON(let path, let reason):
            return "\(path): not valid JSON: \(reason)"
        case .wrongFormat(let path, let found):
            return "\(path): format: found \(found); expected \"elsa-trace/1\""
        case .missingField(let path, let field):
            return "\(path): \(field): required field is missing"
        case .wrongType(let path, let field, let found, let expected):
            return "\(path): \(field): found \(found); expected \(expected)"
        case .invalidValue(let path, let field, let found, let expected):
            return "\(path): \(field): found \(found); expected \(expected)"
        case .layerFileNotFound(let path, let field, let file):
            return "\(path): \(field): file '\(file)' does not exist"
        case .array(let field, let error):
            return "\(error.path): \(field): \(error.problem)"
        case .shapeMismatch(let path, let field, let shape, let expected, let reason):
            return "\(path): \(field): shape \(pythonShape(shape)) \(reason); expected \(expected)"
        case .headCountDoesNotDivide(let path, let field, let queryHeads, let kvHeads):
            return "\(path): \(field): \(kvHeads) key/value heads do not divide \(queryHeads) query heads; "
                + "expected a head count that divides \(queryHeads)"
        case .nonFinite(let path, let field, let value, let head, let row, let column, let flatIndex):
            return "\(path): \(field): \(value) at (head \(head), row \(row), column \(column)), flat index "
                + "\(flatIndex) (the first one); expected finite values"
        case .tokensOutOfRange(let path, let tokens, let n):
            return "\(path): input.tokens: found \(tokens); expected 1...\(n) (n = \(n))"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
