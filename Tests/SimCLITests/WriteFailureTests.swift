import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// Issue 19, "Writes": a write that fails is a one-line error naming the file with exit 73 (cannot create)
/// or 74 (I/O error), never a trap; result files are replaced atomically through uniquely named temporary
/// files; a sweep output is locked while a sweep writes it.
@Suite struct WriteFailureTests {
    /// Before the fix, `run … > /dev/full` trapped in `FileHandle.write` ('try!' expression unexpectedly
    /// raised an error). Now the run's result cannot reach stdout: exit 74, one line naming stdout.
    @Test func fullStandardOutputIsExit74() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let errPath = SweepTestSupport.temporaryDirectory("stderr") + "/err.txt"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let errFD = open(errPath, O_WRONLY)
        defer { close(errFD) }
        let code = runMain(["config", "fields"], console: .descriptors(output: full, error: errFD))
        #expect(code == 74)
        let err = SweepTestSupport.read(errPath)
        #expect(err == "elsa-sim: standard output: cannot write (No space left on device)\n")
    }

    /// A path under a regular file cannot be created: exit 73, one line naming the file.
    @Test func uncreatableOutputIsExit73() {
        let directory = SweepTestSupport.temporaryDirectory("notdir")
        FileManager.default.createFile(atPath: directory + "/file", contents: Data("x".utf8))
        let target = directory + "/file/report.json"
        let result = SweepTestSupport.run(["config", "show", "--config", SweepTestSupport.paperConfig])
        #expect(result.code == 0)
        let console = Console.capturing()
        #expect(throws: FileWriteError.self) { try writeOutput("{}", to: target, console: console) }
        do {
            try FileOutput.writeAtomically(Data("{}".utf8), to: target)
        } catch {
            #expect(error.kind == .cannotCreate)
            #expect(error.description.hasPrefix(target + ": cannot write ("))
        }
    }

    /// A device is written in place (never replaced by a rename); /dev/full fails with an I/O error (74).
    @Test func deviceTargetIsWrittenInPlace() {
        do {
            try FileOutput.writeAtomically(Data("{}".utf8), to: "/dev/full")
            Issue.record("writing /dev/full succeeded")
        } catch {
            #expect(error.kind == .ioError)
            #expect(error.description == "/dev/full: cannot write (No space left on device)")
        }
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
    }

    /// Atomic writes leave the target complete and no temporary behind; temporary names carry the pid
    /// and differ from call to call, so two writers never share one.
    @Test func atomicWriteLeavesNoTemporary() throws {
        let directory = SweepTestSupport.temporaryDirectory("atomic")
        let target = directory + "/out.json"
        try FileOutput.writeAtomically(Data("first\n".utf8), to: target)
        try FileOutput.writeAtomically(Data("second\n".utf8), to: target)
        #expect(SweepTestSupport.read(target) == "second\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.json"])
        let a = FileOutput.temporaryPath(for: target), b = FileOutput.temporaryPath(for: target)
        #expect(a != b)
        #expect(a.hasPrefix(target + ".tmp.\(getpid())."))
    }

    /// A failed row append is an error (it used to trap in FileHandle.write), reported as exit 74.
    @Test func failedJournalAppendThrows() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        let journal = SweepJournal(path: "/dev/full", descriptor: full)
        let row = try SweepRow(line: #"{"index":0,"config_hash":"a","trace_hash":"b","cycles":5}"#, file: "t", lineNumber: 1)
        #expect(throws: SweepError.writeFailed(file: "/dev/full", reason: "No space left on device")) { try journal.append(row) }
        journal.close()
    }

    /// A second sweep on an output whose lock is held refuses at once (exit 75), naming the lock file,
    /// and leaves the first sweep's files alone.
    @Test func lockedOutputIsRefused() throws {
        let directory = SweepTestSupport.temporaryDirectory("lock")
        let paths = SweepOutputPaths(directory + "/grid")
        let held = try paths.acquireLock()
        let result = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                           "--set", "attention_modules=1,2", "--out", directory + "/grid", "--quiet"])
        #expect(result.code == 75)
        #expect(result.err == "elsa-sim: \(directory)/grid.lock: another elsa-sim is writing this output (its lock is held); wait for it to finish or choose another --out\n")
        #expect(!FileManager.default.fileExists(atPath: paths.jsonl))
        held.release()
        let again = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                          "--set", "attention_modules=1,2", "--out", directory + "/grid", "--quiet"])
        #expect(again.code == 0, "\(again.err)")
    }

    /// `--out --quiet` used to write `--quiet.jsonl`, `--out ''` wrote `.jsonl`: both are usage errors now.
    @Test func outNeedsARealValue() {
        let base = ["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace, "--set", "attention_modules=1"]
        let quiet = SweepTestSupport.run(base + ["--out", "--quiet"])
        #expect(quiet.code == 64 && quiet.err == "elsa-sim: option '--out' needs a value\n")
        let empty = SweepTestSupport.run(base + ["--out", ""])
        #expect(empty.code == 64 && empty.err == "elsa-sim: option '--out': '' is not valid; expected a non-empty value\n")
        // A negative number is still a value.
        let negative = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                             "--set", "approximation.p=-1"])
        #expect(negative.code == 65)
    }
}
