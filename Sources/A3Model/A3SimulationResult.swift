import SimCore

/// One head invocation on A^3: its preprocessing (host sort), its pipeline timing and its selection
/// counts.
public struct A3HeadResult: Sendable, Equatable {
    public var layer: Int
    public var head: Int
    /// The A^3 unit that ran it (head mod units).
    public var unit: Int
    /// Host cycles sorting the key columns (0 in base A^3), before the queries run.
    public var preprocessingCycles: Cycle
    public var pipeline: A3PipelineTiming
    /// Σ over queries of kept keys (K).
    public var selectedPairs: Int
    /// Σ over queries of candidates (C).
    public var candidatePairs: Int
    /// Σ over queries of visible keys.
    public var totalPairs: Int
    /// Σ over queries of greedy-search iterations (M performed).
    public var iterations: Int

    public init(layer: Int, head: Int, unit: Int, preprocessingCycles: Cycle, pipeline: A3PipelineTiming,
                selectedPairs: Int, candidatePairs: Int, totalPairs: Int, iterations: Int) {
        self.layer = layer
        self.head = head
        self.unit = unit
        self.preprocessingCycles = preprocessingCycles
        self.pipeline = pipeline
        self.selectedPairs = selectedPairs
        self.candidatePairs = candidatePairs
        self.totalPairs = totalPairs
        self.iterations = iterations
    }

    public var executionCycles: Cycle { pipeline.cycles }
    /// Preprocessing then execution (they do not overlap: the sort needs the head's keys).
    public var totalCycles: Cycle { preprocessingCycles + pipeline.cycles }
}

/// One layer: its heads spread over the units; the layer takes as long as its busiest unit (lowest
/// index on ties), whose heads run back to back.
public struct A3LayerResult: Sendable, Equatable {
    public var name: String
    public var heads: [A3HeadResult]
    public var criticalUnit: Int
    public var cycles: Cycle
    public var preprocessingCycles: Cycle
    public var executionCycles: Cycle { cycles - preprocessingCycles }

    public init(name: String, heads: [A3HeadResult], units: Int) {
        self.name = name
        self.heads = heads
        (criticalUnit, cycles, preprocessingCycles) = ReplicatedUnits.critical(
            jobs: heads.map { ($0.unit, $0.totalCycles, $0.preprocessingCycles) }, units: units)
    }

    public var selectedPairs: Int { heads.reduce(0) { $0 + $1.selectedPairs } }
    public var candidatePairs: Int { heads.reduce(0) { $0 + $1.candidatePairs } }
    public var totalPairs: Int { heads.reduce(0) { $0 + $1.totalPairs } }
}

/// A whole trace on one A^3 config: layers run one after another.
public struct A3SimulationResult: Sendable, Equatable {
    public var configName: String
    public var traceName: String
    public var clockGHz: Double
    public var approximate: Bool
    public var layers: [A3LayerResult]

    public init(configName: String, traceName: String, clockGHz: Double, approximate: Bool, layers: [A3LayerResult]) {
        self.configName = configName
        self.traceName = traceName
        self.clockGHz = clockGHz
        self.approximate = approximate
        self.layers = layers
    }

    public var cycles: Cycle { layers.reduce(0) { $0 + $1.cycles } }
    public var preprocessingCycles: Cycle { layers.reduce(0) { $0 + $1.preprocessingCycles } }
    public var executionCycles: Cycle { cycles - preprocessingCycles }
    public var selectedPairs: Int { layers.reduce(0) { $0 + $1.selectedPairs } }
    public var candidatePairs: Int { layers.reduce(0) { $0 + $1.candidatePairs } }
    public var totalPairs: Int { layers.reduce(0) { $0 + $1.totalPairs } }
    /// Cycles at the clock, in microseconds.
    public func microseconds(_ cycles: Cycle) -> Double { Double(cycles) / (clockGHz * 1000) }
}
