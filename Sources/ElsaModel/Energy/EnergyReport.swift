/// Energy of a whole simulated trace on one config: per head, per layer and in total, with the config's
/// area and throughput per area (`docs/energy.md` §2–3). Built by `EnergyModel.report(for:)`.
public struct EnergyReport: Sendable, Equatable {
    /// One layer: its energy (heads' dynamic energy + every accelerator's static energy over the layer's
    /// time), each head's energy and activity counts.
    public struct Layer: Sendable, Equatable {
        public var name: String
        public var energy: EnergyBreakdown
        public var heads: [EnergyBreakdown]
        public var activities: [ActivityCounts]

        public init(name: String, energy: EnergyBreakdown, heads: [EnergyBreakdown], activities: [ActivityCounts]) {
            self.name = name
            self.energy = energy
            self.heads = heads
            self.activities = activities
        }
    }

    public var area: AreaBreakdown
    public var layers: [Layer]

    public init(area: AreaBreakdown, layers: [Layer]) {
        self.area = area
        self.layers = layers
    }

    /// Layers in sequence.
    public var total: EnergyBreakdown { layers.reduce(EnergyBreakdown.zero) { $0 + $1.energy } }

    /// Queries (output rows of every head invocation) per second of simulated time.
    public var queriesPerSecond: Double {
        let t = total
        return t.timeNS > 0 ? Double(t.queries) / (t.timeNS * 1e-9) : 0
    }

    /// Throughput per area: queries per second ÷ the area of every accelerator with its external
    /// memories (`AreaBreakdown.totalMM2`), queries/s/mm².
    public var queriesPerSecondPerMM2: Double { area.totalMM2 > 0 ? queriesPerSecond / area.totalMM2 : 0 }
}
