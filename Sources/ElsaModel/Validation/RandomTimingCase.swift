import SimCore
import Workload

/// One seeded random head invocation for the engine-equivalence check (`docs/validation.md`,
/// "Randomized equivalence"): random timing constants (`docs/model.md` §2) and a random selection
/// matrix, both regenerated bit for bit from the seed alone, so `elsa-sim validate --seed S`
/// reproduces any case a test reports.
///
/// The ranges cover every constant's interesting values: `Pa` 1…8, `Pc` 1…16, `H` 1…12, `D` 1…6,
/// `Q` 1…8, `L_att` 1…8, `B_acc` 2…4 (the event engine needs ≥ 2), `II` 1…16, `L_od` 0…4, `R_norm`
/// 1…16, `L_norm` 0…8, both arbiters, both bank mappings, exact and approximate, both query-overlap
/// rules, both preprocessing-hash rules (`m_h` 1…8, `M_h` with `ceil(M_h/m_h) = H`). `n` is mostly small
/// (55 % in 1…12, 25 % in 13…48, 15 % in 49…128, 5 % in 129…300); causal with probability ½. With
/// probability ½ the case has the `lookup` bias policy's extra selector stage (`D + 1`, drawn last so
/// every earlier draw of a seed is unchanged).
public struct RandomTimingCase: Sendable {
    /// How the selection matrix is drawn. In exact mode the engines ignore it.
    public enum Pattern: String, Sendable, CaseIterable {
        /// No key selected.
        case none
        /// Every visible key selected.
        case all
        /// Each visible pair with probability `density`.
        case uniform
        /// Each row its own density: empty, full or a random one.
        case rowDensities
        /// The visible keys of one bank (each with probability `density`), none elsewhere.
        case oneBank
        /// One random visible key per query.
        case onePerQuery
        /// A few runs of consecutive keys per query.
        case bursts
        /// A band `|i − j| ≤ w` around the diagonal (w from 0).
        case diagonal
        /// `c` keys per query spread evenly over the visible keys (ELSA IV-D's synthetic case).
        case evenlySpread
    }

    public let seed: UInt64
    public let parameters: TimingParameters
    /// The case models `approximation.bias: lookup`: `parameters.selectorDepth` is the drawn `D` + 1.
    public let biasLookup: Bool
    public let causal: Bool
    public let pattern: Pattern
    /// The pattern's knob: selection probability (uniform, oneBank), band width (diagonal), keys per
    /// query (evenlySpread); 0 otherwise.
    public let knob: Double
    public let selection: SelectionMatrix

