/// The selected keys of the query about to start, binned per selector of every key bank
/// (`ElsaPipeline.binSelectedKeys`; `docs/architecture.md`): for lane `g = bank · lanesPerBank + selector`
/// the number of selected keys and either, when every list is at most `maskedListLength` keys long, a
/// mask of the selected list positions (`masked`), or the list position of the last one and the gaps
/// between consecutive positions (`gapStride` per lane). `KeyBank` reads its own lanes. One flat set of
/// buffers for the whole pipeline, so binning a key is a table lookup and a few stores with no per-bank
/// indirection.
final class SelectionBins {
    /// The longest list a mask holds: positions 0 … 29 and the end-of-list bit (at most bit 30) in an
    /// `Int32` lane.
    static let maskedListLength = 30
    /// Whether the lists are masks (`masks`) rather than gaps.
    let masked: Bool
    /// Lane `g`'s selected list positions, bit `p` for position `p` (when `masked`).
    let masks: UnsafeMutablePointer<Int32>
    /// `Pc` rounded up to a multiple of 8 (a bank's lane chunks).
    let lanesPerBank: Int
    /// `ceil(keys / Pc) + 1`: a whole list's gaps and the one after its end.
    let gapStride: Int
    let lanes: Int
    let count: UnsafeMutablePointer<Int32>
    let lastPosition: UnsafeMutablePointer<Int32>
    /// Gap `k` of lane `g` at `g · gapStride + k`: entry 0 is the first selected position, entry `k` the
    /// distance from selected key `k − 1` to `k`; the bank writes the one after the last (to the list's
    /// end) when the query starts. In exact mode every key is selected: 0, 1, 1, … for every list.
    let gaps: UnsafeMutablePointer<Int32>

    /// `longestList`: the most keys one selector's list can hold (`masked` when it is at most
    /// `maskedListLength`).
    init(banks: Int, selectors: Int, keys: Int, longestList: Int, exact: Bool) {
        masked = longestList <= SelectionBins.maskedListLength
        lanesPerBank = (selectors + 7) / 8 * 8
        gapStride = (keys + selectors - 1) / selectors + 1
        lanes = banks * lanesPerBank
        count = .filled(0, count: lanes)
        masks = .filled(0, count: lanes)
        lastPosition = .filled(0, count: lanes)
        gaps = .filled(1, count: lanes * gapStride)
        if exact { for g in 0 ..< lanes { gaps[g * gapStride] = 0 } }
    }

    deinit {
        count.deallocate()
        masks.deallocate()
        lastPosition.deallocate()
        gaps.deallocate()
    }

    /// Empties every lane's list before a new query's keys are binned.
    func clear() {
        count.update(repeating: 0, count: lanes)
        if masked {
            masks.update(repeating: 0, count: lanes)
        } else {
            lastPosition.update(repeating: 0, count: lanes)
        }
    }

    /// Lane `g`'s next selected key is at list position `p` (a lane's positions arrive in ascending order).
    @inline(__always)
    func add(lane g: Int, position p: Int32) {
        let k = count[g]
        count[g] = k &+ 1
        if masked {
            masks[g] |= 1 &<< p
        } else {
            gaps[g &* gapStride &+ Int(k)] = p &- lastPosition[g]
            lastPosition[g] = p
        }
    }
}
