extension ElsaConfig {
    /// The cross-field rules of the assumption switches (`docs/config.md`, "Modelling assumptions").
    func validateAssumptions() throws(ConfigError) {
        if hash.projection == .matrixFile && hash.cost == .kronecker {
            let product = hash.kroneckerFactors.reduce(1, *)
            if hash.kroneckerFactors.isEmpty || hash.kroneckerFactors.contains(where: { $0 < 1 }) || product != headDim {
                throw .inconsistent(path: "hash.cost",
                                    message: "cost \"kronecker\" charges d·Σ a_i multiplies with hash.kronecker_factors \(hash.kroneckerFactors), whose product must be head_dim = \(headDim)")
            }
        }
    }
}
