/// Area of an ELSA config from the synthesis numbers (ELSA Table I; `docs/energy.md` §1): each row of
/// `EnergyParameters` scaled to the config's module counts and memory sizes by `ComponentScaling`.
///
/// Sweeps use `area(config:)` as the cost axis of a Pareto chart.
public enum AreaModel {
    /// The area and power budget of one accelerator of `config` (and the accelerator count).
    public static func area(config: ElsaConfig) -> AreaBreakdown {
        let scaling = ComponentScaling(config: config)
        let rows = EnergyComponent.allCases.map { c in
            AreaBreakdown.Row(component: c, areaMM2: scaling.areaMM2(c), peakDynamicMW: scaling.peakDynamicMW(c),
                              staticMW: scaling.staticMW(c), energyPerEventPJ: scaling.energyPerEventPJ(c))
        }
        return AreaBreakdown(rows: rows, accelerators: config.accelerators)
    }
}
