import Foundation

/// A value computed on its own thread while the caller goes on (the run command hashes the trace while
/// the heads are simulated: the hash is one serial pass over every value of the trace). `value` waits for it.
final class BackgroundValue<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?  // written once by the worker before `done` is signalled

    init(_ body: @escaping @Sendable () -> T) {
        let thread = Thread { [self] in
            result = body()
            done.signal()
        }
        thread.start()
    }

    /// The value, once computed (waits for the worker the first time).
    lazy var value: T = {
        done.wait()
        return result!
    }()
}
