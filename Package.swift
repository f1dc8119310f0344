// swift-tools-version:6.0
// elsa-sim: a cycle-accurate simulator of the ELSA self-attention accelerator (Ham et al., ISCA 2021).
// Toolchain only: no package dependencies.
import PackageDescription

let package = Package(
    name: "elsa-sim",
    products: [
        .executable(name: "elsa-sim", targets: ["elsa-sim"]),
        .library(name: "ElsaModel", targets: ["ElsaModel"]),
    ],
    targets: [
        // A generic discrete-event engine: cycles, events, bounded FIFOs, statistics. Knows nothing of ELSA.
        .target(name: "SimCore"),
        // In-memory attention workloads (Q/K/V per layer and head) and synthetic generators. No I/O.
        .target(name: "Workload"),
        // The ELSA accelerator: hardware config, the approximation algorithm, the pipeline modules.
        .target(name: "ElsaModel", dependencies: ["SimCore", "Workload"]),
        // The A^3 accelerator (HPCA 2020) on the same engine: greedy candidate search, post-scoring, pipeline.
        .target(name: "A3Model", dependencies: ["SimCore", "Workload"]),
        // The edges: .npy and trace directories, config, workload and thresholds JSON, output files, content hashes.
        .target(name: "SimIO", dependencies: ["Workload", "ElsaModel", "A3Model"]),
        // Charts as SVG: line, stacked-bar, Pareto, tornado and Gantt charts. Knows data series, not accelerators.
        .target(name: "SimCharts"),
        // Reports: what a run, a comparison or a quality study prints, as a table, JSON and CSV; Chrome-trace timelines.
        .target(name: "SimReports", dependencies: ["SimIO", "SimCharts", "ElsaModel", "A3Model", "Workload", "SimCore"]),
        // Every accelerator behind one protocol (AcceleratorModel), registered once by the config's "accelerator" field:
        // Elsa/, A3/, Ideal/ (the ELSA paper's ideal accelerator), each one folder.
        .target(name: "Accelerators", dependencies: ["SimIO", "SimReports", "SimCharts", "ElsaModel", "A3Model", "Workload", "SimCore"]),
        // Studies written against the models: sweeps (grid, shards, merge, rows, charts).
        .target(name: "SimStudies", dependencies: ["Accelerators", "SimIO", "SimReports", "SimCharts", "ElsaModel", "A3Model", "Workload"]),
        // Commands as a library: runMain(arguments) -> exit code, so tests drive the CLI in-process.
        .target(name: "SimCLI", dependencies: ["Accelerators", "SimIO", "SimCharts", "SimReports", "SimStudies", "ElsaModel", "A3Model", "Workload", "SimCore"]),
        .executableTarget(name: "elsa-sim", dependencies: ["SimCLI"]),

        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload"]),
        .testTarget(name: "ElsaModelTests", dependencies: ["ElsaModel", "Workload", "SimCore"]),
        .testTarget(name: "A3ModelTests", dependencies: ["A3Model", "Workload", "SimCore"]),
        .testTarget(name: "SimIOTests", dependencies: ["SimIO", "Workload", "ElsaModel"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "SimChartsTests", dependencies: ["SimCharts"]),
        .testTarget(name: "SimReportsTests", dependencies: ["SimReports", "SimIO", "ElsaModel", "Workload"]),
        .testTarget(name: "SimStudiesTests", dependencies: ["SimStudies", "SimReports", "SimCharts", "SimIO"]),
        .testTarget(name: "SimCLITests", dependencies: ["SimCLI", "Accelerators", "A3Model", "SimIO", "SimCharts", "SimReports", "SimStudies", "ElsaModel", "Workload"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