    /// Regenerates case `seed`.
    public init(seed: UInt64) {
        // Mix the seed so that neighbouring seeds start far apart in the SplitMix64 stream.
        var rng = SeededGenerator(seed: seed &* 0xD6E8_FEB8_6659_FD93 ^ 0xE1A5_5EED_0000_0005)
        func draw(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        func chance(_ percent: Int) -> Bool { draw(0 ... 99) < percent }

        let sizeClass = draw(0 ... 99)
        let n = sizeClass < 55 ? draw(1 ... 12) : sizeClass < 80 ? draw(13 ... 48) : sizeClass < 95 ? draw(49 ... 128) : draw(129 ... 300)
        let pa = draw(1 ... 8)
        let pc = draw(1 ... 16)
        // Depth-1 queues and a 1-cycle pipeline are the sharpest back-pressure cases: draw them more often.
        let queueDepth = chance(25) ? 1 : draw(1 ... 8)
        let depth = chance(20) ? 1 : draw(1 ... 6)
        let exact = chance(25)
        var parameters = TimingParameters(
            attentionModules: pa, selectorsPerModule: pc, hashCycles: Cycle(draw(1 ... 12)), selectorDepth: Cycle(depth),
            queueDepth: queueDepth, attentionLatency: Cycle(draw(1 ... 8)), accumulators: draw(2 ... 4),
            outputDivisionCycles: Cycle(draw(1 ... 16)), outputDivisionLatency: Cycle(draw(0 ... 4)),
            normKeysPerCycle: draw(1 ... 16), normLatency: Cycle(draw(0 ... 8)),
            arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], bankMapping: BankMapping.allCases[draw(0 ... 1)], exact: exact)
        let isCausal = chance(50)
        let pattern = Pattern.allCases[draw(0 ... Pattern.allCases.count - 1)]
        causal = isCausal
        self.pattern = pattern
        self.seed = seed

        let visible = ContiguousArray((0 ..< n).map { isCausal ? $0 + 1 : n })
        var m = SelectionMatrix(keys: n, visible: visible)
        var knob = 0.0
        switch pattern {
        case .none:
            break
        case .all:
            m = .all(keys: n, visible: visible)
        case .uniform:
            knob = Double(draw(0 ... 100)) / 100
            for i in 0 ..< n { for j in 0 ..< visible[i] where rng.nextUnit() < knob { m.set(query: i, key: j) } }
        case .rowDensities:
            for i in 0 ..< n {
                let kind = draw(0 ... 2)
                let density = kind == 0 ? 0 : kind == 1 ? 1 : rng.nextUnit()
                for j in 0 ..< visible[i] where rng.nextUnit() < density { m.set(query: i, key: j) }
            }
        case .oneBank:
            let bank = draw(0 ... pa - 1)
            knob = chance(50) ? 1 : Double(draw(0 ... 100)) / 100
            for i in 0 ..< n {
                for j in 0 ..< visible[i] where parameters.bank(ofKey: j, keys: n).bank == bank && rng.nextUnit() < knob {
                    m.set(query: i, key: j)
                }
            }
        case .onePerQuery:
            for i in 0 ..< n { m.set(query: i, key: draw(0 ... visible[i] - 1)) }
        case .bursts:
            for i in 0 ..< n {
                for _ in 0 ..< draw(0 ... 3) {
                    let start = draw(0 ... visible[i] - 1)
                    let length = draw(1 ... max(1, visible[i] / 2))
                    for j in start ..< min(visible[i], start + length) { m.set(query: i, key: j) }
                }
            }
        case .diagonal:
            let width = draw(0 ... 3)
            knob = Double(width)
            for i in 0 ..< n {
                for j in max(0, i - width) ... i + width where j < visible[i] { m.set(query: i, key: j) }
            }
        case .evenlySpread:
            let c = draw(1 ... n)
            knob = Double(c)
            for i in 0 ..< n {
                let v = visible[i], count = min(c, v)
                for k in 0 ..< count { m.set(query: i, key: k * v / count) }
            }
        }
        self.knob = knob
        selection = m
        // The assumption switches are drawn last, so every earlier draw (and so each seed's constants and
        // selection) is what it was before they existed. M_h and m_h are drawn with ceil(M_h/m_h) = H.
        parameters.queryOverlap = QueryOverlap.allCases[draw(0 ... 1)]
        parameters.hashPreprocessing = HashPreprocessing.allCases[draw(0 ... 1)]
        let multipliers = draw(1 ... 8)
        parameters.hashMultipliers = multipliers
        parameters.hashMultiplies = (Int(parameters.hashCycles) - 1) * multipliers + draw(1 ... multipliers)
        // Last draw: the lookup policy's extra stage, as TimingParameters(config:) adds it.
        biasLookup = chance(50)
        if biasLookup { parameters.selectorDepth += 1 }
        self.parameters = parameters
    }

    /// The command that regenerates this case and compares the engines field by field.
    public var reproducer: String { "elsa-sim validate --seed \(seed)" }

    /// One line naming the invocation: `n`, masking, selection and every timing constant.
    public var summary: String {
        let p = parameters
        let knobText = knob == 0 ? "" : " (\(knob == knob.rounded() ? String(Int(knob)) : String(knob)))"
        return "n=\(selection.keys) \(causal ? "causal" : "non-causal") \(p.exact ? "exact" : "approximate") "
            + "selection=\(pattern.rawValue)\(knobText) selected=\(selection.selectedPairs)/\(selection.totalPairs) | "
            + TimingParameters.describe(p) + (biasLookup ? " bias=lookup (D includes its stage)" : "")
    }
}

extension TimingParameters {
    /// Every constant in `docs/model.md` §2 notation, on one line.
    public static func describe(_ p: TimingParameters) -> String {
        "Pa=\(p.attentionModules) Pc=\(p.selectorsPerModule) H=\(p.hashCycles) D=\(p.selectorDepth) Q=\(p.queueDepth) "
            + "L_att=\(p.attentionLatency) B_acc=\(p.accumulators) II=\(p.outputDivisionCycles) L_od=\(p.outputDivisionLatency) "
            + "R_norm=\(p.normKeysPerCycle) L_norm=\(p.normLatency) arbiter=\(p.arbiter.rawValue) mapping=\(p.bankMapping.rawValue) "
            + "overlap=\(p.queryOverlap.rawValue) hash-pass=\(p.hashPreprocessing.rawValue) M_h=\(p.hashMultiplies) m_h=\(p.hashMultipliers)"
    }
}
