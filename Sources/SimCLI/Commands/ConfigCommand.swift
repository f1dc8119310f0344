import ElsaModel
import SimIO

/// `elsa-sim config`: the config fields with defaults and sources.
enum ConfigCommand {
    static let help = """
    usage: elsa-sim config fields | elsa-sim config show --config FILE [--set PATH=VALUE ...]

      fields     every config field: dotted path, default, source (paper section or "assumed"), meaning
      show       the effective config of FILE after overrides, every default filled in
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "config", options: ["config", "set"], flags: [])
        if args.has("help") || args.positional.isEmpty { console.out(help + "\n"); return args.has("help") ? ExitCode.success : ExitCode.usage }
        switch args.positional[0] {
        case "fields":
            let defaults = ElsaConfig()
            var rows = [["field", "default", "source", "meaning"]]
            for f in ConfigSchema.fields {
                rows.append([f.path, f.read(defaults).serialized(), f.source, f.summary])
            }
            console.out(TextTable.render(rows, ruleBefore: [1]))
        case "show":
            let config = try ConfigLoader.load(file: try args.required("config", command: "config show"), overrides: try args.overrides())
            console.out(ConfigLoader.effectiveJSON(config).pretty() + "\n")
        default:
            throw UsageError.unexpectedArgument(args.positional[0], command: "config")
        }
        return ExitCode.success
    }
}
