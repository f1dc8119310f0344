#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The candidate selector's lookup table (ELSA III-D, IV-C): for each Hamming distance `h = 0 … k`, the
/// cosine of the bias-corrected angle estimate, `cos(max(0, (π/k)·h − θ_bias))`.
///
/// Precision: the angle is `max(0, (Double.pi / Double(k)) * Double(h) - thetaBias)` in Double (π/k
/// first), its `cos` in Double, then rounded to `Float`. The entries are non-increasing in `h` (checked
/// at construction), which `CandidateSelection` relies on.
public struct CosineTable: Sendable, Equatable {
    /// `k`.
    public let bits: Int
    /// θ_bias in radians.
    public let thetaBias: Double
    /// `k + 1` entries, index `h`.
    public let values: ContiguousArray<Float>

    public init(bits k: Int, thetaBias: Double) {
        precondition(k >= 1, "a cosine table needs k ≥ 1, got \(k)")
        precondition(thetaBias.isFinite && thetaBias >= 0, "θ_bias must be finite and ≥ 0, got \(thetaBias)")
        bits = k
        self.thetaBias = thetaBias
        var values = ContiguousArray<Float>(repeating: 0, count: k + 1)
        for h in 0 ... k {
            values[h] = Float(cos(Self.angle(hamming: h, bits: k, thetaBias: thetaBias)))
        }
        for h in 0 ..< k {
            precondition(values[h + 1] <= values[h], "cosine table not non-increasing at h = \(h)")
        }
        self.values = values
    }

    /// The corrected angle estimate in radians: `max(0, (π/k)·h − θ_bias)`.
    @inlinable
    public static func angle(hamming h: Int, bits k: Int, thetaBias: Double) -> Double {
        max(0, Double.pi / Double(k) * Double(h) - thetaBias)
    }

    @inlinable
    public subscript(hamming: Int) -> Float { values[hamming] }
}
