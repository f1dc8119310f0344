/// A first-in first-out queue with a fixed capacity: the hardware queues of a pipeline.
///
/// Pushing into a full queue is a model bug (a producer must check `isFull` and stall: that is
/// back-pressure), so it traps with the offending values. Storage is a ring buffer of at most 64 slots
/// at first, doubled (up to `capacity`) when the queue really holds more, so a huge configured capacity
/// costs memory only when used; `filler` only initializes unused slots.
public struct BoundedFIFO<Element>: Sendable where Element: Sendable {
    @usableFromInline var buffer: ContiguousArray<Element>
    @usableFromInline var head = 0
    @usableFromInline var storedCount = 0
    public let capacity: Int
    @usableFromInline let filler: Element

    public init(capacity: Int, filler: Element) {
        precondition(capacity >= 1, "FIFO capacity \(capacity) < 1")
        self.capacity = capacity
        self.filler = filler
        buffer = ContiguousArray(repeating: filler, count: Swift.min(capacity, 64))
    }

    @inlinable public var count: Int { storedCount }
    @inlinable public var isEmpty: Bool { storedCount == 0 }
    @inlinable public var isFull: Bool { storedCount == capacity }

    /// The oldest element, if any.
    @inlinable
    public var first: Element? { storedCount == 0 ? nil : buffer[head] }

    /// The `index`-th oldest element (0 = first); `index < count`.
    @inlinable
    public subscript(index: Int) -> Element {
        precondition(index < storedCount, "FIFO index \(index) ≥ count \(storedCount)")
        var i = head + index
        if i >= buffer.count { i -= buffer.count }
        return buffer[i]
    }

    @inlinable
    public mutating func push(_ element: Element) {
        precondition(storedCount < capacity, "push into a full FIFO (capacity \(capacity))")
        if storedCount == buffer.count { grow() }
        var tail = head + storedCount
        if tail >= buffer.count { tail -= buffer.count }
        buffer[tail] = element
        storedCount += 1
    }

    @inlinable
    @discardableResult
    public mutating func pop() -> Element {
        precondition(storedCount > 0, "pop from an empty FIFO")
        let element = buffer[head]
        head += 1
        if head == buffer.count { head = 0 }
        storedCount -= 1
        return element
    }

    /// Doubles the ring (at most to `capacity`), unrolled to start at slot 0.
    @usableFromInline
    mutating func grow() {
        var larger = ContiguousArray(repeating: filler, count: Swift.min(capacity, buffer.count * 2))
        for k in 0 ..< storedCount { larger[k] = self[k] }
        buffer = larger
        head = 0
    }
}
