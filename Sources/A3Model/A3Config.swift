/// The hardware and approximation parameters of an A^3 accelerator (Ham et al., HPCA 2020), as the
/// `a3-config/1` file states them (`docs/a3.md` lists every field with its source).
///
/// Defaults are the paper's base A^3 (§III, Table I): sized for n = 320 keys and d = 64, 1 GHz, every
/// pipeline module taking n + 9 cycles per query; approximation off.
public struct A3Config: Sendable, Equatable {
    /// Fixed cycles each base-pipeline module adds to the keys it processes (`n + α`, A^3 §III-C).
    public struct Pipeline: Sendable, Equatable {
        /// α of the dot-product module (assumed 9: the only value consistent with latency 3n + 27 and
        /// one query per n + 9 cycles, `docs/a3.md` §2).
        public var dotProductOverhead = 9
        /// α of the exponent module (assumed 9, same derivation).
        public var exponentOverhead = 9
        /// The output module's divider latency (paper: 7 cycles).
        public var divisionLatency = 7
        /// The output module's multiply-accumulate latency (paper: 2 cycles).
        public var macLatency = 2

        public init() {}
        /// α of the output-computation module: division + multiply-accumulate (paper: 9).
        public var outputOverhead: Int { divisionLatency + macLatency }
    }

    /// The candidate-selection module of the approximation (A^3 §IV-C).
    public struct CandidateSelection: Sendable, Equatable {
        /// Cycles to fill the 4 × d component-multiplication buffers (8d multiplies on the 2d borrowed
        /// multipliers of the dot-product and output modules: 4 cycles; assumed).
        public var initCycles = 4
        /// Cycles after the last iteration until the greedy scores are final (the loop's critical path,
        /// paper: c = 4).
        public var loopLatency = 4
        /// Greedy-score registers scanned per cycle when emitting candidates (paper: 16).
        public var scanWidth = 16

        public init() {}
    }

    /// The post-scoring selection module at the front of the exponent module (A^3 §IV-C).
    public struct PostScoring: Sendable, Equatable {
        /// Candidate scores compared with the threshold per cycle (paper: 16).
        public var entriesPerCycle = 16

        public init() {}
    }

    /// Whether and how the greedy search and post-scoring selection approximate attention (A^3 §IV-A/B).
    public struct Approximation: Sendable, Equatable {
        /// `false`: base A^3, every visible key goes through all three modules.
        public var enabled = false
        /// M as a fraction of the query's visible keys, `M = ⌈fraction · v⌉` (paper: n/2 conservative,
        /// n/8 aggressive).
        public var iterationsFraction = 0.5
        /// An absolute M that overrides `iterationsFraction` when set.
        public var iterations: Int? = nil
        /// T in percent: keep candidates whose softmax weight is at least T % of the largest
        /// (`t = ln(100 / T)`); `nil` keeps every candidate (paper: 5 % conservative, 10 % aggressive).
        public var thresholdPercent: Double? = 5
        /// Skip the minQ step of an iteration while the running sum of the added products is negative.
        public var skipMinHeuristic = true

        public init() {}

        /// The iteration budget M for a query that sees `visible` keys (≥ 1 when `visible ≥ 1`).
        public func iterationBudget(visible: Int) -> Int {
            if let iterations { return iterations }
            return Int((iterationsFraction * Double(visible)).rounded(.up))
        }
    }

    /// The host's cost of the preprocessing step (sorting each key column), charged per head before
    /// its queries run (the paper sorts on a GPU; `docs/a3.md` §5 states the assumption).
    public struct Preprocessing: Sendable, Equatable {
        /// Cycles (at the accelerator clock) per element per log2 of the column length:
        /// `P = ⌈c · d · v · log2 v⌉ + fixed` (assumed; 0.024 calibrated on the paper's BERT figure).
        public var cyclesPerElementLog2 = 0.024
        /// Fixed cycles per head (launch and transfer; assumed 0).
        public var fixedCycles = 0

        public init() {}

        /// Preprocessing cycles for sorting `columns` columns of `keys` entries.
        public func cycles(columns: Int, keys: Int) -> Int64 {
            let log = keys > 1 ? log2(Double(keys)) : 0
            return Int64((cyclesPerElementLog2 * Double(columns * keys) * log).rounded(.up)) + Int64(fixedCycles)
        }
    }

    public var name = "a3"
    /// Clock in GHz; converts cycles to time in reports only (paper: 1 GHz).
    public var clockGHz = 1.0
    /// d the dot-product module is built for (paper: 64); traces with a larger head dim are rejected.
    public var headDim = 64
    /// Keys the key and value SRAMs hold (paper: n = 320); a longer trace is rejected.
    public var keyCapacity = 320
    /// Independent A^3 units sharing a layer's heads (head h on unit h mod units; paper: several units
    /// may run in parallel).
    public var units = 1
    public var pipeline = Pipeline()
    public var candidateSelection = CandidateSelection()
    public var postScoring = PostScoring()
    public var approximation = Approximation()
    public var preprocessing = Preprocessing()

    public init() {}

    /// Why `trace`-shaped work cannot run on this config, as (config field, message); `nil` when it can.
    public func mismatch(headDim traceHeadDim: Int, tokens: Int) -> (path: String, message: String)? {
        if traceHeadDim > headDim {
            return ("head_dim", "the trace's head dim \(traceHeadDim) is larger than head_dim \(headDim); the dot-product module has d = head_dim multipliers")
        }
        if tokens > keyCapacity {
            return ("key_capacity", "the trace has \(tokens) tokens, more than the \(keyCapacity) keys the key/value SRAMs hold")
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
