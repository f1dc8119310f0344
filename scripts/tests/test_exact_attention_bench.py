"""The bench's NumPy exact-attention pass against a plain loop, on tiny traces the tests write.

The reference is written out query by query, key by key, in float64 with math.exp, straight from
docs/trace-format.md (scores q·k·scale + bias, causal: keys 0…i, padding rows and columns left out,
key/value head h // (Hq / Hkv)). Run with `make traces-test`.
"""

import json
import math
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from exact_attention_bench import exact_attention, load_trace, main, visible_pairs  # noqa: E402


def plain_attention(q, k, v, bias, scale, causal, tokens):
    heads, n, _ = q.shape
    group = heads // k.shape[0]
    out = np.zeros((heads, n, v.shape[2]))
    for h in range(heads):
        kv = h // group
        for i in range(tokens):
            keys = range(i + 1) if causal else range(tokens)
            scores = []
            for j in keys:
                s = sum(float(q[h, i, c]) * float(k[kv, j, c]) for c in range(q.shape[2])) * scale
                if bias is not None:
                    s += float(bias[h, i, j])
                scores.append(s)
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            total = sum(weights)
            for c in range(v.shape[2]):
                out[h, i, c] = sum(w * float(v[kv, j, c]) for w, j in zip(weights, keys)) / total
    return out


class ExactAttentionBenchTest(unittest.TestCase):
    def write_trace(self, directory, causal, tokens, with_bias, dtype):
        rng = np.random.default_rng(7)
        heads, kv_heads, n, d = 4, 2, 7, 3
        manifest = {"format": "elsa-trace/1", "model": "test", "heads": heads, "head_dim": d,
                    "scale": 0.6, "causal": causal, "input": {"tokens": tokens}, "layers": []}
        arrays = []
        if with_bias:
            bias = rng.normal(size=(heads, n, n)).astype(np.float32)
            np.save(directory / "bias.npy", bias)
        for layer in range(2):
            q = rng.normal(size=(heads, n, d)).astype(dtype)
            k = rng.normal(size=(kv_heads, n, d)).astype(dtype)
            v = rng.normal(size=(kv_heads, n, d)).astype(dtype)
            # Padding positions hold values that would change every result if they were read.
            q[:, tokens:], k[:, tokens:], v[:, tokens:] = 50, 50, 1000
            entry = {"name": f"layer{layer}"}
            for name, values in (("q", q), ("k", k), ("v", v)):
                np.save(directory / f"layer{layer}.{name}.npy", values)
                entry[name] = f"layer{layer}.{name}.npy"
            # the bias only on layer 1, as a trace may mix biased and unbiased layers
            layer_bias = bias if with_bias and layer == 1 else None
            if layer_bias is not None:
                entry["bias"] = "bias.npy"
            manifest["layers"].append(entry)
            arrays.append((q, k, v, layer_bias))
        (directory / "trace.json").write_text(json.dumps(manifest))
        return arrays

    def check(self, causal, tokens, with_bias, dtype, block):
        with tempfile.TemporaryDirectory() as name:
            directory = Path(name)
            arrays = self.write_trace(directory, causal, tokens, with_bias, dtype)
            trace = load_trace(directory)
            results = exact_attention(trace, block=block)
            for (q, k, v, bias), result in zip(arrays, results):
                expected = plain_attention(q, k, v, bias, 0.6, causal, tokens)
                self.assertEqual(result.dtype, np.float32)
                np.testing.assert_allclose(result[:, :tokens], expected[:, :tokens], rtol=1e-4, atol=1e-5)
                self.assertTrue(np.all(result[:, tokens:] == 0))

    def test_bidirectional_with_padding_and_bias(self):
        for block in (1, 2, 3, 512):
            self.check(causal=False, tokens=6, with_bias=True, dtype=np.float32, block=block)

    def test_causal_grouped_query_float16(self):
        for block in (1, 2, 4, 512):
            self.check(causal=True, tokens=6, with_bias=False, dtype=np.float16, block=block)

    def test_causal_with_bias_no_padding(self):
        self.check(causal=True, tokens=7, with_bias=True, dtype=np.float64, block=3)

    def test_visible_pairs(self):
        with tempfile.TemporaryDirectory() as name:
            directory = Path(name)
            self.write_trace(directory, causal=True, tokens=6, with_bias=False, dtype=np.float32)
            # 2 layers × 4 query heads × (1 + 2 + … + 6) visible pairs
            self.assertEqual(visible_pairs(load_trace(directory)), 2 * 4 * 21)
            self.write_trace(directory, causal=False, tokens=6, with_bias=False, dtype=np.float32)
            self.assertEqual(visible_pairs(load_trace(directory)), 2 * 4 * 36)

    def test_main_writes_json(self):
        with tempfile.TemporaryDirectory() as name:
            directory = Path(name)
            self.write_trace(directory, causal=False, tokens=5, with_bias=False, dtype=np.float32)
            report_path = directory / "r.json"
            self.assertEqual(main([str(directory), "--repeat", "2", "--json", str(report_path)]), 0)
            report = json.loads(report_path.read_text())
            self.assertEqual(report["pairs"], 2 * 4 * 25)
            self.assertLessEqual(report["seconds_min"], report["seconds_median"])

    def test_bad_trace_is_one_line_exit_2(self):
        with tempfile.TemporaryDirectory() as name:
            self.assertEqual(main([name]), 2)


if __name__ == "__main__":
    unittest.main()
