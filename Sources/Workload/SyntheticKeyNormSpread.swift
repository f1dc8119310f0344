// Matching a real trace's key-norm spread (`trace synth --key-norm-spread`): ELSA's selection scales each
// key's estimated similarity by ‖K_y‖ / ‖K_max‖ (paper III-D), so how spread the key norms are shapes which
// keys survive. The synthetic generator's knob is σ, the log-normal spread of its key-norm factor
// (`SyntheticTraceGenerator.keyNormSigma`).

extension SyntheticConcentrationSolver {
    /// The largest σ tried (CV ≈ √(e^{σ²} − 1) ≈ 7 at σ = 2).
    public static let maximumKeyNormSigma = 2.0

    /// The mean over the probe's key/value heads of the CV of ‖k‖ over its keys, for layer `layer` at
    /// concentration `c` and key-norm spread `sigma` (`TraceStatistics.meanHeadKeyNormCV`).
    public func probeKeyNormCV(layer: Int, concentration c: Double, sigma: Double) -> Double {
        var generator = generator
        generator.keyNormSigma = sigma
        let heads = probeShape.heads
        let probe = generator.drawLayer(layer, rows: generator.tokens, queryHeads: heads, concentration: c,
                                        threads: threads)
        return TraceStatistics.meanHeadKeyNormCV(layer: probe, heads: probe.k.heads, tokens: generator.tokens)
    }

    /// The σ whose probe key-norm CV (at concentration `c`) is closest to `targetCV`: bisection on
    /// `[0, maximumKeyNormSigma]` until within `tolerance` or `maxEvaluations` probes.
    ///
    /// Even at σ = 0 the norms ‖g + λμ‖ of d-dimensional Gaussian keys spread by about `1/√(2d)`; targets
    /// below that floor cannot be reached.
    /// - Throws: `SyntheticTargetError.keyNormSpreadOutOfReach`.
    public func solveKeyNormSigma(targetCV: Double, layer: Int = 0,
                                  concentration c: Double) throws(SyntheticTargetError) -> KeyNormSigmaSolution {
        var lo = 0.0, hi = Self.maximumKeyNormSigma
        let lowest = probeKeyNormCV(layer: layer, concentration: c, sigma: lo)
        let highest = probeKeyNormCV(layer: layer, concentration: c, sigma: hi)
        guard targetCV >= lowest - tolerance && targetCV <= highest + tolerance else {
            throw .keyNormSpreadOutOfReach(target: targetCV, lowest: lowest, highest: highest)
        }
        var best = abs(lowest - targetCV) <= abs(highest - targetCV)
            ? KeyNormSigmaSolution(sigma: lo, probeCV: lowest, evaluations: 2)
            : KeyNormSigmaSolution(sigma: hi, probeCV: highest, evaluations: 2)
        var evaluations = 2
        while abs(best.probeCV - targetCV) > tolerance && evaluations < maxEvaluations && hi - lo > 1e-9 {
            let mid = (lo + hi) / 2
            let cv = probeKeyNormCV(layer: layer, concentration: c, sigma: mid)
            evaluations += 1
            if abs(cv - targetCV) < abs(best.probeCV - targetCV) {
                best = KeyNormSigmaSolution(sigma: mid, probeCV: cv, evaluations: evaluations)
            }
            if cv < targetCV { lo = mid } else { hi = mid }
        }
        best.evaluations = evaluations
        return best
    }
}

/// The outcome of `SyntheticConcentrationSolver.solveKeyNormSigma`.
public struct KeyNormSigmaSolution: Sendable, Equatable {
    /// The key-norm spread σ to use (`SyntheticTraceGenerator.keyNormSigma`).
    public var sigma: Double
    /// The probe's mean per-head key-norm CV at that σ.
    public var probeCV: Double
    /// Probes made.
    public var evaluations: Int
}
