/// Area and power budget of one accelerator at a config, row by row (ELSA Table I scaled by
/// `ComponentScaling`; `docs/energy.md` §1).
public struct AreaBreakdown: Sendable, Equatable {
    /// One row: a module or memory of one accelerator.
    public struct Row: Sendable, Equatable {
        public var component: EnergyComponent
        public var areaMM2: Double
        /// Dynamic power with every unit active each cycle at the config's clock, mW.
        public var peakDynamicMW: Double
        public var staticMW: Double
        /// Energy of one event: a busy cycle of one instance (logic) or one access (memory), pJ.
        public var energyPerEventPJ: Double

        public init(component: EnergyComponent, areaMM2: Double, peakDynamicMW: Double, staticMW: Double,
                    energyPerEventPJ: Double) {
            self.component = component
            self.areaMM2 = areaMM2
            self.peakDynamicMW = peakDynamicMW
            self.staticMW = staticMW
            self.energyPerEventPJ = energyPerEventPJ
        }
    }

    /// One row per `EnergyComponent`, in `allCases` order.
    public var rows: [Row]
    /// Whole accelerators of the config (`accelerators`).
    public var accelerators: Int

    public init(rows: [Row], accelerators: Int) {
        self.rows = rows
        self.accelerators = accelerators
    }

    public func row(_ component: EnergyComponent) -> Row { rows[component.index] }

    /// Core area of one accelerator (Table I: 1.255 mm² at the paper's config), mm².
    public var coreMM2: Double { rows.filter { $0.component.isCore }.reduce(0) { $0 + $1.areaMM2 } }
    /// K, V, Q and output memories of one accelerator (Table I: 0.892 mm²), mm².
    public var externalMemoryMM2: Double { rows.filter { !$0.component.isCore }.reduce(0) { $0 + $1.areaMM2 } }
    /// Core + external memories of one accelerator, mm².
    public var acceleratorMM2: Double { coreMM2 + externalMemoryMM2 }
    /// Every accelerator with its memories: the area throughput per area is divided by, mm².
    public var totalMM2: Double { acceleratorMM2 * Double(accelerators) }
    /// Peak dynamic power of one accelerator with its memories, mW.
    public var peakDynamicMW: Double { rows.reduce(0) { $0 + $1.peakDynamicMW } }
    /// Static power of one accelerator with its memories, mW.
    public var staticMW: Double { rows.reduce(0) { $0 + $1.staticMW } }
}
