import Testing
@testable import SimCLI

@Suite struct UsageTests {
    @Test func unknownCommandIsUsageError() {
        #expect(runMain(["frobnicate"]) == 64)
    }
}
