import ElsaModel
import SimCore
import SimIO

/// What every accelerator's run report gives under one name (`docs/reports.md`, "One schema"): the
/// whole-run totals, each layer's common keys and the `units` block. ELSA's `RunReport` and the other models'
/// `AcceleratorRunReport` both take them from here, so the names cannot drift apart.
public enum CommonRunFields {
    /// The `units` block (`RunReport` adds ELSA's `bytes`).
    public static let units: [String: JSONValue] = [
        "cycles": .string("clock cycles (integers) at clock_ghz"),
        "time_us": .string("microseconds at clock_ghz"),
        "utilization": .string("busy cycles / cycles, mean over a module kind's instances"),
    ]

    /// The `totals` object's common keys.
    public static func totals(cycles: Cycle, preprocessingCycles: Cycle, executionCycles: Cycle, selectedPairs: Int, totalPairs: Int,
                              clockGHz: Double, quality: QualityStatistics?) -> [String: JSONValue] {
        [
            "cycles": .int(cycles),
            "preprocessing_cycles": .int(preprocessingCycles),
            "execution_cycles": .int(executionCycles),
            "selected_pairs": .int(Int64(selectedPairs)),
            "total_pairs": .int(Int64(totalPairs)),
            "selected_fraction": .double(totalPairs == 0 ? 0 : Double(selectedPairs) / Double(totalPairs)),
            "time_us": .double(Double(cycles) / (clockGHz * 1000)),
            "quality": quality.map(QualityFields.json) ?? .null,
        ]
    }

    /// A layer object's common keys.
    public static func layer(name: String, cycles: Cycle, preprocessingCycles: Cycle, executionCycles: Cycle,
                             criticalAccelerator: Int, selectedPairs: Int, totalPairs: Int,
                             quality: QualityStatistics?) -> [String: JSONValue] {
        [
            "name": .string(name),
            "cycles": .int(cycles),
            "preprocessing_cycles": .int(preprocessingCycles),
            "execution_cycles": .int(executionCycles),
            "critical_accelerator": .int(Int64(criticalAccelerator)),
            "selected_pairs": .int(Int64(selectedPairs)),
            "total_pairs": .int(Int64(totalPairs)),
            "quality": quality.map(QualityFields.json) ?? .null,
        ]
    }
}
