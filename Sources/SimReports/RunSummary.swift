import SimIO
import SimCharts
import Foundation
import SimCore
import ElsaModel

/// The whole-trace numbers `elsa-sim run` reports, in the compact form that sweep rows and compare
/// variants carry (`docs/sweeps.md`, "Row fields"; `docs/reports.md`, "compare"): approximation
/// quality (`docs/quality.md` §1), energy, area and throughput per area (`docs/energy.md` §2–4), the
/// whole run's bottleneck (`SimulationResult.bottleneck`, `docs/model.md` §5), the paper's closed form
/// and the lower bound (`docs/model.md` §6), and the simulator version. Each number is computed exactly
/// as `run` computes its totals, so the two agree.
public struct RunSummary: Sendable {
    public var quality: QualityStatistics?
    public var energy: EnergyBreakdown
    public var area: AreaBreakdown
    public var queriesPerSecond: Double
    public var queriesPerSecondPerMM2: Double
    public var bottleneck: Bottleneck
    public var analytic: AnalyticModel
    /// `elsa-sim VERSION`.
    public var simulator: String
    /// The number formats' effect on the whole trace (`numerics.mode: elsa`); `nil` in float mode.
    public var numerics: NumericsStatistics?

    /// - Parameter simulator: the version string (`BuildInfo.version`), without the `elsa-sim ` prefix.
    public init(config: ElsaConfig, result: SimulationResult, simulator: String) {
        let report = EnergyModel(config: config).report(for: result)
        quality = result.quality
        energy = report.total
        area = report.area
        queriesPerSecond = report.queriesPerSecond
        queriesPerSecondPerMM2 = report.queriesPerSecondPerMM2
        bottleneck = result.bottleneck
        analytic = result.analytic
        self.simulator = "elsa-sim " + simulator
        numerics = result.numerics
    }

    /// The summary's JSON fields (merged into a sweep row's or a compare variant's object):
    /// `quality` (`QualityFields.json`, null when not measured), `energy` {`total_uj`,
    /// `energy_per_query_nj`, `average_power_mw`}, `area` {`core_mm2`, `external_memory_mm2`,
    /// `accelerator_mm2`, `accelerators`, `total_mm2`}, `throughput` {`queries_per_s`,
    /// `queries_per_s_per_mm2`}, `bottleneck` {`module`, `busy_share`}, `paper_closed_form_cycles`,
    /// `lower_bound_cycles`, `simulator`.
    public var fields: [String: JSONValue] {
        [
            "quality": quality.map(QualityFields.json) ?? .null,
            "energy": .object(["total_uj": .double(energy.totalPJ * 1e-6),
                               "energy_per_query_nj": .double(energy.energyPerQueryPJ * 1e-3),
                               "average_power_mw": .double(energy.averagePowerMW)]),
            "area": .object(["core_mm2": .double(area.coreMM2), "external_memory_mm2": .double(area.externalMemoryMM2),
                             "accelerator_mm2": .double(area.acceleratorMM2), "accelerators": .int(Int64(area.accelerators)),
                             "total_mm2": .double(area.totalMM2)]),
            "throughput": .object(["queries_per_s": .double(queriesPerSecond),
                                   "queries_per_s_per_mm2": .double(queriesPerSecondPerMM2)]),
            "bottleneck": .object(["module": .string(bottleneck.kind.rawValue), "busy_share": .double(bottleneck.share)]),
            "paper_closed_form_cycles": .int(analytic.paperClosedForm),
            "lower_bound_cycles": .int(analytic.lowerBound),
            "simulator": .string(simulator),
        ].merging(numericsFields) { old, _ in old }
    }

    /// CSV column name → dotted path into `fields`, in column order (appended to sweep and compare CSVs).
    public static let columns: [(name: String, path: String)] = [
        ("mass_kept_mean", "quality.mass_kept_mean"),
        ("output_error", "quality.output_error"),
        ("energy_uj", "energy.total_uj"),
        ("area_core_mm2", "area.core_mm2"),
        ("area_external_memory_mm2", "area.external_memory_mm2"),
        ("area_mm2", "area.total_mm2"),
        ("queries_per_s_per_mm2", "throughput.queries_per_s_per_mm2"),
        ("bottleneck", "bottleneck.module"),
        ("bottleneck_busy_share", "bottleneck.busy_share"),
        ("paper_closed_form_cycles", "paper_closed_form_cycles"),
        ("lower_bound_cycles", "lower_bound_cycles"),
        ("simulator", "simulator"),
    ] + NumericsFields.summaryColumns
}
