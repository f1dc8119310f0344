import SimCore

extension HeadTiming {
    /// The first field in which `self` and `other` differ, in the order of `docs/model.md` §5 (total,
    /// preprocessing, hash, norm, each selector, each attention module, output division, each queue),
    /// as `"selector 3 (bank 0, lane 3): busy 12 blocked 0 … vs busy 11 …"`; `nil` when they are equal.
    ///
    /// - Parameters:
    ///   - selectorsPerModule: `Pc`, to name a selector by bank and lane.
    ///   - names: how to call `self` and `other` in the message.
    public func firstDifference(from other: HeadTiming, selectorsPerModule: Int,
                                names: (String, String) = ("event", "reference")) -> String? {
        func pair<T>(_ field: String, _ a: T, _ b: T) -> String { "\(field): \(names.0) \(a), \(names.1) \(b)" }
        func activity(_ u: UnitActivity) -> String { "busy \(u.busy) blocked \(u.blocked) starved \(u.starved) idle \(u.idle)" }
        func queue(_ q: OccupancyStats) -> String { "max \(q.maximum) slot-cycles \(q.cycleSum)" }
        let pc = max(1, selectorsPerModule)

        if totalCycles != other.totalCycles { return pair("total cycles T", totalCycles, other.totalCycles) }
        if preprocessingCycles != other.preprocessingCycles {
            return pair("preprocessing cycles P", preprocessingCycles, other.preprocessingCycles)
        }
        if hash != other.hash { return pair("hash unit", activity(hash), activity(other.hash)) }
        if hashPreprocessingBusy != other.hashPreprocessingBusy {
            return pair("hash preprocessing busy", hashPreprocessingBusy.map(String.init) ?? "-", other.hashPreprocessingBusy.map(String.init) ?? "-")
        }
        if norm != other.norm { return pair("norm unit", activity(norm), activity(other.norm)) }
        if selectors.count != other.selectors.count { return pair("selector count", selectors.count, other.selectors.count) }
        for (s, (a, b)) in zip(selectors, other.selectors).enumerated() where a != b {
            return pair("selector \(s) (bank \(s / pc), lane \(s % pc))", activity(a), activity(b))
        }
        if attention.count != other.attention.count { return pair("attention module count", attention.count, other.attention.count) }
        for (bank, (a, b)) in zip(attention, other.attention).enumerated() where a != b {
            return pair("attention module \(bank)", activity(a), activity(b))
        }
        if outputDivision != other.outputDivision {
            return pair("output division", activity(outputDivision), activity(other.outputDivision))
        }
        if queues.count != other.queues.count { return pair("queue count", queues.count, other.queues.count) }
        for (s, (a, b)) in zip(queues, other.queues).enumerated() where a != b {
            return pair("queue of selector \(s) (bank \(s / pc), lane \(s % pc))", queue(a), queue(b))
        }
        precondition(self == other, "HeadTiming differs in a field firstDifference does not compare")
        return nil
    }
}
