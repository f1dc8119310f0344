import Testing
import Foundation
import SimIO
import SimStudies
@testable import SimCLI

/// Issue 13 part 5: in every row of the 80-point grid the reported bottleneck is the argmax of the
/// reported `peak_*` values (row 55 named candidate_selection while attention peaked higher).
@Suite struct SweepBottleneckTests {
    @Test func bottleneckIsTheArgmaxOfThePeaks() throws {
        let jsonl = SweepCommandTests.unsharded.jsonl
        let rows = try jsonl.split(separator: "\n").map { try SweepRow(line: String($0), file: "grid.jsonl", lineNumber: 0) }
        #expect(rows.count == 80)
        let kinds = ["hash", "candidate_selection", "attention", "output_division"]   // ModuleKind order: ties go first
        for row in rows {
            var best = (kind: "", share: -1.0)
            for kind in kinds {
                let share = try #require(row.number("execution_peak." + kind))
                if share > best.share { best = (kind, share) }
            }
            #expect(SweepRow.lookup(row.value, "bottleneck.module")?.stringValue == best.kind, "row \(row.index)")
            #expect(row.number("bottleneck.busy_share") == best.share, "row \(row.index)")
        }
    }
}
