import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies

/// `elsa-sim config`: the config fields with defaults and sources.
enum ConfigCommand {
    static let help = """
    usage: elsa-sim config fields | elsa-sim config show --config FILE [--set PATH=VALUE ...]

      fields     every config field: dotted path, default, source (paper section or "assumed"), meaning
      show       the effective config of FILE (ELSA, A^3 or ideal) after overrides, every default filled in
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "config", options: ["config", "set"], flags: [])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        if args.positional.isEmpty { throw UsageError.missingArgument("'fields' or 'show'", command: "config") }
        if args.positional.count > 1 { throw UsageError.unexpectedArgument(args.positional[1], command: "config \(args.positional[0])") }
        switch args.positional[0] {
        case "fields":
            let defaults = ElsaConfig()
            var rows = [["field", "default", "source", "meaning"]]
            for f in ConfigSchema.fields {
                rows.append([f.path, f.read(defaults).serialized(), f.source, f.summary])
            }
            console.out(TextTable.render(rows, ruleBefore: [1]))
        case "show":
            let file = try args.required("config", command: "config show")
            let model = try AcceleratorRegistry.modelType(file: file)
            if model != ElsaAccelerator.self {
                console.out(try model.load(file: file, options: LoadOptions(overrides: try args.overrides())).effectiveConfig.pretty() + "\n")
            } else {
                let config = try ConfigLoader.load(file: file, overrides: try args.overrides())
                console.out(ConfigLoader.effectiveJSON(config).pretty() + "\n")
            }
        default:
            throw UsageError.unexpectedArgument(args.positional[0], command: "config")
        }
        return ExitCode.success
    }
}
