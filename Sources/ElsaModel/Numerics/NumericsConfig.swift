/// The number formats of ELSA's datapath (ELSA IV-E; `docs/config.md`, "Number formats"): which
/// functional model runs (`mode`), and every width and open choice of the bit-accurate one.
///
/// `mode: float` (the default) is the floating-point functional model of `docs/algorithm.md`; every other
/// field is then ignored. `mode: elsa` runs `HardwareDatapath`: Q/K/V in fixed point with
/// `qkvIntegerBits` + `qkvFractionBits` (+ sign), the hash factors with `hashFractionBits`, 8-bit key
/// norms, the custom float (1 sign, `expExponentBits`, `expFractionBits`) from the exponent unit on.
/// The paper's values are the defaults; what it leaves open is marked assumed in `docs/config.md`.
public struct NumericsConfig: Sendable, Equatable {
    public var mode: NumericsMode = .float
    /// Integer bits of Q, K, V (sign not counted; ELSA IV-E: 5).
    public var qkvIntegerBits: Int = 5
    /// Fraction bits of Q, K, V and of the fixed-point pipeline after them (ELSA IV-E: 3).
    public var qkvFractionBits: Int = 3
    /// Fraction bits of the hash projection factors, 1 sign + this (ELSA IV-E: 5).
    public var hashFractionBits: Int = 5
    /// What the hash sign bit is for a projection that is exactly 0 (ELSA III-B: sign(0) = 1).
    public var hashSignAtZero: HashSignAtZero = .one
    /// Bits of a stored key norm (ELSA IV-C: the 512 B key norm memory holds 8-bit norms).
    public var normBits: Int = 8
    /// How the norm bits are read (assumed: unsigned fixed point).
    public var normFormat: NormFormat = .fixed
    /// Fraction bits of a `fixed` norm (assumed 3, the pipeline's fraction bits; integer bits = norm_bits − this).
    public var normFractionBits: Int = 3
    /// Fraction bits of the cosine table entries, 1 sign + 1 integer + this (assumed 5).
    public var cosineFractionBits: Int = 5
    /// Fraction bits of the threshold `t` as the hardware holds it, 1 sign + 1 integer + this (assumed 5).
    public var thresholdFractionBits: Int = 5
    /// Exponent bits of the custom float (ELSA IV-E: 10).
    public var expExponentBits: Int = 10
    /// Fraction bits of the custom float (ELSA IV-E: 5).
    public var expFractionBits: Int = 5
    /// Entries of the exponent unit's table of fractional powers of two (ELSA IV-C: 32).
    public var expTableEntries: Int = 32
    /// Entries of the reciprocal unit's table (ELSA IV-C: 32).
    public var reciprocalTableEntries: Int = 32
    /// How every conversion to a narrower format rounds (assumed: nearest, ties to even).
    public var rounding: RoundingMode = .nearestEven
    /// What a fixed-point value outside its range becomes (assumed: saturate).
    public var overflow: OverflowMode = .saturate
    /// The format of the output rows the output division writes (assumed: the Q/K/V fixed point).
    public var outputFormat: OutputFormat = .fixed

    public init() {}

    /// The paper's formats with `mode: elsa`.
    public static var elsa: NumericsConfig {
        var c = NumericsConfig()
        c.mode = .elsa
        return c
    }
}

public enum NumericsMode: String, Sendable, Equatable, CaseIterable {
    /// Float32/Double functional model (`docs/algorithm.md`); today's results.
    case float
    /// The bit-accurate datapath of ELSA's number formats (`docs/numerics.md`).
    case elsa
}

public enum RoundingMode: String, Sendable, Equatable, CaseIterable {
    /// Round to nearest, ties to the even neighbour.
    case nearestEven = "nearest-even"
    /// Round to nearest, ties away from zero.
    case nearestAway = "nearest-away"
    /// Drop the low bits: floor for two's-complement fixed point, toward zero for the sign-magnitude float.
    case truncate
}

public enum OverflowMode: String, Sendable, Equatable, CaseIterable {
    /// Clamp to the largest or smallest code.
    case saturate
    /// Keep the low bits (two's-complement wrap-around).
    case wrap
}

public enum NormFormat: String, Sendable, Equatable, CaseIterable {
    /// Unsigned fixed point: `norm_bits` bits, `norm_fraction_bits` of them fraction bits.
    case fixed
    /// `‖K_y‖ / ‖K_max‖` as unsigned fixed point with 1 integer bit and `norm_bits − 1` fraction bits.
    case relative
}

public enum HashSignAtZero: String, Sendable, Equatable, CaseIterable {
    /// A zero projection gives hash bit 1 (as `s ≥ 0`, ELSA III-B).
    case one
    /// A zero projection gives hash bit 0 (as `s > 0`).
    case zero
}

public enum OutputFormat: String, Sendable, Equatable, CaseIterable {
    /// The Q/K/V fixed point (the output memory has 9-bit elements like Q, K and V, ELSA IV-C).
    case fixed
    /// The custom float of the exponent unit, unconverted.
    case customFloat = "custom-float"
}
