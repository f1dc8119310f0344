/// What ELSA's number formats change in one head, a layer or a whole trace (`docs/numerics.md` §8):
/// the selection against the float model's, and the quality of the hardware's own output rows beside
/// the float model's. Sums, so heads merge exactly (in head order, then layer order).
public struct NumericsStatistics: Sendable, Equatable {
    /// Visible (query, key) pairs whose selection differs from the float model's.
    public var selectionChanges: Int = 0
    /// Pairs the hardware selects and the float model does not.
    public var selectionGained: Int = 0
    /// Pairs the float model selects and the hardware does not.
    public var selectionLost: Int = 0
    /// The hardware's selection measured like `docs/quality.md` §1, except that the output error sums
    /// are those of the hardware's own output rows (custom float, reciprocal table, output format)
    /// against exact float attention.
    public var hardware = QualityStatistics()
    /// The float functional model of the same head (float selection, Double softmax): `quality` of a
    /// `numerics.mode: float` run.
    public var floatModel = QualityStatistics()
    /// Output elements that were NaN or infinite (the datapath never produces one; counted to show it).
    public var nonFiniteOutputs: Int = 0
    /// The threshold as the hardware holds it (one head only; `nil` in exact mode and after merging).
    public var heldThreshold: Double? = nil

    public init() {}

    public mutating func merge(_ other: NumericsStatistics) {
        selectionChanges += other.selectionChanges
        selectionGained += other.selectionGained
        selectionLost += other.selectionLost
        hardware.merge(other.hardware)
        floatModel.merge(other.floatModel)
        nonFiniteOutputs += other.nonFiniteOutputs
        heldThreshold = nil
    }

    public static func merged<S: Sequence>(_ items: S) -> NumericsStatistics where S.Element == NumericsStatistics {
        var total = NumericsStatistics()
        for item in items { total.merge(item) }
        return total
    }

    /// Selection changes / visible pairs.
    public var selectionChangeFraction: Double {
        hardware.totalPairs == 0 ? 0 : Double(selectionChanges) / Double(hardware.totalPairs)
    }
}
