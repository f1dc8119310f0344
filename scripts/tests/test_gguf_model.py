"""Tests of the GGUF exporter's tokenizer and model pieces on hand-made inputs.

Expected values come from hand calculation or from plain loops written here, never from the
exporter's output. Run with `make traces-test`.
"""

import json
import math
import re
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import export_gguf_trace as ex  # noqa: E402
from gguf_tokenizer import ByteLevelBPE, TokenizerError, gpt2_split, pre_tokenize  # noqa: E402


class PreTokenizerTests(unittest.TestCase):
    def test_gpt2_pattern(self):
        # ' ?\p{L}+' keeps a leading space with the word; contractions split off;
        # a run of spaces gives up its last space to the next word; so does a run of
        # newlines before a word, and the last newline is then matched alone by '\s+'
        self.assertEqual(gpt2_split("It's  a test,\n\nok!"),
                         ["It", "'s", " ", " a", " test", ",", "\n", "\n", "ok", "!"])
        self.assertEqual(gpt2_split("x  \n y"), ["x", "  \n", " y"])
        self.assertEqual(gpt2_split("end   "), ["end", "   "])
        self.assertEqual(gpt2_split("café 42x"), ["café", " 42", "x"])

    def test_ascii_agrees_with_python_re(self):
        # on ASCII text \p{L} is [A-Za-z] and \p{N} is [0-9], so Python's re can run the
        # GPT-2 pattern itself
        pattern = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+"
                             r"| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+")
        for text in ["It's  a test,\n\nok!", "  lead", "a \t\n  b--c", "x'll 'd'  '",
                     "Mr. Bennet said, \"No.\"\n\n\n  Chapter 2\n", "tail  \n"]:
            with self.subTest(text=text):
                self.assertEqual(gpt2_split(text), pattern.findall(text))

    def test_smollm_splits_every_digit(self):
        self.assertEqual(pre_tokenize("in 1811.", "smollm"), ["in", " ", "1", "8", "1", "1", "."])
        self.assertEqual(pre_tokenize("in 1811.", "gpt2"), ["in", " 1811", "."])

    def test_unknown_pre_tokenizer(self):
        with self.assertRaisesRegex(TokenizerError, "'qwen2' is not supported"):
            pre_tokenize("x", "qwen2")


class BPETests(unittest.TestCase):
    # byte alphabet: space is 'Ġ', newline 'Ċ'
    tokens = ["a", "b", "c", "Ġ", "ab", "Ġab", "abc", "Ċ", "bc"]
    merges = ["a b", "Ġ ab", "ab c", "b c"]

    def test_merges_follow_rank_not_position(self):
        tok = ByteLevelBPE(self.tokens, self.merges, "gpt2")
        # "abc": pairs (a,b) rank 0 and (b,c) rank 3 -> merge a b first, then ab c (rank 2)
        self.assertEqual(tok.encode("abc"), [6])
        # " ab": Ġ a b -> Ġ ab -> Ġab
        self.assertEqual(tok.encode(" ab"), [5])
        # "bc\n": b c merge (rank 3), newline alone
        self.assertEqual(tok.encode("bc\n"), [8, 7])
        self.assertEqual(tok.decode([6, 5, 7]), "abc ab\n")

    def test_symbol_outside_vocabulary(self):
        tok = ByteLevelBPE(self.tokens, self.merges, "gpt2")
        with self.assertRaisesRegex(TokenizerError, "not in the vocabulary"):
            tok.encode("z")


class RopeTests(unittest.TestCase):
    def test_interleaved_rotates_adjacent_pairs(self):
        d, base = 4, 100.0
        cos, sin = ex.rope_angles(3, d, base)
        x = np.zeros((1, 3, d))
        x[0, :, 0] = 1.0   # pair 0 = (0, 1), angle p
        x[0, :, 2] = 1.0   # pair 1 = (2, 3), angle p / base^(2/4) = p / 10
        y = ex.apply_rope(x, cos, sin, "interleaved")
        for p in range(3):
            self.assertAlmostEqual(y[0, p, 0], math.cos(p), places=15)
            self.assertAlmostEqual(y[0, p, 1], math.sin(p), places=15)
            self.assertAlmostEqual(y[0, p, 2], math.cos(p / 10), places=15)
            self.assertAlmostEqual(y[0, p, 3], math.sin(p / 10), places=15)

    def test_neox_rotates_halves(self):
        d, base = 4, 100.0
        cos, sin = ex.rope_angles(2, d, base)
        x = np.zeros((1, 2, d))
        x[0, :, 0] = 1.0   # pair 0 = (0, 2), angle p
        y = ex.apply_rope(x, cos, sin, "neox")
        self.assertAlmostEqual(y[0, 1, 0], math.cos(1), places=15)
        self.assertAlmostEqual(y[0, 1, 2], math.sin(1), places=15)
        self.assertEqual(y[0, 1, 1], 0.0)

    def test_scores_depend_on_relative_position_only(self):
        rng = np.random.default_rng(1)
        q, k = rng.standard_normal((1, 1, 8)), rng.standard_normal((1, 1, 8))
        cos, sin = ex.rope_angles(12, 8, 10000.0)
        for conv in ex.ROPE_CONVENTIONS:
            def score(pq, pk):
                qq = ex.apply_rope(np.repeat(q, 12, axis=1), cos, sin, conv)[0, pq]
                kk = ex.apply_rope(np.repeat(k, 12, axis=1), cos, sin, conv)[0, pk]
                return float(qq @ kk)
            self.assertAlmostEqual(score(5, 2), score(11, 8), places=12)
            self.assertAlmostEqual(score(3, 3), float(q[0, 0] @ k[0, 0]), places=12)


