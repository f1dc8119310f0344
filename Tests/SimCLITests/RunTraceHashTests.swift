import Foundation
import Testing
@testable import SimCLI
import SimIO

/// Issue 18 part 4: `run` hashes the trace on a thread of its own while the heads are simulated; the
/// report carries the same hash as hashing after the run (and the value shipped reports show).
@Suite struct RunTraceHashTests {
    @Test func backgroundHashIsTheTracesHash() throws {
        let trace = Repo.path("Traces/minilm-l6-gutenberg-n128")
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-base.json"), "--trace", trace, "--no-quality", "--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let hash = try JSONValue.parse(Data(r.stdout.utf8)).objectValue?["provenance"]?.objectValue?["trace_hash"]?.stringValue
        #expect(hash == TraceIdentity.hash(of: try TraceReader.read(path: trace)))
    }

    @Test func backgroundValueReturnsItsResultOnce() {
        let value = BackgroundValue { (1 ... 1000).reduce(0, +) }
        #expect(value.value == 500_500)
        #expect(value.value == 500_500)
    }
}
