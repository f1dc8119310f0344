"""GGUF reader and dequantizer tests on small files and blocks the tests write themselves.

Every expected value is worked out by hand from the block layouts (written out in the
comments), not taken from the code under test. Run with `make traces-test`.
"""

import struct
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import gguf_file  # noqa: E402
from gguf_file import GGUFError, GGUFFile, dequantize  # noqa: E402

F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 = 0, 1, 2, 3, 6, 7, 8


def f16(x: float) -> bytes:
    return struct.pack("<e", x)


def gguf_string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


class Q4_1Tests(unittest.TestCase):
    # d = 0.5, m = -1; byte j holds element j (low nibble) = j and element j+16 (high) = 15-j.
    block = f16(0.5) + f16(-1.0) + bytes(((15 - j) << 4) | j for j in range(16))

    def test_known_nibbles(self):
        x = dequantize(self.block, Q4_1, 32)
        # x = q * d + m: element j < 16 is 0.5 j - 1, element 16 + j is 0.5 (15 - j) - 1
        self.assertEqual(x[0], -1.0)
        self.assertEqual(x[1], -0.5)
        self.assertEqual(x[15], 6.5)
        self.assertEqual(x[16], 6.5)
        self.assertEqual(x[17], 6.0)
        self.assertEqual(x[31], -1.0)
        expected = [0.5 * j - 1 for j in range(16)] + [0.5 * (15 - j) - 1 for j in range(16)]
        self.assertEqual(x.tolist(), expected)

    def test_two_blocks_keep_their_own_scales(self):
        second = f16(2.0) + f16(3.0) + bytes([0x21] * 16)  # low nibble 1, high nibble 2
        x = dequantize(self.block + second, Q4_1, 64)
        self.assertEqual(x[32:48].tolist(), [1 * 2.0 + 3.0] * 16)
        self.assertEqual(x[48:].tolist(), [2 * 2.0 + 3.0] * 16)

    def test_wrong_size_is_an_error(self):
        with self.assertRaises(GGUFError):
            dequantize(self.block[:-1], Q4_1, 32)


class Q4_0Tests(unittest.TestCase):
    def test_known_nibbles(self):
        # d = 2: x = (q - 8) * 2; byte 0 = 0xF0 (element 0: 0 -> -16, element 16: 15 -> 14),
        # byte 1 = 0x88 (elements 1 and 17: 8 -> 0), other bytes 0x9A (low 10 -> 4, high 9 -> 2)
        block = f16(2.0) + bytes([0xF0, 0x88] + [0x9A] * 14)
        x = dequantize(block, Q4_0, 32)
        self.assertEqual(x[0], -16.0)
        self.assertEqual(x[16], 14.0)
        self.assertEqual(x[1], 0.0)
        self.assertEqual(x[17], 0.0)
        self.assertEqual(x[2:16].tolist(), [4.0] * 14)
        self.assertEqual(x[18:].tolist(), [2.0] * 14)


class Q8_0Tests(unittest.TestCase):
    def test_known_values(self):
        # d = 0.25, q = -128, -1, 0, 1, 127, then 2 … 28: x = q / 4
        qs = [-128, -1, 0, 1, 127] + list(range(2, 29))
        block = f16(0.25) + struct.pack("<32b", *qs)
        x = dequantize(block, Q8_0, 32)
        self.assertEqual(x[:5].tolist(), [-32.0, -0.25, 0.0, 0.25, 31.75])
        self.assertEqual(x.tolist(), [q / 4 for q in qs])


class Q5Tests(unittest.TestCase):
    # bit j of the u32 is the fifth bit of element j; set bits 0 and 16 only.
    qh = struct.pack("<I", (1 << 0) | (1 << 16))
    qs = bytes([0x53] + [0x00] * 15)  # element 0: low 3, element 16: high 5

    def test_q5_0(self):
        x = dequantize(f16(1.0) + self.qh + self.qs, Q5_0, 32)  # x = (q - 16) * d
        self.assertEqual(x[0], (3 + 16) - 16)    # 3
        self.assertEqual(x[16], (5 + 16) - 16)   # 5
        self.assertEqual(x[1], -16.0)
        self.assertEqual(x[17], -16.0)

    def test_q5_1(self):
        x = dequantize(f16(0.5) + f16(1.0) + self.qh + self.qs, Q5_1, 32)  # x = q d + m
        self.assertEqual(x[0], 19 * 0.5 + 1)
        self.assertEqual(x[16], 21 * 0.5 + 1)
        self.assertEqual(x[5], 1.0)


class PlainTypesTests(unittest.TestCase):
    def test_f16_f32(self):
        self.assertEqual(dequantize(struct.pack("<3e", 1.0, -2.5, 65504.0), F16, 3).tolist(),
                         [1.0, -2.5, 65504.0])
        self.assertEqual(dequantize(struct.pack("<2f", 0.1, -3.0), F32, 2).tolist(),
                         [float(np.float32(0.1)), -3.0])

    def test_unsupported_type(self):
        with self.assertRaisesRegex(GGUFError, "Q6_K is not supported"):
            dequantize(bytes(210), 14, 256)


