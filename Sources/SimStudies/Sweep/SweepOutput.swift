import SimIO
import SimCharts
import SimReports
import Foundation

/// Where a sweep writes: `PREFIX.jsonl` and `PREFIX.csv`, or `DIR/sweep.jsonl` and `DIR/sweep.csv`
/// when `--out` names an existing directory or ends in `/` (`docs/sweeps.md`, "Output files").
public struct SweepOutputPaths: Sendable, Equatable {
    public var jsonl: String
    public var csv: String
    /// `PREFIX.host.json` (or `DIR/sweep.host.json`): how the last run performed, kept apart from the
    /// results so that resumed, sharded and merged outputs stay byte-identical.
    public var host: String { String(jsonl.dropLast(".jsonl".count)) + ".host.json" }
    /// `PREFIX.header.json` (or `DIR/sweep.header.json`): the `elsa-sweep/1` header (grid, traces,
    /// configs, columns), kept beside the `.jsonl` so that every line of the `.jsonl` is a data row
    /// (`pandas.read_json(path, lines=True)` reads the rows and nothing else).
    public var header: String { String(jsonl.dropLast(".jsonl".count)) + ".header.json" }
    /// `PREFIX.lock` (or `DIR/sweep.lock`): held with `flock` while a sweep or merge writes this output,
    /// so a second one on the same output refuses instead of interleaving with it.
    public var lock: String { String(jsonl.dropLast(".jsonl".count)) + ".lock" }

    /// Takes the output's lock, or throws `outputBusy` when another process holds it.
    public func acquireLock() throws(SweepError) -> OutputLock {
        let held: OutputLock?
        do { held = try OutputLock.acquire(lock) } catch { throw SweepError(error) }
        guard let held else { throw .outputBusy(file: lock) }
        return held
    }

    public init(_ out: String) {
        var isDirectory: ObjCBool = false
        if out.hasSuffix("/") || (FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) && isDirectory.boolValue) {
            let directory = out.hasSuffix("/") ? String(out.dropLast()) : out
            jsonl = directory + "/sweep.jsonl"
            csv = directory + "/sweep.csv"
        } else {
            // Any file of an output names it, side files included, so the glob `OUT.shard*` (which also
            // matches each shard's host statistics and lock) names each shard's output.
            var prefix = out
            if let suffix = [".host.json", ".header.json", ".config.json", ".lock", ".jsonl", ".csv"].first(where: { prefix.hasSuffix($0) }) {
                prefix.removeLast(suffix.count)
            }
            jsonl = prefix + ".jsonl"
            csv = prefix + ".csv"
        }
    }
}

/// Reading and writing a sweep's JSON Lines file (one row per point, no header line), its header file
/// (`SweepOutputPaths.header`) and its CSV.
public enum SweepOutputFile {
    /// The header file beside a sweep `.jsonl` (`PREFIX.header.json`).
    public static func headerPath(ofJSONL path: String) -> String {
        (path.hasSuffix(".jsonl") ? String(path.dropLast(".jsonl".count)) : path) + ".header.json"
    }

