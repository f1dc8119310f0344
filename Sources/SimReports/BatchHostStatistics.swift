import SimIO
import SimCharts
import Foundation

/// How `elsa-sim compare` or `elsa-sim sweep` (its `OUT.host.json`) performed on the host: wall time and simulations per
/// second. It differs between runs, so it is kept apart from the results (a `host` object, never in a
/// result row; `docs/reports.md`, `docs/sweeps.md`).
public struct BatchHostStatistics: Sendable, Equatable {
    public var wallSeconds: Double
    public var threads: Int
    /// Simulations done: (trace, variant) pairs for compare, points simulated for a sweep.
    public var simulations: Int
    /// `variants` (compare) or `points` (sweep): the JSON name of `simulations`.
    public var unit: String

    public init(wallSeconds: Double, threads: Int, simulations: Int, unit: String) {
        self.wallSeconds = wallSeconds
        self.threads = threads
        self.simulations = simulations
        self.unit = unit
    }

    public var perSecond: Double { wallSeconds > 0 ? Double(simulations) / wallSeconds : 0 }

    public func json() -> JSONValue {
        .object(["wall_seconds": .double(wallSeconds), "threads": .int(Int64(threads)),
                 unit: .int(Int64(simulations)), unit + "_per_second": .double(perSecond)])
    }
}
