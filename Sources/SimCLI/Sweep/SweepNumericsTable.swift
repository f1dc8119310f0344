import SimIO
import SimCharts
import SimReports
import SimStudies

extension SweepCommand {
    /// In `numerics.mode: elsa` rows: swept values, selection changes against the float model, the
    /// hardware's mass kept and output error beside the float model's (`docs/numerics.md` §8). Empty
    /// when no row carries `numerics`.
    static func numericsTable(_ rows: [SweepRow], header: SweepHeader) -> String {
        guard rows.contains(where: { SweepRow.lookup($0.value, "numerics") != nil }) else { return "" }
        let multiTrace = header.traces.count > 1
        var table = [["point"] + (multiTrace ? ["trace"] : []) + header.fields
            + ["sel changed", "mass", "float mass", "err", "float err"]]
        for row in rows {
            func n(_ path: String) -> String { SweepTable.cell(SweepRow.lookup(row.value, path)) }
            func pct(_ path: String) -> String { row.number(path).map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
            func err(_ path: String) -> String { row.number(path).map { String(format: "%.4f", $0) } ?? "—" }
            table.append(["\(row.index)"] + (multiTrace ? [n("trace")] : []) + header.fields.map { n("values." + $0) }
                + [pct("numerics.selection_change_fraction"), pct("numerics.mass_kept_mean"), pct("numerics.float_mass_kept_mean"),
                   err("numerics.output_error"), err("numerics.float_output_error")])
        }
        let first = 1 + (multiTrace ? 1 : 0) + header.fields.count
        return "\nnumber formats (numerics.mode elsa): hardware vs float model (docs/numerics.md)\n"
            + TextTable.render(table, rightAligned: Set([0] + Array(first ..< first + 5)), ruleBefore: [1])
            + "err: relative L2 error of the hardware's own output rows vs exact float attention; float err: the float model's\n"
    }
}
