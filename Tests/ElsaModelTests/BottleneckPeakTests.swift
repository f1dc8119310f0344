import Testing
import SimCore
@testable import ElsaModel

/// Issue 13 part 5: the bottleneck is the kind whose busiest instance has the highest execution-phase
/// busy share (`docs/model.md` §5), the argmax of the `peak_*` values a sweep row reports, not of the
/// mean over instances.
@Suite struct BottleneckPeakTests {
    /// A head of 100 preprocessing + `execution` cycles with the given per-instance busy cycles.
    static func head(execution: Cycle, selectors: [Cycle], attention: [Cycle], outputDivision: Cycle) -> HeadTiming {
        let total = 100 + execution
        return HeadTiming(totalCycles: total, preprocessingCycles: 100, hash: UnitActivity(busy: 100, idle: total - 100),
                          norm: UnitActivity(busy: 50, idle: total - 50),
                          selectors: selectors.map { UnitActivity(busy: $0, idle: total - $0) },
                          attention: attention.map { UnitActivity(busy: $0, idle: total - $0) },
                          outputDivision: UnitActivity(busy: outputDivision, idle: total - outputDivision), queues: [],
                          hashPreprocessingBusy: 100)
    }

    /// One attention module saturated among three nearly idle ones: mean 0.325 < the selectors' 0.7, but
    /// the busiest attention module is busy the whole execution phase (peak 1.0 > 0.7).
    @Test func oneSaturatedInstanceIsTheBottleneck() {
        let t = Self.head(execution: 1000, selectors: [700, 700, 700, 700], attention: [1000, 100, 100, 100], outputDivision: 300)
        let b = Bottleneck(t, hashPreprocessingBusy: 100)
        #expect(b.kind == .attention)
        #expect(b.share == 1.0)
        #expect(b.peak[.candidateSelection] == 0.7 && b.peak[.attention] == 1.0 && b.peak[.outputDivision] == 0.3)
        #expect(b.peak[.hash] == 0 && b.peak[.norm] == 0)   // the hash unit only hashed in preprocessing
        // Pressure stays the mean over instances: (1000 + 3·100) / 4000.
        #expect(b.pressure[.attention] == 1300.0 / 4000.0)
    }

    /// Over several heads the peak is cycle-weighted: Σ busiest instance / Σ X. Head 2 (X = 3000) has
    /// selectors at 2400 and attention at 600: selection (700 + 2400) / 4000 = 0.775 beats attention
    /// (1000 + 600) / 4000 = 0.4, although head 1 alone has attention saturated.
    @Test func peaksAreCycleWeightedOverHeads() {
        let h1 = Self.head(execution: 1000, selectors: [700, 700], attention: [1000, 100], outputDivision: 300)
        let h2 = Self.head(execution: 3000, selectors: [2400, 10], attention: [600, 600], outputDivision: 900)
        let b = Bottleneck(heads: [(h1, 100), (h2, 100)])
        #expect(b.kind == .candidateSelection)
        #expect(b.share == 3100.0 / 4000.0)
        #expect(b.peak[.attention] == 1600.0 / 4000.0 && b.peak[.outputDivision] == 1200.0 / 4000.0)
    }
}
