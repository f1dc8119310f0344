import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies

/// Exit codes (sysexits.h): 0 success, 1 the simulation failed, 64 usage, 65 bad input data, 66 cannot
/// open an input, 73 cannot create an output, 74 an I/O error while writing (full disk, closed pipe),
/// 75 the output is locked by another sweep (try again later).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let noInput: Int32 = 66
    public static let cannotCreate: Int32 = 73
    public static let ioError: Int32 = 74
    public static let tryAgain: Int32 = 75
}


let topLevelHelp = """
elsa-sim — a cycle-accurate simulator of the ELSA self-attention accelerator (Ham et al., ISCA 2021)

usage: elsa-sim <command> [options]

commands:
  run         simulate a trace on an accelerator config (ELSA, A^3, ideal): cycles, utilization, selection, quality;
              --workload FILE simulates layers listed by shape instead (docs/workloads.md)
  sweep       simulate a grid of config values (parallel, resumable, shardable); merge shards; plot
  compare     configs of any accelerator side by side: preprocessing vs execution per layer, speedup over a
              baseline, latency normalized to the ideal accelerator
  sensitivity how much each modelling assumption moves cycles, selection and output error (tornado chart)
  calibrate   learn per-head thresholds with p from one or more traces
  quality     approximation quality vs exact attention over a p sweep; θ_bias fit
  trace       make (synth) or examine (inspect) elsa-trace/1 traces
  config      print the config fields with their defaults and sources
  bench       time the simulator itself (functional-only pass vs timed simulation)
  compare-accelerators
              deprecated alias of compare
  validate    the event engine against the cycle-stepped reference on random cases (docs/validation.md)

Run 'elsa-sim <command> --help' for a command's options. Docs: README.md, docs/.
"""

/// Every command, for suggestions on a typo (`validate` is the validation suite's entry, documented in
/// docs/validation.md).
let commandNames = ["run", "calibrate", "quality", "trace", "config", "sweep", "compare", "sensitivity", "bench", "compare-accelerators", "validate"]

/// The CLI as a library: parses `arguments` (without the program name), runs the command, and returns
/// the exit code. Only this layer turns errors into text.
public func runMain(_ arguments: [String], console: Console = .standard()) -> Int32 {
    if arguments.contains("--quiet") { console.muteProgress() }   // --quiet: no progress lines either
    let code = dispatch(arguments, console: console)
    // A result that could not reach stdout is a failed run, whatever the command returned.
    if let failure = console.outputFailure {
        console.err(errorLine(failure))
        return ExitCode.ioError
    }
    return code
}

private func dispatch(_ arguments: [String], console: Console) -> Int32 {
    guard let command = arguments.first else {
        console.err(topLevelHelp + "\n")
        return ExitCode.usage
    }
    let rest = Array(arguments.dropFirst())
    do {
        switch command {
        case "run": return try RunCommand.main(rest, console: console)
        case "calibrate": return try CalibrateCommand.main(rest, console: console)
        case "quality": return try QualityCommand.main(rest, console: console)
        case "trace": return try TraceCommand.main(rest, console: console)
        case "config": return try ConfigCommand.main(rest, console: console)
        case "bench": return try BenchCommand.main(rest, console: console)
        case "validate": return try ValidateCommand.main(rest, console: console)
        case "compare-accelerators":
            console.err("elsa-sim: note: compare-accelerators is deprecated; it runs 'elsa-sim compare' (any mix of accelerators)\n")
            return try CompareCommand.main(rest, console: console)
        case "sweep": return try SweepCommand.main(rest, console: console)
        case "compare": return try CompareCommand.main(rest, console: console)
        case "sensitivity": return try SensitivityCommand.main(rest, console: console)
        case "--help", "-h", "help":
            console.out(topLevelHelp + "\n")
            return ExitCode.success
        case "--version":
            console.out("elsa-sim \(BuildInfo.version)\n")
            return ExitCode.success
        default:
            throw UsageError.unknownCommand(command, suggestion: ConfigLoader.closest(command, among: commandNames))
        }
    } catch let error as UsageError {
        console.err(errorLine(error))
        return ExitCode.usage
    } catch let error as ConfigError {
        console.err(errorLine(error))
        if case .unreadable = error { return ExitCode.noInput }
        return ExitCode.dataError
    } catch let error as TraceError {
        console.err(errorLine(error))
        switch error {
        case .manifestNotFound, .layerFileNotFound: return ExitCode.noInput
        case .unwritable: return ExitCode.cannotCreate
        default: return ExitCode.dataError
        }
    } catch let error as NpyError {
        console.err(errorLine(error))
        if case .fileNotFound = error { return ExitCode.noInput }
        if case .unwritable = error { return ExitCode.cannotCreate }
        return ExitCode.dataError
    } catch let error as SweepError {
        console.err(errorLine(error))
        switch error {
        case .specUnreadable: return ExitCode.noInput
        case .unwritable: return ExitCode.cannotCreate
        case .writeFailed: return ExitCode.ioError
        case .outputBusy: return ExitCode.tryAgain
        case .unknownPlotField, .traceOnXAxis, .plotFieldReused, .plotFieldUnassigned, .tooManySeries, .tooManyPanels: return ExitCode.usage
        default: return ExitCode.dataError
        }
    } catch let error as AcceleratorError {
        console.err(errorLine(error))
        return ExitCode.usage
    } catch let error as WorkloadError {
        console.err(errorLine(error))
        if case .unreadable(_, _, true) = error { return ExitCode.noInput }
        return ExitCode.dataError
    } catch let error as TimelineError {
        console.err(errorLine(error))
        return ExitCode.usage
    } catch let error as FileWriteError {
        console.err(errorLine(error))
        return error.kind == .ioError ? ExitCode.ioError : ExitCode.cannotCreate
    } catch {
        console.err(errorLine(error))
        return ExitCode.failure
    }
}

/// An error as the one line the CLI prints: control characters (newlines, terminal escapes, raw bytes of
/// a binary file) escaped as `\xNN`, and at most 1 000 characters, so a huge or binary value in an input
/// cannot flood or garble the terminal.
func errorLine(_ error: any Error) -> String {
    "elsa-sim: " + JSONValue.clipped(String(describing: error), limit: 1000) + "\n"
}

/// Writes `text` to `path` atomically (`FileOutput`), or to stdout when `path` is `-`.
func writeOutput(_ text: String, to path: String, console: Console) throws {
    if path == "-" { console.out(text); return }
    try FileOutput.writeAtomically(Data(text.utf8), to: path)
}
