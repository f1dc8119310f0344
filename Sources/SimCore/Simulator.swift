/// A model that the discrete-event engine drives: it reacts to its own event payloads and may schedule
/// more. Concrete conforming types are used generically (`Simulator<Model>`), so dispatch is static:
/// no existentials or closures on the hot path.
public protocol EventDrivenModel {
    associatedtype Event: Sendable
    /// Handles one event at cycle `now`; new events go into `queue` (never before `now`).
    mutating func handle(_ event: Event, at now: Cycle, queue: inout EventQueue<Event>)
}

/// The discrete-event engine: pops events in (time, priority, sequence) order and hands them to the
/// model. It knows nothing about what is being simulated. Its methods are inlinable, so a model's
/// module gets a copy specialized to its own types (no generic dispatch or runtime metadata per event).
public struct Simulator<Model: EventDrivenModel> {
    public var model: Model
    @usableFromInline var pending = EventQueue<Model.Event>()
    @usableFromInline var clock: Cycle = 0
    @usableFromInline var handled: Int = 0

    public var queue: EventQueue<Model.Event> { pending }
    public var now: Cycle { clock }
    public var eventsProcessed: Int { handled }

    @inlinable public init(model: Model) { self.model = model }

    @inlinable
    public mutating func schedule(_ event: Model.Event, at time: Cycle, priority: Int32 = 0) {
        precondition(time >= clock, "event scheduled at \(time) < now \(clock)")
        pending.schedule(event, at: time, priority: priority)
    }

    /// Runs until no event is left. Returns the time of the last event handled.
    @inlinable @discardableResult
    public mutating func run() -> Cycle {
        while let event = pending.popNext() {
            precondition(event.time >= clock, "event at \(event.time) < now \(clock)")
            clock = event.time
            handled += 1
            model.handle(event.payload, at: clock, queue: &pending)
        }
        return clock
    }
}
