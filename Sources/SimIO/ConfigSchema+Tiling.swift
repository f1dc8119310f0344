import ElsaModel

/// The long-sequence fields of `elsa-config/1`: what happens to a trace longer than the key memory and
/// how its key tiles are scheduled (`docs/model.md` §9, `docs/config.md` "Long sequences").
extension ConfigSchema {
    static var tilingFields: [ConfigField] {
        [
            choice("long_sequences", \.longSequences, source: "assumed: error (the paper stops at n ≤ 512)",
                   "error: a trace with more real tokens than key_memory_capacity is rejected; tile: its keys are processed in tiles of at most key_memory_capacity keys."),
            choice("tiling.preprocessing", \.tiling.preprocessing, source: "assumed: serial",
                   "serial: tile j+1 is preprocessed after tile j's last output row; overlapped: during tile j's execution, on a second hash unit, norm unit and key memories (not charged in area)."),
        ]
    }
}
