/// How close ELSA's approximate attention comes to exact attention over a set of queries: one head, a
/// layer or a whole trace (`docs/quality.md` §1 defines every metric).
///
/// The fields are sums (and one minimum), so statistics of several heads merge exactly: a layer's
/// statistics are its heads' merged in head order, a trace's its layers' merged in layer order. The
/// ratios (`selectedFraction`, `massKeptMean`, `outputError`, the recalls) are computed from the sums,
/// so an aggregate weighs every query (or pair) equally, not every head.
public struct QualityStatistics: Sendable, Equatable {
    /// `K` of the top-K recall: how many of each query's highest-scoring exact keys are checked.
    public static let topK = 5

    /// Real queries measured.
    public var queries: Int = 0
    /// Σ selected (query, key) pairs.
    public var selectedPairs: Int = 0
    /// Σ visible (query, key) pairs.
    public var totalPairs: Int = 0
    /// Σ over queries of the exact softmax mass carried by the selected keys, `m_i`.
    public var massKeptSum: Double = 0
    /// min over queries of `m_i` (`+∞` while no query was measured).
    public var massKeptMinimum: Double = .infinity
    /// Σ over queries of `‖Ô_i − O_i‖²` (approximate minus exact output row).
    public var errorSquaredSum: Double = 0
    /// Σ over queries of `‖O_i‖²`.
    public var referenceSquaredSum: Double = 0
    /// Queries whose highest-scoring exact key was selected.
    public var top1Hits: Int = 0
    /// Σ over queries of the selected keys among the query's `min(K, v_i)` highest-scoring exact keys.
    public var topKHits: Int = 0
    /// Σ over queries of `min(K, v_i)`.
    public var topKSlots: Int = 0
    /// Queries with no selected key (their output row is all zeros, `docs/algorithm.md` §7).
    public var emptyQueries: Int = 0
    /// Σ over queries of the exact softmax probability of key 0, `P_0` (the attention sink, `docs/quality.md` §1).
    public var sinkMassSum: Double = 0
    /// Queries whose selection keeps key 0.
    public var sinkSelected: Int = 0
    /// Heads whose stored `out` disagrees with the recomputed exact output, in merge order.
    public var storedOutMismatches: [StoredOutMismatch] = []

    public init() {}

    public init(queries: Int, selectedPairs: Int, totalPairs: Int, massKeptSum: Double, massKeptMinimum: Double,
                errorSquaredSum: Double, referenceSquaredSum: Double, top1Hits: Int, topKHits: Int, topKSlots: Int,
                emptyQueries: Int) {
        self.queries = queries
        self.selectedPairs = selectedPairs
        self.totalPairs = totalPairs
        self.massKeptSum = massKeptSum
        self.massKeptMinimum = massKeptMinimum
        self.errorSquaredSum = errorSquaredSum
        self.referenceSquaredSum = referenceSquaredSum
        self.top1Hits = top1Hits
        self.topKHits = topKHits
        self.topKSlots = topKSlots
        self.emptyQueries = emptyQueries
    }

    /// Adds `other`'s queries to `self`.
    public mutating func merge(_ other: QualityStatistics) {
        queries += other.queries
        selectedPairs += other.selectedPairs
        totalPairs += other.totalPairs
        massKeptSum += other.massKeptSum
        massKeptMinimum = min(massKeptMinimum, other.massKeptMinimum)
        errorSquaredSum += other.errorSquaredSum
        referenceSquaredSum += other.referenceSquaredSum
        top1Hits += other.top1Hits
        topKHits += other.topKHits
        topKSlots += other.topKSlots
        emptyQueries += other.emptyQueries
        sinkMassSum += other.sinkMassSum
        sinkSelected += other.sinkSelected
        storedOutMismatches += other.storedOutMismatches
    }

    /// `items` merged in order (an empty list gives the empty statistics).
    public static func merged<S: Sequence>(_ items: S) -> QualityStatistics where S.Element == QualityStatistics {
        var total = QualityStatistics()
        for item in items { total.merge(item) }
        return total
    }

    /// Selected pairs / visible pairs (0 when there are none).
    public var selectedFraction: Double { totalPairs == 0 ? 0 : Double(selectedPairs) / Double(totalPairs) }
    /// Mean over queries of the mass kept `m_i` (1 when no query was measured).
    public var massKeptMean: Double { queries == 0 ? 1 : massKeptSum / Double(queries) }
    /// The worst query's mass kept (1 when no query was measured).
    public var massKeptMin: Double { queries == 0 ? 1 : massKeptMinimum }
    /// Relative L2 (Frobenius) error `sqrt(Σ‖Ô_i − O_i‖² / Σ‖O_i‖²)`; `nil` when every exact output row
    /// is zero (the ratio is undefined), 0 when there is nothing at all.
    public var outputError: Double? {
        if referenceSquaredSum > 0 {
            let ratio = (errorSquaredSum / referenceSquaredSum).squareRoot()
            return ratio.isFinite ? ratio : nil
        }
        return errorSquaredSum == 0 ? 0 : nil
    }
    /// Why `outputError` is `nil` (reports write it as `output_error_reason`); `nil` when it has a value.
    public var outputErrorReason: String? {
        guard outputError == nil else { return nil }
        if referenceSquaredSum > 0 { return "the sums overflowed (the inputs hold values too large for Double)" }
        return "every exact output row is zero, so the relative error is undefined"
    }
    /// Share of queries whose top-1 exact key was selected (1 when no query was measured).
    public var top1Recall: Double { queries == 0 ? 1 : Double(top1Hits) / Double(queries) }
    /// Mean over queries of the exact softmax mass on key 0 (0 when no query was measured).
    public var sinkMass: Double { queries == 0 ? 0 : sinkMassSum / Double(queries) }
    /// Share of queries whose selection keeps key 0 (0 when no query was measured).
    public var sinkSelectedFraction: Double { queries == 0 ? 0 : Double(sinkSelected) / Double(queries) }
    /// Share of the top-K exact keys, pooled over queries, that were selected (1 when none).
    public var topKRecall: Double { topKSlots == 0 ? 1 : Double(topKHits) / Double(topKSlots) }
}

/// A head whose stored `out` disagrees with exact attention recomputed from its q, k and v (issue 19):
/// the quality metrics use the recomputed output, and the CLI warns naming the layer and head.
public struct StoredOutMismatch: Sendable, Equatable {
    /// Element tolerance `|out − O| ≤ absolute + relative · |O|` (float32 and float16 storage of a
    /// PyTorch output agree far within it; a stale or corrupt `out` does not). `docs/quality.md` §1.
    public static let absoluteTolerance = 1e-3
    public static let relativeTolerance = 1e-2

    public var layer: Int
    public var head: Int
    /// Query rows with at least one element out of tolerance.
    public var rows: Int
    /// Largest element deviation (`∞` for NaN or infinite stored values).
    public var largestDeviation: Double

    public init(layer: Int, head: Int, rows: Int, largestDeviation: Double) {
        self.layer = layer
        self.head = head
        self.rows = rows
        self.largestDeviation = largestDeviation
    }
}
