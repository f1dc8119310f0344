import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import Workload

/// One simulated point of a sensitivity study: the baseline or one alternative value of one assumption.
package struct SensitivityPoint: Sendable {
    package enum Calibration: Sendable { case asConfigured, evaluatedInput, heldOut }
    /// The config field (or `hash.cost`, `calibration`); `baseline` for the baseline.
    package var field: String
    /// The alternative's value as text (`barrier`, `8`, `fit`, `held-out`).
    package var value: String
    /// `value`, `low`, `high` or `baseline`.
    package var kind: String
    package var overrides: [(path: String, value: JSONValue)] = []
    /// Pass the config's generated Kronecker matrix in as a loaded (`matrix-file`) matrix.
    package var loadedKronecker = false
    package var calibration: Calibration = .asConfigured
}

/// The whole-trace numbers a sensitivity row compares.
package struct SensitivityMetrics: Sendable, Equatable {
    package var cycles: Int64
    package var executionCycles: Int64
    package var selectedFraction: Double
    package var outputError: Double?

    package init(_ r: SimulationResult) {
        cycles = r.cycles
        executionCycles = r.executionCycles
        selectedFraction = r.totalPairs == 0 ? 0 : Double(r.selectedPairs) / Double(r.totalPairs)
        outputError = r.quality?.outputError
    }
}

/// `elsa-sim sensitivity`'s study: the baseline and every alternative of `SensitivityPlan`, each a whole
/// simulation of the trace, run in parallel over points (each point single-threaded) and merged in plan
/// order, so the result does not depend on the thread count.
package struct SensitivityStudy {
    package let configPath: String
    package let userOverrides: [(path: String, value: JSONValue)]
    package let trace: AttentionTrace
    package let calibrationTrace: AttentionTrace?
    package let calibrationTracePath: String?

    package init(configPath: String, userOverrides: [(path: String, value: JSONValue)], trace: AttentionTrace,
                 calibrationTrace: AttentionTrace?, calibrationTracePath: String?) {
        self.configPath = configPath
        self.userOverrides = userOverrides
        self.trace = trace
        self.calibrationTrace = calibrationTrace
        self.calibrationTracePath = calibrationTracePath
    }

    /// The points: baseline first, then the plan's alternatives (values equal to the baseline's skipped),
    /// plus notes for study dimensions that cannot run here.
    package func points(baseline config: ElsaConfig) -> (points: [SensitivityPoint], notes: [(field: String, reason: String)]) {
        var out = [SensitivityPoint(field: "baseline", value: "as configured", kind: "baseline")]
        var notes: [(String, String)] = []
        let effective = ConfigLoader.effectiveJSON(config)
        for variation in SensitivityPlan.variations {
            let current = Self.lookup(effective, variation.field)
            for (value, kind) in variation.values where !Self.same(value, current, field: variation.field, config: config) {
                out.append(SensitivityPoint(field: variation.field, value: SweepAxis.text(value), kind: kind,
                                            overrides: [(variation.field, value)]))
            }
        }
        switch config.hash.projection {
        case .kronecker:
            for cost in HashCost.allCases {
                out.append(SensitivityPoint(field: "hash.cost", value: cost.rawValue, kind: "value",
                                            overrides: [("hash.cost", .string(cost.rawValue))], loadedKronecker: true))
            }
        case .matrixFile:
            for cost in HashCost.allCases where cost != config.hash.cost {
                out.append(SensitivityPoint(field: "hash.cost", value: cost.rawValue, kind: "value", overrides: [("hash.cost", .string(cost.rawValue))]))
            }
        case .dense:
            notes.append(("hash.cost", "the config's projection is a generated dense matrix, which has no Kronecker form to cost"))
        }
        if config.isExact {
            notes.append(("calibration", "exact attention: no thresholds"))
        } else if config.approximation.mode == .thresholdsFile {
            out.append(SensitivityPoint(field: "calibration", value: "evaluated-input", kind: "value", calibration: .evaluatedInput))
        } else if calibrationTrace != nil {
            out.append(SensitivityPoint(field: "calibration", value: "held-out", kind: "value", calibration: .heldOut))
        } else {
            notes.append(("calibration", "no --calibration-trace given: the held-out alternative needs a second trace"))
        }
        return (out, notes)
    }

    package static func lookup(_ root: JSONValue, _ path: String) -> JSONValue? {
        var node: JSONValue? = root
        for part in path.split(separator: ".") { node = node?.objectValue?[String(part)] }
        return node
    }

    /// Whether `value` is what the baseline already has (`norm.keys_per_cycle: null` means Pa).
    package static func same(_ value: JSONValue, _ current: JSONValue?, field: String, config: ElsaConfig) -> Bool {
        if field == "norm.keys_per_cycle", current == .null { return value.doubleValue == Double(config.attentionModules) }
        guard let current else { return false }
        if let a = value.doubleValue, let b = current.doubleValue { return a == b }
        return value == current
    }

    /// Simulates one point.
    package func run(_ point: SensitivityPoint) throws -> SimulationResult {
        var inputs = try SimulationInputs.load(configPath: configPath, overrides: userOverrides + point.overrides,
                                               hashMatrix: nil, thresholdsPath: nil)
        if point.loadedKronecker {
            var config = inputs.config
            let matrix = HashProjection.kronecker(factors: config.hash.kroneckerFactors, seed: config.hash.seed)
            config.hash.projection = .matrixFile
            config.hash.matrixFile = "(the generated Kronecker matrix, loaded)"
            try config.validate()
            inputs.config = config
            inputs.model = try ElsaFunctionalModel(config: config, projection: matrix)
        }
        var thresholds = try inputs.thresholdMatrix(for: trace)
        switch point.calibration {
        case .asConfigured: break
        case .evaluatedInput:
            var config = inputs.config
            config.approximation.mode = .learned
            if config.approximation.p == 0 { config.approximation.p = inputs.thresholds?.p ?? 1 }
            inputs.model = try ElsaFunctionalModel(config: config, projection: inputs.model.projection)
            thresholds = nil
        case .heldOut:
            if let calibrationTrace {
                thresholds = inputs.model.learnThresholds(traces: [calibrationTrace]).map { $0.map(\.mean) }
            }
        }
        return try ElsaSimulation.run(trace: trace, traceName: "sensitivity", model: inputs.model, thresholds: thresholds, threads: 1)
    }
}
