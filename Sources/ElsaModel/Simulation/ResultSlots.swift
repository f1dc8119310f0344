import Foundation

/// Fixed slots that worker threads fill by index, each slot written once: the deterministic merge of
/// parallel results (the order is the slot order, whatever the thread count or timing).
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) {
        lock.lock()
        precondition(slots[index] == nil, "result slot \(index) written twice")
        slots[index] = value
        lock.unlock()
    }

    /// All values in slot order; every slot must have been filled.
    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.enumerated().map { i, v in
            guard let v else { preconditionFailure("result slot \(i) never written") }
            return v
        }
    }
}

/// A thread-safe counter for progress reports.
final class ProgressCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
