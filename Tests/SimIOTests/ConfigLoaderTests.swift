import Testing
import Foundation
import ElsaModel
@testable import SimIO

@Suite struct ConfigLoaderTests {
    static func decode(_ json: String, overrides: [(path: String, value: JSONValue)] = []) throws(ConfigError) -> ElsaConfig {
        try ConfigLoader.decode(try! JSONValue.parse(Data(json.utf8)), overrides: overrides)
    }

    @Test func emptyObjectGivesDocumentedDefaults() throws {
        let c = try Self.decode("{}")
        #expect(c.attentionModules == 4 && c.selectorsPerModule == 8)
        #expect(c.hash.multipliers == 256 && c.outputDivision.multipliers == 16)
        #expect(c.thetaBias == 0.127 && c.approximation.p == 1.0 && c.approximation.mode == .learned)
    }

    @Test func nestedFieldsAndOverrides() throws {
        let c = try Self.decode(#"{"selector": {"queue_depth": 9}, "arbiter": "round-robin"}"#,
                                overrides: [("attention_modules", .int(2)), ("approximation.p", .double(2.5))])
        #expect(c.selector.queueDepth == 9 && c.arbiter == .roundRobin)
        #expect(c.attentionModules == 2 && c.approximation.p == 2.5)
    }

    @Test func unknownFieldSuggestsClosest() {
        #expect(throws: ConfigError.unknownField(path: "selector.queue_dept", suggestion: "selector.queue_depth")) {
            try Self.decode(#"{"selector": {"queue_dept": 4}}"#)
        }
        #expect(throws: ConfigError.unknownField(path: "--set atention_modules", suggestion: "attention_modules")) {
            try Self.decode("{}", overrides: [("atention_modules", .int(2))])
        }
    }

    @Test func wrongTypesNameFieldAndFinding() {
        #expect(throws: ConfigError.wrongType(path: "attention_modules", found: "a string \"4\"", expected: "an integer")) {
            try Self.decode(#"{"attention_modules": "4"}"#)
        }
        #expect(throws: ConfigError.wrongType(path: "selector", found: "an integer 3", expected: "an object")) {
            try Self.decode(#"{"selector": 3}"#)
        }
        #expect(throws: ConfigError.invalidValue(path: "arbiter", value: "fifo",
                                                 expected: "one of \"longest-queue-first\", \"round-robin\"")) {
            try Self.decode(#"{"arbiter": "fifo"}"#)
        }
    }

    @Test(arguments: ["attention_modules", "selectors_per_module", "hash.multipliers", "output_division.multipliers",
                      "selector.queue_depth", "selector.pipeline_depth"])
    func zeroAndNegativeCountsAreOutOfRange(path: String) {
        for bad in [0, -3] {
            #expect(throws: ConfigError.self) { try Self.decode("{}", overrides: [(path, .int(Int64(bad)))]) }
            do { _ = try Self.decode("{}", overrides: [(path, .int(Int64(bad)))]) } catch {
                #expect(error.description.hasPrefix("\(path): \(bad) is out of range"))
            }
        }
    }

    /// A bad value given with --set is blamed on the command line, not on the config file.
    @Test func badOverrideNamesTheCommandLine() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("Configs/elsa-paper.json").path
        do {
            _ = try ConfigLoader.load(file: file, overrides: [("selector.queue_depth", .int(0))])
            Issue.record("accepted queue depth 0")
        } catch {
            #expect(error.description == "--set selector.queue_depth=0: selector.queue_depth: 0 is out of range; expected 1…1048576")
        }
    }

    /// Pa·Pc selectors must fit the key memory: 64 × 16 = 1024 > 512 keys.
    @Test func selectorsMustFitKeyMemory() {
        do {
            _ = try Self.decode(#"{"attention_modules": 64, "selectors_per_module": 16}"#)
            Issue.record("accepted 1024 selectors for 512 keys")
        } catch {
            #expect(error.description.hasPrefix("selectors_per_module:"))
            #expect(error.description.contains("1024") && error.description.contains("512"))
        }
        #expect((try? Self.decode(#"{"attention_modules": 64, "selectors_per_module": 16, "key_memory_capacity": 1024}"#)) != nil)
    }

    @Test func kroneckerFactorsMustMultiplyToHeadDim() {
        #expect(throws: ConfigError.self) { try Self.decode(#"{"head_dim": 32}"#) }
        #expect((try? Self.decode(#"{"head_dim": 32, "hash": {"bits": 32, "kronecker_factors": [4, 4, 2]}}"#)) != nil)
    }

    /// The shipped configs load and hold the paper's numbers (ISCA 2021 V-C and IV-D).
    @Test func shippedConfigs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let paper = try ConfigLoader.load(file: root.appendingPathComponent("Configs/elsa-paper.json").path)
        #expect(paper.attentionModules == 4 && paper.selectorsPerModule == 8 && paper.hash.multipliers == 256
                && paper.outputDivision.multipliers == 16 && paper.clockGHz == 1 && paper.approximation.p == 1)
        let base = try ConfigLoader.load(file: root.appendingPathComponent("Configs/elsa-base.json").path)
        #expect(base.approximation.mode == .exact && base.attentionModules == 4)
        let single = try ConfigLoader.load(file: root.appendingPathComponent("Configs/elsa-single.json").path)
        #expect(single.attentionModules == 1 && single.selectorsPerModule == 8 && single.hash.multipliers == 64
                && single.outputDivision.multipliers == 8)
    }

    /// The effective config written back decodes to the same config (every field round-trips).
    @Test func effectiveJSONRoundTrips() throws {
        let c = try Self.decode(#"{"norm": {"keys_per_cycle": 3}, "hash": {"seed": 99}}"#)
        let again = try ConfigLoader.decode(ConfigLoader.effectiveJSON(c))
        #expect(again == c)
    }

    /// docs/config.md documents every field the loader accepts (docs match the code).
    @Test func docsNameEveryField() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/config.md"), encoding: .utf8)
        for field in ConfigSchema.fields {
            #expect(doc.contains("| `\(field.path)` |"), "docs/config.md lacks \(field.path)")
        }
    }
}
