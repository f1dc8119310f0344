import SimCore
import Workload

/// Runs both timing engines — the discrete-event `ElsaPipeline` and the cycle-stepped
/// `ReferencePipeline` — on seeded random cases and compares every field of their `HeadTiming`
/// (`docs/validation.md`, "Randomized equivalence").
public enum EngineEquivalence {
    /// A case on which the engines disagree.
    public struct Mismatch: Sendable, CustomStringConvertible {
        public let seed: UInt64
        /// `RandomTimingCase.summary`.
        public let summary: String
        /// The first differing field (`HeadTiming.firstDifference`).
        public let difference: String
        public let reproducer: String

        public var description: String {
            "seed \(seed): \(difference)\n  case: \(summary)\n  reproduce: \(reproducer)"
        }
    }

    /// Both engines' results for case `seed`.
    public static func run(seed: UInt64) -> (testCase: RandomTimingCase, event: HeadTiming, reference: HeadTiming) {
        let testCase = RandomTimingCase(seed: seed)
        let event = ElsaPipeline.simulate(parameters: testCase.parameters, selection: testCase.selection)
        let reference = ReferencePipeline.simulate(parameters: testCase.parameters, selection: testCase.selection)
        return (testCase, event, reference)
    }

    /// Case `seed`'s mismatch, or `nil` when the engines agree on every field.
    public static func check(seed: UInt64) -> Mismatch? {
        let (testCase, event, reference) = run(seed: seed)
        guard let difference = event.firstDifference(from: reference,
                                                     selectorsPerModule: testCase.parameters.selectorsPerModule) else {
            return nil
        }
        return Mismatch(seed: seed, summary: testCase.summary, difference: difference, reproducer: testCase.reproducer)
    }

    /// Checks the cases `seeds` on `threads` worker threads.
    ///
    /// - Parameter progress: called after each case with the number done, from worker threads.
    /// - Returns: the mismatches in seed order (the result does not depend on `threads`).
    public static func check(seeds: Range<UInt64>, threads: Int,
                             progress: (@Sendable (Int) -> Void)? = nil) -> [Mismatch] {
        let count = seeds.count
        let counter = ProgressCounter()
        return ParallelSlots<Mismatch?>.map(count: count, threads: threads) { index in
            let mismatch = check(seed: seeds.lowerBound + UInt64(index))
            if let progress { progress(counter.increment()) }
            return mismatch
        }.compactMap { $0 }
    }
}
