import Testing
@testable import SimReports

/// `TextTable.render`: columns padded to their widest cell, two spaces between columns, numbers right
/// aligned, rules before the chosen rows, and no blank at the end of any line.
@Suite struct TextTableTests {
    @Test func paddingAlignmentRulesAndNoTrailingBlanks() {
        let rows = [["name", "cycles", "note"], ["a", "12", "long note"], ["bbbb", "3", ""], ["c"]]
        let text = TextTable.render(rows, rightAligned: [1], ruleBefore: [1])
        // Widths 4, 6, 9 (by hand); the last column is left-aligned, so its padding must be trimmed.
        let expected = [
            "name  cycles  note",
            "────  ──────  ─────────",
            "a         12  long note",
            "bbbb       3",
            "c",
        ].joined(separator: "\n") + "\n"
        #expect(text == expected)
        #expect(!text.split(separator: "\n").contains { $0.last == " " })
    }

    @Test func emptyInput() {
        #expect(TextTable.render([]) == "")
    }
}
