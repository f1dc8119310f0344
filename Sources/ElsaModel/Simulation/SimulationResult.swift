import SimCore

/// The simulated timing and selection of one head invocation (one layer, one query head).
public struct HeadResult: Sendable, Equatable {
    public var layer: Int
    public var head: Int
    /// Accelerator that ran it (`head mod accelerators`).
    public var accelerator: Int
    public var timing: HeadTiming
    public var selectedPairs: Int
    public var totalPairs: Int
    /// The threshold `t` the selectors compared against (`nil` in exact mode).
    public var threshold: Double?
    /// Real tokens `n` of the invocation.
    public var keys: Int
    /// The paper's closed form and the proven lower bound for this invocation.
    public var analytic: AnalyticModel
    /// Approximation quality against exact attention (`docs/quality.md`); `nil` when not measured.
    public var quality: QualityStatistics?
    /// What the number formats changed (`numerics.mode: elsa`, `docs/numerics.md`); `nil` in float mode.
    public var numerics: NumericsStatistics? = nil
    /// The key tiles of a head longer than the key memory (`docs/model.md` §9); `nil` when untiled.
    public var tiling: TiledHeadInfo?

    public init(layer: Int, head: Int, accelerator: Int, timing: HeadTiming, selectedPairs: Int, totalPairs: Int,
                threshold: Double?, keys: Int, analytic: AnalyticModel, quality: QualityStatistics? = nil,
                tiling: TiledHeadInfo? = nil) {
        self.layer = layer
        self.head = head
        self.accelerator = accelerator
        self.timing = timing
        self.selectedPairs = selectedPairs
        self.totalPairs = totalPairs
        self.threshold = threshold
        self.keys = keys
        self.analytic = analytic
        self.quality = quality
        self.tiling = tiling
    }

    /// Busy cycles of the hash unit in preprocessing (`docs/model.md` §3), or 0 in exact mode (tiled: §9).
    public var hashPreprocessingBusy: Cycle {
        if let tiling { return tiling.hashPreprocessingBusy }
        if let busy = timing.hashPreprocessingBusy { return busy }
        return timing.hash.busy == 0 ? 0 : timing.hash.busy / Cycle(2 * keys) * Cycle(keys + 1)
    }

    /// The module kind that bounds this invocation's execution phase.
    public var bottleneck: Bottleneck { Bottleneck(timing, hashPreprocessingBusy: hashPreprocessingBusy) }

    /// Busy share of the invocation's cycles, averaged over the instances of each module kind.
    public var utilization: ModuleUtilization { ModuleUtilization(timing) }
}

/// Utilization of each module kind: mean over its instances of busy cycles / total cycles (`docs/model.md` §5).
public struct ModuleUtilization: Sendable, Equatable {
    public var hash: Double
    public var norm: Double
    public var candidateSelection: Double
    public var attention: Double
    public var outputDivision: Double

    public init(_ t: HeadTiming) {
        func mean(_ units: [UnitActivity]) -> Double {
            units.isEmpty ? 0 : units.reduce(0.0) { $0 + $1.utilization } / Double(units.count)
        }
        hash = t.hash.utilization
        norm = t.norm.utilization
        candidateSelection = mean(t.selectors)
        attention = mean(t.attention)
        outputDivision = t.outputDivision.utilization
    }

    /// Cycle-weighted over several invocations: Σ busy / Σ (T × instances) per module kind
    /// (`docs/model.md` §5, utilization of a layer or a whole run).
    public init(heads timings: [HeadTiming]) {
        var busy = [Cycle](repeating: 0, count: 5)
        var capacity = [Cycle](repeating: 0, count: 5)
        for t in timings {
            let kinds: [(Cycle, Int)] = [(t.hash.busy, 1), (t.norm.busy, 1),
                                         (t.selectors.reduce(0) { $0 + $1.busy }, t.selectors.count),
                                         (t.attention.reduce(0) { $0 + $1.busy }, t.attention.count),
                                         (t.outputDivision.busy, 1)]
            for (k, (b, instances)) in kinds.enumerated() {
                busy[k] += b
                capacity[k] += t.totalCycles * Cycle(instances)
            }
        }
        func share(_ k: Int) -> Double { capacity[k] == 0 ? 0 : Double(busy[k]) / Double(capacity[k]) }
        self.init(hash: share(0), norm: share(1), candidateSelection: share(2), attention: share(3), outputDivision: share(4))
    }

    public init(hash: Double, norm: Double, candidateSelection: Double, attention: Double, outputDivision: Double) {
        self.hash = hash
        self.norm = norm
        self.candidateSelection = candidateSelection
        self.attention = attention
        self.outputDivision = outputDivision
    }
}

