import Foundation
import SimIO
#if canImport(Glibc)
import Glibc
private let rusageSelf = RUSAGE_SELF.rawValue
#elseif canImport(Darwin)
import Darwin
private let rusageSelf = RUSAGE_SELF
#endif

/// One timed repetition of a bench pass: wall and CPU seconds, and the peak resident memory when known.
struct BenchSample: Sendable, Equatable {
    var wall: Double
    /// User + system CPU seconds of the whole process (every thread).
    var cpu: Double
    /// Peak resident set size in bytes during the pass (`nil` when the platform cannot say).
    var peakBytes: Int?
}

/// One row of the bench table (docs/performance.md, "Columns"): a pass measured R times, summarised as
/// the minimum and median wall time, the median CPU time, the rates at the minimum wall time, the
/// largest peak memory, and the ratio of the minimum wall time to the NumPy exact-attention pass's.
struct BenchRow: Sendable, Equatable {
    var pass: String
    /// Wall seconds of each repetition (empty when only the summary is known, as for the NumPy pass).
    var walls: [Double]
    var wallMin: Double
    var wallMedian: Double
    var cpuMedian: Double
    var peakBytes: Int?
    /// Visible (query, key) pairs the pass covers.
    var pairs: Int
    /// Simulated cycles (`nil` for passes that simulate no time).
    var cycles: Int64?

    init(pass: String, samples: [BenchSample], pairs: Int, cycles: Int64?) {
        self.init(pass: pass, wallMin: samples.map(\.wall).min() ?? .nan, wallMedian: Self.median(samples.map(\.wall)),
                  cpuMedian: Self.median(samples.map(\.cpu)), peakBytes: samples.compactMap(\.peakBytes).max(),
                  pairs: pairs, cycles: cycles)
        walls = samples.map(\.wall)
    }

    init(pass: String, wallMin: Double, wallMedian: Double, cpuMedian: Double, peakBytes: Int?, pairs: Int, cycles: Int64?) {
        self.pass = pass
        walls = []
        self.wallMin = wallMin
        self.wallMedian = wallMedian
        self.cpuMedian = cpuMedian
        self.peakBytes = peakBytes
        self.pairs = pairs
        self.cycles = cycles
    }

    var pairsPerSecond: Double { Double(pairs) / wallMin }
    var cyclesPerSecond: Double? { cycles.map { Double($0) / wallMin } }

    /// The middle value (the mean of the two middle values for an even count).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    func json(exactSeconds: Double?) -> JSONValue {
        var object: [String: JSONValue] = [
            "pass": .string(pass), "pairs": .int(Int64(pairs)),
            "wall_seconds_min": .double(wallMin), "wall_seconds_median": .double(wallMedian),
            "cpu_seconds_median": .double(cpuMedian), "query_key_pairs_per_second": .double(pairsPerSecond),
            "wall_seconds": .array(walls.map { .double($0) }),
        ]
        object["cycles"] = cycles.map { .int($0) } ?? .null
        object["simulated_cycles_per_second"] = cyclesPerSecond.map { .double($0) } ?? .null
        object["peak_bytes"] = peakBytes.map { .int(Int64($0)) } ?? .null
        object["ratio_to_exact"] = exactSeconds.map { .double(wallMin / $0) } ?? .null
        return .object(object)
    }
}

