/// The module counts and memory sizes at which the area and power rows of `EnergyParameters` were
/// measured: ELSA's synthesis point (ELSA Table I and IV-E; digest §1.4: n = 512, d = k = 64, Pa = 4,
/// Pc = 8, m_h = 256, m_o = 16).
///
/// A config that differs from these counts gets each row scaled by the rules of `docs/energy.md` §1
/// (`ComponentScaling`).
public struct SynthesisReference: Sendable, Equatable {
    /// `m_h` of the synthesized hash unit (paper: 256).
    public var hashMultipliers: Int = 256
    /// `Pa` (paper: 4).
    public var attentionModules: Int = 4
    /// `Pc` (paper: 8).
    public var selectorsPerModule: Int = 8
    /// `m_o` (paper: 16).
    public var outputDivisionMultipliers: Int = 16
    /// Key norms per cycle of the synthesized norm unit (assumed 4: one per attention module).
    public var normKeysPerCycle: Int = 4
    /// `d` (paper: 64).
    public var headDim: Int = 64
    /// `k` (paper: 64).
    public var hashBits: Int = 64
    /// Keys the synthesized memories hold, `n` (paper: 512).
    public var keys: Int = 512

    public init() {}
}
