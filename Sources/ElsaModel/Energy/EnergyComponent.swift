/// One row of the energy and area model: a logic module or an SRAM of ELSA (ELSA IV-C, Table I).
///
/// Logic modules are charged per busy cycle of each instance; memories per access (`docs/energy.md` §2).
/// The K, V, Q and output memories are the paper's "external memory modules" (Table I: 2 × K/V + 2 × Q/O
/// = 0.892 mm²); the rest is the accelerator core (1.255 mm²).
public enum EnergyComponent: String, Sendable, CaseIterable, Hashable {
    case hash
    case norm
    case candidateSelection = "candidate_selection"
    case attention
    case outputDivision = "output_division"
    case keyHashMemory = "key_hash_memory"
    case keyNormMemory = "key_norm_memory"
    case keyMemory = "key_memory"
    case valueMemory = "value_memory"
    case queryMemory = "query_memory"
    case outputMemory = "output_memory"

    /// The group of ELSA Fig. 13(b) the row belongs to.
    public var group: EnergyGroup {
        switch self {
        case .hash, .norm, .candidateSelection, .keyHashMemory, .keyNormMemory: return .approximation
        case .attention, .outputDivision: return .attentionOutputDivision
        case .keyMemory, .valueMemory, .queryMemory, .outputMemory: return .externalMemory
        }
    }

    /// An SRAM (charged per access) rather than a logic module (charged per busy cycle).
    public var isMemory: Bool {
        switch self {
        case .hash, .norm, .candidateSelection, .attention, .outputDivision: return false
        default: return true
        }
    }

    /// Part of the accelerator core (Table I's 1.255 mm²) rather than the external memories (0.892 mm²).
    public var isCore: Bool { group != .externalMemory }

    /// Position in `allCases`, the index of the per-component arrays of `EnergyBreakdown` and `ActivityCounts`.
    public var index: Int {
        switch self {
        case .hash: return 0
        case .norm: return 1
        case .candidateSelection: return 2
        case .attention: return 3
        case .outputDivision: return 4
        case .keyHashMemory: return 5
        case .keyNormMemory: return 6
        case .keyMemory: return 7
        case .valueMemory: return 8
        case .queryMemory: return 9
        case .outputMemory: return 10
        }
    }
}

/// The three energy groups of ELSA Fig. 13(b) (digest §1.7).
public enum EnergyGroup: String, Sendable, CaseIterable, Hashable {
    /// Hash, norm, candidate selection and the key hash / key norm memories (the rows the paper's
    /// "Approx. Modules" presumably covers; the digest marks this assignment as its inference).
    case approximation
    /// The attention computation modules and the output division module.
    case attentionOutputDivision = "attention_output_division"
    /// The K, V, Q and output memories.
    case externalMemory = "external_memory"
}
