import Testing
import Foundation
import ElsaModel
@testable import SimIO

/// The `energy` config group: defaults are ELSA Table I, bad values are rejected naming the field.
@Suite struct EnergyConfigTests {
    static func decode(_ json: String) throws(ConfigError) -> ElsaConfig {
        try ConfigLoader.decode(try! JSONValue.parse(Data(json.utf8)))
    }

    /// Every area/power field of the group, from the schema.
    static let costPaths = ConfigSchema.fields.map(\.path).filter {
        $0.hasPrefix("energy.") && ($0.hasSuffix("_mm2") || $0.hasSuffix("_mw"))
    }

    @Test func groupHasNineRowsOfThreeNumbers() {
        #expect(Self.costPaths.count == 27)
        let rows = Set(Self.costPaths.map { $0.split(separator: ".")[1] })
        #expect(rows == ["hash", "norm", "candidate_selection", "attention", "output_division", "key_hash_memory",
                         "key_norm_memory", "key_value_memory", "query_output_memory"])
    }

    /// Defaults are Table I (typed in from the paper, ISCA 2021 Table I; digest §1.4).
    @Test func defaultsAreTableI() throws {
        let c = try Self.decode("{}").energy
        #expect(c.synthesisClockGHz == 1)
        #expect(c.hash == ModuleCost(areaMM2: 0.202, dynamicMW: 115.08, staticMW: 2.23))
        #expect(c.attention == ModuleCost(areaMM2: 0.666, dynamicMW: 566.42, staticMW: 7.53))
        #expect(c.keyValueMemory == ModuleCost(areaMM2: 0.253, dynamicMW: 167.39, staticMW: 2.29))
        #expect(c.queryOutputMemory == ModuleCost(areaMM2: 0.193, dynamicMW: 91.03, staticMW: 1.72))
        let r = c.reference
        #expect(r.hashMultipliers == 256 && r.attentionModules == 4 && r.selectorsPerModule == 8
                && r.outputDivisionMultipliers == 16 && r.headDim == 64 && r.hashBits == 64 && r.keys == 512)
    }

    @Test func fieldsAreReadIntoTheirRows() throws {
        let c = try Self.decode(#"{"energy": {"attention": {"dynamic_mw": 100}, "key_norm_memory": {"area_mm2": 0.5}, "synthesis_clock_ghz": 0.5, "reference": {"keys": 256}}}"#)
        #expect(c.energy.attention.dynamicMW == 100 && c.energy.attention.areaMM2 == 0.666)
        #expect(c.energy.keyNormMemory.areaMM2 == 0.5)
        #expect(c.energy.synthesisClockGHz == 0.5 && c.energy.reference.keys == 256)
    }

    @Test(arguments: costPaths)
    func negativeValueIsRejectedNamingTheField(path: String) {
        let unit = path.hasSuffix("_mm2") ? "mm²" : "mW"
        #expect(throws: ConfigError.outOfRange(path: path, value: "-0.5", expected: "a finite number ≥ 0 (\(unit))")) {
            try ConfigLoader.decode(.object([:]), overrides: [(path, .double(-0.5))])
        }
    }

    @Test(arguments: costPaths)
    func stringWithUnitIsAWrongType(path: String) {
        let unit = path.hasSuffix("_mm2") ? "mm²" : "mW"
        #expect(throws: ConfigError.wrongType(path: path, found: "a string \"5 \(unit)\"", expected: "a number (\(unit))")) {
            try ConfigLoader.decode(.object([:]), overrides: [(path, .string("5 \(unit)"))])
        }
    }

    /// A field without its unit suffix is unknown, and the message suggests the field with the unit.
    @Test func missingUnitSuffixIsAnUnknownFieldWithSuggestion() {
        #expect(throws: ConfigError.unknownField(path: "energy.hash.dynamic", suggestion: "energy.hash.dynamic_mw")) {
            try Self.decode(#"{"energy": {"hash": {"dynamic": 115.08}}}"#)
        }
        #expect(throws: ConfigError.unknownField(path: "energy.attention.area", suggestion: "energy.attention.area_mm2")) {
            try Self.decode(#"{"energy": {"attention": {"area": 0.666}}}"#)
        }
        #expect(throws: ConfigError.wrongType(path: "energy.hash", found: "an integer 3", expected: "an object")) {
            try Self.decode(#"{"energy": {"hash": 3}}"#)
        }
    }

    @Test func badClockAndReferenceCountsAreRejected() {
        #expect(throws: ConfigError.outOfRange(path: "energy.synthesis_clock_ghz", value: "0.0",
                                               expected: "a number > 0 and ≤ 1000 (GHz)")) {
            try Self.decode(#"{"energy": {"synthesis_clock_ghz": 0}}"#)
        }
        #expect(throws: ConfigError.outOfRange(path: "energy.reference.attention_modules", value: "-4", expected: "1…16777216")) {
            try Self.decode(#"{"energy": {"reference": {"attention_modules": -4}}}"#)
        }
        #expect(throws: ConfigError.wrongType(path: "energy.reference.keys", found: "a number 1.5", expected: "an integer")) {
            try Self.decode(#"{"energy": {"reference": {"keys": 1.5}}}"#)
        }
    }

    /// A file with a bad energy field: the message names the file and the field.
    @Test func messageNamesFileAndField() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("energy-bad-\(UUID().uuidString).json")
        try Data(#"{"energy": {"key_hash_memory": {"static_mw": -2}}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try ConfigLoader.load(file: file.path)
            Issue.record("a negative static power was accepted")
        } catch {
            #expect(error.description == "\(file.path): energy.key_hash_memory.static_mw: -2.0 is out of range; expected a finite number ≥ 0 (mW)")
        }
    }
}
