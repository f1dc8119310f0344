import SimIO
import SimCharts
import SimReports
/// Quality and number-format quantities a sweep line chart can show (`--y`; `docs/numerics.md` §9):
/// the whole-trace output error and mass kept (`docs/quality.md` §1) and, in `numerics.mode: elsa`,
/// the hardware's own output error beside the float model's.
extension SweepCharts {
    static let numericsYChoices: [(name: String, path: String, label: String)] = [
        ("output_error", "quality.output_error", "output error (relative L2)"),
        ("mass_kept_mean", "quality.mass_kept_mean", "mass kept (mean)"),
        ("hardware_output_error", "numerics.output_error", "hardware output error (relative L2)"),
        ("float_output_error", "numerics.float_output_error", "float-model output error (relative L2)"),
    ]

    /// Symbols of the number-format widths for axis labels (`docs/numerics.md`).
    static func numericsShort(_ field: String) -> String? {
        switch field {
        case "numerics.qkv_fraction_bits": return "F"
        case "numerics.qkv_integer_bits": return "I"
        case "numerics.hash_fraction_bits": return "Fh"
        case "numerics.exp_fraction_bits": return "M"
        case "numerics.exp_exponent_bits": return "E"
        default: return nil
        }
    }

    /// The legend name of a y column when several are drawn.
    static func legendName(_ column: String) -> String {
        switch column {
        case "hardware_output_error": return "hardware"
        case "float_output_error": return "float"
        default: return column
        }
    }

    /// The y-axis label of one or several columns: a shared label once, else the labels joined.
    static func yLabel(_ labels: [String]) -> String {
        if labels.count > 1 && labels.allSatisfy({ $0.hasSuffix("output error (relative L2)") }) { return "output error (relative L2)" }
        return labels.joined(separator: "; ")
    }
}
