import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim trace synth|inspect`.
enum TraceCommand {
    static let help = """
    usage: elsa-sim trace synth --layers L --heads H --n N --head-dim D --seed S -o DIR [options]
           elsa-sim trace inspect DIR [options]        (see 'elsa-sim trace inspect --help')

    synth: writes a deterministic synthetic elsa-trace/1 trace, layer by layer (docs/traces.md,
    "Synthetic traces that look real").
      --layers L, --heads H, --n N, --head-dim D, --seed S   shape and seed (all required)
      --kv-heads K           key/value heads (grouped-query attention; default H)
      --tokens T             real tokens (the rest is padding; default N)
      --causal               causal attention
      --concentration C      attention concentration, C ≥ −4 (default 2): −4 = uniform attention,
                             0 = plain Gaussian q and k, larger = fewer keys hold the mass
      --target-keys90 F[,F…] instead of --concentration: the mean share of the visible keys that covers
                             90 % of the softmax mass, one value for all layers or one per layer; the
                             concentration is solved by bisection on a small probe of the trace itself
      --key-norm-spread V    the mean per-head coefficient of variation of the key norms ‖k‖ (as
                             'trace inspect' reports it as head CV); solved like --target-keys90
                             (default: the spread follows the concentration)
      --topics T             topic clusters per key/value head (default 8)
      --bias KIND            add an additive attention bias shared by every layer (written once as
                             bias.npy): 'relative' = an MPNet-like relative-position bias, 32
                             bidirectional buckets (exact below 8, log-spaced up to 128), one seeded
                             N(0, S²) value per head and bucket; out then includes it
      --bias-strength S      the standard deviation S of the bias values (default 1)
      --no-out               do not compute or write out (exact attention costs O(L·H·T²·D))
      --quiet                no progress line on stderr
      --threads N            worker threads (default: all cores); the trace does not depend on it
      -o, --output DIR       where to write the trace
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        guard let sub = arguments.first else { throw UsageError.missingArgument("'synth' or 'inspect'", command: "trace") }
        if sub == "--help" || sub == "-h" {
            console.out(help + "\n")
            return ExitCode.success
        }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "synth": return try synth(rest, console: console)
        case "inspect": return try TraceInspectCommand.main(rest, console: console)
        default: throw UsageError.unknownCommand("trace \(sub)", suggestion: ConfigLoader.closest(sub, among: ["synth", "inspect"]).map { "trace \($0)" })
        }
    }

    static func synth(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "trace synth",
                                       options: ["layers", "heads", "kv-heads", "n", "head-dim", "seed", "tokens", "concentration",
                                                 "target-keys90", "key-norm-spread", "topics", "threads", "output",
                                                 "bias", "bias-strength"],
                                       flags: ["causal", "no-out", "quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "trace synth")
        for required in ["layers", "heads", "n", "head-dim", "seed", "output"] { _ = try args.required(required, command: "trace synth") }
        let layers = try args.int("layers", default: 1, range: 1 ... 1024)
        let heads = try args.int("heads", default: 1, range: 1 ... 1024)
        let kvHeads = try args.int("kv-heads", default: heads, range: 1 ... heads)
        guard heads % kvHeads == 0 else {
            throw UsageError.invalidValue(option: "--kv-heads", value: "\(kvHeads)", expected: "a divisor of --heads \(heads)")
        }
        let n = try args.int("n", default: 1, range: 1 ... 1 << 20)
        let headDim = try args.int("head-dim", default: 64, range: 1 ... 4096)
        let seed = try args.int("seed", default: 0, range: 0 ... Int.max)
        let tokens = try args.int("tokens", default: n, range: 1 ... n)
        let topics = try args.int("topics", default: SyntheticTraceGenerator.defaultTopics, range: 1 ... 1 << 16)
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let concentration = try args.double("concentration") ?? SyntheticTraceGenerator.defaultConcentration
        let minimum = SyntheticTraceGenerator.minimumConcentration
        guard concentration >= minimum else {
            throw UsageError.invalidValue(option: "--concentration", value: args.last("concentration")!,
                                          expected: "a number ≥ \(JSONValue.format(minimum))")
        }
        let output = try args.required("output", command: "trace synth")
        // Bound what the generator allocates before it runs (docs/config.md, "Bounds"): one layer's q
        // must fit one .npy array, the whole trace what 'run' can read back.
        let perLayer = [heads, n, headDim].reduce((1, false)) { acc, x in
            let (p, o) = acc.0.multipliedReportingOverflow(by: x)
            return (p, acc.1 || o)
        }
        if perLayer.1 || perLayer.0 > NpyReader.maxElements {
            throw UsageError.invalidValue(option: "--n", value: "\(n)",
                                          expected: "--heads × --n × --head-dim ≤ \(NpyReader.maxElements) (one layer's q; here \(heads) × \(n) × \(headDim))")
        }
        let arrays = args.has("no-out") ? 3 : 4
        if perLayer.0 * layers * arrays > TraceReader.maxTraceElements {
            throw UsageError.invalidValue(option: "--layers", value: "\(layers)",
                                          expected: "--layers × --heads × --n × --head-dim × \(arrays) arrays ≤ \(TraceReader.maxTraceElements) values in a trace")
        }
        var generator = SyntheticTraceGenerator(layers: layers, heads: heads, kvHeads: kvHeads, n: n, headDim: headDim,
                                                seed: UInt64(seed), tokens: tokens, causal: args.has("causal"),
                                                concentration: concentration, topics: topics)
        let targets = try args.last("target-keys90").map { text throws(UsageError) in
            if args.last("concentration") != nil {
                throw .invalidValue(option: "--target-keys90", value: text,
                                    expected: "either --target-keys90 or --concentration, not both")
            }
            return try parseTargets(text, layers: layers)
        }
        let keyNormCV = try args.double("key-norm-spread")
        if let keyNormCV, keyNormCV < 0 {
            throw UsageError.invalidValue(option: "--key-norm-spread", value: args.last("key-norm-spread")!,
                                          expected: "a coefficient of variation ≥ 0")
        }
        if let targets {
            // Concentration first; then, if asked, σ at that concentration and the concentration again at that σ.
            try solveConcentrations(&generator, targets: targets, threads: threads, console: keyNormCV == nil ? console : nil)
            if let keyNormCV {
                try solveKeyNormSigma(&generator, targetCV: keyNormCV, threads: threads, console: console)
                try solveConcentrations(&generator, targets: targets, threads: threads, console: console)
            }
        } else if let keyNormCV {
            try solveKeyNormSigma(&generator, targetCV: keyNormCV, threads: threads, console: console)
        }
        if let kind = args.last("bias") {
            guard kind == "relative" else {
                throw UsageError.invalidValue(option: "--bias", value: kind, expected: "relative")
            }
            let strength = try args.double("bias-strength") ?? 1
            guard strength >= 0 && strength.isFinite && strength <= 1e4 else {
                throw UsageError.invalidValue(option: "--bias-strength", value: args.last("bias-strength")!,
                                              expected: "a number in 0…10000")
            }
            generator.relativeBias = RelativePositionBias(strength: strength, seed: UInt64(seed))
        } else if let strength = args.last("bias-strength") {
            throw UsageError.invalidValue(option: "--bias-strength", value: strength, expected: "--bias relative as well")
        }
        var description = generator.traceDescription
        if let targets { description += " target_keys90=" + targets.map(JSONValue.format).joined(separator: ",") }
        if let keyNormCV { description += " target_key_norm_cv=" + JSONValue.format(keyNormCV) }

        let directory = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TraceError.unwritable(path: output, reason: error.localizedDescription)
        }
        let withOutput = !args.has("no-out")
        // Exact attention for `out` costs layers · heads · tokens² · d multiply-adds: say so first when huge.
        let outWork = Double(layers) * Double(heads) * Double(tokens) * Double(tokens) * Double(headDim)
        if withOutput && outWork > hugeWorkPairs * 64 {
            console.err(String(format: "elsa-sim: note: computing out takes %.3g multiply-adds; this will take a while (--no-out skips it, Ctrl-C stops)\n", outWork))
        }
        var entries: [TraceWriter.LayerEntry] = []
        let bias = generator.biasTensor()
        if let bias { try TraceWriter.writeBias(bias, named: TraceWriter.sharedBiasName, to: directory) }
        for index in 0 ..< layers {
            console.progress("generating layer \(index + 1)/\(layers)", done: index + 1 == layers)
            let layer = generator.generateLayer(index, withOutput: withOutput, threads: threads, bias: bias)
            try TraceWriter.writeArrays(of: layer, index: index, to: directory)
            entries.append(TraceWriter.LayerEntry(layer, biasFile: bias == nil ? nil : TraceWriter.sharedBiasName))
        }
        try TraceWriter.writeManifest(model: generator.model, description: description, scale: generator.scale,
                                      causal: generator.causal, tokens: tokens, layers: entries, to: directory)
        console.err("wrote \(output): \(layers) layers × \(heads) heads, n = \(n), d = \(headDim), seed \(seed)"
                    + (withOutput ? "" : ", no out") + "\n")
        return ExitCode.success
    }

    /// Sets the generator's concentration (one target) or per-layer concentrations (one per layer) from
    /// keys-for-90 % targets, keeping its key-norm spread.
    /// - Parameter console: where to report the solution (`nil`: nowhere).
    static func solveConcentrations(_ generator: inout SyntheticTraceGenerator, targets: [Double], threads: Int,
                                    console: Console?) throws(UsageError) {
        let solver = SyntheticConcentrationSolver(generator: generator, threads: threads)
        let (probeHeads, probeQueries) = solver.probeShape
        var solved: [Double] = []
        for (layer, target) in targets.enumerated() {
            let solution: ConcentrationSolution
            do { solution = try solver.solve(target: target, layer: layer) } catch {
                throw .invalidValue(option: "--target-keys90", value: JSONValue.format(target), expected: "\(error)")
            }
            solved.append(solution.concentration)
            console?.err("target keys90 \(JSONValue.format(target))" + (targets.count == 1 ? "" : " (layer \(layer))")
                        + String(format: ": concentration %.6f; probe (layer %d, %d heads × %d queries) %.4f after %d probes\n",
                                 solution.concentration, layer, probeHeads, probeQueries.count, solution.probeFraction,
                                 solution.evaluations))
        }
        if solved.count == 1 {
            generator.concentration = solved[0]
            generator.layerConcentrations = nil
        } else {
            generator.layerConcentrations = solved
        }
    }

    /// Sets the generator's key-norm spread σ from a per-head CV target, at layer 0's concentration.
    static func solveKeyNormSigma(_ generator: inout SyntheticTraceGenerator, targetCV: Double, threads: Int,
                                  console: Console) throws(UsageError) {
        let solver = SyntheticConcentrationSolver(generator: generator, threads: threads)
        let solution: KeyNormSigmaSolution
        do {
            solution = try solver.solveKeyNormSigma(targetCV: targetCV, concentration: generator.concentration(layer: 0))
        } catch {
            throw .invalidValue(option: "--key-norm-spread", value: JSONValue.format(targetCV), expected: "\(error)")
        }
        generator.keyNormSigma = solution.sigma
        console.err("target key-norm CV \(JSONValue.format(targetCV))"
                    + String(format: ": sigma %.6f; probe CV %.4f after %d probes\n", solution.sigma, solution.probeCV,
                             solution.evaluations))
    }

    /// `F` or `F0,F1,…` (one per layer), each in (0, 1].
    static func parseTargets(_ text: String, layers: Int) throws(UsageError) -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var targets: [Double] = []
        for part in parts {
            guard let value = Double(part), value > 0, value <= 1 else {
                throw .invalidValue(option: "--target-keys90", value: text,
                                    expected: "a fraction in (0, 1], or \(layers) comma-separated fractions (one per layer)")
            }
            targets.append(value)
        }
        guard targets.count == 1 || targets.count == layers else {
            throw .invalidValue(option: "--target-keys90", value: text,
                                expected: "one fraction or \(layers) (one per layer); found \(targets.count)")
        }
        return targets
    }
}
