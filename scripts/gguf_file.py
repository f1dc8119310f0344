"""Read GGUF v3 files and dequantize their tensors with NumPy (used by export_gguf_trace.py).

GGUF is the single-file model format of llama.cpp / ggml. Layout, all little-endian:

    magic "GGUF" | version u32 | tensor_count u64 | metadata_kv_count u64
    metadata_kv_count x (key: string, value_type u32, value)
    tensor_count x (name: string, n_dims u32, ne u64[n_dims], ggml_type u32, offset u64)
    padding to `general.alignment` (default 32)
    tensor data; each tensor starts at data_start + offset, offset a multiple of the alignment

A string is a u64 byte length followed by UTF-8 bytes; an array value is its element type u32,
a u64 count and the elements. A tensor's dimensions are listed fastest-varying first (ne[0] is
the length of a row), so the NumPy (C order) shape is the reversed list: a llama weight matrix
with ne = [in, out] is a NumPy array [out, in], the PyTorch layout.

Quantized types store blocks of 32 values along ne[0] (ggml's block layouts):

    Q4_0  f16 d, 16 bytes of nibbles:        x = (q - 8) * d
    Q4_1  f16 d, f16 m, 16 bytes of nibbles:  x = q * d + m
    Q5_0  f16 d, u32 high bits, 16 bytes:     x = (q - 16) * d    (q = nibble | high bit << 4)
    Q5_1  f16 d, f16 m, u32 high bits, 16 bytes: x = q * d + m
    Q8_0  f16 d, 32 x int8:                   x = q * d

In the 4/5-bit types byte j of the nibbles holds element j in its low 4 bits and element j + 16
in its high 4 bits. F32, F16, BF16 and F64 are stored plain.

Every malformed input raises GGUFError with a one-line message naming the file and what was
found; nothing here trusts a count or an offset before checking it against the file size.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
QK = 32  # values per block of the 4/5/8-bit block types

# metadata value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = \
    range(13)
SCALAR_FORMATS = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
                  FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}
SCALAR_NUMPY = {UINT8: "<u1", INT8: "<i1", UINT16: "<u2", INT16: "<i2", UINT32: "<u4",
                INT32: "<i4", FLOAT32: "<f4", BOOL: "<u1", UINT64: "<u8", INT64: "<i8",
                FLOAT64: "<f8"}
VALUE_TYPE_NAMES = {UINT8: "uint8", INT8: "int8", UINT16: "uint16", INT16: "int16",
                    UINT32: "uint32", INT32: "int32", FLOAT32: "float32", BOOL: "bool",
                    STRING: "string", ARRAY: "array", UINT64: "uint64", INT64: "int64",
                    FLOAT64: "float64"}

# ggml tensor types: id -> (name, values per block, bytes per block)
GGML_TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 30: ("BF16", 1, 2),
}
GGML_TYPE_IDS = {name: tid for tid, (name, _, _) in GGML_TYPES.items()}
MAX_STRING_BYTES = 1 << 30
MAX_DIMS = 4


class GGUFError(Exception):
    """A malformed or unsupported GGUF file (one-line message naming the file)."""


@dataclass(frozen=True)
class TensorInfo:
    """One tensor's entry in the header.

    `ne` is GGUF's dimension list, fastest-varying first; `shape` is the NumPy (C order) shape,
    the reversed list. `offset` is relative to the start of the data section.
    """
    name: str
    ne: tuple[int, ...]
    ggml_type: int
    offset: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(reversed(self.ne))

    @property
    def type_name(self) -> str:
        return GGML_TYPES[self.ggml_type][0]

    @property
    def count(self) -> int:
        return math.prod(self.ne)

    @property
    def nbytes(self) -> int:
        _, block, size = GGML_TYPES[self.ggml_type]
        return self.count // block * size


class GGUFFile:
    """A parsed GGUF file: `version`, `metadata` (key -> Python value, arrays as lists),
    `metadata_types` (key -> type name, "array[<element>]" for arrays), `tensors`
    (name -> TensorInfo, in file order), `alignment`, `data_start`.

    Tensor data is read on demand with `raw(name)` (the stored bytes) or `tensor(name)`
    (dequantized to float64, NumPy shape).
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self._buf = self.path.read_bytes()
        except OSError as e:
            raise GGUFError(f"{self.path}: cannot read: {e.strerror or e}") from None
        self._pos = 0
        self._parse()

    # -- low-level reading ------------------------------------------------------------------

    def _fail(self, what: str):
        raise GGUFError(f"{self.path}: {what}")

    def _take(self, size: int, what: str) -> bytes:
        if size < 0 or self._pos + size > len(self._buf):
            self._fail(f"truncated at byte {self._pos}: {what} needs {size} bytes, "
                       f"{len(self._buf) - self._pos} left")
        out = self._buf[self._pos:self._pos + size]
        self._pos += size
        return out

    def _scalar(self, fmt: str, what: str):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt), what))[0]

    def _string(self, what: str) -> str:
        length = self._scalar("<Q", what + " length")
        if length > MAX_STRING_BYTES:
            self._fail(f"{what}: string length {length} is implausible (at byte {self._pos - 8})")
        raw = self._take(length, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(f"{what}: not valid UTF-8")

    def _value(self, vtype: int, what: str):
        if vtype in SCALAR_FORMATS:
            return self._scalar(SCALAR_FORMATS[vtype], what)
        if vtype == STRING:
            return self._string(what)
        if vtype == ARRAY:
            etype = self._scalar("<I", what + " element type")
            count = self._scalar("<Q", what + " element count")
            if etype not in VALUE_TYPE_NAMES:
                self._fail(f"{what}: unknown array element type {etype} (expected 0…12)")
            if etype in SCALAR_NUMPY:  # fast path: one frombuffer for the whole array
                itemsize = np.dtype(SCALAR_NUMPY[etype]).itemsize
                if count > (len(self._buf) - self._pos) // itemsize:
                    self._fail(f"{what}: array of {count} {VALUE_TYPE_NAMES[etype]} does not fit "
                               f"in the file")
                arr = np.frombuffer(self._take(count * itemsize, what), dtype=SCALAR_NUMPY[etype])
                self._last_element_type = etype
                return [bool(x) for x in arr] if etype == BOOL else arr.tolist()
            if count > len(self._buf) - self._pos:  # every element takes at least 8 bytes
                self._fail(f"{what}: array count {count} exceeds the file")
            items = [self._value(etype, f"{what}[{i}]") for i in range(count)]
            self._last_element_type = etype
            return items
        self._fail(f"{what}: unknown value type {vtype} (expected 0…12)")

    # -- the header --------------------------------------------------------------------------

    def _parse(self) -> None:
        magic = self._take(4, "magic")
        if magic != GGUF_MAGIC:
            self._fail(f"not a GGUF file (magic {magic!r}, expected b'GGUF')")
        self.version = self._scalar("<I", "version")
        if self.version not in SUPPORTED_VERSIONS:
            self._fail(f"GGUF version {self.version} is not supported (expected 2 or 3)")
        n_tensors = self._scalar("<Q", "tensor count")
        n_kv = self._scalar("<Q", "metadata count")
        if n_tensors > len(self._buf) or n_kv > len(self._buf):
            self._fail(f"header counts (tensors {n_tensors}, metadata {n_kv}) exceed the file")

        self.metadata, self.metadata_types = {}, {}
        for i in range(n_kv):
            key = self._string(f"metadata key #{i}")
            vtype = self._scalar("<I", f"metadata '{key}' type")
            value = self._value(vtype, f"metadata '{key}'")
            if key in self.metadata:
                self._fail(f"metadata key '{key}' appears twice")
            self.metadata[key] = value
            self.metadata_types[key] = VALUE_TYPE_NAMES[vtype]
            if vtype == ARRAY:
                self.metadata_types[key] = f"array[{VALUE_TYPE_NAMES[self._last_element_type]}]"

        self.tensors: dict[str, TensorInfo] = {}
        for i in range(n_tensors):
            name = self._string(f"tensor #{i} name")
            n_dims = self._scalar("<I", f"tensor '{name}' n_dims")
            if not 1 <= n_dims <= MAX_DIMS:
                self._fail(f"tensor '{name}': n_dims {n_dims} (expected 1…{MAX_DIMS})")
            ne = tuple(self._scalar("<Q", f"tensor '{name}' ne") for _ in range(n_dims))
            ggml_type = self._scalar("<I", f"tensor '{name}' type")
            offset = self._scalar("<Q", f"tensor '{name}' offset")
            if ggml_type not in GGML_TYPES:
                self._fail(f"tensor '{name}': unknown ggml type {ggml_type}")
            if name in self.tensors:
                self._fail(f"tensor '{name}' appears twice")
            block = GGML_TYPES[ggml_type][1]
            if ne[0] % block:
                self._fail(f"tensor '{name}': ne[0] = {ne[0]} is not a multiple of the "
                           f"{GGML_TYPES[ggml_type][0]} block size {block}")
            self.tensors[name] = TensorInfo(name, ne, ggml_type, offset)

        alignment = self.metadata.get("general.alignment", DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            self._fail(f"general.alignment = {alignment!r} (expected a power of two)")
        self.alignment = alignment
        self.data_start = -(-self._pos // alignment) * alignment
        data_size = len(self._buf) - self.data_start
        spans = []
        for t in self.tensors.values():
            if t.offset % alignment:
                self._fail(f"tensor '{t.name}': offset {t.offset} is not a multiple of the "
                           f"alignment {alignment}")
            if t.offset + t.nbytes > data_size:
                self._fail(f"tensor '{t.name}': bytes [{t.offset}, {t.offset + t.nbytes}) exceed "
                           f"the data section ({data_size} bytes)")
            spans.append((t.offset, t.offset + t.nbytes, t.name))
        spans.sort()
        for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
            if b1 < e0:
                self._fail(f"tensors '{n0}' and '{n1}' overlap in the data section")

    # -- tensor data -------------------------------------------------------------------------

    def raw(self, name: str) -> bytes:
        """The stored bytes of tensor `name`."""
        t = self._info(name)
        start = self.data_start + t.offset
        return self._buf[start:start + t.nbytes]

    def tensor(self, name: str) -> np.ndarray:
        """Tensor `name` dequantized to float64, in NumPy shape (reversed ne)."""
        t = self._info(name)
        try:
            return dequantize(self.raw(name), t.ggml_type, t.count).reshape(t.shape)
        except GGUFError as e:
            self._fail(f"tensor '{name}': {e}")

    def _info(self, name: str) -> TensorInfo:
        if name not in self.tensors:
            self._fail(f"no tensor '{name}'")
        return self.tensors[name]

    def type_counts(self) -> dict[str, int]:
        """How many tensors of each ggml type the file holds."""
        counts: dict[str, int] = {}
        for t in self.tensors.values():
            counts[t.type_name] = counts.get(t.type_name, 0) + 1
        return dict(sorted(counts.items()))


# ----------------------------------------------------------------------------------------------
# dequantization
# ----------------------------------------------------------------------------------------------

def _blocks(raw: bytes, count: int, block_bytes: int) -> np.ndarray:
    n_blocks = count // QK
    if count % QK or len(raw) != n_blocks * block_bytes:
        raise GGUFError(f"{len(raw)} bytes do not hold {count} values in blocks of "
                        f"{block_bytes} bytes per {QK}")
    return np.frombuffer(raw, dtype=np.uint8).reshape(n_blocks, block_bytes)


def _f16(blocks: np.ndarray, start: int) -> np.ndarray:
    """The little-endian float16 at byte `start` of every block, as a float64 column."""
    return blocks[:, start:start + 2].copy().view("<f2").astype(np.float64)


def _nibbles(qs: np.ndarray) -> np.ndarray:
    """16 bytes per block -> 32 values: low nibbles are elements 0…15, high nibbles 16…31."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int64)


def _high_bits(blocks: np.ndarray, start: int) -> np.ndarray:
    """Q5 types: bit j of the u32 at `start` is the fifth bit of element j."""
    qh = blocks[:, start:start + 4].copy().view("<u4").astype(np.int64)
    return ((qh >> np.arange(QK)) & 1) << 4


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0: 18-byte blocks {f16 d, 16 nibble bytes}; x = (q - 8) * d."""
    b = _blocks(raw, count, 18)
    return ((_nibbles(b[:, 2:]) - 8) * _f16(b, 0)).reshape(-1)


def dequantize_q4_1(raw: bytes, count: int) -> np.ndarray:
    """Q4_1: 20-byte blocks {f16 d, f16 m, 16 nibble bytes}; x = q * d + m."""
    b = _blocks(raw, count, 20)
    return (_nibbles(b[:, 4:]) * _f16(b, 0) + _f16(b, 2)).reshape(-1)


def dequantize_q5_0(raw: bytes, count: int) -> np.ndarray:
    """Q5_0: 22-byte blocks {f16 d, u32 high bits, 16 nibble bytes}; x = (q - 16) * d."""
    b = _blocks(raw, count, 22)
    q = _nibbles(b[:, 6:]) | _high_bits(b, 2)
    return ((q - 16) * _f16(b, 0)).reshape(-1)


def dequantize_q5_1(raw: bytes, count: int) -> np.ndarray:
    """Q5_1: 24-byte blocks {f16 d, f16 m, u32 high bits, 16 nibble bytes}; x = q * d + m."""
    b = _blocks(raw, count, 24)
    q = _nibbles(b[:, 8:]) | _high_bits(b, 4)
    return (q * _f16(b, 0) + _f16(b, 2)).reshape(-1)


def dequantize_q8_0(raw: bytes, count: int) -> np.ndarray:
    """Q8_0: 34-byte blocks {f16 d, 32 x int8}; x = q * d."""
    b = _blocks(raw, count, 34)
    return (b[:, 2:].copy().view(np.int8).astype(np.float64) * _f16(b, 0)).reshape(-1)


def _plain(dtype: str):
    def read(raw: bytes, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize
        if len(raw) != count * size:
            raise GGUFError(f"{len(raw)} bytes do not hold {count} values of {size} bytes")
        return np.frombuffer(raw, dtype=dtype).astype(np.float64)
    return read


def _bf16(raw: bytes, count: int) -> np.ndarray:
    if len(raw) != count * 2:
        raise GGUFError(f"{len(raw)} bytes do not hold {count} BF16 values")
    bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
    return bits.view(np.float32).astype(np.float64)


DEQUANTIZERS = {
    GGML_TYPE_IDS["F32"]: _plain("<f4"), GGML_TYPE_IDS["F16"]: _plain("<f2"),
    GGML_TYPE_IDS["F64"]: _plain("<f8"), GGML_TYPE_IDS["BF16"]: _bf16,
    GGML_TYPE_IDS["Q4_0"]: dequantize_q4_0, GGML_TYPE_IDS["Q4_1"]: dequantize_q4_1,
    GGML_TYPE_IDS["Q5_0"]: dequantize_q5_0, GGML_TYPE_IDS["Q5_1"]: dequantize_q5_1,
    GGML_TYPE_IDS["Q8_0"]: dequantize_q8_0,
}


def dequantize(raw: bytes, ggml_type: int, count: int) -> np.ndarray:
    """`count` values of ggml type `ggml_type` stored in `raw`, as a flat float64 array."""
    if ggml_type not in DEQUANTIZERS:
        name = GGML_TYPES.get(ggml_type, (str(ggml_type),))[0]
        supported = ", ".join(GGML_TYPES[t][0] for t in sorted(DEQUANTIZERS))
        raise GGUFError(f"ggml type {name} is not supported (supported: {supported})")
    return DEQUANTIZERS[ggml_type](raw, count)


# ----------------------------------------------------------------------------------------------
# writing (for tests and fixtures)
# ----------------------------------------------------------------------------------------------

def encode_string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def encode_value(vtype: int, value) -> bytes:
    """The bytes of one metadata value; arrays as (element type, list)."""
    if vtype in SCALAR_FORMATS:
        return struct.pack(SCALAR_FORMATS[vtype], value)
    if vtype == STRING:
        return encode_string(value)
    if vtype == ARRAY:
        etype, items = value
        return struct.pack("<IQ", etype, len(items)) + b"".join(encode_value(etype, v)
                                                                 for v in items)
    raise ValueError(f"unknown value type {vtype}")


def write_gguf(path: Path | str, metadata: list[tuple[str, int, object]],
               tensors: list[tuple[str, tuple[int, ...], int, bytes]],
               alignment: int = DEFAULT_ALIGNMENT, version: int = 3) -> None:
    """Write a GGUF file: metadata as (key, value type, value), tensors as
    (name, ne fastest-first, ggml type, stored bytes). `alignment` is used for the layout;
    put `general.alignment` into `metadata` yourself when it is not 32.
    """
    header = GGUF_MAGIC + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, vtype, value in metadata:
        header += encode_string(key) + struct.pack("<I", vtype) + encode_value(vtype, value)
    data, offsets = b"", []
    for _, _, _, raw in tensors:
        data += b"\0" * (-len(data) % alignment)
        offsets.append(len(data))
        data += raw
    for (name, ne, ggml_type, _), offset in zip(tensors, offsets):
        header += encode_string(name) + struct.pack("<I", len(ne))
        header += b"".join(struct.pack("<Q", d) for d in ne)
        header += struct.pack("<IQ", ggml_type, offset)
    header += b"\0" * (-len(header) % alignment)
    Path(path).write_bytes(header + data)
