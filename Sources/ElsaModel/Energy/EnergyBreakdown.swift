/// Energy of a stretch of simulated work (a head invocation, a layer, a whole trace), per
/// `EnergyComponent`, with the time and queries it covers (`docs/energy.md` §2).
///
/// Energies are in pJ (mW × ns); the reports convert to µJ.
public struct EnergyBreakdown: Sendable, Equatable {
    /// Dynamic energy per component (events × energy per event), pJ, indexed by `EnergyComponent.index`.
    public var dynamicPJ: [Double]
    /// Static energy per component (static power × elapsed time), pJ.
    public var staticPJ: [Double]
    /// Elapsed time, ns.
    public var timeNS: Double
    /// Queries processed.
    public var queries: Int

    public init(dynamicPJ: [Double], staticPJ: [Double], timeNS: Double, queries: Int) {
        precondition(dynamicPJ.count == EnergyComponent.allCases.count && staticPJ.count == EnergyComponent.allCases.count,
                     "\(dynamicPJ.count) dynamic / \(staticPJ.count) static entries for \(EnergyComponent.allCases.count) components")
        self.dynamicPJ = dynamicPJ
        self.staticPJ = staticPJ
        self.timeNS = timeNS
        self.queries = queries
    }

    /// Nothing: the identity of `+`.
    public static let zero = EnergyBreakdown(dynamicPJ: Array(repeating: 0, count: EnergyComponent.allCases.count),
                                             staticPJ: Array(repeating: 0, count: EnergyComponent.allCases.count),
                                             timeNS: 0, queries: 0)

    public func dynamicPJ(_ c: EnergyComponent) -> Double { dynamicPJ[c.index] }
    public func staticPJ(_ c: EnergyComponent) -> Double { staticPJ[c.index] }
    public func totalPJ(_ c: EnergyComponent) -> Double { dynamicPJ[c.index] + staticPJ[c.index] }

    /// Dynamic + static energy of every component of `group`, pJ.
    public func totalPJ(_ group: EnergyGroup) -> Double {
        EnergyComponent.allCases.filter { $0.group == group }.reduce(0) { $0 + totalPJ($1) }
    }

    public var dynamicTotalPJ: Double { dynamicPJ.reduce(0, +) }
    public var staticTotalPJ: Double { staticPJ.reduce(0, +) }
    public var totalPJ: Double { dynamicTotalPJ + staticTotalPJ }

    /// Energy ÷ time, mW (pJ/ns); 0 for no time.
    public var averagePowerMW: Double { timeNS > 0 ? totalPJ / timeNS : 0 }
    /// Energy per query, pJ; 0 for no query.
    public var energyPerQueryPJ: Double { queries > 0 ? totalPJ / Double(queries) : 0 }
    /// Share of the total in `group` (0 when the total is 0).
    public func share(_ group: EnergyGroup) -> Double { totalPJ > 0 ? totalPJ(group) / totalPJ : 0 }

    /// Sums energies, times and queries (consecutive work on one accelerator, or layers in sequence).
    public static func + (a: EnergyBreakdown, b: EnergyBreakdown) -> EnergyBreakdown {
        EnergyBreakdown(dynamicPJ: zip(a.dynamicPJ, b.dynamicPJ).map { $0 + $1 },
                        staticPJ: zip(a.staticPJ, b.staticPJ).map { $0 + $1 },
                        timeNS: a.timeNS + b.timeNS, queries: a.queries + b.queries)
    }
}
