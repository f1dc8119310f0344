import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The number-format part of `CompareReport`'s "per config" section (`numerics.mode: elsa`,
/// `docs/numerics.md` §8): one line per (trace, variant) that ran in elsa mode; empty otherwise.
extension CompareReport {
    func numericsSummaryTable() -> String {
        guard summaries.contains(where: { $0.contains { $0?.numerics != nil } }) else { return "" }
        var rows = [["trace", "config", "sel changed", "mass", "float mass", "err", "float err"]]
        for t in traces.indices {
            for (v, s) in summaries[t].enumerated() {
                guard let n = s?.numerics else { continue }
                rows.append([traces[t].name, variants[v].label, String(format: "%.1f%%", n.selectionChangeFraction * 100),
                             QualityFields.massCell(n.hardware.massKeptMean), QualityFields.massCell(n.floatModel.massKeptMean),
                             QualityFields.errorCell(n.hardware.outputError), QualityFields.errorCell(n.floatModel.outputError)])
            }
        }
        return "\nnumber formats (numerics.mode elsa): hardware vs float model\n"
            + TextTable.render(rows, rightAligned: [2, 3, 4, 5, 6], ruleBefore: [1])
            + "err: relative L2 error of the hardware's own output rows vs exact float attention (docs/numerics.md)\n"
    }
}
