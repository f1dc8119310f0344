import Foundation
import ElsaModel
import SimIO
import SimReports
import Workload

/// ELSA's inputs of a simulation as the commands resolve them: the effective config (file + `--set`), the
/// hash projection (generated or `--hash-matrix`), thresholds (`--thresholds` or the config's file).
public struct SimulationInputs: Sendable {
    public var config: ElsaConfig
    public var model: ElsaFunctionalModel
    public var thresholds: ThresholdsFile?
    public var thresholdsPath: String?

    public static func load(configPath: String, overrides: [(path: String, value: JSONValue)], hashMatrix: String?,
                     thresholdsPath: String?) throws -> SimulationInputs {
        let config = try ConfigLoader.load(file: configPath, overrides: overrides, hashMatrix: hashMatrix, thresholdsFile: thresholdsPath)
        var projection: HashProjection? = nil
        if config.hash.projection == .matrixFile, let file = config.hash.matrixFile {
            let array = try NpyReader.read(contentsOf: URL(fileURLWithPath: file), rank: 2, displayPath: file)
            do {
                projection = try HashProjection(matrix: array.values, rows: array.shape[0], columns: array.shape[1])
            } catch {
                throw ConfigError.inFile(file: file, error: error)
            }
        }
        let model: ElsaFunctionalModel
        do { model = try ElsaFunctionalModel(config: config, projection: projection) } catch {
            throw ConfigError.inFile(file: config.hash.matrixFile ?? configPath, error: error)
        }
        var thresholds: ThresholdsFile? = nil
        if config.approximation.mode == .thresholdsFile, let file = config.approximation.thresholdsFile {
            thresholds = try ThresholdsFile.read(file: file)
        }
        return SimulationInputs(config: config, model: model, thresholds: thresholds,
                                thresholdsPath: config.approximation.thresholdsFile)
    }

    /// The modelling assumptions and calibration source of a run on `evaluatedTraces` (report headers).
    public func assumptions(evaluatedTraces: [String]) -> AssumptionSummary {
        let recorded: [String]? = thresholds.flatMap { file in
            guard case let .array(items)? = file.provenance["traces"] else { return nil }
            return items.compactMap(\.stringValue)
        }
        let file = model.isExact ? nil : (thresholds == nil ? nil : thresholdsPath)
        return AssumptionSummary(model: model, calibration: CalibrationSource(exact: model.isExact, file: file, calibrationTraces: recorded,
                                                                              evaluatedTraces: evaluatedTraces))
    }

    /// The `[layer][head]` thresholds for `trace`, checked against its shape; `nil` when learned or exact.
    public func thresholdMatrix(for trace: AttentionTrace) throws -> [[Double?]]? {
        guard let thresholds, !model.isExact else { return nil }
        try thresholds.check(layerNames: trace.layers.map(\.name), heads: trace.queryHeads, file: thresholdsPath ?? "thresholds")
        return thresholds.matrix
    }
}
