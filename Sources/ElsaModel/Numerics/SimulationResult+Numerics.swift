extension LayerResult {
    /// The heads' numerics statistics merged in head order; `nil` unless every head has them
    /// (`numerics.mode: elsa`).
    public var numerics: NumericsStatistics? {
        let measured = heads.compactMap(\.numerics)
        return measured.count == heads.count && !heads.isEmpty ? NumericsStatistics.merged(measured) : nil
    }
}

extension SimulationResult {
    /// The layers' numerics statistics merged in layer order; `nil` in `numerics.mode: float`.
    public var numerics: NumericsStatistics? {
        let measured = layers.compactMap(\.numerics)
        return measured.count == layers.count && !layers.isEmpty ? NumericsStatistics.merged(measured) : nil
    }
}
