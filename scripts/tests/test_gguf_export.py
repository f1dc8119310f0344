"""End-to-end tests of export_gguf_trace.py on a tiny llama GGUF written by the test.

The model: vocabulary = the 256 byte tokens and no merges (so a token id is the byte value),
2 layers, hidden 8, 2 query heads sharing 1 key/value head of dim 4, MLP 16, F32 weights
drawn from a seeded generator, no output.weight (tied). Expected values are computed here by
hand-written formulas (position 0 is not rotated; position 1 rotates pair j by
base^(-2j/4)), by plain loops, or are properties (causality, --no-out, --layers).
"""

import contextlib
import io
import json
import math
import struct
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import export_gguf_trace as ex  # noqa: E402
from gguf_file import write_gguf  # noqa: E402
from gguf_tokenizer import bytes_to_unicode  # noqa: E402

STRING, UINT32, FLOAT32, BOOL, ARRAY = 8, 4, 6, 7, 9
F32 = 0
H, HEADS, KV, D, FF, LAYERS, BASE, EPS = 8, 2, 1, 4, 16, 2, 100.0, 1e-5


def tiny_model(path: Path) -> dict:
    """Write the tiny GGUF; return its weights as NumPy [out, in] arrays."""
    rng = np.random.default_rng(3)
    w = {"token_embd.weight": rng.standard_normal((256, H)),
         "output_norm.weight": 1 + 0.1 * rng.standard_normal(H)}
    for i in range(LAYERS):
        p = f"blk.{i}."
        w.update({p + "attn_norm.weight": 1 + 0.1 * rng.standard_normal(H),
                  p + "attn_q.weight": rng.standard_normal((H, H)) / 3,
                  p + "attn_k.weight": rng.standard_normal((KV * D, H)) / 3,
                  p + "attn_v.weight": rng.standard_normal((KV * D, H)) / 3,
                  p + "attn_output.weight": rng.standard_normal((H, H)) / 3,
                  p + "ffn_norm.weight": 1 + 0.1 * rng.standard_normal(H),
                  p + "ffn_gate.weight": rng.standard_normal((FF, H)) / 3,
                  p + "ffn_up.weight": rng.standard_normal((FF, H)) / 3,
                  p + "ffn_down.weight": rng.standard_normal((H, FF)) / 3})
    w = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}
    chars = bytes_to_unicode()
    metadata = [
        ("general.architecture", STRING, "llama"),
        ("llama.block_count", UINT32, LAYERS), ("llama.embedding_length", UINT32, H),
        ("llama.feed_forward_length", UINT32, FF), ("llama.attention.head_count", UINT32, HEADS),
        ("llama.attention.head_count_kv", UINT32, KV), ("llama.context_length", UINT32, 64),
        ("llama.rope.freq_base", FLOAT32, BASE),
        ("llama.attention.layer_norm_rms_epsilon", FLOAT32, EPS),
        ("tokenizer.ggml.model", STRING, "gpt2"), ("tokenizer.ggml.pre", STRING, "smollm"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, [chars[b] for b in range(256)])),
        ("tokenizer.ggml.merges", ARRAY, (STRING, [])),
        ("tokenizer.ggml.add_bos_token", BOOL, False),
    ]
    tensors = [(name, tuple(reversed(a.shape)), F32, a.astype("<f4").tobytes())
               for name, a in w.items()]
    write_gguf(path, metadata, tensors)
    return w


class TinyModelExportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.gguf = cls.dir / "tiny.gguf"
        cls.w = tiny_model(cls.gguf)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, name, text, *extra):
        out = self.dir / name
        with contextlib.redirect_stderr(io.StringIO()):  # the exporter's "wrote …" line
            rc = ex.main(["--gguf", str(self.gguf), "--text", text, "--max-tokens", str(len(text)),
                          "--out", str(out), *extra])
        self.assertEqual(rc, 0)
        return out, json.loads((out / "trace.json").read_text())

    def load(self, out, layer, part):
        return np.load(out / f"layer{layer}.{part}.npy")

    def test_trace_fields_and_token_ids(self):
        out, t = self.export("fields", "Hi, 42!")
        self.assertEqual(t["input"]["token_ids"], list(b"Hi, 42!"))  # ids are the bytes
        self.assertIs(t["causal"], True)
        self.assertEqual((t["heads"], t["kv_heads"], t["head_dim"]), (2, 1, 4))
        self.assertEqual(t["scale"], 0.5)
        self.assertEqual(t["layers_exported"], [0, 1])
        self.assertEqual([layer["name"] for layer in t["layers"]], ["layer0", "layer1"])
        self.assertEqual(self.load(out, 0, "q").shape, (2, 7, 4))
        self.assertEqual(self.load(out, 0, "k").shape, (1, 7, 4))

    def test_first_layer_q_and_k_by_hand(self):
        text = "ab"
        out, _ = self.export("hand", text)
        q, k = self.load(out, 0, "q"), self.load(out, 0, "k")
        for pos, byte in enumerate(b"ab"):
            e = self.w["token_embd.weight"][byte]
            x = e / math.sqrt(float(np.mean(e * e)) + EPS) * self.w["blk.0.attn_norm.weight"]
            q_raw = (self.w["blk.0.attn_q.weight"] @ x).reshape(HEADS, D)
            k_raw = (self.w["blk.0.attn_k.weight"] @ x).reshape(KV, D)
            for raw, got in ((q_raw, q), (k_raw, k)):
                for h in range(raw.shape[0]):
                    expect = raw[h].copy()
                    for j in range(D // 2):   # interleaved: pair (2j, 2j+1), angle pos*base^(-2j/D)
                        a = pos * BASE ** (-2 * j / D)
                        x0, x1 = raw[h, 2 * j], raw[h, 2 * j + 1]
                        expect[2 * j] = x0 * math.cos(a) - x1 * math.sin(a)
                        expect[2 * j + 1] = x0 * math.sin(a) + x1 * math.cos(a)
                    np.testing.assert_allclose(got[h, pos], expect.astype(np.float32),
                                               rtol=2e-6, atol=1e-6)

    def test_out_is_the_causal_attention_of_the_written_arrays(self):
        out, t = self.export("out", "causal!")
        for layer in (0, 1):
            q, k, v, o = (self.load(out, layer, p).astype(np.float64)
                          for p in ("q", "k", "v", "out"))
            for h in range(2):
                for i in range(q.shape[1]):
                    s = [0.5 * float(q[h, i] @ k[0, j]) for j in range(i + 1)]
                    m = max(s)
                    e = [math.exp(x - m) for x in s]
                    ref = sum(e[j] * v[0, j] for j in range(i + 1)) / sum(e)
                    np.testing.assert_allclose(o[h, i], ref, rtol=1e-6, atol=1e-7)

    def test_a_later_token_does_not_change_earlier_rows(self):
        a, _ = self.export("a", "abcdef")
        b, _ = self.export("b", "abcdeX")
        for layer in (0, 1):
            for part in ("q", "k", "v", "out"):
                x, y = self.load(a, layer, part), self.load(b, layer, part)
                np.testing.assert_array_equal(x[:, :5], y[:, :5])
                self.assertFalse(np.array_equal(x[:, 5], y[:, 5]))  # the last row does change

    def test_no_out_and_layers_do_not_change_the_arrays(self):
        full, _ = self.export("full", "same text")
        part, t = self.export("part", "same text", "--layers", "1", "--no-out")
        self.assertEqual(t["layers_exported"], [1])
        self.assertEqual(sorted(p.name for p in part.iterdir()),
                         ["layer1.k.npy", "layer1.q.npy", "layer1.v.npy", "trace.json"])
        for p in ("q", "k", "v"):
            self.assertEqual((full / f"layer1.{p}.npy").read_bytes(),
                             (part / f"layer1.{p}.npy").read_bytes())

    def test_float16_and_loss(self):
        out, t = self.export("f16", "float sixteen", "--dtype", "float16")
        self.assertEqual(self.load(out, 0, "q").dtype, np.dtype("<f2"))
        self.assertEqual(self.load(out, 0, "out").dtype, np.dtype("<f4"))
        loss = t["next_token_cross_entropy"]["nats_per_token"]
        self.assertTrue(math.isfinite(loss) and loss > 0)
        # a random model is no better than uniform over 256 tokens by much: sanity bound
        self.assertLess(loss, 3 * math.log(256))

    def test_user_errors_are_one_line(self):
        bad = self.dir / "bad.gguf"
        bad.write_bytes(b"GGUF" + struct.pack("<I", 3))
        for argv, message in (
                (["--gguf", str(bad), "--text", "x", "--loss"], "truncated"),
                (["--gguf", str(self.gguf), "--text", "ab", "--max-tokens", "3", "--loss"],
                 "the text has 2 tokens, fewer than --max-tokens 3"),
                (["--gguf", str(self.gguf), "--text", "ab", "--max-tokens", "2", "--layers", "2",
                  "--loss"], "2 is out of range")):
            with self.subTest(message):
                with self.assertRaisesRegex(ex.UserError, message):
                    ex.run(argv)


if __name__ == "__main__":
    unittest.main()
