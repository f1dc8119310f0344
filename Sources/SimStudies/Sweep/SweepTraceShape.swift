import SimIO
import SimCharts
import SimReports
import Workload

/// The shape of a sweep point's trace, carried by every sweep row (ELSA and A^3) so that a plot can
/// put the sequence length on its x axis (`docs/sweeps.md`, "Row fields" and "Plots"): `n` = the
/// trace's real tokens (padding excluded, `docs/trace-format.md`), `head_dim`, `layers`, `heads` (query
/// heads) and `kv_heads` (key/value heads; fewer than `heads` under grouped-query attention).
public struct SweepTraceShape: Sendable, Equatable {
    public var tokens: Int
    public var headDim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int

    public init(tokens: Int, headDim: Int, layers: Int, heads: Int, kvHeads: Int) {
        self.tokens = tokens
        self.headDim = headDim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
    }

    public init(trace: AttentionTrace) {
        self.init(tokens: trace.tokens, headDim: trace.headDim, layers: trace.layers.count, heads: trace.queryHeads,
                  kvHeads: trace.kvHeads)
    }

    /// CSV column name → JSON key of the row (top level), in column order; also the `--x` names of a
    /// line chart over traces, with their axis labels.
    public static let columns: [(name: String, path: String, label: String)] = [
        ("n", "n", "n (real tokens of the trace)"),
        ("head_dim", "head_dim", "head_dim (d)"),
        ("layers", "layers", "layers of the trace"),
        ("heads", "heads", "query heads per layer"),
        ("kv_heads", "kv_heads", "key/value heads per layer"),
    ]

    /// The row's JSON keys (merged into the row object).
    var fields: [String: JSONValue] {
        ["n": .int(Int64(tokens)), "head_dim": .int(Int64(headDim)), "layers": .int(Int64(layers)),
         "heads": .int(Int64(heads)), "kv_heads": .int(Int64(kvHeads))]
    }
}
