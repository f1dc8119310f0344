import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies

/// Where the CLI writes: the process's stdout/stderr, or in-memory buffers for tests. Results go to
/// stdout, messages and progress to stderr; progress only when stderr is a terminal. Writes never trap:
/// the first failed write to stdout (full device, closed pipe) is remembered, later output is dropped,
/// and `runMain` reports it as one line with exit 74.
public final class Console: @unchecked Sendable {
    private let lock = NSLock()
    private let capture: Bool
    private let outputDescriptor: Int32
    private let errorDescriptor: Int32
    private var outBuffer = ""
    private var errBuffer = ""
    private var outFailure: Int32?
    /// Whether progress lines are shown (stderr is a terminal and not captured, or a test asked for
    /// them) and `--quiet` did not turn them off.
    public var showsProgress: Bool { lock.withLock { progressWanted && !progressMuted } }
    private let progressWanted: Bool
    private var progressMuted = false

    init(capture: Bool, showsProgress: Bool, outputDescriptor: Int32 = 1, errorDescriptor: Int32 = 2) {
        self.capture = capture
        self.progressWanted = showsProgress
        self.outputDescriptor = outputDescriptor
        self.errorDescriptor = errorDescriptor
    }

    public static func standard() -> Console { Console(capture: false, showsProgress: isatty(2) == 1) }
    /// Captures stdout and stderr; `progress: true` keeps the progress lines in the captured stderr (tests).
    public static func capturing(progress: Bool = false) -> Console { Console(capture: true, showsProgress: progress) }

    /// Turns progress lines off (`--quiet`).
    public func muteProgress() { lock.withLock { progressMuted = true } }
    /// Writes to the given descriptors (tests: a descriptor of /dev/full).
    public static func descriptors(output: Int32, error: Int32) -> Console {
        Console(capture: false, showsProgress: false, outputDescriptor: output, errorDescriptor: error)
    }

    public var standardOutput: String { lock.withLock { outBuffer } }
    public var standardError: String { lock.withLock { errBuffer } }

    /// The first failed stdout write, as a one-line error; `nil` when every write succeeded.
    public var outputFailure: FileWriteError? {
        lock.withLock { outFailure.map { FileWriteError(file: "standard output", kind: .ioError, reason: String(cString: strerror($0))) } }
    }

    public func out(_ text: String) {
        lock.withLock {
            if capture { outBuffer += text; return }
            guard outFailure == nil else { return }
            outFailure = FileOutput.writeAll(outputDescriptor, Data(text.utf8))
        }
    }

    public func err(_ text: String) {
        lock.withLock {
            if capture { errBuffer += text; return }
            _ = FileOutput.writeAll(errorDescriptor, Data(text.utf8))
        }
    }

    /// A progress line that overwrites itself; `done` ends it with a newline.
    public func progress(_ text: String, done: Bool = false) {
        guard showsProgress else { return }
        err("\r\u{1B}[2K" + text + (done ? "\n" : ""))
    }
}
