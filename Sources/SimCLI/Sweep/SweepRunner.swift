import Foundation
import Dispatch
import SimIO
import SimCharts
import SimReports
import SimStudies

/// Runs sweep points in parallel: `threads` workers take the next pending point from a shared
/// counter (points differ in cost), each point simulated single-threaded; finished rows go to the
/// journal at once and are returned in point order, whatever the thread count.
enum SweepRunner {
    /// - Parameters:
    ///   - pending: point indices to simulate, in point order.
    ///   - reused: points already in the output (for the progress line).
    /// - Throws: the first error of any point; the other workers stop taking points.
    static func run(plan: SweepPlan, pending: [Int], reused: Int, threads: Int, journal: SweepJournal,
                    console: Console) throws -> [SweepRow] {
        guard !pending.isEmpty else { return [] }
        let state = RunnerState(count: pending.count)
        let start = Date()
        let total = pending.count + reused
        let workers = max(1, min(threads, pending.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let slot = state.next() {
                do {
                    let row = try plan.run(pending[slot])
                    try journal.append(row)
                    state.finish(row, at: slot) { done in   // under the state's lock: the counts appear in order
                        guard console.showsProgress else { return }
                        console.progress(progressLine(done: done, of: pending.count, reused: reused, total: total,
                                                      elapsed: Date().timeIntervalSince(start)),
                                         done: done == pending.count)
                    }
                } catch {
                    state.fail(error)
                }
            }
        }
        if let error = state.error { throw error }
        return state.rows()
    }

    /// `sweep: 12/80 points (8 reused), 0:14 elapsed, about 1:20 left`.
    static func progressLine(done: Int, of count: Int, reused: Int, total: Int, elapsed: TimeInterval) -> String {
        let left = done == 0 ? 0 : elapsed / Double(done) * Double(count - done)
        return "sweep: \(done + reused)/\(total) points" + (reused > 0 ? " (\(reused) reused)" : "")
            + ", \(clock(elapsed)) elapsed" + (done < count ? ", about \(clock(left)) left" : "")
    }

    static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// The workers' shared state: next slot, finished rows, first error.
final class RunnerState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextSlot = 0
    private var finished = 0
    private var slots: [SweepRow?]
    private(set) var error: Error?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.withLock {
            guard error == nil, nextSlot < slots.count else { return nil }
            defer { nextSlot += 1 }
            return nextSlot
        }
    }

    /// Stores `row` and hands the new count of finished points to `report` while holding the lock, so
    /// progress lines from parallel workers arrive in increasing order.
    func finish(_ row: SweepRow, at slot: Int, report: (Int) -> Void) {
        lock.withLock {
            slots[slot] = row
            finished += 1
            report(finished)
        }
    }

    func fail(_ e: Error) { lock.withLock { if error == nil { error = e } } }

    func rows() -> [SweepRow] { lock.withLock { slots.compactMap { $0 } } }
}
