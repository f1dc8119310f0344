/// How many multiplies a loaded projection matrix (`hash.projection: matrix-file`, `--hash-matrix`)
/// costs the hash unit per vector (`hash.cost`, `docs/model.md` §2). A generated projection is costed
/// by its own form (kronecker: `d·Σ a_i`; dense: `k·d`); this only applies to a loaded one, whose form
/// the simulator cannot know (assumed).
public enum HashCost: String, Sendable, Equatable, CaseIterable {
    /// `M_h = d·(a₁+…+a_m)` with `hash.kronecker_factors`, as for a generated Kronecker projection
    /// (ELSA III-C): for a matrix that is the Kronecker product written out.
    case kronecker
    /// `M_h = k·d`: a general matrix (default; the form of an arbitrary matrix).
    case dense
}
