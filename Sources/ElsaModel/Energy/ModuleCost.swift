/// Area and power of one row of ELSA's synthesis table (ELSA Table I; digest §1.4) at the synthesis
/// point: the whole row (all of its instances), in mm² and mW.
///
/// `docs/energy.md` §1 says how a row is scaled to a config whose module counts or memory sizes differ
/// from the synthesis point (`SynthesisReference`).
public struct ModuleCost: Sendable, Equatable {
    /// Silicon area, mm².
    public var areaMM2: Double
    /// Dynamic power with every instance busy (every memory port accessed) each cycle at the synthesis
    /// clock, mW.
    public var dynamicMW: Double
    /// Static (leakage) power, mW.
    public var staticMW: Double

    public init(areaMM2: Double, dynamicMW: Double, staticMW: Double) {
        self.areaMM2 = areaMM2
        self.dynamicMW = dynamicMW
        self.staticMW = staticMW
    }
}