def tiny_gguf(alignment: int = 64) -> bytes:
    """A GGUF v3 file written by hand: 7 metadata values (incl. two arrays and a non-default
    alignment) and two tensors: 'a' F32 with ne = [3, 2] holding 0…5, 'b' Q4_1 with one block."""
    kv = [
        ("general.architecture", 8, gguf_string("test")),
        ("general.alignment", 4, struct.pack("<I", alignment)),
        ("test.ints", 9, struct.pack("<IQ", 5, 3) + struct.pack("<3i", 1, -2, 3)),
        ("test.words", 9, struct.pack("<IQ", 8, 2) + gguf_string("Ġa") + gguf_string("b c")),
        ("test.pi", 6, struct.pack("<f", 3.5)),
        ("test.flag", 7, struct.pack("<?", True)),
        ("test.big", 10, struct.pack("<Q", 2 ** 40)),
    ]
    header = b"GGUF" + struct.pack("<IQQ", 3, 2, len(kv))
    for key, vtype, raw in kv:
        header += gguf_string(key) + struct.pack("<I", vtype) + raw
    a = struct.pack("<6f", 0, 1, 2, 3, 4, 5)                  # 24 bytes at offset 0
    b = Q4_1Tests.block                                        # 20 bytes at offset `alignment`
    header += gguf_string("a") + struct.pack("<I", 2) + struct.pack("<QQ", 3, 2)
    header += struct.pack("<IQ", F32, 0)
    header += gguf_string("b") + struct.pack("<I", 1) + struct.pack("<Q", 32)
    header += struct.pack("<IQ", Q4_1, alignment)
    header += b"\0" * (-len(header) % alignment)
    return header + a + b"\0" * (alignment - len(a)) + b


class ReaderTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / "tiny.gguf"

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, data: bytes) -> Path:
        self.path.write_bytes(data)
        return self.path

    def test_metadata_of_every_kind(self):
        g = GGUFFile(self.write(tiny_gguf()))
        self.assertEqual(g.version, 3)
        self.assertEqual(g.metadata["general.architecture"], "test")
        self.assertEqual(g.metadata["test.ints"], [1, -2, 3])
        self.assertEqual(g.metadata_types["test.ints"], "array[int32]")
        self.assertEqual(g.metadata["test.words"], ["Ġa", "b c"])
        self.assertEqual(g.metadata_types["test.words"], "array[string]")
        self.assertEqual(g.metadata["test.pi"], 3.5)
        self.assertIs(g.metadata["test.flag"], True)
        self.assertEqual(g.metadata["test.big"], 2 ** 40)

    def test_alignment_and_dimension_order(self):
        data = tiny_gguf(64)
        g = GGUFFile(self.write(data))
        self.assertEqual(g.alignment, 64)
        self.assertEqual(g.data_start % 64, 0)
        self.assertEqual(len(data), g.data_start + 64 + 20)
        a = g.tensor("a")
        # ne = [3, 2]: rows of 3 (ne[0] varies fastest) -> NumPy shape (2, 3)
        self.assertEqual(g.tensors["a"].ne, (3, 2))
        self.assertEqual(a.shape, (2, 3))
        self.assertEqual(a.tolist(), [[0, 1, 2], [3, 4, 5]])
        self.assertEqual(g.tensor("b").tolist(), dequantize(Q4_1Tests.block, Q4_1, 32).tolist())
        self.assertEqual(g.type_counts(), {"F32": 1, "Q4_1": 1})

    def test_default_alignment_is_32(self):
        data = tiny_gguf(32).replace(
            gguf_string("general.alignment"), gguf_string("general.alignmenX"))
        g = GGUFFile(self.write(data))
        self.assertEqual(g.alignment, 32)
        self.assertEqual(g.tensor("b")[0], -1.0)

    def test_writer_round_trip(self):
        gguf_file.write_gguf(self.path, [("x.s", 8, "hi"), ("x.arr", 9, (6, [0.5, 2.0])),
                                         ("general.alignment", 4, 128)],
                             [("t", (32,), Q8_0, f16(1.0) + bytes(range(32))),
                              ("u", (2, 2), F16, struct.pack("<4e", 1, 2, 3, 4))],
                             alignment=128)
        g = GGUFFile(self.path)
        self.assertEqual(g.metadata["x.arr"], [0.5, 2.0])
        self.assertEqual(g.tensors["u"].offset, 128)
        self.assertEqual(g.tensor("t").tolist(), [float(i) for i in range(32)])
        self.assertEqual(g.tensor("u").tolist(), [[1, 2], [3, 4]])

    def test_malformed_files(self):
        good = tiny_gguf()
        cases = {
            "not a GGUF file": b"GGML" + good[4:],
            "version 7 is not supported": good[:4] + struct.pack("<I", 7) + good[8:],
            "truncated": good[:40],
            "exceed the data section": good[:-1],
        }
        for message, data in cases.items():
            with self.subTest(message):
                with self.assertRaisesRegex(GGUFError, message):
                    GGUFFile(self.write(data))

    def test_misaligned_offset(self):
        data = bytearray(tiny_gguf(64))
        # tensor 'b' offset is the last u64 of the header before padding: make it 40
        at = bytes(data).index(gguf_string("b")) + len(gguf_string("b")) + 4 + 8 + 4
        data[at:at + 8] = struct.pack("<Q", 40)
        with self.assertRaisesRegex(GGUFError, "offset 40 is not a multiple of the alignment 64"):
            GGUFFile(self.write(bytes(data)))


if __name__ == "__main__":
    unittest.main()
