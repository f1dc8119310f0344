import SimIO
import SimCharts
import Foundation

/// Aligned plain-text tables for the human reports.
public enum TextTable {
    /// Renders `rows` (the first is the header) with columns padded to their widest cell.
    /// - Parameters:
    ///   - rightAligned: column indices aligned right (numbers).
    ///   - ruleBefore: row indices before which a rule line is drawn.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = [], ruleBefore: Set<Int> = []) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = Array(repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (r, row) in rows.enumerated() {
            if ruleBefore.contains(r) {
                out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
            }
            var cells: [String] = []
            for i in 0 ..< columns {
                let cell = i < row.count ? row[i] : ""
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                cells.append(rightAligned.contains(i) ? pad + cell : cell + pad)
            }
            // No trailing blanks (the last column is padded when left-aligned). A loop, not a regular
            // expression: compiling one cost more than the whole table on a small trace.
            var line = cells.joined(separator: "  ")
            while let last = line.last, last.isWhitespace { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
