import SimIO
import SimCharts
import ElsaModel

/// The attention-bias part of `RunReport` (`docs/reports.md`, "Attention bias"): which
/// `approximation.bias` policy the run used and whether the trace had a bias. JSON: a top-level `bias`
/// object, always; table header and CSV column `bias_policy`: only when the policy mattered
/// (`BiasUse.isVisible`), so runs a bias cannot affect report exactly as before.
extension RunReport {
    /// `base` with `"bias": {"policy": …, "trace_has_bias": …}` added.
    func addingBias(to base: JSONValue) -> JSONValue {
        guard var top = base.objectValue else { return base }
        top["bias"] = .object([
            "policy": .string(result.bias.policy.rawValue),
            "trace_has_bias": .bool(result.bias.traceHasBias),
        ])
        return .object(top)
    }

    /// `, bias ignore (the selectors see q·k only)` … appended to the table's first line, or "".
    var biasHeader: String {
        guard result.bias.isVisible else { return "" }
        let what: String
        switch (result.bias.policy, result.bias.traceHasBias) {
        case (.ignore, _): what = "selectors see q·k only; attention uses the biased score"
        case (.lookup, true): what = "selectors add the bias; attention uses the biased score"
        case (.lookup, false): what = "lookup hardware present; the trace has no bias"
        }
        return ", bias \(result.bias.policy.rawValue) (\(what))"
    }

    /// The `bias_policy` CSV cell with its leading comma, or "".
    var biasCSVCell: String { result.bias.isVisible ? "," + result.bias.policy.rawValue : "" }
}