/// Reading the measurements `scripts/bench.sh` takes outside the simulator.
enum BenchInputs {
    /// Samples from `/usr/bin/time -f '%e %U %S %M'` lines (wall s, user s, system s, peak RSS KiB; 0 KiB
    /// for unknown), one line per whole `run` process; blank lines are skipped.
    ///
    /// - Throws: `UsageError.invalidValue` naming the file and the line that is not four numbers.
    static func processTimes(_ text: String, path: String) throws(UsageError) -> [BenchSample] {
        var samples: [BenchSample] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let numbers = fields.compactMap { Double($0) }
            guard fields.count == 4, numbers.count == 4, numbers.allSatisfy({ $0.isFinite && $0 >= 0 }),
                  let kib = Int(fields[3]), kib <= Int.max / 1024 else {
                throw .invalidValue(option: "--process-times", value: "\(path): line \(index + 1): \"\(line.prefix(80))\"",
                                    expected: "four numbers ≥ 0 per line, as /usr/bin/time -f '%e %U %S %M' writes: wall s, user s, system s, peak KiB")
            }
            // 0 KiB: the peak is unknown (bash's `time` in place of /usr/bin/time writes 0).
            samples.append(BenchSample(wall: numbers[0], cpu: numbers[1] + numbers[2], peakBytes: kib > 0 ? kib * 1024 : nil))
        }
        guard !samples.isEmpty else {
            throw .invalidValue(option: "--process-times", value: "\(path): no lines",
                                expected: "one line per run, as /usr/bin/time -f '%e %U %S %M' writes")
        }
        return samples
    }

    /// The NumPy pass of `scripts/exact_attention_bench.py --json`: its minimum and median wall time, its
    /// CPU time (the minimum over its runs), its pair count and (optional) the script's peak memory.
    ///
    /// - Throws: `UsageError.invalidValue` naming the file and the missing or malformed field.
    static func exactPass(_ data: Data, path: String) throws(UsageError) -> (row: BenchRow, seconds: Double) {
        guard let root = (try? JSONValue.parse(data))?.objectValue else {
            throw .invalidValue(option: "--exact", value: path, expected: "the JSON object scripts/exact_attention_bench.py --json writes")
        }
        func number(_ key: String) throws(UsageError) -> Double {
            guard let value = root[key]?.doubleValue, value.isFinite, value >= 0 else {
                throw .invalidValue(option: "--exact", value: "\(path): \(key): \(root[key].map { JSONValue.clipped($0.serialized()) } ?? "missing")",
                                    expected: "a number ≥ 0")
            }
            return value
        }
        let low = try number("seconds_min"), middle = try number("seconds_median"), cpu = try number("cpu_seconds_min")
        guard let pairs = root["pairs"]?.integerValue, pairs >= 0 else {
            throw .invalidValue(option: "--exact", value: "\(path): pairs", expected: "an integer ≥ 0")
        }
        guard low > 0 else { throw .invalidValue(option: "--exact", value: "\(path): seconds_min: 0", expected: "a time > 0") }
        let peak = root["peak_bytes"]?.integerValue.flatMap { $0 > 0 ? $0 : nil }
        return (BenchRow(pass: "numpy exact attention", wallMin: low, wallMedian: middle, cpuMedian: cpu, peakBytes: peak,
                         pairs: pairs, cycles: nil), low)
    }
}

/// CPU time and peak memory of this process, for timing passes inside it.
enum ProcessMeter {
    /// User + system CPU seconds of every thread of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(rusageSelf, &usage) == 0 else { return .nan }
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Resets the peak resident set size to the current one (Linux: `/proc/self/clear_refs` ← 5); false
    /// when the platform cannot, and then `peakBytes()` is the peak since the process started.
    @discardableResult
    static func resetPeak() -> Bool {
        #if os(Linux)
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
        #else
        return false
        #endif
    }

    /// Peak resident set size in bytes: `VmHWM` on Linux (reset by `resetPeak`), else `ru_maxrss`.
    static func peakBytes() -> Int? {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") {
            return kib * 1024
        }
        #endif
        var usage = rusage()
        guard getrusage(rusageSelf, &usage) == 0 else { return nil }
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }

    /// Runs `body` and measures it.
    static func measure<T>(_ body: () throws -> T) rethrows -> (T, BenchSample) {
        resetPeak()
        let clock = DispatchTime.now().uptimeNanoseconds
        let cpu = cpuSeconds()
        let value = try body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
        return (value, BenchSample(wall: wall, cpu: cpuSeconds() - cpu, peakBytes: peakBytes()))
    }
}
