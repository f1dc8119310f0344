#!/usr/bin/env python3
"""Times one NumPy float32 exact-attention pass over an elsa-trace/1 trace (the `make bench` baseline).

For every layer and query head h it computes softmax(q kᵀ · scale + bias) v in float32 over the real
tokens (padding rows and columns left out), query rows in blocks of --block rows so memory stays
bounded at long n (a block holds block × n scores): under `causal` a block only multiplies the keys
up to its last row and masks the rest. Grouped-query traces use key/value head h // (Hq / Hkv), as
docs/trace-format.md defines. q, k, v (float16, float32 or float64 on disk) are converted to float32
once, before the clock starts; the loading time is reported apart.

Prints one line and, with --json, writes {"pairs", "seconds_min", "seconds_median", "cpu_seconds_min",
"load_seconds", "peak_bytes", ...}; NumPy's matrix products use its BLAS's own threads (OpenBLAS: every
core unless OPENBLAS_NUM_THREADS says otherwise). Exit 2 with a one-line message on a bad trace or command line.

    python scripts/exact_attention_bench.py TRACE_DIR [--repeat N] [--block B] [--json FILE]
"""

import argparse
import json
import math
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np


class TraceProblem(Exception):
    """A trace this script cannot read; the message names the file and field."""


def load_trace(directory):
    """The trace at `directory` as a dict: layers of float32 q, k, v (and bias or None), scale, causal, tokens."""
    root = Path(directory)
    manifest_path = root / "trace.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TraceProblem(f"{manifest_path}: cannot be read as JSON ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), list) or not manifest["layers"]:
        raise TraceProblem(f"{manifest_path}: layers: missing or empty; expected a non-empty array")
    biases = {}

    def array(entry, field, index):
        name = entry.get(field)
        if not isinstance(name, str):
            raise TraceProblem(f"{manifest_path}: layers[{index}].{field}: missing; expected a .npy path")
        path = Path(name) if Path(name).is_absolute() else root / name
        try:
            values = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise TraceProblem(f"{path}: layers[{index}].{field}: cannot be read ({error})") from None
        if values.ndim != 3:
            raise TraceProblem(f"{path}: layers[{index}].{field}: shape {values.shape}; expected rank 3")
        return np.ascontiguousarray(values, dtype=np.float32), str(path.resolve())

    layers = []
    for index, entry in enumerate(manifest["layers"]):
        if not isinstance(entry, dict):
            raise TraceProblem(f"{manifest_path}: layers[{index}]: not an object")
        q, _ = array(entry, "q", index)
        k, _ = array(entry, "k", index)
        v, _ = array(entry, "v", index)
        if q.shape[0] % k.shape[0] != 0 or k.shape != v.shape or k.shape[1:] != q.shape[1:]:
            raise TraceProblem(f"{manifest_path}: layers[{index}]: q {q.shape}, k {k.shape}, v {v.shape} do not fit together")
        bias = None
        if entry.get("bias") is not None:
            key = entry["bias"]
            if key not in biases:
                biases[key], _ = array(entry, "bias", index)
            bias = biases[key]
        layers.append((q, k, v, bias))
    n, head_dim = layers[0][0].shape[1], layers[0][0].shape[2]
    tokens = (manifest.get("input") or {}).get("tokens", n)
    if not isinstance(tokens, int) or not 1 <= tokens <= n:
        raise TraceProblem(f"{manifest_path}: input.tokens: {tokens!r}; expected an integer in 1…{n}")
    scale = manifest.get("scale")
    return {
        "layers": layers,
        "scale": float(scale) if scale is not None else 1.0 / math.sqrt(head_dim),
        "causal": bool(manifest.get("causal", False)),
        "tokens": tokens,
        "n": n,
        "head_dim": head_dim,
        "heads": layers[0][0].shape[0],
    }


def visible_pairs(trace):
    """(query, key) pairs some query attends, over every layer and query head."""
    t = trace["tokens"]
    per_head = t * (t + 1) // 2 if trace["causal"] else t * t
    return per_head * sum(layer[0].shape[0] for layer in trace["layers"])


def exact_attention(trace, block=512, out=None):
    """Exact attention of every layer: a list of float32 [heads, n, head_dim] arrays (padding rows 0)."""
    t, scale, causal = trace["tokens"], np.float32(trace["scale"]), trace["causal"]
    results = []
    future = np.triu(np.ones((block, block), dtype=bool), k=1)
    for layer_index, (q, k, v, bias) in enumerate(trace["layers"]):
        group = q.shape[0] // k.shape[0]
        result = out[layer_index] if out is not None else np.zeros(q.shape[:2] + (v.shape[2],), dtype=np.float32)
        for h in range(q.shape[0]):
            kv = h // group
            keys, values = k[kv, :t], v[kv, :t]
            for start in range(0, t, block):
                stop = min(start + block, t)
                width = stop if causal else t
                scores = q[h, start:stop] @ keys[:width].T
                scores *= scale
                if bias is not None:
                    scores += bias[h, start:stop, :width]
                if causal:
                    # query start + r sees keys 0 … start + r: only the block's diagonal square has
                    # keys to hide, the upper triangle of it
                    square = scores[:, start:stop]
                    square[future[: stop - start, : stop - start]] = -np.inf
                scores -= scores.max(axis=1, keepdims=True)
                np.exp(scores, out=scores)
                total = scores.sum(axis=1, keepdims=True)
                np.matmul(scores, values[:width], out=result[h, start:stop])
                result[h, start:stop] /= total
        results.append(result)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--block", type=int, default=512)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.block < 1:
        print("exact_attention_bench.py: --repeat and --block must be at least 1", file=sys.stderr)
        return 2
    clock = time.perf_counter()
    try:
        trace = load_trace(args.trace)
    except TraceProblem as problem:
        print(f"exact_attention_bench.py: {problem}", file=sys.stderr)
        return 2
    load_seconds = time.perf_counter() - clock
    out = [np.zeros(layer[0].shape[:2] + (layer[2].shape[2],), dtype=np.float32) for layer in trace["layers"]]
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        exact_attention(trace, args.block, out)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    pairs = visible_pairs(trace)
    report = {
        "trace": args.trace,
        "layers": len(trace["layers"]),
        "heads": trace["heads"],
        "n": trace["n"],
        "tokens": trace["tokens"],
        "head_dim": trace["head_dim"],
        "causal": trace["causal"],
        "pairs": pairs,
        "repeat": args.repeat,
        "block": args.block,
        "load_seconds": load_seconds,
        "seconds_min": min(walls),
        "seconds_median": statistics.median(walls),
        "cpu_seconds_min": min(cpus),
        "numpy_version": np.__version__,
        # ru_maxrss is KiB on Linux: the process's peak, the trace and NumPy's buffers included
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    print(f"numpy exact attention — {args.trace}: {pairs} pairs; min {min(walls):.3f} s, "
          f"median {statistics.median(walls):.3f} s wall of {args.repeat}; "
          f"{pairs / min(walls) / 1e6:.1f} M pairs/s; load {load_seconds:.3f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
