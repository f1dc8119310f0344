import ElsaModel

/// The modelling-assumption switches of `elsa-config/1` (`docs/config.md`, "Modelling assumptions"):
/// choices the paper leaves open that move the results, each with the simulator's original behaviour as
/// its default.
extension ConfigSchema {
    static var assumptionFields: [ConfigField] {
        [
            choice("pipeline.query_overlap", \.pipeline.queryOverlap, source: "assumed: run-ahead",
                   "run-ahead: query i+1 starts once every attention module has left query i−1 (two queries in a bank); barrier: once every module has left query i."),
            choice("hash.preprocessing", \.hash.preprocessing, source: "assumed: whole-cycles",
                   "whole-cycles: each of the n keys and query 0 takes ceil(M_h/m_h) cycles; pipelined: they stream, the pass takes ceil((n+1)·M_h/m_h)."),
            choice("hash.cost", \.hash.cost, source: "assumed: dense",
                   "Multiplies per vector charged for a loaded (matrix-file) projection: dense k·d, or kronecker d·Σ factors (a Kronecker matrix written out)."),
        ]
    }

    /// `theta_bias`: radians, or `"fit"` for ELSA III-D's 80th-percentile rule at the config's d and k.
    static var thetaBiasField: ConfigField {
        let expected = "radians (0 ≤ θ < π) or \"fit\""
        return ConfigField(path: "theta_bias", expected: expected,
                           source: "paper: 0.127 for d = k = 64 (III-D); assumed at other d, k (or \"fit\")",
                           summary: "Subtracted from the Hamming angle estimate, clamped at 0; \"fit\": the 80th percentile of the estimator's error on Gaussian vectors at the config's d and k.",
                           read: { $0.thetaBiasRule == .fit ? .string("fit") : .double($0.thetaBias) },
                           write: { c, v, p throws(ConfigError) in
                               if let s = v.stringValue {
                                   guard s == "fit" else { throw .invalidValue(path: p, value: s, expected: expected) }
                                   c.thetaBiasRule = .fit
                                   return
                               }
                               guard let d = v.doubleValue else { throw .wrongType(path: p, found: v.kindDescription, expected: expected) }
                               c.thetaBias = d
                               c.thetaBiasRule = .value
                           })
    }
}
