import Foundation

/// Where the CLI writes: the process's stdout/stderr, or in-memory buffers for tests. Results go to
/// stdout, messages and progress to stderr; progress only when stderr is a terminal.
public final class Console: @unchecked Sendable {
    private let lock = NSLock()
    private let capture: Bool
    private var outBuffer = ""
    private var errBuffer = ""
    /// Whether progress lines are shown (stderr is a terminal and not captured).
    public let showsProgress: Bool

    init(capture: Bool, showsProgress: Bool) {
        self.capture = capture
        self.showsProgress = showsProgress
    }

    public static func standard() -> Console { Console(capture: false, showsProgress: isatty(2) == 1) }
    public static func capturing() -> Console { Console(capture: true, showsProgress: false) }

    public var standardOutput: String { lock.withLock { outBuffer } }
    public var standardError: String { lock.withLock { errBuffer } }

    public func out(_ text: String) {
        if capture { lock.withLock { outBuffer += text } } else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    public func err(_ text: String) {
        if capture { lock.withLock { errBuffer += text } } else { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A progress line that overwrites itself; `done` ends it with a newline.
    public func progress(_ text: String, done: Bool = false) {
        guard showsProgress else { return }
        err("\r\u{1B}[2K" + text + (done ? "\n" : ""))
    }
}
