import SimIO
import SimCharts
import Foundation
import ElsaModel

/// Where a run's thresholds were calibrated (`docs/reports.md`, "Assumptions and calibration"). The paper
/// learns thresholds on training data and evaluates on other inputs (ELSA III-E), so thresholds learned on
/// the evaluated input itself are labelled optimistic.
public struct CalibrationSource: Sendable, Equatable {
    /// `none` (exact attention), `evaluated-input`, `held-out` or `unknown` (a file that does not record
    /// its calibration traces).
    public var kind: String
    public var optimistic: Bool
    /// The thresholds file, when one was given.
    public var file: String?
    /// The traces the thresholds were learned on, as recorded (or the evaluated trace when learned on it).
    public var traces: [String]

    /// The source for thresholds learned on the evaluated traces (`nil` file) or read from `file` whose
    /// `elsa-thresholds/1` provenance lists `calibrationTraces`. A recorded trace counts as the evaluated
    /// input when its directory name equals an evaluated trace's.
    public init(exact: Bool, file: String?, calibrationTraces: [String]?, evaluatedTraces: [String]) {
        self.file = file
        if exact {
            (kind, optimistic, traces) = ("none", false, [])
        } else if file == nil {
            (kind, optimistic, traces) = ("evaluated-input", true, evaluatedTraces)
        } else if let recorded = calibrationTraces, !recorded.isEmpty {
            let evaluated = Set(evaluatedTraces.map(Self.name))
            let overlap = recorded.contains { evaluated.contains(Self.name($0)) }
            (kind, optimistic, traces) = (overlap ? "evaluated-input" : "held-out", overlap, recorded)
        } else {
            (kind, optimistic, traces) = ("unknown", false, [])
        }
    }

    static func name(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
    }

    /// The header phrase: `thresholds calibrated on the evaluated input (optimistic)`, …
    public var description: String {
        let from = file.map { "thresholds from \($0), " } ?? "thresholds "
        switch kind {
        case "none": return "no thresholds (exact attention)"
        case "evaluated-input": return from + "calibrated on the evaluated input (optimistic)"
        case "held-out": return from + "calibrated on \(traces.joined(separator: ", ")) (held out)"
        default: return from + "calibration input not recorded"
        }
    }

    public func json() -> JSONValue {
        // `file` only when there is one: a report has no null without a field saying why (`source` says it).
        var fields: [String: JSONValue] = ["source": .string(kind), "optimistic": .bool(optimistic),
                                           "traces": .array(traces.map(JSONValue.string))]
        if let file { fields["file"] = .string(file) }
        return .object(fields)
    }
}

/// The modelling assumptions a run was made under (`docs/config.md`, "Modelling assumptions"), stated in
/// every `run` and `compare` report header and JSON so a reader can see the choices that move the results.
public struct AssumptionSummary: Sendable, Equatable {
    public var queryOverlap: QueryOverlap
    public var hashPreprocessing: HashPreprocessing
    /// `kronecker` or `dense`: how the hash unit's multiplies per vector were counted.
    public var hashCost: String
    /// Why: the generated projection's own form, or `hash.cost` for a loaded matrix.
    public var hashCostReason: String
    /// The θ_bias the selectors used (the fitted value under `"fit"`).
    public var thetaBias: Double
    public var thetaBiasRule: ThetaBiasRule
    public var calibration: CalibrationSource

    public init(model: ElsaFunctionalModel, calibration: CalibrationSource) {
        let c = model.config
        queryOverlap = c.pipeline.queryOverlap
        hashPreprocessing = c.hash.preprocessing
        switch c.hash.projection {
        case .kronecker: (hashCost, hashCostReason) = ("kronecker", "generated Kronecker projection")
        case .dense: (hashCost, hashCostReason) = ("dense", "generated dense projection")
        case .matrixFile: (hashCost, hashCostReason) = (c.hash.cost.rawValue, "loaded matrix, hash.cost")
        }
        thetaBias = model.thetaBias
        thetaBiasRule = c.thetaBiasRule
        self.calibration = calibration
    }

    /// One header line.
    public var headerLine: String {
        let theta = JSONValue.format((thetaBias * 10_000).rounded() / 10_000) + (thetaBiasRule == .fit ? " (fit)" : "")
        return "assumptions: query overlap \(queryOverlap.rawValue); hash preprocessing \(hashPreprocessing.rawValue); "
            + "hash cost \(hashCost) (\(hashCostReason)); θ_bias \(theta); \(calibration.description) (docs/config.md)\n"
    }

    public func json() -> JSONValue {
        .object(["query_overlap": .string(queryOverlap.rawValue), "hash_preprocessing": .string(hashPreprocessing.rawValue),
                 "hash_cost": .string(hashCost), "hash_cost_reason": .string(hashCostReason),
                 "theta_bias": .double(thetaBias), "theta_bias_rule": .string(thetaBiasRule.rawValue)])
    }
}

extension RunReport {
    /// `base` with the top-level `assumptions` and `calibration` objects (when the report has them).
    func addingAssumptions(to base: JSONValue) -> JSONValue {
        guard let assumptions, var top = base.objectValue else { return base }
        top["assumptions"] = assumptions.json()
        top["calibration"] = assumptions.calibration.json()
        return .object(top)
    }
}

extension CompareReport {
    /// `base` with each variant's `assumptions` and `calibration` (when the report has them).
    func addingAssumptions(to base: JSONValue) -> JSONValue {
        guard assumptions.count == variants.count, var top = base.objectValue, case let .array(items)? = top["variants"] else { return base }
        top["variants"] = .array(zip(items, assumptions).map { item, a in
            guard var o = item.objectValue, let a else { return item }
            o["assumptions"] = a.json()
            o["calibration"] = a.calibration.json()
            return .object(o)
        })
        return .object(top)
    }

    /// One assumptions line per variant, under the variant list.
    func assumptionLines() -> String {
        guard assumptions.count == variants.count else { return "" }
        return assumptions.enumerated().map { i, a in a.map { "  [\(i + 1)] " + $0.headerLine } ?? "" }.joined()
    }
}
