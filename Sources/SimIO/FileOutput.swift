import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output the CLI could not write: `cannotCreate` (the file or its directory cannot be created or
/// renamed into place; sysexits EX_CANTCREAT, exit 73) or `ioError` (a write failed part-way: full
/// disk, file-size limit, closed pipe; EX_IOERR, exit 74). One line, naming the file.
public struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case cannotCreate, ioError }
    public let file: String
    public let kind: Kind
    public let reason: String

    public init(file: String, kind: Kind, reason: String) {
        self.file = file
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(file): cannot write (\(reason))" }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The one write path of the simulator: every byte written to stdout or a file goes through here, never
/// through a trapping `FileHandle` write. Result files are written atomically: the text goes to a
/// temporary file in the same directory, named with the process id and a per-process counter (so two
/// processes, or two writes of one process, never share it), which is then renamed over the target; a
/// failed write removes the temporary and leaves the target as it was.
public enum FileOutput {
    /// Writes every byte to `fd`, retrying on interruption and short writes; the `errno` of a failure.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard var base = bytes.baseAddress else { return nil }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            left -= n
            base = base.advanced(by: n)
        }
        return nil
    }

    public static func writeAll(_ fd: Int32, _ data: Data) -> Int32? {
        data.withUnsafeBytes { writeAll(fd, $0) }
    }

    private static let counter = Counter()

    /// A temporary name beside `path`, unique to this process and this call.
    public static func temporaryPath(for path: String) -> String {
        "\(path).tmp.\(getpid()).\(counter.next())"
    }

    /// Writes `data` to `path` atomically (temporary file + rename), creating missing directories. An
    /// existing non-regular target (a device such as /dev/stdout or /dev/null, a FIFO) is written in
    /// place instead, since it cannot be replaced by a rename.
    public static func writeAtomically(_ data: Data, to path: String, createDirectories: Bool = true) throws(FileWriteError) {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw FileWriteError(file: path, kind: .cannotCreate, reason: "is a directory")
            }
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileWriteError(file: path, kind: .cannotCreate, reason: FileWriteError.errnoText(errno)) }
            defer { close(fd) }
            if let code = writeAll(fd, data) { throw FileWriteError(file: path, kind: .ioError, reason: FileWriteError.errnoText(code)) }
            return
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if createDirectories && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw FileWriteError(file: path, kind: .cannotCreate, reason: "cannot create directory \(directory)")
            }
        }
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw FileWriteError(file: path, kind: .cannotCreate, reason: FileWriteError.errnoText(errno)) }
        if let code = writeAll(fd, data) {
            close(fd)
            unlink(temporary)
            throw FileWriteError(file: path, kind: .ioError, reason: FileWriteError.errnoText(code))
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw FileWriteError(file: path, kind: .ioError, reason: FileWriteError.errnoText(code))
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw FileWriteError(file: path, kind: .cannotCreate, reason: FileWriteError.errnoText(code))
        }
    }

    public static func writeAtomically(_ text: String, to path: String) throws(FileWriteError) {
        try writeAtomically(Data(text.utf8), to: path)
    }
}

/// A per-process counter for temporary names.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}

/// An exclusive advisory lock (`flock`) on a file beside an output, held until `release()` or the
/// process ends (the kernel drops it on exit, even after SIGKILL). A second holder is refused at once.
public final class OutputLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    /// - Returns: the lock, or `nil` when another process (or another open in this one) holds it.
    /// - Throws: when the lock file cannot be created.
    public static func acquire(_ path: String) throws(FileWriteError) -> OutputLock? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw FileWriteError(file: path, kind: .cannotCreate, reason: "cannot create directory \(directory)")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw FileWriteError(file: path, kind: .cannotCreate, reason: FileWriteError.errnoText(errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return OutputLock(path: path, fd: fd)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
