import SimIO
import SimCore
import ElsaModel

/// What one module kind of an accelerator did during one head invocation (or summed over several):
/// its stable report name, how many instances it has, and the four cycle states summed over those
/// instances (`docs/model.md` §5). Utilization = busy / (cycles × instances).
public struct ModuleActivity: Sendable, Equatable {
    /// Stable snake_case name, e.g. `candidate_selection`; the JSON `modules` / `utilization` key and the
    /// `util_<name>` CSV column.
    public var name: String
    public var instances: Int
    public var activity: UnitActivity

    public init(name: String, instances: Int, activity: UnitActivity) {
        self.name = name
        self.instances = instances
        self.activity = activity
    }

    /// Busy share of `cycles × instances`.
    public func utilization(over cycles: Cycle) -> Double {
        cycles <= 0 || instances <= 0 ? 0 : Double(activity.busy) / Double(cycles * Cycle(instances))
    }
}

/// One head invocation in the schema every accelerator model reports (`docs/reports.md`, "One schema"):
/// cycles split into preprocessing and execution, the (query, key) pairs it computed over the visible
/// ones, each module's activity, the approximation quality when measured, and the model's own fields
/// (`extras`, written under the model's namespace, e.g. `"a3": {...}`).
public struct AcceleratorHead: Sendable, Equatable {
    public var layer: Int
    public var head: Int
    /// The accelerator instance that ran it (`head mod accelerators`).
    public var accelerator: Int
    public var cycles: Cycle
    public var preprocessingCycles: Cycle
    public var executionCycles: Cycle { cycles - preprocessingCycles }
    public var selectedPairs: Int
    public var totalPairs: Int
    /// In the model's module order.
    public var modules: [ModuleActivity]
    public var quality: QualityStatistics?
    /// Model-specific fields (JSON under the model's namespace; CSV as `<namespace>_<key>` columns).
    public var extras: [(key: String, value: JSONValue)]

    public init(layer: Int, head: Int, accelerator: Int, cycles: Cycle, preprocessingCycles: Cycle, selectedPairs: Int,
                totalPairs: Int, modules: [ModuleActivity], quality: QualityStatistics?, extras: [(key: String, value: JSONValue)] = []) {
        self.layer = layer
        self.head = head
        self.accelerator = accelerator
        self.cycles = cycles
        self.preprocessingCycles = preprocessingCycles
        self.selectedPairs = selectedPairs
        self.totalPairs = totalPairs
        self.modules = modules
        self.quality = quality
        self.extras = extras
    }

    public static func == (a: AcceleratorHead, b: AcceleratorHead) -> Bool {
        a.layer == b.layer && a.head == b.head && a.accelerator == b.accelerator && a.cycles == b.cycles
            && a.preprocessingCycles == b.preprocessingCycles && a.selectedPairs == b.selectedPairs && a.totalPairs == b.totalPairs
            && a.modules == b.modules && a.quality == b.quality && a.extras.map(\.key) == b.extras.map(\.key)
            && a.extras.map(\.value) == b.extras.map(\.value)
    }
}

/// One layer: its heads spread over the accelerator instances; the layer takes as long as its busiest
/// instance, whose heads run back to back (`docs/model.md` §1; the same rule for every model).
public struct AcceleratorLayer: Sendable, Equatable {
    public var name: String
    public var heads: [AcceleratorHead]
    public var criticalAccelerator: Int
    public var cycles: Cycle
    public var preprocessingCycles: Cycle
    public var executionCycles: Cycle { cycles - preprocessingCycles }

    public init(name: String, heads: [AcceleratorHead], accelerators: Int) {
        self.name = name
        self.heads = heads
        (criticalAccelerator, cycles, preprocessingCycles) = ReplicatedUnits.critical(
            jobs: heads.map { ($0.accelerator, $0.cycles, $0.preprocessingCycles) }, units: max(1, accelerators))
    }

    /// Keeps the times a model computed itself (ELSA's layer rule is the same; this keeps them bit-equal).
    public init(name: String, heads: [AcceleratorHead], criticalAccelerator: Int, cycles: Cycle, preprocessingCycles: Cycle) {
        self.name = name
        self.heads = heads
        self.criticalAccelerator = criticalAccelerator
        self.cycles = cycles
        self.preprocessingCycles = preprocessingCycles
    }

