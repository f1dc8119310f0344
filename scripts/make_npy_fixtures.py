#!/usr/bin/env python3
"""Generate the .npy and trace fixtures for Tests/SimIOTests with real NumPy (2.x).

Run from the repository root:  python3 scripts/make_npy_fixtures.py
The output is deterministic; commit it. Tests read it and never need Python.

Writes Tests/SimIOTests/Fixtures/:
  npy/*.npy            valid arrays (format 1.0/2.0/3.0; float16/32/64; ranks 0-3) and broken ones
  npy/expected.json    for each valid array: shape, dtype, version and the float32 bit patterns of its
                       values after conversion (astype(float32).view(uint32)), so NaN compares exactly
  trace/               elsa-trace/1, 2 layers, 2 heads, n=5, d=4, out, input.tokens=4, unknown fields
  trace-gqa/           elsa-trace/1, 1 layer, 4 query heads, 2 kv heads, causal, scale 0.25, mixed dtypes
"""
import json
import os
import shutil

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SimIOTests", "Fixtures")
NPY = os.path.join(ROOT, "npy")
rng = np.random.default_rng(20240611)


def save(name, array, version=None):
    path = os.path.join(NPY, name)
    if version is None:
        np.save(path, array)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version)
    return path


def expected_entry(array, version, dtype):
    with np.errstate(over="ignore"):  # float64 1e300 becomes inf in float32, as the reader does
        as_float32 = np.ascontiguousarray(array).astype(np.float32)
    return {
        "shape": list(array.shape),
        "dtype": dtype,
        "version": list(version),
        "bits": [int(b) for b in as_float32.reshape(-1).view(np.uint32)],
    }


def make_npy():
    os.makedirs(NPY)
    expected = {}
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    save("v1_f4.npy", a)
    expected["v1_f4.npy"] = expected_entry(a, (1, 0), "<f4")
    save("v2_f4.npy", a, version=(2, 0))
    expected["v2_f4.npy"] = expected_entry(a, (2, 0), "<f4")
    save("v3_f4.npy", a, version=(3, 0))
    expected["v3_f4.npy"] = expected_entry(a, (3, 0), "<f4")

    # float16 with the awkward values: zeros, max, subnormals, infinities, NaN.
    h = np.array([[0.0, -0.0, 1.0, -2.5], [65504.0, 6e-8, -3e-5, 0.333],
                  [np.inf, -np.inf, np.nan, 1e-4]], dtype=np.float16)
    save("f2.npy", h)
    expected["f2.npy"] = expected_entry(h, (1, 0), "<f2")

    d = np.array([1.0, -1e-3, 3.141592653589793, 1e300], dtype=np.float64)  # 1e300 -> inf in float32
    save("f8.npy", d)
    expected["f8.npy"] = expected_entry(d, (1, 0), "<f8")

    m = rng.standard_normal((3, 5)).astype(np.float32)  # a k x d hash matrix
    save("matrix_f4.npy", m)
    expected["matrix_f4.npy"] = expected_entry(m, (1, 0), "<f4")

    s = np.array(2.5, dtype=np.float32)
    save("scalar_f4.npy", s)
    expected["scalar_f4.npy"] = expected_entry(s, (1, 0), "<f4")

    e = np.zeros((0, 4), dtype=np.float32)
    save("empty_f4.npy", e)
    expected["empty_f4.npy"] = expected_entry(e, (1, 0), "<f4")

    # Rejected files.
    save("big_endian_f4.npy", a.astype(">f4"))
    save("fortran_f4.npy", np.asfortranarray(a))
    save("int32.npy", np.arange(6, dtype=np.int32).reshape(2, 3))
    path = save("truncated_f4.npy", a)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-6])  # 90 of 96 data bytes
    with open(os.path.join(NPY, "bad_magic.npy"), "wb") as f:
        f.write(b"PK\x03\x04" + data[4:])
    with open(os.path.join(NPY, "version_4.npy"), "wb") as f:
        f.write(data[:6] + b"\x04\x00" + data[8:])

    with open(os.path.join(NPY, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def attention(q, k, v, scale, causal, tokens):
    """Exact softmax(q k^T scale) v per head in float64; padded query rows are zero."""
    hq, n, d = q.shape
    group = hq // k.shape[0]
    out = np.zeros((hq, n, d), dtype=np.float64)
    for h in range(hq):
        kv = h // group
        for i in range(tokens):
            visible = min(i + 1, tokens) if causal else tokens
            s = (q[h, i].astype(np.float64) @ k[kv, :visible].astype(np.float64).T) * scale
            p = np.exp(s - s.max())
            p /= p.sum()
            out[h, i] = p @ v[kv, :visible].astype(np.float64)
    return out.astype(np.float32)


def make_trace():
    directory = os.path.join(ROOT, "trace")
    os.makedirs(directory)
    n, d, heads, tokens = 5, 4, 2, 4
    layers = []
    for layer in range(2):
        q, k, v = (rng.standard_normal((heads, n, d)).astype(np.float32) for _ in range(3))
        out = attention(q, k, v, 1 / np.sqrt(d), False, tokens)
        entry = {"name": f"encoder.layer.{layer}.attention", "extra_layer_field": [1, 2]}
        for field, array in (("q", q), ("k", k), ("v", v), ("out", out)):
            entry[field] = f"layer{layer}.{field}.npy"
            np.save(os.path.join(directory, entry[field]), array)
        layers.append(entry)
    manifest = {
        "format": "elsa-trace/1",
        "model": "numpy-fixture",
        "description": "written by scripts/make_npy_fixtures.py",
        "heads": heads,
        "head_dim": d,
        "causal": False,
        "dtype": "float32",
        "input": {"tokens": tokens, "token_ids": [101, 7592, 2088, 102, 0], "text": "hello world"},
        "layers": layers,
        "statistics": {"mean_abs_q": 0.8},
        "provenance": {"numpy": "2.x", "checksum": "sha256:0"},
    }
    with open(os.path.join(directory, "trace.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def make_gqa_trace():
    directory = os.path.join(ROOT, "trace-gqa")
    os.makedirs(directory)
    n, d, hq, hkv, scale = 5, 4, 4, 2, 0.25
    q = rng.standard_normal((hq, n, d)).astype(np.float16)
    k = rng.standard_normal((hkv, n, d)).astype(np.float64)
    v = rng.standard_normal((hkv, n, d)).astype(np.float32)
    out = attention(q.astype(np.float32), k.astype(np.float32), v, scale, True, n)
    np.save(os.path.join(directory, "q.npy"), q)
    np.save(os.path.join(directory, "k.npy"), k)
    np.save(os.path.join(directory, "v.npy"), v)
    os.makedirs(os.path.join(directory, "ref"))
    np.save(os.path.join(directory, "ref", "out.npy"), out)
    manifest = {
        "format": "elsa-trace/1",
        "model": "numpy-fixture-gqa",
        "scale": scale,
        "causal": True,
        "layers": [{"name": "decoder.0", "q": "q.npy", "k": "k.npy", "v": "v.npy", "out": "ref/out.npy"}],
    }
    with open(os.path.join(directory, "trace.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    for sub in ("npy", "trace", "trace-gqa"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    make_npy()
    make_trace()
    make_gqa_trace()
    print("fixtures written to", os.path.normpath(ROOT))
