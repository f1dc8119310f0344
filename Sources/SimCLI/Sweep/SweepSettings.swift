import SimIO
import SimCharts
import SimReports
import SimStudies

/// `--set PATH=V1,V2,...` as sweep and compare read it: one value fixes the field for every point,
/// several make an axis (values split at top-level commas, each parsed as a JSON literal; bare words
/// are strings).
struct SweepSettings {
    var fixed: [(path: String, value: JSONValue)] = []
    var axes: [SweepAxis] = []

    init(_ items: [String]) throws(UsageError) {
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw .invalidValue(option: "--set", value: item, expected: "field.path=value or field.path=v1,v2,..., e.g. attention_modules=1,2,4")
            }
            let path = String(item[..<eq])
            let texts = SweepAxis.splitList(String(item[item.index(after: eq)...]))
            if let empty = texts.firstIndex(of: "") {
                throw .invalidValue(option: "--set", value: item, expected: "no empty value (item \(empty + 1) of \(path) is empty)")
            }
            let values = texts.map(JSONValue.parseLiteral)
            if values.count == 1 { fixed.append((path, values[0])) } else { axes.append(SweepAxis(field: path, values: values)) }
        }
    }
}
