import Foundation
import Testing
@testable import SimIO

/// The fast JSON parser against Foundation's `JSONDecoder`, the second implementation: on every
/// document the repository ships and on texts chosen at the edges of its rules (integers written as
/// fractions or exponents, Int64's limits, escapes and surrogate pairs, duplicate keys, nesting), the
/// value `JSONValue.parse` returns must equal `JSONDecoder`'s; texts outside strict JSON must be refused
/// by the fast parser and still read (or rejected) exactly as `JSONDecoder` does.
@Suite struct JSONParserTests {
    static func fast(_ text: String) -> JSONValue? {
        let data = Data(text.utf8)
        return data.withUnsafeBytes { JSONParser.parse($0.bindMemory(to: UInt8.self)) }
    }

    static func foundation(_ text: String) -> JSONValue? {
        try? JSONValue.parseWithFoundation(Data(text.utf8))
    }

    static let strictTexts = [
        "4", "-4", "0", "-0", "4.0", "1e2", "1E+2", "2.5e-1", "-0.0", "1e-400", "0.1", "1.5",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890",
        "9007199254740993", "1.7976931348623157e308",
        "true", "false", "null", "\"\"", "\"plain\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"caf\\u00e9 \\ud83d\\ude00 é 😀\"", "[]", "{}", " [ 1 , 2.5 , \"x\" , [ ] , { } ] ",
        "{\"a\": 1, \"a\": 2, \"b\": {\"c\": [true, null]}}", "{\"k\":\"v\"}\n",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ]

    @Test(arguments: strictTexts) func strictTextsReadAsFoundationReadsThem(text: String) throws {
        let reference = try #require(Self.foundation(text), "Foundation refuses \(text)")
        #expect(Self.fast(text) == reference, "\(text)")
        #expect(try JSONValue.parse(Data(text.utf8)) == reference)
    }

    /// Integers written with a fraction or exponent are integers, as `JSONDecoder` reads them; the
    /// first of two equal keys wins. Checked by hand as well as against Foundation.
    @Test func valuesByHand() {
        #expect(Self.fast("4.0") == .int(4))
        #expect(Self.fast("1e2") == .int(100))
        #expect(Self.fast("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(Self.fast("2.5e-1") == .double(0.25))
        #expect(Self.fast("{\"a\": 1, \"a\": 2}") == .object(["a": .int(1)]))
        #expect(Self.fast("\"\\ud83d\\ude00\"") == .string("😀"))
    }

    static let refusedTexts = [
        "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "1E400", "tru", "nul", "[1 2]", "{\"a\" 1}",
        "{a:1}", "\"\\x\"", "\"\\ud83d\"", "\"\\ude00\"", "\"tab\there\"", "\"open", "[", "", "  ", "1 2",
        "\u{FEFF}{}", String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ]

    @Test(arguments: refusedTexts) func refusedTextsFallBackToFoundation(text: String) {
        #expect(Self.fast(text) == nil, "\(text)")
        let reference = Self.foundation(text)
        let parsed = try? JSONValue.parse(Data(text.utf8))
        #expect(parsed == reference, "\(text)")
    }

    /// Every JSON document in `Configs/` and `Traces/`.
    @Test func shippedDocumentsReadAsFoundationReadsThem() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var checked = 0
        for folder in ["Configs", "Traces"] {
            let base = root.appendingPathComponent(folder)
            let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                guard url.pathExtension == "json" else { continue }
                let data = try Data(contentsOf: url)
                let reference = try JSONValue.parseWithFoundation(data)
                let fast = data.withUnsafeBytes { JSONParser.parse($0.bindMemory(to: UInt8.self)) }
                #expect(fast == reference, "\(url.path)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }
}
