import Foundation
@testable import SimCLI

/// Runs the CLI in-process and captures its output.
struct CLIRun {
    let status: Int32
    let stdout: String
    let stderr: String

    init(_ arguments: [String]) {
        let console = Console.capturing()
        status = runMain(arguments, console: console)
        stdout = console.standardOutput
        stderr = console.standardError
    }
}

/// Paths of the repository checkout (tests read the shipped configs and trace).
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elsa-sim-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