/// One layer: its heads, and the layer's time — that of its slowest accelerator, each accelerator
/// running its heads back to back (`docs/model.md` §1).
public struct LayerResult: Sendable, Equatable {
    public var name: String
    public var heads: [HeadResult]
    /// The accelerator that bounds the layer (lowest index on ties).
    public var criticalAccelerator: Int
    public var cycles: Cycle
    public var preprocessingCycles: Cycle
    public var executionCycles: Cycle { cycles - preprocessingCycles }

    public init(name: String, heads: [HeadResult], accelerators: Int) {
        self.name = name
        self.heads = heads
        (criticalAccelerator, cycles, preprocessingCycles) = ReplicatedUnits.critical(
            jobs: heads.map { ($0.accelerator, $0.timing.totalCycles, $0.timing.preprocessingCycles) }, units: accelerators)
    }

    public var selectedPairs: Int { heads.reduce(0) { $0 + $1.selectedPairs } }
    public var totalPairs: Int { heads.reduce(0) { $0 + $1.totalPairs } }

    /// Heads on the critical accelerator: the ones whose cycles make up the layer's.
    public var criticalHeads: [HeadResult] { heads.filter { $0.accelerator == criticalAccelerator } }
    /// The paper's closed form and the lower bound summed over the critical accelerator's heads.
    public var analytic: AnalyticModel {
        criticalHeads.reduce(AnalyticModel(paperClosedForm: 0, lowerBound: 0)) {
            AnalyticModel(paperClosedForm: $0.paperClosedForm + $1.analytic.paperClosedForm,
                          lowerBound: $0.lowerBound + $1.analytic.lowerBound)
        }
    }
    /// The module kind that bounds the layer (all heads, cycle-weighted).
    public var bottleneck: Bottleneck { Bottleneck(heads: heads.map { ($0.timing, $0.hashPreprocessingBusy) }) }

    /// The heads' quality merged in head order; `nil` unless every head was measured.
    public var quality: QualityStatistics? {
        let measured = heads.compactMap(\.quality)
        return measured.count == heads.count ? QualityStatistics.merged(measured) : nil
    }
}

/// Where the thresholds came from, as reports state it.
public enum ThresholdSource: Sendable, Equatable, CustomStringConvertible {
    case exact
    case calibratedOnTrace(p: Double)
    case file(String)

    public var description: String {
        switch self {
        case .exact: return "exact"
        case .calibratedOnTrace: return "calibrated-on-trace"
        case let .file(path): return "file:\(path)"
        }
    }
}

/// A whole trace simulated on one config: layers in order, totals summed over layers.
public struct SimulationResult: Sendable, Equatable {
    public var configName: String
    public var traceName: String
    public var thresholds: ThresholdSource
    public var clockGHz: Double
    public var layers: [LayerResult]
    /// The hardware's head dim `d` and hash bits `k` (memory row sizes), and whether it approximated.
    public var headDim: Int
    public var hashBits: Int
    public var approximate: Bool
    /// The bias policy and whether the trace had a bias (set by `ElsaSimulation.run`).
    public var bias = BiasUse()

    public init(configName: String, traceName: String, thresholds: ThresholdSource, clockGHz: Double, layers: [LayerResult],
                headDim: Int = 64, hashBits: Int = 64, approximate: Bool = true) {
        self.configName = configName
        self.traceName = traceName
        self.thresholds = thresholds
        self.clockGHz = clockGHz
        self.layers = layers
        self.headDim = headDim
        self.hashBits = hashBits
        self.approximate = approximate
    }

    /// On-chip memory traffic of one head (`MemoryTraffic`).
    public func traffic(_ head: HeadResult) -> MemoryTraffic {
        MemoryTraffic(timing: head.timing, keys: head.keys, approximate: approximate, headDim: headDim, hashBits: hashBits)
            .addingTiles(head.tiling, keys: head.keys, approximate: approximate)
    }

    /// The paper's closed form and the lower bound summed over layers.
    public var analytic: AnalyticModel {
        layers.reduce(AnalyticModel(paperClosedForm: 0, lowerBound: 0)) {
            AnalyticModel(paperClosedForm: $0.paperClosedForm + $1.analytic.paperClosedForm,
                          lowerBound: $0.lowerBound + $1.analytic.lowerBound)
        }
    }

    public var cycles: Cycle { layers.reduce(0) { $0 + $1.cycles } }
    public var preprocessingCycles: Cycle { layers.reduce(0) { $0 + $1.preprocessingCycles } }
    public var executionCycles: Cycle { cycles - preprocessingCycles }
    public var selectedPairs: Int { layers.reduce(0) { $0 + $1.selectedPairs } }
    public var totalPairs: Int { layers.reduce(0) { $0 + $1.totalPairs } }
    /// The layers' quality merged in layer order; `nil` unless every head was measured.
    public var quality: QualityStatistics? {
        let measured = layers.compactMap(\.quality)
        return measured.count == layers.count ? QualityStatistics.merged(measured) : nil
    }

    /// Microseconds at the configured clock.
    public func microseconds(_ cycles: Cycle) -> Double { Double(cycles) / (clockGHz * 1000) }
}
