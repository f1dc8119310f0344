import Testing
import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

extension JSONValue {
    /// The integer of an `.int` (or integral `.double`), for the tests.
    var int64: Int64? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d == d.rounded(): return Int64(d)
        default: return nil
        }
    }
}

/// `elsa-sim sensitivity`, the assumption switches' report headers, and `theta_bias: "fit"`.
@Suite struct SensitivityCommandTests {
    /// A second small synthetic trace with the tiny trace's shape (the held-out calibration input).
    static let otherTinyTrace: String = {
        let directory = SweepTestSupport.temporaryDirectory("tiny-other") + "/tiny-other"
        let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 24, headDim: 16, seed: 8).generate()
        try! TraceWriter.write(trace, to: URL(fileURLWithPath: directory))
        return directory
    }()

    /// Every config field whose source says "assumed" is varied or excluded with a reason; a new assumed
    /// field that is neither is reported (so fields other branches add are caught).
    @Test func everyAssumedFieldIsVariedOrExcluded() {
        #expect(SensitivityPlan.uncovered.isEmpty, "not varied and not excluded: \(SensitivityPlan.uncovered)")
        #expect(SensitivityPlan.uncovered(in: [("selector.queue_depth", "assumed: 4"), ("new.knob", "assumed: 3"),
                                               ("head_dim", "paper: 64")]) == ["new.knob"])
        for e in SensitivityPlan.exclusions { #expect(!e.reason.isEmpty) }
        // The issue's list, at least: all of these are varied.
        let varied = Set(SensitivityPlan.variations.map(\.field) + SensitivityPlan.specialFields.map(\.field))
        for field in ["selector.queue_depth", "selector.pipeline_depth", "attention.latency", "attention.accumulators",
                      "output_division.latency", "norm.keys_per_cycle", "norm.latency", "bank_mapping", "arbiter",
                      "pipeline.query_overlap", "hash.preprocessing", "hash.cost", "theta_bias", "calibration", "accelerators",
                      "approximation.relevance_count"] {
            #expect(varied.contains(field), "\(field) is not varied")
        }
    }

    /// The study on a small trace: every alternative listed, the baseline equal to `run`, one alternative
    /// equal to `run --set` of the same value, the same JSON on 1 and 3 threads, CSV and SVG written.
    @Test func studyMatchesRunsAndIsDeterministic() throws {
        let dir = SweepTestSupport.temporaryDirectory("sensitivity")
        let base = ["sensitivity", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                    "--calibration-trace", Self.otherTinyTrace, "--quiet"]
        let one = SweepTestSupport.run(base + ["--threads", "1", "--json", dir + "/one.json", "--csv", dir + "/s.csv", "--plot", dir + "/t.svg"])
        #expect(one.code == 0, "\(one.err)")
        let three = SweepTestSupport.run(base + ["--threads", "3", "--json", dir + "/three.json"])
        #expect(three.code == 0)
        #expect(SweepTestSupport.read(dir + "/one.json") == SweepTestSupport.read(dir + "/three.json"))
        let root = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/one.json").utf8))
        guard case let .array(alternatives)? = root.objectValue?["alternatives"] else { Issue.record("no alternatives"); return }
        let fields = Set(alternatives.compactMap { $0.objectValue?["assumption"]?.stringValue })
        #expect(fields.count >= 12, "only \(fields.count) assumptions: \(fields)")
        for f in ["pipeline.query_overlap", "hash.preprocessing", "hash.cost", "theta_bias", "calibration"] { #expect(fields.contains(f)) }

        // Baseline = a plain run; barrier = a run with --set pipeline.query_overlap=barrier.
        func runCycles(_ extra: [String]) throws -> Int64? {
            let r = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                          "--json", "-", "--no-quality"] + extra)
            return try JSONValue.parse(Data(r.out.utf8)).objectValue?["totals"]?.objectValue?["cycles"]?.int64
        }
        let baseline = root.objectValue?["baseline"]?.objectValue?["cycles"]?.int64
        let plain = try runCycles([])
        #expect(baseline != nil && baseline == plain)
        let barrier = alternatives.first { $0.objectValue?["assumption"]?.stringValue == "pipeline.query_overlap" }?.objectValue
        #expect(barrier?["value"]?.stringValue == "barrier")
        let barrierRun = try runCycles(["--set", "pipeline.query_overlap=barrier"])
        #expect(barrier?["cycles"]?.int64 == barrierRun)
        if let b = baseline, let c = barrier?["cycles"]?.int64 {
            #expect(barrier?["delta_cycles"]?.int64 == c - b)
        }
        // Sorted by |Δ cycles|, largest first.
        let deltas = alternatives.compactMap { $0.objectValue?["delta_cycles"]?.int64 }.map(abs)
        #expect(deltas == deltas.sorted(by: >))
        let csv = SweepTestSupport.read(dir + "/s.csv").split(separator: "\n")
        #expect(csv.first.map(String.init) == SensitivityReport.csvHeader && csv.count == alternatives.count + 2)
        let svg = SweepTestSupport.read(dir + "/t.svg")
        #expect(svg.contains("<svg") && svg.contains("pipeline.query_overlap") && svg.contains("</svg>"))
    }

    /// The run header states the assumptions and the calibration source; self-calibration is optimistic,
    /// a file calibrated on another trace is held out, and a loaded matrix prints its cost.
    /// Another accelerator's config gets a usage error naming the reason, not the ELSA loader's
    /// complaint about the format.
    @Test func otherAcceleratorsAreRefusedWithTheReason() {
        for (file, name) in [("Configs/a3-base.json", "a3"), ("Configs/ideal.json", "ideal")] {
            let r = SweepTestSupport.run(["sensitivity", "--config", Repo.path(file), "--trace", SweepTestSupport.tinyTrace])
            #expect(r.code == 64 && r.err.contains("sensitivity varies ELSA's assumed fields") && r.err.contains("\"\(name)\" config"), "\(r.err)")
        }
    }

    @Test func runHeaderStatesAssumptionsAndCalibration() throws {
        let dir = SweepTestSupport.temporaryDirectory("calibration")
        let selfRun = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace, "--no-quality"])
        #expect(selfRun.out.contains("calibrated on the evaluated input (optimistic)"))
        #expect(selfRun.out.contains("query overlap run-ahead; hash preprocessing whole-cycles; hash cost kronecker (generated Kronecker projection); θ_bias 0.127"))
        let file = dir + "/t.json"
        #expect(SweepTestSupport.run(["calibrate", "--p", "1", "--trace", Self.otherTinyTrace, "-o", file]).code == 0)
        let held = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                         "--thresholds", file, "--no-quality", "--json", "-"])
        let root = try JSONValue.parse(Data(held.out.utf8)).objectValue
        #expect(root?["calibration"]?.objectValue?["source"] == .string("held-out"))
        #expect(root?["calibration"]?.objectValue?["optimistic"] == .bool(false))
        #expect(root?["assumptions"]?.objectValue?["hash_cost"] == .string("kronecker"))
        #expect(root?["thresholds"] == .string("file:" + file))   // the existing key is unchanged
        let same = dir + "/same.json"
        #expect(SweepTestSupport.run(["calibrate", "--p", "1", "--trace", SweepTestSupport.tinyTrace, "-o", same]).code == 0)
        let optimistic = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                               "--thresholds", same, "--no-quality"])
        #expect(optimistic.out.contains("calibrated on the evaluated input (optimistic)"))
        let compare = SweepTestSupport.run(["compare", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                            "--set", "pipeline.query_overlap=run-ahead,barrier"])
        #expect(compare.out.contains("query overlap barrier") && compare.out.contains("(optimistic)"))
    }

    /// `theta_bias: "fit"` reads and prints as "fit", and at d = k = 64 with the paper's projection it
    /// reproduces the paper's value, 0.127 rad (ELSA III-D), to within 0.01.
    @Test func thetaBiasFitFollowsThePaperAtSixtyFour() throws {
        let config = try ConfigLoader.decode(.object(["theta_bias": .string("fit")]))
        #expect(config.thetaBiasRule == .fit)
        #expect(ConfigLoader.effectiveJSON(config).objectValue?["theta_bias"] == .string("fit"))
        let model = try ElsaFunctionalModel(config: config)
        #expect(abs(model.thetaBias - 0.127) < 0.01, "fit \(model.thetaBias)")
        #expect(try ElsaFunctionalModel(config: config).thetaBias == model.thetaBias)   // deterministic
        #expect(throws: ConfigError.self) { try ConfigLoader.decode(.object(["theta_bias": .string("fitted")])) }
        let numeric = try ConfigLoader.decode(.object(["theta_bias": .double(0.2)]))
        #expect(numeric.thetaBiasRule == .value && numeric.thetaBias == 0.2)
    }

    /// hash.cost for a loaded matrix: dense k·d = 4096 multiplies (H = 16 at m_h = 256), kronecker
    /// d·(4+4+4) = 768 (H = 3); a generated projection ignores it.
    @Test func loadedMatrixCost() throws {
        var c = ElsaConfig()
        c.hash.projection = .matrixFile
        c.hash.matrixFile = "m.npy"
        #expect(TimingParameters(config: c).hashCycles == 16)
        c.hash.cost = .kronecker
        #expect(TimingParameters(config: c).hashCycles == 3)
        c.hash.kroneckerFactors = [4, 4]
        #expect(throws: ConfigError.self) { try c.validate() }
        var generated = ElsaConfig()
        generated.hash.cost = .dense
        #expect(TimingParameters(config: generated).hashCycles == 3)
    }
}
