import Foundation

/// Counts finished heads across worker threads and reports (done, total): the progress callback every
/// model's `simulate` shares.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let progress: (@Sendable (Int, Int) -> Void)?

    init(total: Int, progress: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.progress = progress
    }

    func finishOne() {
        let now = lock.withLock { done += 1; return done }
        progress?(now, total)
    }
}
