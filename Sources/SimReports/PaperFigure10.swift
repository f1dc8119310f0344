import SimIO
import SimCharts
/// ELSA Fig. 10's candidate fractions (keys selected / keys, padding excluded) for p = 0.5, 1, 2, 4: the
/// mean over the paper's 12 model–dataset pairs, read from the figure's vector graphics ("mean of the
/// 12"; bars ±0.005). p = 0 selects 1.0 by definition.
public enum PaperFigure10 {
    /// `(p, mean candidate fraction)` in increasing p.
    public static let meanCandidateFraction: [(p: Double, fraction: Double)] = [
        (0.5, 0.454), (1, 0.360), (2, 0.266), (4, 0.191),
    ]

    /// The paper's mean fraction at `p`, if the figure has that p.
    public static func fraction(p: Double) -> Double? {
        if p == 0 { return 1 }
        return meanCandidateFraction.first { $0.p == p }?.fraction
    }
}
