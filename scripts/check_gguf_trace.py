#!/usr/bin/env python3
"""Validate the GGUF exporter and a SmolLM2 trace (`make traces-check`; not part of CI).

Checks, each reported with its measured numbers:
  model      the installed GGUF is the one recorded in trace.json (sha256), its tensor types
  tokenizer  the exporter's own byte-level BPE gives the same ids on the trace's text as the
             Hugging Face `tokenizers` BPE built from the same GGUF vocabulary and merges
             (an independent implementation), equal to trace.json's token_ids; decoding the
             ids gives the text back
  format     trace.json and every .npy follow elsa-trace/1 (causal, grouped-query shapes,
             recorded dtype, layer names layer<i> = layers_exported, sha256)
  reproduce  the exporter run again with the recorded arguments writes byte-identical files
  loss       next-token cross-entropy of that run (the GGUF rotary pairing, "interleaved") and
             of a run with the other pairing ("neox"): the right one must be below
             LOSS_LIMIT nats/token and at least LOSS_GAP below the wrong one
  out        `out` equals softmax(q.k^T*scale + causal mask).v recomputed in float64 from the
             written q/k/v, to 1 float32 ulp: on the trace when it records out, and on a fresh
             all-layer export at n = OUT_CHECK_N (the shipped trace is written without out)
  stats      per layer: keys holding 90 % of the softmax mass (of each query's visible keys)
             and the attention-sink share (mass on token 0), information only

`--stats-only` prints the statistics of any causal trace and nothing else.
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
EXPORTER = SCRIPTS / "export_gguf_trace.py"
sys.path.insert(0, str(SCRIPTS))
import export_gguf_trace as exporter  # noqa: E402
from trace_common import sha256_file  # noqa: E402

LOSS_LIMIT = 3.5   # nats/token; a correct forward pass gives about 2.5-3 on plain English
LOSS_GAP = 1.0     # nats/token between the wrong and the right rotary pairing
OUT_CHECK_N = 512
MASS = 0.9


def load_trace(trace_dir: Path) -> dict:
    return json.loads((trace_dir / "trace.json").read_text(encoding="utf-8"))


def read_npy(path: Path, dtypes=("<f2", "<f4")) -> np.ndarray:
    arr = np.load(path, allow_pickle=False)
    if arr.dtype.str not in dtypes or arr.ndim != 3 or not arr.flags.c_contiguous:
        raise ValueError(f"{path.name}: dtype {arr.dtype.str}, ndim {arr.ndim}, "
                         f"C order {arr.flags.c_contiguous}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{path.name}: contains NaN or infinity")
    return arr


def text_of(trace: dict) -> str:
    args = trace["provenance"]["args"]
    if "--text-file" in args:
        return (REPO / args[args.index("--text-file") + 1]).read_text(encoding="utf-8")
    return args[args.index("--text") + 1]


# ----------------------------------------------------------------------------------------------

def check_model(trace: dict) -> tuple[bool, str]:
    path = exporter.default_gguf()
    actual = sha256_file(path)
    recorded = trace["provenance"].get("gguf_sha256")
    model = exporter.LlamaGGUF(path)
    types = model.file.type_counts()
    ok = actual == recorded and types == trace["provenance"].get("gguf_tensor_types")
    return ok, (f"{path.name} sha256 {actual[:16]}… "
                + ("matches trace.json" if actual == recorded else f"!= recorded {recorded}")
                + f"; {len(model.file.tensors)} tensors {types}; output projection "
                + ("tied to token_embd" if model.tied_output else "output.weight"))


def check_tokenizer(trace: dict) -> tuple[bool, str]:
    from tokenizers import Tokenizer, models, pre_tokenizers
    model = exporter.LlamaGGUF(exporter.default_gguf())
    md = model.file.metadata
    text = text_of(trace)
    ours = model.tokenizer.encode(text)
    vocab = {t: i for i, t in enumerate(md["tokenizer.ggml.tokens"])}
    merges = [tuple(m.split(" ")) for m in md["tokenizer.ggml.merges"]]
    hf = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    pre = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if md.get("tokenizer.ggml.pre") == "smollm":
        pre.insert(0, pre_tokenizers.Digits(individual_digits=True))
    hf.pre_tokenizer = pre_tokenizers.Sequence(pre)
    theirs = hf.encode(text).ids
    recorded = trace["input"]["token_ids"]
    n = len(recorded)
    same = ours == theirs
    first_diff = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
    roundtrip = model.tokenizer.decode(ours) == text
    ok = same and ours[:n] == recorded and roundtrip
    return ok, (f"pre-tokenizer {md.get('tokenizer.ggml.pre')!r}, {len(md['tokenizer.ggml.merges'])}"
                f" merges; {len(ours)} tokens for the whole text ({len(text)} characters), "
                + ("identical to" if same else f"differ at token {first_diff} from")
                + " the `tokenizers` BPE; first n = "
                f"{n} {'equal' if ours[:n] == recorded else 'NOT equal'} to trace.json; decode "
                + ("round-trips" if roundtrip else "does NOT round-trip"))


def check_format(trace_dir: Path, trace: dict) -> tuple[bool, str]:
    problems = []
    if trace.get("format") != "elsa-trace/1":
        problems.append(f"format {trace.get('format')!r}")
    if trace.get("causal") is not True:
        problems.append("causal is not true")
    heads, kv, d = trace["heads"], trace["kv_heads"], trace["head_dim"]
    if abs(trace["scale"] - 1 / math.sqrt(d)) > 1e-15:
        problems.append("scale is not 1/sqrt(head_dim)")
    want = {"float16": "<f2", "float32": "<f4"}[trace["dtype"]]
    n = trace["input"]["n"]
    names = [layer["name"] for layer in trace["layers"]]
    if names != [f"layer{i}" for i in trace["layers_exported"]]:
        problems.append(f"layer names {names} != layer<i> of layers_exported")
    files = 0
    for layer in trace["layers"]:
        for part in ("q", "k", "v", "out"):
            if part not in layer:
                continue
            arr = read_npy(trace_dir / layer[part])
            files += 1
            shape = (heads if part in ("q", "out") else kv, n, d)
            dtype = "<f4" if part == "out" else want
            if arr.shape != shape or arr.dtype.str != dtype:
                problems.append(f"{layer[part]}: {arr.dtype.str} {list(arr.shape)}, expected "
                                f"{dtype} {list(shape)}")
            if trace["sha256"].get(layer[part]) != sha256_file(trace_dir / layer[part]):
                problems.append(f"{layer[part]}: sha256 differs from trace.json")
    if len(trace["input"]["token_ids"]) != n:
        problems.append("token_ids length != n")
    summary = (f"{len(names)} layers ({', '.join(names)}), {files} arrays, q [{heads}, {n}, {d}] "
               f"and k/v [{kv}, {n}, {d}] {want}, causal")
    return not problems, summary + ("; " + "; ".join(problems) if problems else "")


def run_exporter(args: list[str]) -> tuple[subprocess.CompletedProcess, dict | None]:
    result = subprocess.run([sys.executable, str(EXPORTER), *args], capture_output=True,
                            text=True, cwd=REPO)
    loss = None
    if result.returncode == 0 and "--loss" in args:
        loss = json.loads(result.stdout.strip().splitlines()[-1])
    return result, loss


def check_reproduce_and_loss(trace_dir: Path, trace: dict) -> list[tuple[str, bool, str]]:
    args = trace["provenance"]["args"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "trace"
        result, right = run_exporter([*args, "--loss", "--out", str(fresh)])
        if result.returncode != 0:
            fail = "regeneration failed: " + result.stderr.strip()
            return [("reproduce", False, fail), ("loss", False, fail)]
        names = sorted(p.name for p in trace_dir.iterdir())
        fresh_names = sorted(p.name for p in fresh.iterdir())
        differ = [n for n in names if n not in fresh_names
                  or (trace_dir / n).read_bytes() != (fresh / n).read_bytes()]
        differ += [n for n in fresh_names if n not in names]
        total = sum((trace_dir / n).stat().st_size for n in names)
    reproduce = (not differ,
                 f"all {len(names)} files ({total:,} bytes) byte-identical" if not differ
                 else f"{len(differ)} files differ or are missing: {', '.join(differ)}")
    wrong_args = [a if a != "interleaved" else "neox" for a in args]
    result, wrong = run_exporter([*wrong_args, "--loss"])
    if result.returncode != 0:
        return [("reproduce", *reproduce), ("loss", False, result.stderr.strip())]
    r, w = right["cross_entropy_nats_per_token"], wrong["cross_entropy_nats_per_token"]
    ok = r <= LOSS_LIMIT and w - r >= LOSS_GAP
    recorded = (trace.get("next_token_cross_entropy") or {}).get("nats_per_token")
    loss = (ok, f"n = {right['n']} ({right['predictions']} predictions): interleaved (2j, 2j+1) "
                f"{r:.4f} nats/token (perplexity {math.exp(r):.2f}; trace.json {recorded:.4f}), "
                f"neox (j, j+d/2) {w:.4f} (perplexity {math.exp(w):.2f}); limit {LOSS_LIMIT}, "
                f"gap {w - r:.2f} >= {LOSS_GAP}")
    return [("reproduce", *reproduce), ("loss", *loss)]


def causal_probs(q: np.ndarray, k: np.ndarray, scale: float, rows: slice) -> np.ndarray:
    """Softmax probabilities [rows, n_keys] of one head in float64, keys beyond the row hidden."""
    start, stop = rows.start, rows.stop
    s = (q[start:stop] @ k[:stop].T) * scale
    s[np.arange(stop)[None, :] > np.arange(start, stop)[:, None]] = -np.inf
    s -= s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    return p / p.sum(axis=-1, keepdims=True)


def out_errors(trace_dir: Path, trace: dict) -> list[str]:
    """Per layer: max |out - recomputed| and in float32 ulps; raises if a layer exceeds 1 ulp."""
    lines, worst = [], 0.0
    group = trace["heads"] // trace["kv_heads"]
    for layer in trace["layers"]:
        if "out" not in layer:
            continue
        q, k, v = (read_npy(trace_dir / layer[p]).astype(np.float64) for p in ("q", "k", "v"))
        out = read_npy(trace_dir / layer["out"], ("<f4",))
        n = q.shape[1]
        max_abs = max_ulp = 0.0
        for h in range(q.shape[0]):
            for start in range(0, n, 512):
                rows = slice(start, min(n, start + 512))
                p = causal_probs(q[h], k[h // group], trace["scale"], rows)
                ref = p @ v[h // group, :rows.stop]
                diff = np.abs(out[h, rows].astype(np.float64) - ref)
                ulp = diff / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
                max_abs, max_ulp = max(max_abs, float(diff.max())), max(max_ulp, float(ulp.max()))
        worst = max(worst, max_ulp)
        lines.append(f"{layer['name']} {max_abs:.1e} ({max_ulp:.2f} ulp)")
    return lines, worst


def check_out(trace_dir: Path, trace: dict) -> tuple[bool, str]:
    parts, worst = [], 0.0
    if any("out" in layer for layer in trace["layers"]):
        lines, w = out_errors(trace_dir, trace)
        parts.append(f"the trace: {'; '.join(lines)}")
        worst = max(worst, w)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "trace"
        args = trace["provenance"]["args"]
        text = ["--text-file", args[args.index("--text-file") + 1]] if "--text-file" in args \
            else ["--text", args[args.index("--text") + 1]]
        dtype = ["--dtype", trace["dtype"]]
        result, _ = run_exporter([*text, *dtype, "--max-tokens", str(OUT_CHECK_N), "--layers",
                                  "all", "--out", str(fresh)])
        if result.returncode != 0:
            return False, "export failed: " + result.stderr.strip()
        lines, w = out_errors(fresh, load_trace(fresh))
        worst = max(worst, w)
        parts.append(f"fresh export, n = {OUT_CHECK_N}, all {len(lines)} layers: max "
                     f"{w:.2f} ulp (" + "; ".join(lines[:3]) + " …)")
    return worst <= 1.0, " | ".join(parts)


def statistics(trace_dir: Path, trace: dict) -> list[dict]:
    """Per layer: mean over heads and queries of the fewest keys holding MASS of the softmax
    mass among the visible keys (count and count / visible keys), and the mean mass on
    token 0 over queries 1…n-1 (query 0 sees only token 0)."""
    group = trace["heads"] // trace["kv_heads"]
    rows_out = []
    for layer in trace["layers"]:
        q, k = (read_npy(trace_dir / layer[p]).astype(np.float64) for p in ("q", "k"))
        n = q.shape[1]
        counts, fractions, sink, sink_heads = [], [], [], []
        for h in range(q.shape[0]):
            head_sink = []
            for start in range(0, n, 256):
                rows = slice(start, min(n, start + 256))
                p = causal_probs(q[h], k[h // group], trace["scale"], rows)
                visible = np.arange(rows.start, rows.stop) + 1
                srt = -np.sort(-p, axis=-1)
                cum = np.cumsum(srt, axis=-1)
                c = np.argmax(cum >= MASS * cum[:, -1:], axis=-1) + 1
                counts.append(c)
                fractions.append(c / visible)
                head_sink.append(p[:, 0] if start else p[1:, 0])
            head_sink = np.concatenate(head_sink)
            sink.append(head_sink)
            sink_heads.append(float(head_sink.mean()))
        counts, fractions = np.concatenate(counts), np.concatenate(fractions)
        rows_out.append({"layer": layer["name"], "n": n,
                         "keys_for_90": float(counts.mean()),
                         "fraction_for_90": float(fractions.mean()),
                         "sink_share": float(np.concatenate(sink).mean()),
                         "sink_share_max_head": max(sink_heads),
                         "sink_share_min_head": min(sink_heads)})
    return rows_out


def format_statistics(rows: list[dict]) -> str:
    lines = [f"{'layer':<8} {'n':>5} {'keys for 90%':>13} {'of visible':>11} {'sink share':>11} "
             f"{'heads min…max':>16}"]
    for r in rows:
        lines.append(f"{r['layer']:<8} {r['n']:>5} {r['keys_for_90']:>13.1f} "
                     f"{r['fraction_for_90']:>11.3f} {r['sink_share']:>11.3f} "
                     f"{r['sink_share_min_head']:>7.3f}…{r['sink_share_max_head']:.3f}")
    return "\n    ".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", default="Traces/smollm2-135m-pride-and-prejudice-n2048",
                        help="trace directory to validate (relative to the repository)")
    parser.add_argument("--stats-only", action="store_true",
                        help="print the per-layer statistics only (any causal trace)")
    parser.add_argument("--json", help="with --stats-only: also write them to this JSON file")
    args = parser.parse_args(argv)
    trace_dir = (REPO / args.trace).resolve()
    trace = load_trace(trace_dir)
    if args.stats_only:
        rows = statistics(trace_dir, trace)
        print(f"{args.trace}:\n    " + format_statistics(rows))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        return 0
    checks = [
        ("model", lambda: [("model", *check_model(trace))]),
        ("tokenizer", lambda: [("tokenizer", *check_tokenizer(trace))]),
        ("format", lambda: [("format", *check_format(trace_dir, trace))]),
        ("reproduce", lambda: check_reproduce_and_loss(trace_dir, trace)),
        ("out", lambda: [("out", *check_out(trace_dir, trace))]),
        ("stats", lambda: [("stats", True, format_statistics(statistics(trace_dir, trace)))]),
    ]
    passed = failed = 0
    for name, check in checks:
        try:
            results = check()
        except Exception as e:  # a failed check, reported in one line
            results = [(name, False, f"{type(e).__name__}: {e}")]
        for label, ok, detail in results:
            passed, failed = passed + ok, failed + (not ok)
            print(f"[{'PASS' if ok else 'FAIL'}] {label}: {detail}", flush=True)
    print(f"traces-check (gguf): {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
