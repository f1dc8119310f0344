import Foundation
import SimIO
import SimStudies
import Accelerators

extension SweepPlan {
    /// The sweep's base effective config for `OUT.config.json` (`EffectiveConfigOutput`): the `--config`
    /// file with the fixed `--set` overrides, `--hash-matrix` and `--thresholds` applied and every default
    /// filled in — what every point starts from before its axis values.
    func effectiveBaseConfig() throws -> JSONValue {
        try model.load(file: configPath, options: LoadOptions(overrides: grid.fixed, hashMatrix: hashMatrix,
                                                              thresholdsPath: thresholdsPath)).effectiveConfig
    }
}
