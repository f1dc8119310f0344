import SimCore

/// Energy of simulated work from activity counts and the synthesis numbers (ELSA Table I, V-D;
/// `docs/energy.md` §2): dynamic energy = events × energy per event (`ComponentScaling`), static energy
/// = static power × elapsed time. Works on a finished `SimulationResult`; the simulation is unchanged.
public struct EnergyModel: Sendable {
    public let config: ElsaConfig
    public let scaling: ComponentScaling

    public init(config: ElsaConfig) {
        self.config = config
        self.scaling = ComponentScaling(config: config)
    }

    /// Whether `component` leaks in this config: everything, except the approximation modules in exact
    /// mode (bypassed and power-gated, assumed; `ActivityCounts.approximate`).
    func isPowered(_ component: EnergyComponent, approximate: Bool) -> Bool {
        approximate || component.group != .approximation
    }

    /// Nanoseconds of `cycles` at the config's clock.
    func nanoseconds(_ cycles: Cycle) -> Double { Double(cycles) / config.clockGHz }

    /// Energy of one accelerator doing `activity`.
    public func energy(of activity: ActivityCounts) -> EnergyBreakdown {
        let time = nanoseconds(activity.cycles)
        let components = EnergyComponent.allCases
        return EnergyBreakdown(
            dynamicPJ: components.map { Double(activity[$0]) * scaling.energyPerEventPJ($0) },
            staticPJ: components.map { isPowered($0, approximate: activity.approximate) ? scaling.staticMW($0) * time : 0 },
            timeNS: time, queries: activity.queries)
    }

    /// Queries of a simulated invocation: the output division is busy `ceil(d / m_o)` cycles per query
    /// (`docs/model.md` §4), so `n = busy / ceil(d / m_o)`.
    public func queries(of timing: HeadTiming) -> Int {
        let perQuery = (config.headDim + config.outputDivision.multipliers - 1) / config.outputDivision.multipliers
        precondition(timing.outputDivision.busy % Cycle(perQuery) == 0,
                     "output division busy \(timing.outputDivision.busy) is not a multiple of \(perQuery) cycles per query")
        return Int(timing.outputDivision.busy / Cycle(perQuery))
    }

    /// The activity counts of one simulated head invocation.
    public func activity(of head: HeadResult) -> ActivityCounts {
        if let tiling = head.tiling { return ActivityCounts(tiledTiming: head.timing, keys: head.keys, tiling: tiling, approximate: !config.isExact) }
        return ActivityCounts(timing: head.timing, queries: queries(of: head.timing), approximate: !config.isExact)
    }

    /// Energy of one layer: its heads' dynamic energy, and static energy of every accelerator over the
    /// layer's time (an accelerator that finishes early still leaks until the layer ends).
    public func energy(of layer: LayerResult) -> EnergyReport.Layer {
        let activities = layer.heads.map(activity(of:))
        let heads = activities.map(energy(of:))
        let time = nanoseconds(layer.cycles)
        let accelerators = Double(config.accelerators)
        let dynamic = heads.reduce(EnergyBreakdown.zero, +).dynamicPJ
        let staticPJ = EnergyComponent.allCases.map {
            isPowered($0, approximate: !config.isExact) ? scaling.staticMW($0) * accelerators * time : 0
        }
        let total = EnergyBreakdown(dynamicPJ: dynamic, staticPJ: staticPJ, timeNS: time,
                                    queries: activities.reduce(0) { $0 + $1.queries })
        return EnergyReport.Layer(name: layer.name, energy: total, heads: heads, activities: activities)
    }

    /// Energy of every head and layer of `result`, the totals, the area and throughput per area.
    public func report(for result: SimulationResult) -> EnergyReport {
        EnergyReport(area: AreaModel.area(config: config), layers: result.layers.map(energy(of:)))
    }
}
