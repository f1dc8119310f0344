import Foundation
import SimIO
import SimStudies

extension SweepPlan {
    /// The sweep's base effective config for `OUT.config.json` (`EffectiveConfigOutput`): the `--config`
    /// file with the fixed `--set` overrides, `--hash-matrix` and `--thresholds` applied and every default
    /// filled in — what every point starts from before its axis values.
    func effectiveBaseConfig() throws -> JSONValue {
        if isA3 { return A3ConfigLoader.effectiveJSON(try A3ConfigLoader.load(file: configPath, overrides: grid.fixed)) }
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: grid.fixed, hashMatrix: hashMatrix,
                                               thresholdsPath: thresholdsPath)
        return ConfigLoader.effectiveJSON(inputs.config)
    }
}
