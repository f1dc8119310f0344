import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies

/// `elsa-sim sweep`: a design-space sweep over config fields (`docs/sweeps.md`), its shards, and
/// `sweep merge` / `sweep plot`.
enum SweepCommand {
    static let help = """
    usage: elsa-sim sweep --config FILE --trace DIR [--trace DIR ...] --set PATH=V1,V2,... [...] --out OUT [options]
           elsa-sim sweep --config FILE --workload FILE [--workload FILE ...] --set ... --out OUT [options]
           elsa-sim sweep --spec FILE --out OUT [options]
           elsa-sim sweep merge OUT SHARD_OUT [SHARD_OUT ...]
           elsa-sim sweep plot OUT --plot FILE.svg --x FIELD|n|area|area_proxy [--y COLUMN] [--series FIELD,...]
                                [--facet FIELD,...] [--where FIELD=VALUE ...]

    Simulates every point of the cartesian product of the swept config fields on every trace (points run
    in parallel, one thread each; output in grid order: trace outermost, the last --set fastest). Writes
    one row per point to OUT.jsonl (JSON rows only; the header is OUT.header.json) and OUT.csv: swept values, total /
    preprocessing / execution cycles, selected fraction, utilization and execution peak per module kind,
    stalls, area proxy, config_hash and trace_hash, then what 'run' reports: mass kept, output error, energy, area (mm²),
    throughput per area, bottleneck, closed form and lower bound, simulator version, and the trace's shape
    (n = real tokens, head_dim, layers, heads, kv_heads; docs/sweeps.md lists every column); OUT.config.json
    the base effective config; OUT.host.json gets the wall time. Rerunning with the same OUT skips the points already written; every point's
    config is checked before any point runs. A grid has at most 10 000 points. While a sweep writes OUT
    it holds OUT.lock: a second sweep on the same OUT refuses (exit 75); a failed write (full disk) is
    exit 74 and leaves no partial row.

    options:
      --config FILE          base hardware config: ELSA (elsa-config/1) or A^3 (a3-config/1; every point
                             runs A^3 as 'run' does, ELSA-only columns empty; docs/sweeps.md, A^3 sweeps)
      --trace DIR            trace directory (repeatable; each trace is an outer axis)
      --workload FILE        a workload file (elsa-workload/1, docs/workloads.md; repeatable): a synthetic
                             trace drawn from its shapes, one more value of the trace axis (after the
                             --trace ones); its layers must share one shape
      --set PATH=V1,V2,...   sweep a config field over values (several values) or fix it (one value);
                             repeatable, e.g. --set attention_modules=1,2,4,8 --set approximation.p=0.5,1,2
      --spec FILE            a sweep spec (elsa-sweep-spec/1: config, traces, workloads, set, axes incl. linked
                             fields); --config/--trace/--workload given on the command line replace the
                             spec's traces and workloads, --set adds axes
      --out OUT              output prefix (OUT.jsonl, OUT.csv) or directory (DIR/sweep.jsonl, DIR/sweep.csv)
      --shard K/N            run only the points i with i mod N = K (0 ≤ K < N); merge the N outputs
                             with 'elsa-sim sweep merge'
      --threads N            points simulated at once (default: all cores); results do not depend on it
      --hash-matrix FILE     a k×d projection .npy for every point
      --thresholds FILE      per-head thresholds (elsa-thresholds/1) for every point
      --fresh                discard the rows already in OUT and start over
      --list                 print the points (index, shard, values) and exit without simulating
    \(PlotRequest.help)
      --quiet                no table on stdout, no progress line on stderr
      -h, --help             this help

    merge: OUT SHARD_OUT...  combines shard outputs (prefixes, directories, or their .jsonl/.csv files, so
                             OUT.shard* works) into OUT; refuses shards of different grids, traces or
                             configs, two outputs of one shard, missing and unfinished shards.
    plot:  OUT --plot ...    draws a chart from an existing output, without the configs or traces.
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        switch arguments.first {
        case "merge": return try merge(Array(arguments.dropFirst()), console: console)
        case "plot": return try plot(Array(arguments.dropFirst()), console: console)
        default: break
        }
        let options: Set<String> = ["config", "trace", "workload", "set", "spec", "out", "shard", "threads", "hash-matrix", "thresholds"]
        let args = try ParsedArguments(arguments, command: "sweep", options: options.union(PlotRequest.options),
                                       flags: ["fresh", "list", "quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "sweep")
        let spec = try args.last("spec").map { path throws(SweepError) in try SweepSpec.read(file: path) }
        let settings = try SweepSettings(args.all("set"))
        guard let configPath = args.last("config") ?? spec?.config else {
            throw UsageError.missingOption("--config", command: "sweep")
        }
        let fromCommandLine = !args.all("trace").isEmpty || !args.all("workload").isEmpty
        let tracePaths = fromCommandLine ? args.all("trace") : (spec?.traces ?? [])
        let workloadPaths = fromCommandLine ? args.all("workload") : (spec?.workloads ?? [])
        guard !tracePaths.isEmpty || !workloadPaths.isEmpty else { throw UsageError.missingOption("--trace", command: "sweep") }
        try WorkloadInput.refuseWorkloads(asTraces: tracePaths)
        let shard = try parseShard(args.last("shard"))
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let plotRequest = try PlotRequest(args, command: "sweep")

        let plan = try SweepPlan.make(configPath: configPath, tracePaths: tracePaths, workloadPaths: workloadPaths,
                                      fixed: (spec?.fixed ?? []) + settings.fixed, axes: (spec?.axes ?? []) + settings.axes,
                                      hashMatrix: args.last("hash-matrix"), thresholdsPath: args.last("thresholds"))
        if let plotRequest { try plotRequest.check(fields: plan.grid.fields) }
        let header = plan.header(shard: shard)
        if args.has("list") {
            var rows = [["point", "shard", "values"]]
            for i in 0 ..< plan.grid.count {
                rows.append(["\(i)", "\(i % shard.count)/\(shard.count)", plan.grid.label(at: i)])
            }
            console.out(TextTable.render(rows, rightAligned: [0], ruleBefore: [1]))
            return ExitCode.success
        }
        let outPath = try args.required("out", command: "sweep")
        let paths = SweepOutputPaths(outPath)
        let lock = try paths.acquireLock()
        defer { lock.release() }

        // Resume: keep the rows of this sweep and shard whose keys (index, config hash, trace id) match.
        var kept: [SweepRow] = []
        var dropped = 0
        if !args.has("fresh"), let existing = try SweepOutputFile.read(paths.jsonl) {
            guard existing.header == header else {
                throw SweepError.existingOutput(file: paths.jsonl, message: describeMismatch(existing.header, header)
                    + "; choose another --out, or add --fresh to discard it")
            }
            var seen: Set<Int> = []
            for row in existing.rows {
                let inGrid = row.index >= 0 && row.index < plan.grid.count && shard.contains(row.index)
                let sameConfig = inGrid && row.configHash == plan.configHashes[row.index]
                let sameTrace = inGrid && row.traceID == plan.grid.traces[plan.grid.coordinates(row.index).trace].id
                if sameConfig && sameTrace && seen.insert(row.index).inserted { kept.append(row) } else { dropped += 1 }
            }
        }
        let done = Set(kept.map(\.index))
        let pending = (0 ..< plan.grid.count).filter { shard.contains($0) && !done.contains($0) }
        if dropped > 0 { console.err("sweep: dropped \(dropped) rows of \(paths.jsonl) that do not match their point (stale or duplicate)\n") }

        let start = Date()
        let journal = try SweepJournal(path: paths.jsonl, header: header, keptRows: kept)
        let fresh: [SweepRow]
        do {
            fresh = try SweepRunner.run(plan: plan, pending: pending, reused: kept.count, threads: threads, journal: journal,
                                        console: console)
        } catch {
            journal.close()
            throw error
        }
        journal.close()
        let rows = (kept + fresh).sorted { $0.index < $1.index }
        try SweepOutputFile.write(header: header, rows: rows, paths: paths)
        try EffectiveConfigOutput.write(try plan.effectiveBaseConfig(), beside: [paths.jsonl])
        let host = BatchHostStatistics(wallSeconds: Date().timeIntervalSince(start), threads: threads, simulations: fresh.count, unit: "points")
        try SweepOutputFile.writeAtomically(host.json().pretty() + "\n", to: paths.host)
        let shardText = shard.isAll ? "" : " of shard \(shard)"
        console.err(String(format: "sweep: simulated %d of %d points%@ (%d already in %@) in %.2f s; wrote %@ and %@\n",
                           fresh.count, rows.count, shardText, kept.count, paths.jsonl, Date().timeIntervalSince(start),
                           paths.jsonl, paths.csv))
        if !args.has("quiet") { console.out(summaryTable(rows, header: header) + numericsTable(rows, header: header)) }
        if let plotRequest { try plotRequest.draw(rows: rows, header: header, console: console) }
        return ExitCode.success
    }

    static func parseShard(_ text: String?) throws(UsageError) -> SweepShard {
        guard let text else { return .all }
        guard let shard = SweepShard.parse(text) else {
            throw .invalidValue(option: "--shard", value: text, expected: "K/N with 0 ≤ K < N, e.g. 0/4 … 3/4")
        }
        return shard
    }

    static func describeMismatch(_ found: SweepHeader, _ wanted: SweepHeader) -> String {
        if found.with(shard: wanted.shard) == wanted {
            return "holds shard \(found.shard), this run is shard \(wanted.shard)"
        }
        if found.axes != wanted.axes || found.fixed != wanted.fixed { return "holds a sweep over other axes or fixed values" }
        if found.columns != wanted.columns {
            return "holds rows of another column layout (\(found.columns.count) columns after the swept fields, this version writes \(wanted.columns.count); an output of an older elsa-sim)"
        }
        if found.traces != wanted.traces { return "holds a sweep of other traces (\(found.traces.map(\.name).joined(separator: ", ")))" }
        return "holds a sweep of other configs (configs hash \(found.configsHash), this one \(wanted.configsHash))"
    }

    /// A compact human table: swept values, cycles, selected fraction and the execution peaks.
    static func summaryTable(_ rows: [SweepRow], header: SweepHeader) -> String {
        let multiTrace = header.traces.count > 1
        var table = [["point"] + (multiTrace ? ["trace"] : []) + header.fields
            + ["cycles", "preproc", "exec", "selected", "peak hash", "peak select", "peak attn", "peak outdiv",
               "IV-D exec", "limited by (share of queries)"]]
        for row in rows {
            let v = row.value
            func n(_ path: String) -> String { SweepTable.cell(SweepRow.lookup(v, path)) }
            func pct(_ path: String) -> String { row.number(path).map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
            let kinds = [("hash", "hash"), ("candidate_selection", "select"), ("attention", "attn"), ("output_division", "outdiv")]
            let limiters = kinds.map { (name: $0.1, share: row.number("paper_bound.limiter." + $0.0) ?? 0) }
                .filter { $0.share >= 0.005 }.sorted { $0.share > $1.share }
                .map { "\($0.name) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
            table.append(["\(row.index)"] + (multiTrace ? [n("trace")] : []) + header.fields.map { n("values." + $0) }
                + [n("cycles"), n("preprocessing_cycles"), n("execution_cycles"), pct("selected_fraction"),
                   pct("execution_peak.hash"), pct("execution_peak.candidate_selection"), pct("execution_peak.attention"),
                   pct("execution_peak.output_division"), n("paper_bound.execution_cycles"), limiters])
        }
        let first = 1 + (multiTrace ? 1 : 0) + header.fields.count
        return TextTable.render(table, rightAligned: Set([0] + Array(first ..< first + 9)), ruleBefore: [1])
            + "peak = busiest instance's busy share of the execution phase; IV-D exec = Σ per-query max(H, scan, c, II),\n"
            + "limited by = which term attains that max, share of queries (docs/sweeps.md, Row fields)\n"
    }

    // MARK: merge

    static func merge(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "sweep merge", options: [], flags: ["quiet"])
        if !args.has("help") && args.positional.count < 2 {
            throw UsageError.missingArgument(args.positional.isEmpty ? "OUT and SHARD_OUT" : "SHARD_OUT", command: "sweep merge")
        }
        if args.has("help") {
            console.out("usage: elsa-sim sweep merge OUT SHARD_OUT [SHARD_OUT ...]\n\n"
                + "Combines the outputs of the N shards of one sweep (--shard 0/N … N-1/N) into OUT (.jsonl and .csv),\n"
                + "byte for byte what the unsharded sweep writes. Refuses shards of different grids, traces or configs,\n"
                + "two outputs of one shard, a missing shard, and a shard with unfinished points.\n")
            return ExitCode.success
        }
        var inputs: [SweepMerge.Input] = []
        var files: [String] = []
        // A shell glob (OUT.shard*) names each shard twice (.csv and .jsonl): read each file once.
        for path in args.positional.dropFirst() where !files.contains(SweepOutputPaths(path).jsonl) {
            files.append(SweepOutputPaths(path).jsonl)
        }
        for file in files {
            guard let output = try SweepOutputFile.read(file) else {
                throw SweepError.mergeRefused(message: "\(file): no such file (give the --out of each shard run)")
            }
            inputs.append(SweepMerge.Input(path: file, header: output.header, rows: output.rows))
        }
        let merged = try SweepMerge.merge(inputs)
        let paths = SweepOutputPaths(args.positional[0])
        let lock = try paths.acquireLock()
        defer { lock.release() }
        try SweepOutputFile.write(header: merged.header, rows: merged.rows, paths: paths)
        console.err("sweep merge: \(inputs.count) shards, \(merged.rows.count) points → \(paths.jsonl), \(paths.csv)\n")
        return ExitCode.success
    }

    // MARK: plot

    static func plot(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "sweep plot", options: PlotRequest.options, flags: [])
        if !args.has("help") && args.positional.count != 1 {
            if args.positional.isEmpty { throw UsageError.missingArgument("OUT", command: "sweep plot") }
            throw UsageError.unexpectedArgument(args.positional[1], command: "sweep plot")
        }
        if args.has("help") {
            console.out("usage: elsa-sim sweep plot OUT --plot FILE.svg --x FIELD|n|area|area_proxy [--y COLUMN] [--series FIELD,...]\n"
                + "                      [--facet FIELD,...] [--where FIELD=VALUE ...] [--color FIELD] [--title TEXT]\n\n"
                + "Draws a chart from an existing sweep output (OUT: its prefix, directory or files), without the\n"
                + "configs or traces.\n\noptions:\n" + PlotRequest.help + "\n  -h, --help             this help\n")
            return args.has("help") ? ExitCode.success : ExitCode.usage
        }
        let file = SweepOutputPaths(args.positional[0]).jsonl
        guard let output = try SweepOutputFile.read(file) else {
            throw SweepError.malformedOutput(file: file, line: 0, message: "no such file")
        }
        guard let request = try PlotRequest(args, command: "sweep plot") else { throw UsageError.missingOption("--plot", command: "sweep plot") }
        try request.check(fields: output.header.fields)
        try request.draw(rows: output.rows.sorted { $0.index < $1.index }, header: output.header, console: console)
        return ExitCode.success
    }
}
