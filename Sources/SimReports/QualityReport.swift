import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The report of `elsa-sim quality`'s p sweep: per p, per layer and overall, the approximation quality
/// with thresholds learned on the trace itself and, optionally, on other traces, and how much the
/// selected fraction and mass kept shift between the two (`docs/quality.md` §2–3). Human table, JSON,
/// CSV and an SVG chart are all built from the same sweep points.
public struct QualityReport {
    public let traceName: String
    public let configName: String
    public let layerNames: [String]
    /// Thresholds learned on the trace itself, one point per p.
    public let sameTrace: [QualitySweepPoint]
    /// Thresholds learned on other traces, the same p in the same order; `nil` when not asked for.
    public let otherTraces: [QualitySweepPoint]?

    public init(traceName: String, configName: String, layerNames: [String], sameTrace: [QualitySweepPoint],
                otherTraces: [QualitySweepPoint]? = nil) {
        precondition(otherTraces == nil || otherTraces!.map(\.p) == sameTrace.map(\.p), "the two sweeps have different p lists")
        self.traceName = traceName
        self.configName = configName
        self.layerNames = layerNames
        self.sameTrace = sameTrace
        self.otherTraces = otherTraces
    }

    /// The other traces' names, or `[]`.
    public var calibrationNames: [String] {
        if case let .otherTraces(names)? = otherTraces?.first?.calibration { return names }
        return []
    }

    // MARK: JSON

    public func json() -> JSONValue {
        var root: [String: JSONValue] = [
            "trace": .string(traceName),
            "config": .string(configName),
            "top_k": .int(Int64(QualityStatistics.topK)),
            "same_trace": .array(sameTrace.map(pointJSON)),
            "other_traces": otherTraces.map { .array($0.map(pointJSON)) } ?? .null,
            "calibration_traces": .array(calibrationNames.map(JSONValue.string)),
        ]
        if let otherTraces {
            root["shift"] = .array(zip(sameTrace, otherTraces).map { same, other in
                let spread = Self.headSpread(same, other)
                return .object([
                    "p": .double(same.p),
                    "total": shiftJSON(same.total, other.total),
                    "heads": .object([
                        "mean_abs_selected_fraction": .double(spread.meanSelected),
                        "max_abs_selected_fraction": .double(spread.maxSelected),
                        "mean_abs_mass_kept_mean": .double(spread.meanMass),
                        "max_abs_mass_kept_mean": .double(spread.maxMass),
                    ]),
                    "layers": .array(zip(layerNames, zip(same.layers, other.layers)).map { name, pair in
                        .object(["name": .string(name), "shift": shiftJSON(pair.0, pair.1)])
                    }),
                ])
            })
        } else {
            root["shift"] = .null
        }
        return .object(root)
    }

    func pointJSON(_ point: QualitySweepPoint) -> JSONValue {
        .object([
            "p": .double(point.p),
            "calibration": .string(point.calibration.description),
            "paper_fig10_mean_fraction": PaperFigure10.fraction(p: point.p).map { .double($0) } ?? .null,
            "total": QualityFields.json(point.total),
            "layers": .array(zip(layerNames, zip(point.layers, point.thresholds)).map { name, pair in
                .object([
                    "name": .string(name),
                    "quality": QualityFields.json(pair.0),
                    "thresholds": .array(pair.1.map { $0.map { .double($0) } ?? .null }),
                ])
            }),
        ])
    }

    /// Over the heads, the mean and largest |other − same| of the selected fraction and of the mean mass kept.
    public static func headSpread(_ same: QualitySweepPoint, _ other: QualitySweepPoint)
        -> (meanSelected: Double, maxSelected: Double, meanMass: Double, maxMass: Double) {
        let pairs = zip(same.heads.joined(), other.heads.joined()).map {
            (abs($1.selectedFraction - $0.selectedFraction), abs($1.massKeptMean - $0.massKeptMean))
        }
        guard !pairs.isEmpty else { return (0, 0, 0, 0) }
        let count = Double(pairs.count)
        return (pairs.reduce(0) { $0 + $1.0 } / count, pairs.map(\.0).max()!,
                pairs.reduce(0) { $0 + $1.1 } / count, pairs.map(\.1).max()!)
    }

