/// Where θ_bias (ELSA III-D) comes from (`theta_bias` in the config: a number or `"fit"`).
public enum ThetaBiasRule: String, Sendable, Equatable, CaseIterable {
    /// The number in `theta_bias` (default 0.127, the paper's value for d = k = 64).
    case value
    /// The paper's rule at the config's d and k: the 80th percentile of the angle estimator's error on
    /// Gaussian vectors with the config's projection (`ThetaBiasFit.configFit`).
    case fit
}