class AttentionTests(unittest.TestCase):
    def test_grouped_causal_attention_matches_a_plain_loop(self):
        rng = np.random.default_rng(7)
        heads, kv, n, d = 6, 2, 9, 4
        q = rng.standard_normal((heads, n, d))
        k = rng.standard_normal((kv, n, d))
        v = rng.standard_normal((kv, n, d))
        scale = 0.5
        old = ex.QUERY_BLOCK
        try:
            ex.QUERY_BLOCK = 4  # blocks of queries must not change the result
            got = ex.causal_attention(q, k, v, scale)
        finally:
            ex.QUERY_BLOCK = old
        for h in range(heads):
            g = h // (heads // kv)   # heads 0-2 use kv head 0, heads 3-5 kv head 1
            for i in range(n):
                w = [math.exp(scale * float(q[h, i] @ k[g, j])) for j in range(i + 1)]
                ref = sum(w[j] * v[g, j] for j in range(i + 1)) / sum(w)
                np.testing.assert_allclose(got[h, i], ref, rtol=1e-13, atol=1e-14)

    def test_first_query_sees_only_itself(self):
        q = np.ones((1, 3, 2))
        k = np.ones((1, 3, 2))
        v = np.arange(6, dtype=np.float64).reshape(1, 3, 2)
        out = ex.causal_attention(q, k, v, 1.0)
        np.testing.assert_array_equal(out[0, 0], v[0, 0])
        np.testing.assert_allclose(out[0, 2], v[0].mean(axis=0))  # equal scores: the mean


class NormAndMlpTests(unittest.TestCase):
    def test_rms_norm(self):
        # x = (3, 4): mean of squares 12.5; eps 0 -> x / sqrt(12.5) * w
        y = ex.rms_norm(np.array([3.0, 4.0]), np.array([1.0, 2.0]), 0.0)
        np.testing.assert_allclose(y, [3 / math.sqrt(12.5), 8 / math.sqrt(12.5)], rtol=1e-15)

    def test_silu(self):
        self.assertEqual(ex.silu(np.array([0.0]))[0], 0.0)
        self.assertAlmostEqual(ex.silu(np.array([1.0]))[0], 1 / (1 + math.exp(-1)), places=15)

    def test_layers_option(self):
        self.assertEqual(ex.parse_layers("29,0,10,19,10", 30), [0, 10, 19, 29])
        self.assertEqual(ex.parse_layers("all", 3), [0, 1, 2])
        with self.assertRaisesRegex(ex.UserError, "30 is out of range"):
            ex.parse_layers("0,30", 30)


if __name__ == "__main__":
    unittest.main()


class StatisticsTests(unittest.TestCase):
    def test_uniform_attention(self):
        # q = 0: every query spreads its mass evenly over its i + 1 visible keys, so the keys
        # for 90 % are ceil(0.9 (i + 1)) and token 0 gets 1 / (i + 1)
        import tempfile
        import check_gguf_trace as chk
        from trace_common import write_trace_dir
        n = 9  # 0.9 v is never an integer for v = 1…9
        rng = np.random.default_rng(0)
        q = np.zeros((2, n, 4), dtype=np.float32)
        k = rng.standard_normal((1, n, 4)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            write_trace_dir(Path(tmp), [("layer3", {"q": q, "k": k, "v": k})],
                            {"heads": 2, "kv_heads": 1, "head_dim": 4, "scale": 0.5})
            trace = json.loads((Path(tmp) / "trace.json").read_text())
            (row,) = chk.statistics(Path(tmp), trace)
        counts = [math.ceil(0.9 * v) for v in range(1, n + 1)]
        self.assertEqual(row["layer"], "layer3")
        self.assertAlmostEqual(row["keys_for_90"], sum(counts) / n, places=12)
        self.assertAlmostEqual(row["fraction_for_90"],
                               sum(c / v for c, v in zip(counts, range(1, n + 1))) / n, places=12)
        self.assertAlmostEqual(row["sink_share"], sum(1 / v for v in range(2, n + 1)) / (n - 1),
                               places=12)
