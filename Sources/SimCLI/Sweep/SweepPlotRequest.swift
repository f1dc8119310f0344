import SimIO
import SimCharts
import SimReports
import SimStudies

/// The plot options of `sweep` and `sweep plot`: `--plot FILE.svg --x FIELD|n|area|area_proxy [--y COLUMN]
/// [--series FIELD,...] [--facet FIELD,...] [--where FIELD=VALUE ...] [--color FIELD] [--title TEXT]`.
struct PlotRequest {
    var file: String
    var x: String
    var y: String
    var conditions: [(field: String, value: JSONValue)]
    var color: String?
    var title: String?
    /// `--series`: the fields whose values split the lines (`nil`: every other varying field).
    var series: [String]?
    /// `--facet`: the fields whose values split the panels.
    var facet: [String]

    static let options: Set<String> = ["plot", "x", "y", "where", "color", "title", "series", "facet"]

    /// The options' help, shared by `sweep --help` and `sweep plot --help` so the two cannot drift apart.
    static let help = """
      --plot FILE.svg        draw a chart: cycles vs --x FIELD (one line per combination of the other
                             swept fields; a linked axis is one field), or with --x area the Pareto chart
                             of cycles vs area in mm² (ELSA Table I scaled, docs/energy.md); --x area_proxy
                             uses the area proxy count
      --x FIELD              the swept field on the x axis, or area, or area_proxy, or a trace shape column
                             (n, head_dim, layers, heads, kv_heads): with several --trace, --x n draws each
                             config's cycles against the traces' real tokens, one line per config
      --y COLUMN[,COLUMN]    cycles (default), execution_cycles, preprocessing_cycles, time_us, output_error,
                             mass_kept_mean, hardware_output_error, float_output_error (numerics.mode elsa)
      --series FIELD[,FIELD] line charts: one line per value of these fields (swept fields, trace, or a trace
                             shape column); every other field that varies must be --x, --facet, --where
                             or follow from these (the trace from n when each trace has its own n)
      --facet FIELD[,FIELD]  line charts: one panel per value of these fields (small multiples, one shared
                             y axis and legend). Lines are told apart by colour, marker and dash; more than
                             12 lines facet by one field automatically, or are refused with a hint
      --where FIELD=VALUE    plot only the points with this swept value, trace name or trace shape, e.g.
                             n=512 (repeatable)
      --color FIELD          Pareto chart: colour points by this swept field (default approximation.p if swept)
      --title TEXT           chart title
    """

    /// `nil` when `--plot` is absent. `command` is the one whose `--help` a usage error points to
    /// (`sweep` or `sweep plot`).
    init?(_ args: ParsedArguments, command: String) throws(UsageError) {
        guard let file = args.last("plot") else { return nil }
        guard let x = args.last("x") else {
            throw .missingOption("--x (the swept field for the x axis, or n (the traces' real tokens), or area, or area_proxy)", command: command)
        }
        self.file = file
        self.x = x
        y = args.last("y") ?? "cycles"
        conditions = []
        for item in args.all("where") {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .invalidValue(option: "--where", value: item, expected: "FIELD=VALUE, e.g. approximation.p=1")
            }
            conditions.append((String(item[..<eq]), JSONValue.parseLiteral(String(item[item.index(after: eq)...]))))
        }
        color = args.last("color")
        title = args.last("title")
        func list(_ option: String) -> [String]? {
            let items = args.all(option).flatMap { $0.split(separator: ",").map(String.init) }
            return items.isEmpty ? nil : items
        }
        series = list("series")
        facet = list("facet") ?? []
        if SweepCharts.isArea(x), let option = series != nil ? "series" : facet.isEmpty ? nil : "facet" {
            throw .invalidValue(option: "--" + option, value: args.all(option).joined(separator: ","),
                                expected: "a line chart's option (--x a swept field or n); the --x \(x) chart colours points with --color")
        }
    }

    /// Checks the fields named by `--x`, `--color`, `--series`, `--facet` and `--where` against the swept
    /// `fields`; `--x`, `--series`, `--facet` and `--where` may also name a trace shape column (`n`,
    /// `head_dim`, `layers`, `heads`, `kv_heads`), and all but `--x` the trace (`trace`).
    func check(fields: [String]) throws(SweepError) {
        if x == "trace" { throw .traceOnXAxis }
        let shapes = SweepTraceShape.columns.map(\.name)
        let xField = SweepCharts.isArea(x) || SweepCharts.shapeColumn(x) != nil ? nil : x
        let named = conditions.map(\.field) + (series ?? []) + facet
        let whereFields = named.filter { SweepCharts.shapeColumn($0) == nil && $0 != "trace" }
        for name in [xField, color].compactMap({ $0 }) + whereFields where !fields.contains(name) {
            throw .unknownPlotField(field: name, available: fields + (name == color ? [] : shapes)
                + (name == x ? SweepCharts.areaChoices.map(\.name) : []))
        }
    }

    func draw(rows: [SweepRow], header: SweepHeader, console: Console) throws {
        let selected = SweepCharts.filter(rows, where: conditions)
        let condition = conditions.map { "\(SweepCharts.short($0.field))=\(SweepAxis.text($0.value))" }.joined(separator: ", ")
        let trace = header.traces.map(\.name).joined(separator: ", ")
        let svg: String
        if SweepCharts.isArea(x) {
            let color = self.color ?? (header.fields.contains("approximation.p") ? "approximation.p" : nil)
            let chart = try SweepCharts.pareto(rows: selected, header: header, x: x, y: y, color: color,
                                               title: title ?? "\(header.configName) on \(trace)" + (condition.isEmpty ? "" : " (\(condition))"))
            svg = chart.render()
        } else {
            let chart = try SweepCharts.lines(rows: selected, header: header, x: x, y: y, series: series, facet: facet,
                                              title: title ?? "\(header.configName) on \(trace)" + (condition.isEmpty ? "" : " (\(condition))"))
            svg = chart.render()
            if facet.isEmpty && !chart.facetFields.isEmpty {
                console.err("plot: more than \(SeriesStyle.distinguishable) lines for one chart; one panel per "
                    + "\(chart.facetFields.joined(separator: ", ")) (as with --facet \(chart.facetFields.joined(separator: ",")))\n")
            }
        }
        try writeOutput(svg, to: file, console: console)
        console.err("plot: wrote \(file) (\(selected.count) points)\n")
    }
}
