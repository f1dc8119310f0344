import Foundation

/// A 64-bit FNV-1a hash of bytes, printed as 16 hex digits: the identity of configs, traces and sweep
/// grids in sweep outputs (`docs/sweeps.md`, "Resuming"). It detects changed inputs; it is not
/// cryptographic and is not meant to resist deliberate collisions.
public struct FNV1a64: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        var h = state
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        state = h
    }

    /// FNV-1a over 64-bit words instead of bytes: `values` two at a time as one little-endian word
    /// (the first in the low half; an odd last value alone, zero-extended), each XORed into the state,
    /// then multiplied by the prime. One multiply per 8 bytes: the trace hash over every value of a
    /// large trace stays a few tens of milliseconds.
    public mutating func updateWords(_ values: UnsafeBufferPointer<UInt32>) {
        var h = state
        var i = 0
        while i + 1 < values.count {
            h = (h ^ (UInt64(values[i]) | UInt64(values[i + 1]) << 32)) &* 0x0000_0100_0000_01b3
            i += 2
        }
        if i < values.count { h = (h ^ UInt64(values[i])) &* 0x0000_0100_0000_01b3 }
        state = h
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { raw in update(raw.bindMemory(to: UInt8.self)) }
    }

    public mutating func update(_ text: String) { update(text.utf8) }

    /// 16 lowercase hex digits.
    public var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func of(_ text: String) -> String {
        var h = FNV1a64()
        h.update(text)
        return h.hex
    }

    /// The hash of a file's bytes, or `nil` when it cannot be read.
    public static func ofFile(_ path: String) -> String? {
        guard InputFile.problem(path) == nil, let data = FileManager.default.contents(atPath: path) else { return nil }
        var h = FNV1a64()
        h.update(data)
        return h.hex
    }
}
