import Foundation
import SimIO

/// The effective config written beside every output file (`docs/reports.md`, "The effective config
/// beside every output"), as gem5 writes `config.ini` beside its statistics: for an output `OUT.EXT`
/// (`run`/`compare`/`quality`/`sensitivity` `--json`/`--csv`/`--plot`) or a sweep prefix `OUT`,
/// `OUT.config.json` holds the config the simulator used, every default filled in
/// (`elsa-sim config --print` form); `--config OUT.config.json` runs it again bit-identically. A
/// `compare` of several variants writes `OUT.config-K.json` per variant K (1-based, variant order).
/// Output to stdout (`-`) gets none. Relative `hash.matrix_file` / `approximation.thresholds_file`
/// paths are written absolute, so the file loads from wherever it lies.
enum EffectiveConfigOutput {
    /// `OUT.config.json` for the output file `path` (its last extension replaced); `nil` for `-`.
    static func path(beside path: String, variant: Int? = nil) -> String? {
        guard path != "-" else { return nil }
        let url = URL(fileURLWithPath: path)
        var stem = path
        if !url.pathExtension.isEmpty { stem.removeLast(url.pathExtension.count + 1) }
        return stem + (variant.map { ".config-\($0).json" } ?? ".config.json")
    }

    /// `config` with a relative `hash.matrix_file` / `approximation.thresholds_file` made absolute
    /// against `directory` (the working directory, which relative command-line paths are relative to):
    /// a config file's own paths are read relative to the file, and `OUT.config.json` may lie elsewhere.
    static func portable(_ config: JSONValue, directory: String = FileManager.default.currentDirectoryPath) -> JSONValue {
        guard case var .object(tree) = config else { return config }
        for (group, key) in [("hash", "matrix_file"), ("approximation", "thresholds_file")] {
            guard var inner = tree[group]?.objectValue, let path = inner[key]?.stringValue, !path.hasPrefix("/") else { continue }
            inner[key] = .string(URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(path).standardizedFileURL.path)
            tree[group] = .object(inner)
        }
        return .object(tree)
    }

    /// Writes `config` (an effective config's JSON) beside every output in `outputs` (nil / `-` skipped).
    static func write(_ config: JSONValue, beside outputs: [String?]) throws {
        var written: Set<String> = []
        let text = portable(config).pretty() + "\n"
        for case let output? in outputs {
            guard let file = path(beside: output), written.insert(file).inserted else { continue }
            try FileOutput.writeAtomically(Data(text.utf8), to: file)
        }
    }

    /// A compare: one config → `OUT.config.json`; several → `OUT.config-K.json` each.
    static func write(variants: [JSONValue], beside outputs: [String?]) throws {
        guard variants.count != 1 else { return try write(variants[0], beside: outputs) }
        var written: Set<String> = []
        for case let output? in outputs {
            for (k, config) in variants.enumerated() {
                guard let file = path(beside: output, variant: k + 1), written.insert(file).inserted else { continue }
                try FileOutput.writeAtomically(Data((portable(config).pretty() + "\n").utf8), to: file)
            }
        }
    }
}
