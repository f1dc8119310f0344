import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening an input file the way every reader here does: only a regular file (after following symlinks)
/// is read, and a document of bounded size is read whole. A device (/dev/zero), a FIFO or a socket would
/// otherwise block or stream without end; a directory is not a file. Messages say what was found.
public enum InputFile {
    /// Largest JSON document (config, A^3 config, thresholds, sweep spec, trace.json) read: 64 MiB.
    public static let documentLimit = 64 << 20

    /// Why `path` cannot be read as a regular file, or `nil` when it can be opened for reading.
    /// `missing` tells a missing file (exit 66) from others.
    public static func problem(_ path: String) -> (reason: String, missing: Bool)? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return ("no such file", true) }
            return (String(cString: strerror(code)), false)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return ("is a directory", false)
        case S_IFCHR: return ("is a character device, not a regular file", false)
        case S_IFBLK: return ("is a block device, not a regular file", false)
        case S_IFIFO: return ("is a FIFO (named pipe), not a regular file", false)
        case S_IFSOCK: return ("is a socket, not a regular file", false)
        default: return ("is not a regular file", false)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (String(cString: strerror(errno)), false) }
        close(fd)
        return nil
    }

    /// Size in bytes of the regular file `path` (0 when it cannot be stat'ed).
    public static func size(_ path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    /// Reads a whole document of at most `limit` bytes; the failure reason otherwise.
    public static func readDocument(_ path: String, limit: Int = documentLimit) -> Result<Data, DocumentProblem> {
        if let problem = problem(path) { return .failure(DocumentProblem(reason: problem.reason, missing: problem.missing)) }
        let bytes = size(path)
        if bytes > limit {
            return .failure(DocumentProblem(reason: "is \(bytes) bytes; a JSON document here is at most \(limit) bytes (64 MiB)",
                                            missing: false))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DocumentProblem(reason: "cannot be read", missing: false))
        }
        return .success(data)
    }

    public struct DocumentProblem: Error, Sendable {
        public let reason: String
        public let missing: Bool
    }
}
