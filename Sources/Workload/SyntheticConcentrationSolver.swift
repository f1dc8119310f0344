/// Finds the `SyntheticTraceGenerator` concentration whose attention needs a target share of the keys to
/// cover 90 % of the softmax mass — so a synthetic trace can be made as concentrated as a real one (the
/// statistic behind ELSA's premise, §3.1; `trace synth --target-keys90`).
///
/// ## Rule
/// The statistic is `TraceStatistics.meanKeysFraction`: the mean over real queries of
/// `keysForMass(p, 0.9) / visible keys`. It is measured on a **probe**: layer `layer` of the generator
/// itself, with all its real rows (so every probe query sees as many keys as in the trace: the fraction
/// depends on the number of keys, because the largest of more log-normal key norms stand out more), its
/// first `min(heads, probeHeads)` query heads, and `min(tokens, probeQueries)` queries spread evenly over
/// the real positions (position `⌊(2j + 1) · tokens / (2 · probeQueries)⌋` for `j = 0, 1, …`; all of them
/// when `tokens ≤ probeQueries`). The generator draws every row from its head's own streams in row order,
/// so the probe is part of the trace that is then generated. The fraction falls as the concentration `c`
/// rises, from uniform attention at `c = −4` (`⌈0.9 v⌉ / v`) to one key per query at large `c`; `solve`
/// bisects `c` on `[−4, 16]` until the probe fraction is within `tolerance` of the target or
/// `maxEvaluations` probes were made, and returns the probed `c` whose fraction came closest (the
/// earliest on ties). The probe fraction is a step function of `c` and only nearly monotone, so the match
/// is to within a few thousandths on the probe; the full trace differs from its probe by sampling (other
/// heads and queries): measured in docs/traces.md.
public struct SyntheticConcentrationSolver: Sendable {
    /// Probe queries at most.
    public static let probeQueries = 128
    /// Probe query heads at most.
    public static let probeHeads = 8
    /// The bisection interval's upper end (from `c ≈ 8` on, one key holds 90 % at n = 128).
    public static let maximumConcentration = 16.0

    /// The generator to calibrate; its concentrations are ignored, everything else is kept.
    public var generator: SyntheticTraceGenerator
    /// The softmax mass to cover.
    public var mass: Double
    /// Stop when the probe fraction is this close to the target.
    public var tolerance: Double
    /// Probes at most (two of them at the interval's ends).
    public var maxEvaluations: Int
    /// Workers over the probe's heads; results do not depend on it.
    public var threads: Int

    public init(generator: SyntheticTraceGenerator, mass: Double = 0.9, tolerance: Double = 0.002,
                maxEvaluations: Int = 40, threads: Int = 1) {
        precondition(maxEvaluations >= 2, "maxEvaluations \(maxEvaluations) < 2")
        self.generator = generator
        self.mass = mass
        self.tolerance = tolerance
        self.maxEvaluations = maxEvaluations
        self.threads = threads
    }

    /// Probe query heads and query positions for this generator.
    public var probeShape: (heads: Int, queries: [Int]) {
        let tokens = generator.tokens
        let queries = tokens <= Self.probeQueries ? Array(0 ..< tokens)
            : (0 ..< Self.probeQueries).map { (2 * $0 + 1) * tokens / (2 * Self.probeQueries) }
        return (min(generator.heads, Self.probeHeads), queries)
    }

    /// The mean keys-for-`mass` fraction of layer `layer`'s probe at concentration `c`.
    public func probeFraction(layer: Int, concentration c: Double) -> Double {
        let (heads, queries) = probeShape
        let probe = generator.drawLayer(layer, rows: generator.tokens, queryHeads: heads, concentration: c,
                                        threads: threads)
        return TraceStatistics.meanKeysFraction(layer: probe, queryHeads: 0 ..< heads, scale: generator.scale,
                                                causal: generator.causal, tokens: generator.tokens, queries: queries,
                                                mass: mass, threads: threads)
    }

    /// The concentration for layer `layer` whose probe fraction is closest to `target`.
    ///
    /// - Throws: `SyntheticTargetError.outOfReach` when `target` is flatter than uniform attention or
    ///   sharper than the most concentrated probe (by more than `tolerance`).
    public func solve(target: Double, layer: Int = 0) throws(SyntheticTargetError) -> ConcentrationSolution {
        var lo = SyntheticTraceGenerator.minimumConcentration, hi = Self.maximumConcentration
        let flattest = probeFraction(layer: layer, concentration: lo)
        let sharpest = probeFraction(layer: layer, concentration: hi)
        guard target <= flattest + tolerance && target >= sharpest - tolerance else {
            throw .outOfReach(target: target, layer: layer, flattest: flattest, sharpest: sharpest)
        }
        var best = abs(flattest - target) <= abs(sharpest - target)
            ? ConcentrationSolution(concentration: lo, probeFraction: flattest, evaluations: 2)
            : ConcentrationSolution(concentration: hi, probeFraction: sharpest, evaluations: 2)
        var evaluations = 2
        while abs(best.probeFraction - target) > tolerance && evaluations < maxEvaluations && hi - lo > 1e-9 {
            let mid = (lo + hi) / 2
            let fraction = probeFraction(layer: layer, concentration: mid)
            evaluations += 1
            if abs(fraction - target) < abs(best.probeFraction - target) {
                best = ConcentrationSolution(concentration: mid, probeFraction: fraction, evaluations: evaluations)
            }
            if fraction > target { lo = mid } else { hi = mid }
        }
        best.evaluations = evaluations
        return best
    }
}

/// The outcome of `SyntheticConcentrationSolver.solve`.
public struct ConcentrationSolution: Sendable, Equatable {
    /// The generator concentration to use.
    public var concentration: Double
    /// The probe's keys-for-90 % fraction at that concentration.
    public var probeFraction: Double
    /// Probes made.
    public var evaluations: Int
}

/// A target the synthetic generator cannot reach.
public enum SyntheticTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `target` lies outside `[sharpest, flattest]`, the probe fractions at the ends of the concentration range.
    case outOfReach(target: Double, layer: Int, flattest: Double, sharpest: Double)
    /// A key-norm CV target outside `[lowest, highest]`, the probe CVs at σ = 0 and at the largest σ.
    case keyNormSpreadOutOfReach(target: Double, lowest: Double, highest: Double)

    public var description: String {
        switch self {
        case let .outOfReach(target, layer, flattest, sharpest):
            return "keys-for-90 % target \(target) for layer \(layer) is out of reach; expected a fraction in "
                + "\(rounded(sharpest))…\(rounded(flattest)) (most concentrated … uniform attention at this shape)"
        case let .keyNormSpreadOutOfReach(target, lowest, highest):
            return "key-norm spread target \(target) is out of reach; expected a CV in \(rounded(lowest))…"
                + "\(rounded(highest)) (the CV of Gaussian keys without norm scaling … at the largest spread)"
        }
    }

    private func rounded(_ x: Double) -> String {
        let scaled = (x * 10_000).rounded() / 10_000
        return "\(scaled)"
    }
}
