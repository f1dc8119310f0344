/// The simulator's version. `make` regenerates `GeneratedVersion.swift` from git (with `-dirty` for a
/// modified tree); a plain `swift build` keeps the committed fallback.
enum BuildInfo {
    static var version: String { generatedVersion }
}
