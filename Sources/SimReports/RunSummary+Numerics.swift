import SimIO
import SimCharts
import ElsaModel

/// The number-format part of `RunSummary` (`numerics.mode: elsa`): a `numerics` object
/// (`NumericsFields.json`) in sweep rows and compare variants; no key in float mode.
extension RunSummary {
    var numericsFields: [String: JSONValue] {
        guard let numerics else { return [:] }
        return ["numerics": NumericsFields.json(numerics)]
    }
}