    public var selectedPairs: Int { heads.reduce(0) { $0 + $1.selectedPairs } }
    public var totalPairs: Int { heads.reduce(0) { $0 + $1.totalPairs } }
    /// The heads' quality merged in head order; `nil` unless every head was measured.
    public var quality: QualityStatistics? {
        let measured = heads.compactMap(\.quality)
        return !heads.isEmpty && measured.count == heads.count ? QualityStatistics.merged(measured) : nil
    }
}

/// A whole trace on one accelerator config, in the common schema: what `run`, `compare` and `sweep`
/// report for every model (`AcceleratorModel`, `docs/architecture.md`).
public struct AcceleratorRun: Sendable, Equatable {
    /// The config's `"accelerator"` value (`elsa`, `a3`, `ideal`); also the namespace of its extras.
    public var accelerator: String
    public var configName: String
    public var traceName: String
    public var clockGHz: Double
    /// Module names in report order (every head lists them in this order).
    public var moduleNames: [String]
    public var layers: [AcceleratorLayer]

    public init(accelerator: String, configName: String, traceName: String, clockGHz: Double, moduleNames: [String],
                layers: [AcceleratorLayer]) {
        self.accelerator = accelerator
        self.configName = configName
        self.traceName = traceName
        self.clockGHz = clockGHz
        self.moduleNames = moduleNames
        self.layers = layers
    }

    public var cycles: Cycle { layers.reduce(0) { $0 + $1.cycles } }
    public var preprocessingCycles: Cycle { layers.reduce(0) { $0 + $1.preprocessingCycles } }
    public var executionCycles: Cycle { cycles - preprocessingCycles }
    public var selectedPairs: Int { layers.reduce(0) { $0 + $1.selectedPairs } }
    public var totalPairs: Int { layers.reduce(0) { $0 + $1.totalPairs } }
    public var quality: QualityStatistics? {
        let measured = layers.compactMap(\.quality)
        return !layers.isEmpty && measured.count == layers.count ? QualityStatistics.merged(measured) : nil
    }
    public var headCount: Int { layers.reduce(0) { $0 + $1.heads.count } }
    /// Microseconds at the configured clock.
    public func microseconds(_ cycles: Cycle) -> Double { Double(cycles) / (clockGHz * 1000) }

    /// Module activity summed over `heads`, in `moduleNames` order, and the utilization over their cycles
    /// (Σ busy / Σ cycles × instances: cycle-weighted, as ELSA's layer utilization).
    public static func utilization(_ heads: [AcceleratorHead], moduleNames: [String]) -> [(name: String, share: Double)] {
        moduleNames.map { name in
            var busy: Cycle = 0, capacity: Cycle = 0
            for h in heads {
                guard let m = h.modules.first(where: { $0.name == name }) else { continue }
                busy += m.activity.busy
                capacity += h.cycles * Cycle(m.instances)
            }
            return (name, capacity == 0 ? 0 : Double(busy) / Double(capacity))
        }
    }
}

extension AcceleratorRun {
    /// ELSA's result in the common schema (the same numbers `RunReport` prints; ELSA's own fields stay in
    /// its report).
    public init(elsa r: SimulationResult) {
        let names = ["hash", "norm", "candidate_selection", "attention", "output_division"]
        let layers = r.layers.map { layer in
            AcceleratorLayer(name: layer.name, heads: layer.heads.map { h in
                let t = h.timing
                let modules = [
                    ModuleActivity(name: "hash", instances: 1, activity: t.hash),
                    ModuleActivity(name: "norm", instances: 1, activity: t.norm),
                    ModuleActivity(name: "candidate_selection", instances: t.selectors.count, activity: t.selectors.reduce(UnitActivity(), +)),
                    ModuleActivity(name: "attention", instances: t.attention.count, activity: t.attention.reduce(UnitActivity(), +)),
                    ModuleActivity(name: "output_division", instances: 1, activity: t.outputDivision),
                ]
                return AcceleratorHead(layer: h.layer, head: h.head, accelerator: h.accelerator, cycles: t.totalCycles,
                                       preprocessingCycles: t.preprocessingCycles, selectedPairs: h.selectedPairs,
                                       totalPairs: h.totalPairs, modules: modules, quality: h.quality)
            }, criticalAccelerator: layer.criticalAccelerator, cycles: layer.cycles, preprocessingCycles: layer.preprocessingCycles)
        }
        self.init(accelerator: "elsa", configName: r.configName, traceName: r.traceName, clockGHz: r.clockGHz,
                  moduleNames: names, layers: layers)
    }
}
