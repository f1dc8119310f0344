import Foundation

/// Fixed slots that worker threads fill by index, each slot written once: the deterministic merge of
/// parallel work in Workload (slot order, whatever the thread count or timing).
final class ParallelSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) {
        lock.lock()
        precondition(slots[index] == nil, "slot \(index) written twice")
        slots[index] = value
        lock.unlock()
    }

    /// All values in slot order; every slot must have been filled.
    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.enumerated().map { i, v in
            guard let v else { preconditionFailure("slot \(i) never written") }
            return v
        }
    }

    /// Runs `body(i)` for `i` in `0 ..< count` on up to `threads` workers (items taken in index order)
    /// and returns the results in index order.
    static func map(count: Int, threads: Int, _ body: @Sendable (Int) -> Value) -> [Value] {
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
