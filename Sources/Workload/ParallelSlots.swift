import Foundation

/// Fixed slots that worker threads fill by index, each slot written once: the deterministic merge of
/// parallel work (slot order, whatever the thread count or timing). Every parallel loop of elsa-sim —
/// over heads, sweep points, synthetic layers — goes through `map`.
public final class ParallelSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public func store(_ value: Value, at index: Int) {
        lock.lock()
        precondition(slots[index] == nil, "slot \(index) written twice")
        slots[index] = value
        lock.unlock()
    }

    /// All values in slot order; every slot must have been filled.
    public func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.enumerated().map { i, v in
            guard let v else { preconditionFailure("slot \(i) never written") }
            return v
        }
    }

    /// Runs `body(i)` for `i` in `0 ..< count` on up to `threads` workers (items taken in index order)
    /// and returns the results in index order.
    public static func map(count: Int, threads: Int, _ body: @Sendable (Int) -> Value) -> [Value] {
        let slots = ParallelSlots(count: count)
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0 ..< count { slots.store(body(i), at: i) }
        } else {
            let next = NextIndex()
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let i = next.take(below: count) { slots.store(body(i), at: i) }
            }
        }
        return slots.values()
    }
}

/// A shared work counter handing out indices `0, 1, 2, …` to worker threads.
private final class NextIndex: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// A thread-safe counter for progress reports from parallel workers.
public final class ProgressCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    public init() {}

    /// Adds one and returns the new count.
    public func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }

    /// Adds one and hands the new count to `report` while still holding the lock, so reports from
    /// parallel workers arrive in increasing order (1, 2, 3, … — never "2/8" before "1/8").
    public func increment(reporting report: (Int) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        report(value)
    }
}
