import Foundation
import ElsaModel
import SimCore
import SimIO
import SimCharts
import SimReports
import SimStudies

/// `elsa-sim validate`: compares the two timing engines on seeded random cases, reproduces one case,
/// or prints the paper-number table of `docs/validation.md`.
enum ValidateCommand {
    static let help = """
    usage: elsa-sim validate [--cases N] [--seed-start S] [--tiled | --steady-state] [--threads N] [--json FILE]
           elsa-sim validate --seed S
           elsa-sim validate --paper-table [--json FILE]

    Runs the discrete-event engine and the cycle-stepped reference engine on seeded random head
    invocations (RandomTimingCase: random timing constants and selection patterns) and checks that they
    agree on every counter of docs/model.md §5 (docs/validation.md, "Randomized equivalence"). Exits 1
    if any case differs and prints, for each, the first differing field and the command reproducing it.

    options:
      --cases N          cases to check (default 1000; 1 with --seed)
      --seed-start S     first case seed (default 0); cases S … S+N−1
      --seed S           reproduce case S: print its constants and both engines' counters
      --tiled            tiled cases instead (RandomTiledCase: n above a random key memory, causal or
                         not, serial or overlapped; every tile and the composed head; docs/model.md §9)
      --steady-state     long exact-mode cases instead (RandomSteadyStateCase): the event engine with
                         and without its steady-state fast-forward (docs/model.md §10) and the
                         reference engine; says in how many cases the fast-forward fired
      --paper-table      print our numbers next to the paper's (ELSA IV-C/IV-D, V-C) instead
      --threads N        worker threads (default: all cores); results do not depend on it
      --json FILE        also write the result as JSON (- for stdout)
      -h, --help         this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "validate",
                                       options: ["cases", "seed-start", "seed", "threads", "json"],
                                       flags: ["paper-table", "tiled", "steady-state"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "validate")
        if args.has("paper-table") {
            let table = PaperComparison.rows()
            if let json = args.last("json") { try writeOutput(PaperTableReport.json(table).pretty() + "\n", to: json, console: console) }
            if args.last("json") != "-" { console.out(PaperTableReport.markdown(table)) }
            return ExitCode.success
        }
        if args.last("seed") != nil && args.last("seed-start") != nil {
            throw UsageError.invalidValue(option: "--seed", value: args.last("seed")!, expected: "either --seed or --seed-start, not both")
        }
        let single = args.last("seed") != nil
        let start = try args.int(single ? "seed" : "seed-start", default: 0, range: 0 ... Int(Int32.max))
        let cases = try args.int("cases", default: single ? 1 : 1000, range: 1 ... 100_000_000)
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let tiled = args.has("tiled")
        let steadyState = args.has("steady-state")
        if tiled && steadyState {
            throw UsageError.invalidValue(option: "--steady-state", value: "with --tiled", expected: "either --tiled or --steady-state, not both")
        }
        if single && cases == 1 && !tiled && !steadyState { return reproduce(seed: UInt64(start), console: console) }

        let seeds = UInt64(start) ..< UInt64(start) + UInt64(cases)
        let began = Date()
        var fastForwarded = 0
        let mismatches: [EngineEquivalence.Mismatch]
        if tiled {
            mismatches = EngineEquivalence.checkTiled(seeds: seeds, threads: threads)
        } else if steadyState {
            (mismatches, fastForwarded) = EngineEquivalence.checkSteadyState(seeds: seeds, threads: threads)
        } else {
            mismatches = EngineEquivalence.check(seeds: seeds, threads: threads) { done in
                if done % 500 == 0 || done == cases { console.progress("validate: \(done)/\(cases) cases", done: done == cases) }
            }
        }
        let seconds = Date().timeIntervalSince(began)
        if let json = args.last("json") {
            let report = JSONValue.object([
                "seed_start": .int(Int64(start)), "cases": .int(Int64(cases)),
                "passed": .int(Int64(cases - mismatches.count)),
                "mismatches": .array(mismatches.map { m in
                    .object(["seed": .int(Int64(m.seed)), "difference": .string(m.difference),
                             "case": .string(m.summary), "reproduce": .string(m.reproducer)])
                }),
            ])
            try writeOutput(report.pretty() + "\n", to: json, console: console)
        }
        let range = "seeds \(start)…\(start + cases - 1)"
        if mismatches.isEmpty {
            if args.last("json") != "-" {
                let kind = tiled ? "tiled " : steadyState ? "steady-state " : ""
                let fired = steadyState ? "; the fast-forward fired in \(fastForwarded)" : ""
                console.out("engine equivalence: \(cases) random \(kind)cases passed (\(range), every HeadTiming field equal\(fired))\n")
            }
            console.err(String(format: "validated %d cases in %.1f s on %d threads\n", cases, seconds, threads))
            return ExitCode.success
        }
        for m in mismatches.prefix(20) { console.err("MISMATCH \(m)\n") }
        if mismatches.count > 20 { console.err("… and \(mismatches.count - 20) more\n") }
        console.err("engine equivalence: \(mismatches.count) of \(cases) random cases FAILED (\(range))\n")
        return ExitCode.failure
    }

    /// `--seed S`: regenerates case S and prints both engines' counters and their first difference.
    static func reproduce(seed: UInt64, console: Console) -> Int32 {
        let (testCase, event, reference) = EngineEquivalence.run(seed: seed)
        let pc = testCase.parameters.selectorsPerModule
        console.out("case \(seed): \(testCase.summary)\n")
        var rows = [["counter", "event", "reference"]]
        func unit(_ u: UnitActivity) -> String { "\(u.busy)/\(u.blocked)/\(u.starved)/\(u.idle)" }
        rows.append(["T", "\(event.totalCycles)", "\(reference.totalCycles)"])
        rows.append(["P", "\(event.preprocessingCycles)", "\(reference.preprocessingCycles)"])
        rows.append(["hash busy/blocked/starved/idle", unit(event.hash), unit(reference.hash)])
        rows.append(["norm", unit(event.norm), unit(reference.norm)])
        for s in event.selectors.indices where s < reference.selectors.count {
            rows.append(["selector \(s) (bank \(s / pc), lane \(s % pc))", unit(event.selectors[s]), unit(reference.selectors[s])])
        }
        for b in event.attention.indices where b < reference.attention.count {
            rows.append(["attention \(b)", unit(event.attention[b]), unit(reference.attention[b])])
        }
        rows.append(["output division", unit(event.outputDivision), unit(reference.outputDivision)])
        for s in event.queues.indices where s < reference.queues.count {
            rows.append(["queue \(s) max/slot-cycles", "\(event.queues[s].maximum)/\(event.queues[s].cycleSum)",
                         "\(reference.queues[s].maximum)/\(reference.queues[s].cycleSum)"])
        }
        console.out(TextTable.render(rows, ruleBefore: [1]))
        if let difference = event.firstDifference(from: reference, selectorsPerModule: pc) {
            console.out("engines DIFFER: \(difference)\n")
            return ExitCode.failure
        }
        console.out("engines agree on every field\n")
        return ExitCode.success
    }
}
