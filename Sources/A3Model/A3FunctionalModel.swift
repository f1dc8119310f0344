import Workload

/// What A^3 computes for one head invocation (A^3 §III–IV): in base mode every visible key; with the
/// approximation, the greedy search's candidates (`A3GreedySearch`) cut by post-scoring selection
/// (`A3PostScoring`). Arithmetic is Double on the trace's values (the paper's i = f = 4 fixed point is
/// not modelled; `docs/a3.md` §4).
public struct A3FunctionalModel: Sendable {
    public let config: A3Config

    public init(config: A3Config) { self.config = config }

    /// The kept keys and per-query work of query head `queryHead` of layer number `layer`.
    ///
    /// - Complexity: base O(n²); approximate O(d·n log n) sorting plus, per query, O(M·d + n + C·d).
    public func selectHead(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int) -> A3HeadSelection {
        let n = trace.tokens
        let visible = (0 ..< n).map { trace.visibleKeys(query: $0) }
        var selection = A3HeadSelection(keys: n, visible: visible)
        guard config.approximation.enabled else {
            for i in 0 ..< n { for y in 0 ..< visible[i] { selection.set(query: i, key: y) } }
            return selection
        }
        let layer = trace.layers[layerIndex]
        let sorted = A3SortedKeys(layer: layer, queryHead: queryHead, tokens: n)
        let d = layer.q.dim
        let kv = layer.kvHead(forQueryHead: queryHead)
        var scratch = [Double](repeating: 0, count: n)
        var exact = [Double](repeating: 0, count: n)
        var query = [Double](repeating: 0, count: d)
        let approximation = config.approximation
        for i in 0 ..< n {
            let qStart = layer.q.offset(head: queryHead, row: i)
            for c in 0 ..< d { query[c] = Double(layer.q.storage[qStart + c]) }
            let outcome = A3GreedySearch.search(query: query, keys: sorted, visible: visible[i],
                                                iterations: approximation.iterationBudget(visible: visible[i]),
                                                skipMinHeuristic: approximation.skipMinHeuristic, scores: &scratch)
            // Exact scores of the candidates (the dot-product module), summed in component order; a layer
            // bias is added to them (the greedy search sees q·k only, docs/a3.md).
            for y in outcome.candidates {
                let kStart = layer.k.offset(head: kv, row: y)
                var dot = 0.0
                for c in 0 ..< d { dot += query[c] * Double(layer.k.storage[kStart + c]) }
                exact[y] = trace.scale * dot
                if let bias = layer.bias { exact[y] += Double(bias[queryHead, i, y]) }
            }
            let kept = A3PostScoring.select(candidates: outcome.candidates, scores: exact,
                                            percent: approximation.thresholdPercent)
            for y in kept { selection.set(query: i, key: y) }
            selection.work[i] = A3QueryWork(visible: visible[i], iterations: outcome.iterations,
                                            candidates: outcome.candidates.count, kept: kept.count)
        }
        return selection
    }
}
