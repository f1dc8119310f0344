/// A first-in first-out queue with a fixed capacity: the hardware queues of a pipeline.
///
/// Pushing into a full queue is a model bug (a producer must check `isFull` and stall: that is
/// back-pressure), so it traps with the offending values. Storage is a ring buffer allocated once;
/// `filler` only initializes unused slots.
public struct BoundedFIFO<Element>: Sendable where Element: Sendable {
    @usableFromInline var buffer: ContiguousArray<Element>
    @usableFromInline var head = 0
    @usableFromInline var storedCount = 0
    public let capacity: Int

    public init(capacity: Int, filler: Element) {
        precondition(capacity >= 1, "FIFO capacity \(capacity) < 1")
        self.capacity = capacity
        buffer = ContiguousArray(repeating: filler, count: capacity)
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
        if i >= capacity { i -= capacity }
        return buffer[i]
    }

    @inlinable
    public mutating func push(_ element: Element) {
        precondition(storedCount < capacity, "push into a full FIFO (capacity \(capacity))")
        var tail = head + storedCount
        if tail >= capacity { tail -= capacity }
        buffer[tail] = element
        storedCount += 1
    }

    @inlinable
    @discardableResult
    public mutating func pop() -> Element {
        precondition(storedCount > 0, "pop from an empty FIFO")
        let element = buffer[head]
        head += 1
        if head == capacity { head = 0 }
        storedCount -= 1
        return element
    }
}
