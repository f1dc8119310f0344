/// The simulator's version: `git describe --always --dirty` at build time (`-dirty` marks a modified
/// tree). `make` writes it into `GeneratedVersion.swift` (git-ignored) and compiles with
/// `-DELSA_HAS_VERSION`; a plain `swift build` says it has no version.
enum BuildInfo {
    static var version: String {
        #if ELSA_HAS_VERSION
        return generatedVersion
        #else
        return "unversioned (built without make)"
        #endif
    }
}
