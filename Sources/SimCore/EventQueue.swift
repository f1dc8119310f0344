/// A scheduled event: fires at `time`; events of the same cycle fire in `priority` order (lower first),
/// then in the order they were scheduled. That total order — (time, priority, sequence), as in
/// SST-core and gem5 — makes every simulation bit-reproducible.
public struct ScheduledEvent<Payload: Sendable>: Sendable {
    public let time: Cycle
    public let priority: Int32
    public let sequence: UInt64
    public let payload: Payload

    @inlinable
    init(time: Cycle, priority: Int32, sequence: UInt64, payload: Payload) {
        self.time = time
        self.priority = priority
        self.sequence = sequence
        self.payload = payload
    }

    @inlinable
    func precedes(_ other: ScheduledEvent) -> Bool {
        if time != other.time { return time < other.time }
        if priority != other.priority { return priority < other.priority }
        return sequence < other.sequence
    }
}

/// A binary min-heap of events ordered by (time, priority, sequence). Payloads are small value types
/// (indices, enums), never closures: an event costs no allocation beyond the heap's amortized growth.
public struct EventQueue<Payload: Sendable>: Sendable {
    @usableFromInline var heap: ContiguousArray<ScheduledEvent<Payload>> = []
    @usableFromInline var nextSequence: UInt64 = 0

    @inlinable public init() {}

    @inlinable public var isEmpty: Bool { heap.isEmpty }
    @inlinable public var count: Int { heap.count }

    /// Time of the earliest event, if any.
    @inlinable public var nextTime: Cycle? { heap.first?.time }

    @inlinable
    public mutating func schedule(_ payload: Payload, at time: Cycle, priority: Int32 = 0) {
        heap.append(ScheduledEvent(time: time, priority: priority, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event.
    @inlinable
    public mutating func popNext() -> ScheduledEvent<Payload>? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            let n = heap.count
            while true {
                let left = 2 * parent + 1
                guard left < n else { break }
                var best = left
                let right = left + 1
                if right < n && heap[right].precedes(heap[left]) { best = right }
                guard heap[best].precedes(heap[parent]) else { break }
                heap.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
