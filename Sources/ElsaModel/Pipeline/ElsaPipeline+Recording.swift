import SimCore

extension ElsaPipeline {
    /// Runs one head invocation like `simulate` and also records every busy and blocked interval of
    /// every module instance (`docs/model.md` §5 states) and every selector-queue occupancy change,
    /// for timelines (`docs/sweeps.md`, "Cycle timeline").
    ///
    /// The key banks record as they simulate; the hash unit, norm unit and output division intervals
    /// follow from `S_i` and `OD_i` by the rules of `docs/model.md` §3–§4 (hash: keys and query 0 at
    /// `[0, H·(n+1))`, query `i+1` at `[S_i, S_i + H)`, blocked `[S_i + H, S_{i+1})` for `i + 2 < n`;
    /// norm: `[0, ceil(n / R_norm))`; output division: `[OD_i, OD_i + II)`). The timing is the same
    /// value `simulate` returns: recording changes no counter.
    ///
    /// - Complexity: one interval per run of consecutive cycles; memory grows with the number of
    ///   state changes, so callers bound the output (`TimelineLimits`).
    public static func simulateRecording(parameters: TimingParameters,
                                         selection: SelectionMatrix) -> (timing: HeadTiming, recording: PipelineRecording) {
        let n = selection.keys
        precondition(n >= 1, "a head invocation needs at least one token")
        precondition(parameters.accumulators >= 2, "the event engine needs attention.accumulators ≥ 2")
        // Recorded intervals need every cycle simulated: no steady-state fast-forward (docs/model.md §10).
        let model = ElsaPipeline(parameters: parameters, selection: selection, fastForward: false)
        for bank in model.banks { bank.startRecording() }
        var simulator = Simulator(model: model)
        simulator.schedule(.queryStart(0), at: simulator.model.preprocessingEnd)
        simulator.run()
        let done = simulator.model
        return (done.timing(), done.recording())
    }

    /// Assembles the recording once the last event has run.
    func recording() -> PipelineRecording {
        let p = parameters
        let n = keys
        var intervals: [PipelineInterval] = []
        if !p.exact {
            let h = p.hashCycles
            // The keys, then query 0 (docs/model.md §3): whole cycles, or vector v done at ceil((v+1)·M_h/m_h).
            let keysDone = p.hashPreprocessing == .pipelined
                ? (Cycle(n) * Cycle(p.hashMultiplies) + Cycle(p.hashMultipliers) - 1) / Cycle(p.hashMultipliers) : h * Cycle(n)
            let passDone = p.preprocessingHashCycles(keys: n)
            intervals.append(PipelineInterval(unit: .hash, state: .busy, query: -1, start: 0, end: keysDone))
            intervals.append(PipelineInterval(unit: .hash, state: .busy, query: 0, start: keysDone, end: passDone))
            for i in 0 ..< max(0, n - 1) {
                let s = queryStart[i]
                intervals.append(PipelineInterval(unit: .hash, state: .busy, query: i + 1, start: s, end: s + h))
                if i + 2 < n && queryStart[i + 1] > s + h {
                    intervals.append(PipelineInterval(unit: .hash, state: .blocked, query: i + 1, start: s + h,
                                                      end: queryStart[i + 1]))
                }
            }
            let normBusy = Cycle((n + p.normKeysPerCycle - 1) / p.normKeysPerCycle)
            intervals.append(PipelineInterval(unit: .norm, state: .busy, query: -1, start: 0, end: normBusy))
        }
        var levels: [QueueLevelChange] = []
        for bank in banks {
            bank.flushRecording()
            guard let recorder = bank.recorder else { preconditionFailure("bank \(bank.bank) has no recorder") }
            intervals += recorder.intervals
            levels += recorder.queueLevels
        }
        for q in 0 ..< n {
            let s = outputDivisionStart[q]
            intervals.append(PipelineInterval(unit: .outputDivision, state: .busy, query: q, start: s,
                                              end: s + p.outputDivisionCycles))
        }
        let order = { (u: PipelineUnit) -> Int in
            switch u {
            case .hash: return 0
            case .norm: return 1
            case let .selector(b, s): return 2 + b * p.selectorsPerModule + s
            case let .attention(b): return 2 + p.selectorCount + b
            case .outputDivision: return 2 + p.selectorCount + p.attentionModules
            }
        }
        intervals.sort {
            ($0.start, order($0.unit), $0.state == .busy ? 0 : 1) < ($1.start, order($1.unit), $1.state == .busy ? 0 : 1)
        }
        levels.sort { ($0.cycle, $0.bank, $0.selector) < ($1.cycle, $1.bank, $1.selector) }
        return PipelineRecording(intervals: intervals, queueLevels: levels, queryStarts: queryStart,
                                 outputDivisionStarts: outputDivisionStart)
    }
}
