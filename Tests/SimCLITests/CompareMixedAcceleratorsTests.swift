import Testing
import Foundation
@testable import SimCLI

/// `elsa-sim compare` takes A^3 configs too (issue 9: one CLI for both): with one among the configs it
/// compares the accelerators side by side, as `compare-accelerators` does.
@Suite struct CompareMixedAcceleratorsTests {
    @Test func compareAcceptsAnA3Config() {
        let args = ["--config", Repo.path("Configs/elsa-base.json"), "--config", Repo.path("Configs/a3-base.json"),
                    "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128")]
        let mixed = CLIRun(["compare"] + args)
        #expect(mixed.status == 0, "\(mixed.stderr)")
        let direct = CLIRun(["compare-accelerators"] + args)
        #expect(mixed.stdout == direct.stdout)
        #expect(mixed.stdout.contains("elsa-base") && mixed.stdout.contains("a3-base"))
        // ELSA-base on the shipped trace: 6 layers × 12 heads × (128 · ⌈128/4⌉ + 12) cycles (docs/model.md §6).
        #expect(mixed.stdout.contains("\(6 * 12 * (128 * 32 + 12))"))
        let refused = CLIRun(["compare"] + args + ["--set", "approximation.p=2"])
        #expect(refused.status == 64)
    }
}
