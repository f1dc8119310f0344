/// How the hash unit's preprocessing pass over the `n` keys and query 0 is timed (ELSA IV-C(2), IV-D:
/// the paper counts `768(n+1)/m_h` cycles; `hash.preprocessing`, `docs/model.md` §3).
public enum HashPreprocessing: String, Sendable, Equatable, CaseIterable {
    /// Every vector takes whole cycles, `H = ceil(M_h/m_h)` each: `H·(n+1)` cycles (assumed default).
    case wholeCycles = "whole-cycles"
    /// The vectors stream through the multipliers: vector v is done at `ceil((v+1)·M_h/m_h)`, so the
    /// pass takes `ceil((n+1)·M_h/m_h)` cycles (the paper's formula rounded up once).
    case pipelined
}