    /// Reads a sweep `.jsonl` and its header file; `nil` when the `.jsonl` does not exist. A last line
    /// cut short (no final newline, not valid JSON: an interrupted run) is dropped; any other bad line is
    /// an error. An output of an older layout (its header as the `.jsonl`'s first line, no header file)
    /// still reads.
    public static func read(_ path: String) throws(SweepError) -> (header: SweepHeader, rows: [SweepRow])? {
        if let problem = InputFile.problem(path) {
            if problem.missing { return nil }
            throw .malformedOutput(file: path, line: 0, message: problem.reason)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .malformedOutput(file: path, line: 1, message: "cannot be read as UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let first = lines.first, let value = try? JSONValue.parse(Data(first.utf8)), value.objectValue?["format"] != nil {
            throw .malformedOutput(file: path, line: 1, message: "a header line: an output of an older elsa-sim (the header now goes to "
                                   + "\(headerPath(ofJSONL: path))); start it afresh with --fresh or remove it")
        }
        let headerFile = headerPath(ofJSONL: path)
        if let problem = InputFile.problem(headerFile) {
            throw .malformedOutput(file: headerFile, line: 0, message: problem.reason + "; expected the \(SweepHeader.format) header of \(path)")
        }
        guard let data = FileManager.default.contents(atPath: headerFile), let value = try? JSONValue.parse(data) else {
            throw .malformedOutput(file: headerFile, line: 1, message: "not JSON; expected the \(SweepHeader.format) header of \(path)")
        }
        let header = try SweepHeader.decode(value, file: headerFile, line: 1)
        var rows: [SweepRow] = []
        for (i, line) in lines.enumerated() {
            do {
                rows.append(try SweepRow(line: line, file: path, lineNumber: i + 1))
            } catch {
                if i == lines.count - 1 && !text.hasSuffix("\n") { break }
                throw error
            }
        }
        return (header, rows)
    }

    /// The `.jsonl` text: the rows' lines (empty when there are none).
    public static func jsonl(rows: [SweepRow]) -> String {
        rows.map { $0.line + "\n" }.joined()
    }

    /// The header file's text: the header as one JSON line.
    public static func headerText(_ header: SweepHeader) -> String { header.json.serialized() + "\n" }

    /// Writes the header file, the `.jsonl` and the CSV (rows sorted by point index), each through a
    /// temporary file and a rename; creates the directory when missing.
    public static func write(header: SweepHeader, rows: [SweepRow], paths: SweepOutputPaths) throws(SweepError) {
        let sorted = rows.sorted { $0.index < $1.index }
        try writeAtomically(headerText(header), to: headerPath(ofJSONL: paths.jsonl))
        try writeAtomically(jsonl(rows: sorted), to: paths.jsonl)
        try writeAtomically(SweepTable.csv(sorted, fields: header.fields), to: paths.csv)
    }

    /// Writes `text` to `path` through a uniquely named temporary file and a rename (`FileOutput`).
    public static func writeAtomically(_ text: String, to path: String) throws(SweepError) {
        do {
            try FileOutput.writeAtomically(Data(text.utf8), to: path)
        } catch {
            throw SweepError(error)
        }
    }
}

extension SweepError {
    /// `cannotCreate` → `unwritable` (exit 73), `ioError` → `writeFailed` (exit 74).
    public init(_ error: FileWriteError) {
        switch error.kind {
        case .cannotCreate: self = .unwritable(file: error.file, reason: error.reason)
        case .ioError: self = .writeFailed(file: error.file, reason: error.reason)
        }
    }
}

/// Appends finished rows to a sweep's `.jsonl` as they complete, so an interrupted sweep keeps its
/// work; `SweepOutputFile.write` later rewrites the file in point order. Thread-safe.
public final class SweepJournal: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false
    public let path: String

    /// Starts the file afresh with the rows kept from an earlier run, and writes `header` to its header file.
    public init(path: String, header: SweepHeader, keptRows: [SweepRow]) throws(SweepError) {
        self.path = path
        try SweepOutputFile.writeAtomically(SweepOutputFile.headerText(header), to: SweepOutputFile.headerPath(ofJSONL: path))
        try SweepOutputFile.writeAtomically(SweepOutputFile.jsonl(rows: keptRows.sorted { $0.index < $1.index }), to: path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            throw .unwritable(file: path, reason: "cannot be opened for appending: " + String(cString: strerror(errno)))
        }
        self.fd = fd
    }

    /// A journal appending to an already open descriptor (tests: a descriptor of /dev/full).
    public init(path: String, descriptor: Int32) {
        self.path = path
        self.fd = descriptor
    }

    /// Appends one row line. A failed write (full disk, file-size limit) is cut back to the end of the
    /// previous line, so the file never ends in a partial row that a resume could take for a result.
    public func append(_ row: SweepRow) throws(SweepError) {
        let data = Data((row.line + "\n").utf8)
        let failure: Int32? = lock.withLock {
            guard !closed else { return EBADF }
            let end = lseek(fd, 0, SEEK_END)
            if let code = FileOutput.writeAll(fd, data) {
                if end >= 0 { _ = ftruncate(fd, end) }
                return code
            }
            return nil
        }
        if let failure { throw .writeFailed(file: path, reason: String(cString: strerror(failure))) }
    }

    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = Foundation.close(fd)
        }
    }

    deinit { close() }
}
