/// A model that the discrete-event engine drives: it reacts to its own event payloads and may schedule
/// more. Concrete conforming types are used generically (`Simulator<Model>`), so dispatch is static:
/// no existentials or closures on the hot path.
public protocol EventDrivenModel {
    associatedtype Event: Sendable
    /// Handles one event at cycle `now`; new events go into `queue` (never before `now`).
    mutating func handle(_ event: Event, at now: Cycle, queue: inout EventQueue<Event>)
}

/// The discrete-event engine: pops events in (time, priority, sequence) order and hands them to the
/// model. It knows nothing about what is being simulated.
public struct Simulator<Model: EventDrivenModel> {
    public var model: Model
    public private(set) var queue = EventQueue<Model.Event>()
    public private(set) var now: Cycle = 0
    public private(set) var eventsProcessed: Int = 0

    public init(model: Model) { self.model = model }

    public mutating func schedule(_ event: Model.Event, at time: Cycle, priority: Int32 = 0) {
        precondition(time >= now, "event scheduled at \(time) < now \(now)")
        queue.schedule(event, at: time, priority: priority)
    }

    /// Runs until no event is left. Returns the time of the last event handled.
    @discardableResult
    public mutating func run() -> Cycle {
        while let event = queue.popNext() {
            precondition(event.time >= now, "event at \(event.time) < now \(now)")
            now = event.time
            eventsProcessed += 1
            model.handle(event.payload, at: now, queue: &queue)
        }
        return now
    }
}
