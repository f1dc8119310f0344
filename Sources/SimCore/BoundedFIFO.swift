/// A first-in first-out queue with a fixed capacity: the hardware queues of a pipeline.
///
/// Pushing into a full queue is a model bug (a producer must check `isFull` and stall: that is
/// back-pressure), so it traps with the offending values. Storage is a ring buffer allocated once.
public struct BoundedFIFO<Element>: Sendable where Element: Sendable {
    @usableFromInline var buffer: ContiguousArray<Element?>
    @usableFromInline var head = 0
    @usableFromInline var storedCount = 0
    public var count: Int { storedCount }
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity >= 1, "FIFO capacity \(capacity) < 1")
        self.capacity = capacity
        buffer = ContiguousArray(repeating: nil, count: capacity)
    }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == capacity }

    /// The oldest element, if any.
    @inlinable
    public var first: Element? { count == 0 ? nil : buffer[head] }

    @inlinable
    public mutating func push(_ element: Element) {
        precondition(count < capacity, "push into a full FIFO (capacity \(capacity))")
        var tail = head + count
        if tail >= capacity { tail -= capacity }
        buffer[tail] = element
        storedCount += 1
    }

    @inlinable
    @discardableResult
    public mutating func pop() -> Element {
        precondition(count > 0, "pop from an empty FIFO")
        let element = buffer[head]!
        buffer[head] = nil
        head += 1
        if head == capacity { head = 0 }
        storedCount -= 1
        return element
    }

    public mutating func removeAll() {
        while count > 0 { pop() }
        head = 0
    }
}