    /// other − same for the selected fraction, the mean and worst mass kept and the output error.
    func shiftJSON(_ same: QualityStatistics, _ other: QualityStatistics) -> JSONValue {
        var error: JSONValue = .null
        if let a = same.outputError, let b = other.outputError { error = .double(b - a) }
        var object: [String: JSONValue] = [
            "selected_fraction": .double(other.selectedFraction - same.selectedFraction),
            "mass_kept_mean": .double(other.massKeptMean - same.massKeptMean),
            "mass_kept_min": .double(other.massKeptMin - same.massKeptMin),
            "output_error": error,
        ]
        if error == .null {
            object["output_error_reason"] = .string(same.outputErrorReason ?? other.outputErrorReason ?? "undefined")
        }
        return .object(object)
    }

    // MARK: CSV

    public static let csvHeader = "calibration,p,layer,queries,selected_fraction,mass_kept_mean,mass_kept_min,output_error,top1_recall,"
        + QualityFields.topKName + ",empty_queries"

    /// One row per (calibration, p, layer), then the row `total` of each (calibration, p).
    public func csv() -> String {
        var lines = [Self.csvHeader]
        for point in sameTrace + (otherTraces ?? []) {
            let rows = zip(layerNames, point.layers).map { ($0, $1) } + [("total", point.total)]
            for (name, q) in rows {
                let fields = [point.calibration.description, JSONValue.format(point.p), name, "\(q.queries)",
                              JSONValue.format(q.selectedFraction)] + QualityFields.csvValues(q)
                lines.append(fields.map(RunReport.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Human table

    public func table() -> String {
        var out = "elsa-sim quality — trace \(traceName), config \(configName)\n"
        out += "thresholds learned on the trace itself (optimistic: docs/quality.md §2)\n"
        var rows: [[String]] = [["p", "layer", "selected", "paper", "mass", "worst", "err", "top1", QualityFields.topKName.replacingOccurrences(of: "_recall", with: ""), "empty"]]
        var rules: Set<Int> = [1]
        for point in sameTrace {
            if rows.count > 1 { rules.insert(rows.count) }
            for (i, (name, q)) in (zip(layerNames, point.layers).map { ($0, $1) } + [("total", point.total)]).enumerated() {
                let isTotal = i == layerNames.count
                rows.append([i == 0 ? JSONValue.format(point.p) : "", name, percent(q.selectedFraction),
                             isTotal ? PaperFigure10.fraction(p: point.p).map(percent) ?? "" : "",
                             QualityFields.massCell(q.massKeptMean), QualityFields.massCell(q.massKeptMin),
                             QualityFields.errorCell(q.outputError), percent(q.top1Recall), percent(q.topKRecall),
                             "\(q.emptyQueries)"])
            }
        }
        out += TextTable.render(rows, rightAligned: Set([0] + Array(2 ..< 10)), ruleBefore: rules)
        out += "selected: keys selected / visible keys; paper: ELSA Fig. 10 mean of 12 workloads; mass: mean exact softmax mass on the selected keys;\n"
        out += "worst: that of the worst query; err: relative L2 output error; top1/top\(QualityStatistics.topK): recall of the highest-scoring exact keys; empty: queries with no key\n"
        if let otherTraces {
            out += "\nthresholds learned on \(calibrationNames.joined(separator: ", ")) vs on the trace itself (Δ = other − same, in points)\n"
            var shiftRows: [[String]] = [["p", "layer", "sel same", "sel other", "Δ sel", "mass same", "mass other", "Δ mass", "err same", "err other"]]
            var shiftRules: Set<Int> = [1]
            for (same, other) in zip(sameTrace, otherTraces) {
                if shiftRows.count > 1 { shiftRules.insert(shiftRows.count) }
                let pairs = zip(layerNames, zip(same.layers, other.layers)).map { ($0, $1.0, $1.1) } + [("total", same.total, other.total)]
                for (i, (name, a, b)) in pairs.enumerated() {
                    shiftRows.append([i == 0 ? JSONValue.format(same.p) : "", name,
                                      percent(a.selectedFraction), percent(b.selectedFraction),
                                      points(b.selectedFraction - a.selectedFraction),
                                      QualityFields.massCell(a.massKeptMean), QualityFields.massCell(b.massKeptMean),
                                      points(b.massKeptMean - a.massKeptMean),
                                      QualityFields.errorCell(a.outputError), QualityFields.errorCell(b.outputError)])
                }
            }
            out += TextTable.render(shiftRows, rightAligned: Set([0] + Array(2 ..< 10)), ruleBefore: shiftRules)
            out += "\nper head (\(sameTrace.first?.heads.joined().count ?? 0) heads): |Δ| in points\n"
            var spreadRows: [[String]] = [["p", "mean |Δ sel|", "max |Δ sel|", "mean |Δ mass|", "max |Δ mass|"]]
            for (same, other) in zip(sameTrace, otherTraces) {
                let spread = Self.headSpread(same, other)
                spreadRows.append([JSONValue.format(same.p), String(format: "%.1f", spread.meanSelected * 100),
                                   String(format: "%.1f", spread.maxSelected * 100), String(format: "%.1f", spread.meanMass * 100),
                                   String(format: "%.1f", spread.maxMass * 100)])
            }
            out += TextTable.render(spreadRows, rightAligned: Set(0 ..< 5), ruleBefore: [1])
        }
        return out
    }

    func percent(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
    func points(_ v: Double) -> String { String(format: "%+.1f", v * 100) }

    // MARK: Chart

    /// Two charts over p: the selected fraction and mass kept (with ELSA Fig. 10's mean candidate
    /// fraction), and the output error; dashed lines for thresholds learned on other traces. The x axis
    /// is logarithmic when every p is > 0 (p = 0 is then left out), else linear.
    public func figure() -> SVGFigure {
        let ps = sameTrace.map(\.p)
        let scale: AxisScale = ps.allSatisfy { $0 > 0 } ? .log : .linear
        func series(_ points: [QualitySweepPoint], _ value: (QualityStatistics) -> Double?) -> [ChartPoint] {
            points.map { ChartPoint(x: $0.p, y: value($0.total) ?? .nan) }
        }
        let blue = LineChart.palette[0], orange = LineChart.palette[1], green = LineChart.palette[2]
        var fractions = [
            ChartSeries(name: "selected fraction", points: series(sameTrace) { $0.selectedFraction }, color: blue),
            ChartSeries(name: "mass kept (mean)", points: series(sameTrace) { $0.massKeptMean }, color: orange),
            ChartSeries(name: "paper Fig. 10 mean candidates", points: PaperFigure10.meanCandidateFraction.map { ChartPoint(x: $0.p, y: $0.fraction) },
                        stroke: .dotted, color: "#555555"),
        ]
        var errors = [ChartSeries(name: "output error", points: series(sameTrace) { $0.outputError }, color: green)]
        if let otherTraces {
            fractions.insert(ChartSeries(name: "selected, other-trace thresholds", points: series(otherTraces) { $0.selectedFraction },
                                         stroke: .dashed, color: blue), at: 1)
            fractions.insert(ChartSeries(name: "mass kept, other-trace thresholds", points: series(otherTraces) { $0.massKeptMean },
                                         stroke: .dashed, color: orange), at: 3)
            errors.append(ChartSeries(name: "output error, other-trace thresholds", points: series(otherTraces) { $0.outputError },
                                      stroke: .dashed, color: green))
        }
        // Both charts span the swept p (the paper's points outside it are clipped).
        let drawable = ps.filter { scale.accepts($0) }
        let xRange: ClosedRange<Double>? = drawable.count >= 2 ? drawable.min()! ... drawable.max()! : nil
        var top = LineChart(title: "Selected keys and softmax mass kept vs p — \(traceName)",
                            xLabel: "p (threshold-learning hyperparameter, dimensionless)",
                            yLabel: "fraction of keys / of softmax mass", series: fractions)
        top.xScale = scale
        top.xTicks = ps
        top.xRange = xRange
        top.yRange = 0 ... 1
        top.yTicks = [0, 0.2, 0.4, 0.6, 0.8, 1]
        var bottom = LineChart(title: "Approximate attention output error vs p",
                               xLabel: "p (threshold-learning hyperparameter, dimensionless)",
                               yLabel: "relative L2 error ‖Ô − O‖ / ‖O‖", series: errors)
        bottom.xScale = scale
        bottom.xTicks = ps
        bottom.xRange = xRange
        let maxError = (sameTrace + (otherTraces ?? [])).compactMap(\.total.outputError).max() ?? 1
        let step = AxisScale.niceStep(0 ... max(maxError, 1e-6), target: 5)
        bottom.yRange = 0 ... (max(maxError, 1e-6) / step).rounded(.up) * step
        let caption = "elsa-sim quality, config \(configName); all layers and heads pooled; thresholds learned on "
            + (otherTraces == nil ? "the trace itself" : "the trace itself (solid) and on \(calibrationNames.joined(separator: ", ")) (dashed)")
        return SVGFigure(charts: [top, bottom], caption: caption)
    }
}
