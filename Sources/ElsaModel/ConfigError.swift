/// A configuration a user wrote that the simulator cannot run, with what was found and what is expected.
///
/// `path` is the dotted JSON path of the field (`selector.queue_depth`); `source` is the file it came
/// from, when known.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(path: String, value: String, expected: String)
    case unknownField(path: String, suggestion: String?)
    case wrongType(path: String, found: String, expected: String)
    case invalidValue(path: String, value: String, expected: String)
    case inconsistent(path: String, message: String)
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON; `reason` carries the parser's position.
    case notJSON(file: String, reason: String)
    indirect case inFile(file: String, error: ConfigError)

    /// The dotted path the error is about, when it names one.
    public var path: String? {
        switch self {
        case let .outOfRange(path, _, _), let .unknownField(path, _), let .wrongType(path, _, _),
             let .invalidValue(path, _, _), let .inconsistent(path, _):
            return path
        case .unreadable, .notJSON, .inFile:
            return nil
        }
    }

    public var description: String {
        switch self {
        case let .outOfRange(path, value, expected):
            return "\(path): \(value) is out of range; expected \(expected)"
        case let .unknownField(path, suggestion):
            return "\(path): unknown field" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case let .wrongType(path, found, expected):
            return "\(path): found \(found); expected \(expected)"
        case let .invalidValue(path, value, expected):
            return "\(path): '\(value)' is not valid; expected \(expected)"
        case let .inconsistent(path, message):
            return "\(path): \(message)"
        case let .unreadable(file, reason):
            return "\(file): \(reason)"
        case let .notJSON(file, reason):
            return "\(file): not valid JSON (\(reason))"
        case let .inFile(file, error):
            return "\(file): \(error.description)"
        }
    }
}

extension ElsaConfig {
    /// Checks every range and cross-field rule of `docs/config.md`.
    public func validate() throws(ConfigError) {
        func range<T: Comparable>(_ path: String, _ value: T, _ lo: T, _ hi: T) throws(ConfigError) {
            if value < lo || value > hi {
                throw .outOfRange(path: path, value: "\(value)", expected: "\(lo)…\(hi)")
            }
        }
        try validateBounds()
        try range("head_dim", headDim, 1, 4096)
        try range("hash.bits", hash.bits, 1, 4096)
        try range("hash.multipliers", hash.multipliers, 1, 1 << 20)
        try range("attention_modules", attentionModules, 1, 1024)
        try range("selectors_per_module", selectorsPerModule, 1, 1024)
        try range("selector.pipeline_depth", selector.pipelineDepth, 1, 1024)
        try range("selector.queue_depth", selector.queueDepth, 1, 1 << 20)
        try range("attention.latency", attention.latency, 1, 1 << 16)
        try range("attention.accumulators", attention.accumulators, 2, 1024)
        try range("output_division.multipliers", outputDivision.multipliers, 1, 1 << 20)
        try range("output_division.latency", outputDivision.latency, 0, 1 << 16)
        if let r = norm.keysPerCycle { try range("norm.keys_per_cycle", r, 1, 1 << 20) }
        try range("norm.latency", norm.latency, 0, 1 << 16)
        if !(thetaBias >= 0 && thetaBias < Double.pi) {
            throw .outOfRange(path: "theta_bias", value: "\(thetaBias)", expected: "0 ≤ θ_bias < π (radians)")
        }
        try range("key_memory_capacity", keyMemoryCapacity, 1, 1 << 24)
        try range("accelerators", accelerators, 1, 1 << 16)
        if !(approximation.p >= 0 && approximation.p.isFinite) {
            throw .outOfRange(path: "approximation.p", value: "\(approximation.p)", expected: "a finite number ≥ 0")
        }
        switch hash.projection {
        case .kronecker:
            if hash.kroneckerFactors.isEmpty || hash.kroneckerFactors.contains(where: { $0 < 1 }) {
                throw .invalidValue(path: "hash.kronecker_factors", value: "\(hash.kroneckerFactors)",
                                    expected: "a non-empty list of factor sizes ≥ 1")
            }
            let product = hash.kroneckerFactors.reduce(1, *)
            if product != headDim {
                throw .inconsistent(path: "hash.kronecker_factors",
                                    message: "the factors \(hash.kroneckerFactors) multiply to \(product), but head_dim is \(headDim); use factors whose product is head_dim (e.g. [4, 4, 2] for 32)")
            }
            if hash.bits != headDim {
                throw .inconsistent(path: "hash.bits",
                                    message: "a Kronecker projection has k = head_dim = \(headDim) bits, but hash.bits is \(hash.bits); set hash.bits to \(headDim) or use projection \"dense\"")
            }
        case .dense:
            break
        case .matrixFile:
            if hash.matrixFile == nil {
                throw .inconsistent(path: "hash.matrix_file",
                                    message: "projection \"matrix-file\" needs hash.matrix_file (or --hash-matrix)")
            }
        }
        if approximation.mode == .thresholdsFile && approximation.thresholdsFile == nil {
            throw .inconsistent(path: "approximation.thresholds_file",
                                message: "mode \"thresholds-file\" needs approximation.thresholds_file (or --thresholds)")
        }
        if attentionModules * selectorsPerModule > keyMemoryCapacity {
            throw .inconsistent(path: "selectors_per_module",
                                message: "attention_modules × selectors_per_module = \(attentionModules) × \(selectorsPerModule) = \(attentionModules * selectorsPerModule) selectors do not fit a key memory of \(keyMemoryCapacity) keys (each selector reads its own keys of a bank); lower them or raise key_memory_capacity")
        }
        try energy.validate()
        try validateAssumptions()
        try validateBias()
        try validateNumerics()
    }

    /// `M_h`: multiplications to hash one vector (ELSA III-C: 3·d^{4/3} = 768 for three 4×4 factors, d = 64).
    public var hashMultipliesPerVector: Int {
        switch hash.projection {
        case .kronecker: return headDim * hash.kroneckerFactors.reduce(0, +)
        case .dense: return hash.bits * headDim
        case .matrixFile: return hash.cost == .kronecker ? headDim * hash.kroneckerFactors.reduce(0, +) : hash.bits * headDim
        }
    }

    /// Key norms computed per cycle (default: one per attention module).
    public var normKeysPerCycle: Int { norm.keysPerCycle ?? attentionModules }
}
