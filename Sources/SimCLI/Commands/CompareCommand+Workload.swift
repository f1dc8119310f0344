import Foundation
import ElsaModel
import SimIO

extension CompareCommand {
    /// Every variant on workload `path`, head by head (`WorkloadSimulation`, as `run --workload`).
    static func compareWorkload(_ path: String, variants: [SimulationInputs], threads: Int,
                                console: Console) throws -> (WorkloadInput, [SimulationResult]) {
        let input = try WorkloadInput.load(file: path, threads: threads)
        var row: [SimulationResult] = []
        for (i, inputs) in variants.enumerated() {
            if inputs.thresholds != nil {
                throw UsageError.invalidValue(option: "--workload", value: path,
                                              expected: "configs that learn their thresholds (approximation.mode thresholds-file belongs to a trace)")
            }
            var result = try WorkloadSimulation.run(input, model: inputs.model, engine: .event, threads: threads, quality: true) { done, total in
                console.progress("compare: \(input.identity.name), variant \(i + 1)/\(variants.count): \(done)/\(total) heads",
                                 done: done == total && i == variants.count - 1)
            }
            result.traceName = input.identity.name
            row.append(result)
        }
        return (input, row)
    }
}
