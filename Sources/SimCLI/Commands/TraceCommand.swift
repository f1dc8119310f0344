import Foundation
import ElsaModel
import SimIO
import Workload

/// `elsa-sim trace synth|inspect`.
enum TraceCommand {
    static let help = """
    usage: elsa-sim trace synth --layers L --heads H --n N --head-dim D --seed S -o DIR [options]

    synth: writes a deterministic synthetic elsa-trace/1 trace (with the exact attention output).
      --layers L, --heads H, --n N, --head-dim D, --seed S   shape and seed (all required)
      --kv-heads K       key/value heads (grouped-query attention; default H)
      --tokens T         real tokens (the rest is padding; default N)
      --causal           causal attention
      --concentration C  attention concentration (0 = plain Gaussian; default 2; larger = fewer keys hold the mass)
      -o, --output DIR   where to write the trace
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        guard let sub = arguments.first, sub != "--help", sub != "-h" else {
            console.out(help + "\n")
            return arguments.isEmpty ? ExitCode.usage : ExitCode.success
        }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "synth": return try synth(rest, console: console)
        default: throw UsageError.unknownCommand("trace \(sub)", suggestion: ConfigLoader.closest(sub, among: ["synth", "inspect"]).map { "trace \($0)" })
        }
    }

    static func synth(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "trace synth",
                                       options: ["layers", "heads", "kv-heads", "n", "head-dim", "seed", "tokens", "concentration", "output"],
                                       flags: ["causal"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "trace synth")
        for required in ["layers", "heads", "n", "head-dim", "seed", "output"] { _ = try args.required(required, command: "trace synth") }
        let layers = try args.int("layers", default: 1, range: 1 ... 1024)
        let heads = try args.int("heads", default: 1, range: 1 ... 1024)
        let kvHeads = try args.int("kv-heads", default: heads, range: 1 ... heads)
        guard heads % kvHeads == 0 else {
            throw UsageError.invalidValue(option: "--kv-heads", value: "\(kvHeads)", expected: "a divisor of --heads \(heads)")
        }
        let n = try args.int("n", default: 1, range: 1 ... 1 << 16)
        let headDim = try args.int("head-dim", default: 64, range: 1 ... 4096)
        let seed = try args.int("seed", default: 0, range: 0 ... Int.max)
        let tokens = try args.int("tokens", default: n, range: 1 ... n)
        let concentration = try args.double("concentration") ?? 2.0
        guard concentration >= 0 else { throw UsageError.invalidValue(option: "--concentration", value: "\(concentration)", expected: "a number ≥ 0") }
        let output = try args.required("output", command: "trace synth")
        let trace = SyntheticTraceGenerator(layers: layers, heads: heads, kvHeads: kvHeads, n: n, headDim: headDim,
                                            seed: UInt64(seed), tokens: tokens, causal: args.has("causal"),
                                            concentration: concentration).generate()
        try TraceWriter.write(trace, to: URL(fileURLWithPath: output))
        console.err("wrote \(output): \(layers) layers × \(heads) heads, n = \(n), d = \(headDim), seed \(seed)\n")
        return ExitCode.success
    }
}
