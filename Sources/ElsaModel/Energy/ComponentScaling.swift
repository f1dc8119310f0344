/// How a synthesis row (`ModuleCost`, ELSA Table I) is scaled to a config whose module counts or memory
/// sizes differ from `SynthesisReference` (`docs/energy.md` §1; every rule there is labelled paper or
/// assumed).
///
/// A row is made of **units**: the instances of a logic module (one hash unit, `Pa·Pc` selectors, `Pa`
/// attention modules, …) or the access ports of a memory (one per reader). With every unit active each
/// cycle the row draws its `dynamic_mw`; so one unit's event (a busy cycle, an access) costs
/// `dynamic_mw ÷ (reference units × synthesis clock)` at the synthesis point, times `unitSize`.
public struct ComponentScaling: Sendable, Equatable {
    public let config: ElsaConfig

    public init(config: ElsaConfig) { self.config = config }

    var reference: SynthesisReference { config.energy.reference }

    /// Units of `component` at the synthesis point (instances of a logic module, ports of a memory).
    public func referenceUnits(_ component: EnergyComponent) -> Int {
        let r = reference
        switch component {
        case .hash, .norm, .outputDivision: return 1
        case .candidateSelection, .keyHashMemory, .keyNormMemory: return r.attentionModules * r.selectorsPerModule
        case .attention, .keyMemory, .valueMemory: return r.attentionModules
        case .queryMemory, .outputMemory: return 1
        }
    }

    /// Units of `component` in the config: how many events it can have per cycle.
    public func units(_ component: EnergyComponent) -> Int {
        switch component {
        case .hash, .norm, .outputDivision: return 1
        case .candidateSelection, .keyHashMemory, .keyNormMemory: return config.attentionModules * config.selectorsPerModule
        case .attention, .keyMemory, .valueMemory: return config.attentionModules
        case .queryMemory, .outputMemory: return 1
        }
    }

    /// Size of one unit of the config relative to one unit at the synthesis point: the factor on the
    /// energy of one event. Logic: the width of an instance (hash m_h, norm keys per cycle, attention d,
    /// output division m_o; a selector is fixed, grown by `bias_lookup.selector_overhead` under the
    /// `lookup` bias policy, as the norm unit by `bias_lookup.norm_overhead`, assumed). Memories: the capacity (key hash n·k bits, key norm n
    /// bytes, K/V/Q/O n·d elements), independent of the port count.
    public func unitSize(_ component: EnergyComponent) -> Double {
        let r = reference, c = config
        func ratio(_ a: Int, _ b: Int) -> Double { Double(a) / Double(b) }
        switch component {
        case .hash: return ratio(c.hash.multipliers, r.hashMultipliers)
        case .norm:
            let size = ratio(c.normKeysPerCycle, r.normKeysPerCycle)
            return c.approximation.bias == .lookup ? size * (1 + c.biasLookup.normOverhead) : size
        case .candidateSelection: return c.approximation.bias == .lookup ? 1 + c.biasLookup.selectorOverhead : 1
        case .attention: return ratio(c.headDim, r.headDim)
        case .outputDivision: return ratio(c.outputDivision.multipliers, r.outputDivisionMultipliers)
        case .keyHashMemory: return ratio(c.keyMemoryCapacity * c.hash.bits, r.keys * r.hashBits)
        case .keyNormMemory: return ratio(c.keyMemoryCapacity, r.keys)
        case .keyMemory, .valueMemory, .queryMemory, .outputMemory: return ratio(c.keyMemoryCapacity * c.headDim, r.keys * r.headDim)
        }
    }

    /// Factor on the row's area and static power: logic `units/reference units × unitSize`; memories
    /// `unitSize` (capacity; ports are free).
    public func areaFactor(_ component: EnergyComponent) -> Double {
        if component.isMemory { return unitSize(component) }
        return Double(units(component)) / Double(referenceUnits(component)) * unitSize(component)
    }

    /// Energy of one event (one busy cycle of one instance, or one access), pJ.
    public func energyPerEventPJ(_ component: EnergyComponent) -> Double {
        let row = config.energy.cost(of: component)
        return row.dynamicMW / (Double(referenceUnits(component)) * config.energy.synthesisClockGHz) * unitSize(component)
    }

    /// Area of the row in the config, mm².
    public func areaMM2(_ component: EnergyComponent) -> Double {
        config.energy.cost(of: component).areaMM2 * areaFactor(component)
    }

    /// Static power of the row in the config, mW (leakage scales with area, assumed).
    public func staticMW(_ component: EnergyComponent) -> Double {
        config.energy.cost(of: component).staticMW * areaFactor(component)
    }

    /// Dynamic power with every unit active each cycle at the config's `clock_ghz`, mW.
    public func peakDynamicMW(_ component: EnergyComponent) -> Double {
        energyPerEventPJ(component) * Double(units(component)) * config.clockGHz
    }
}
