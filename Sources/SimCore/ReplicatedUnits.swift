/// Jobs spread over identical units (whole accelerators) that each run their jobs back to back: the
/// work takes as long as the busiest unit. Both accelerator models time a layer's heads this way.
public enum ReplicatedUnits {
    /// The busiest unit (lowest index on ties), its total cycles and the preprocessing part of them.
    ///
    /// - Parameter jobs: each job's unit (`0 ..< units`), cycles and preprocessing cycles.
    public static func critical(jobs: [(unit: Int, cycles: Cycle, preprocessing: Cycle)], units: Int)
        -> (unit: Int, cycles: Cycle, preprocessing: Cycle) {
        precondition(units >= 1, "\(units) units")
        var total = Array(repeating: Cycle(0), count: units)
        var pre = Array(repeating: Cycle(0), count: units)
        for job in jobs {
            total[job.unit] += job.cycles
            pre[job.unit] += job.preprocessing
        }
        var critical = 0
        for u in 1 ..< units where total[u] > total[critical] { critical = u }
        return (critical, total[critical], pre[critical])
    }
}
