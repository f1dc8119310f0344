import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The report of `elsa-sim quality --theta-bias-fit`: the angle estimator's error distribution on
/// Gaussian vectors and on a trace's real (query, key) pairs, and the 80th percentile each suggests as
/// θ_bias (ELSA III-D; `docs/quality.md` §4).
public struct ThetaBiasReport {
    /// One measured distribution.
    public struct Row {
        /// What was measured, e.g. "gaussian" or "trace".
        public var source: String
        /// Vector dimension drawn or found in the trace (zero-padded to the projection's `d`).
        public var dim: Int
        public var sample: AngleErrorSample

        public init(source: String, dim: Int, sample: AngleErrorSample) {
            self.source = source
            self.dim = dim
            self.sample = sample
        }
    }

    public let traceName: String
    public let configName: String
    /// The trace's head dim `d_t`: the suggestion is the Gaussian fit at this d.
    public let traceDim: Int
    /// `k`, hash bits.
    public let bits: Int
    /// The projection's `d` (the config's `head_dim`).
    public let projectionDim: Int
    /// The config's θ_bias, for the share of errors it covers.
    public let configThetaBias: Double
    public let gaussianSeed: UInt64
    public let rows: [Row]

    public init(traceName: String, configName: String, traceDim: Int, bits: Int, projectionDim: Int, configThetaBias: Double,
                gaussianSeed: UInt64, rows: [Row]) {
        self.traceName = traceName
        self.configName = configName
        self.traceDim = traceDim
        self.bits = bits
        self.projectionDim = projectionDim
        self.configThetaBias = configThetaBias
        self.gaussianSeed = gaussianSeed
        self.rows = rows
    }

    public func json() -> JSONValue {
        .object([
            "trace": .string(traceName),
            "config": .string(configName),
            "trace_d": .int(Int64(traceDim)),
            "k": .int(Int64(bits)),
            "projection_d": .int(Int64(projectionDim)),
            "percentile": .double(ThetaBiasFit.percentile),
            "config_theta_bias": .double(configThetaBias),
            "gaussian_seed": .int(Int64(bitPattern: gaussianSeed)),
            "suggested_theta_bias": rows.first(where: { $0.source == "gaussian" && $0.dim == traceDim && $0.sample.count > 0 })
                .map { .double($0.sample.percentile(ThetaBiasFit.percentile)) } ?? .null,
            "fits": .array(rows.map { row in
                let s = row.sample
                return .object([
                    "source": .string(row.source),
                    "d": .int(Int64(row.dim)),
                    "pairs": .int(Int64(s.count)),
                    "population": .int(Int64(s.population)),
                    "theta_bias_p80": s.count > 0 ? .double(s.percentile(ThetaBiasFit.percentile)) : .null,
                    "p50": s.count > 0 ? .double(s.percentile(0.5)) : .null,
                    "p90": s.count > 0 ? .double(s.percentile(0.9)) : .null,
                    "mean": .double(s.mean),
                    "share_at_most_config_theta_bias": .double(s.fraction(atMost: configThetaBias)),
                ])
            }),
        ])
    }

    public static let csvHeader = "source,d,k,pairs,population,theta_bias_p80,p50,p90,mean,share_at_most_config_theta_bias"

    public func csv() -> String {
        var lines = [Self.csvHeader]
        for row in rows {
            let s = row.sample
            func pct(_ q: Double) -> String { s.count > 0 ? JSONValue.format(s.percentile(q)) : "" }
            lines.append([row.source, "\(row.dim)", "\(bits)", "\(s.count)", "\(s.population)", pct(ThetaBiasFit.percentile),
                          pct(0.5), pct(0.9), JSONValue.format(s.mean), JSONValue.format(s.fraction(atMost: configThetaBias))]
                .map(RunReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func table() -> String {
        var out = "elsa-sim quality --theta-bias-fit — trace \(traceName), config \(configName), k = \(bits), projection d = \(projectionDim)\n"
        var cells: [[String]] = [["source", "d", "pairs", "θ_bias (p80)", "p50", "p90", "mean", "≤ config θ_bias"]]
        for row in rows {
            let s = row.sample
            func rad(_ q: Double) -> String { s.count > 0 ? String(format: "%.4f", s.percentile(q)) : "—" }
            cells.append([row.source, "\(row.dim)", "\(s.count)" + (s.population != s.count ? " of \(s.population)" : ""),
                         rad(ThetaBiasFit.percentile), rad(0.5), rad(0.9), String(format: "%.4f", s.mean),
                         String(format: "%.1f%%", 100 * s.fraction(atMost: configThetaBias))])
        }
        out += TextTable.render(cells, rightAligned: Set(1 ..< 8), ruleBefore: [1])
        out += "error = (π/k)·hamming − true angle, in radians; θ_bias (p80) = its 80th percentile (ELSA III-D: 0.127 for Gaussian d = k = 64);\n"
        out += "last column: share of pairs whose error is ≤ the config's theta_bias \(JSONValue.format(configThetaBias)) (ELSA's target: 80 %)\n"
        // The Gaussian fit at the trace's own d (the paper's method applied to this d and k).
        if let gaussian = rows.first(where: { $0.source == "gaussian" && $0.dim == traceDim }),
           gaussian.sample.count > 0 {
            out += String(format: "suggested for d = %d, k = %d: --set theta_bias=%.4f\n", gaussian.dim, bits,
                          gaussian.sample.percentile(ThetaBiasFit.percentile))
        }
        return out
    }

    /// The error distributions as cumulative curves (share of pairs with error ≤ x), with the config's
    /// θ_bias and the 80 % level marked.
    public func figure() -> SVGFigure {
        var series: [ChartSeries] = []
        var low = 0.0, high = 0.0
        for row in rows where row.sample.count > 0 {
            let e = row.sample.errors
            let steps = min(200, e.count)
            let points = (0 ..< steps).map { i -> ChartPoint in
                let index = (i * (e.count - 1)) / max(1, steps - 1)
                return ChartPoint(x: e[index], y: Double(index + 1) / Double(e.count))
            }
            low = min(low, e[e.count / 200])
            high = max(high, e[e.count - 1 - e.count / 200])
            series.append(ChartSeries(name: "\(row.source), d = \(row.dim) (\(row.sample.count) pairs)", points: points, markers: false))
        }
        low = (low * 10).rounded(.down) / 10
        high = (high * 10).rounded(.up) / 10
        series.append(ChartSeries(name: "config theta_bias \(JSONValue.format(configThetaBias))",
                                  points: [ChartPoint(x: configThetaBias, y: 0), ChartPoint(x: configThetaBias, y: 1)],
                                  stroke: .dotted, markers: false, color: "#555555"))
        series.append(ChartSeries(name: "80 % of pairs", points: [ChartPoint(x: low, y: 0.8), ChartPoint(x: high, y: 0.8)],
                                  stroke: .dashed, markers: false, color: "#999999"))
        var chart = LineChart(title: "Angle estimator error, k = \(bits) — \(traceName)",
                              xLabel: "error (π/k)·hamming − true angle (radians)", yLabel: "share of pairs with error ≤ x",
                              series: series)
        chart.xRange = low ... high
        chart.yRange = 0 ... 1
        return SVGFigure(charts: [chart], caption: "elsa-sim quality --theta-bias-fit, config \(configName); ELSA III-D sets θ_bias to the 80th percentile on Gaussian vectors")
    }
}
