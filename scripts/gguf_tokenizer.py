"""The byte-level BPE tokenizer stored in a GGUF file (tokenizer.ggml.model = "gpt2").

What the GGUF holds: `tokenizer.ggml.tokens` (the vocabulary; index = token id),
`tokenizer.ggml.merges` (the BPE merges, "left right", highest priority first) and
`tokenizer.ggml.pre` (which pre-tokenizer the model was trained with). Tokens and merges are
written in GPT-2's byte alphabet: every byte 0…255 is one printable Unicode character
(`bytes_to_unicode`; the space byte is "Ġ", the newline "Ċ").

Encoding plain text (no special tokens are recognized in it):
  1. pre-tokenize: split the text into pieces; for "smollm" every digit is first split off
     on its own (\\p{N}, one per piece), then each remaining stretch is split with GPT-2's
     pattern  's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
     (implemented by hand below: Python's `re` has no \\p{L});
  2. map each piece's UTF-8 bytes to the byte alphabet;
  3. BPE: repeatedly merge the adjacent pair with the best (lowest) merge rank, all its
     occurrences left to right, until no pair is in the merge list;
  4. look every resulting symbol up in the vocabulary.
"""

from __future__ import annotations

import unicodedata

SUPPORTED_PRE = ("smollm", "gpt2", "default")
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


class TokenizerError(Exception):
    """The GGUF's tokenizer cannot be used (one-line message)."""


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def _is_letter(c: str) -> bool:
    return unicodedata.category(c)[0] == "L"


def _is_number(c: str) -> bool:
    return unicodedata.category(c)[0] == "N"


def _is_space(c: str) -> bool:
    return c.isspace()


def gpt2_split(text: str) -> list[str]:
    """Split `text` with GPT-2's pre-tokenizer pattern (see the module docstring)."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        # 's 't 're 've 'm 'll 'd
        if c == "'":
            hit = next((t for t in CONTRACTIONS if text.startswith(t, i)), None)
            if hit:
                pieces.append(hit)
                i += len(hit)
                continue
        # optional space + a run of letters / of numbers / of other non-space characters
        j = i + 1 if c == " " and i + 1 < n else i
        if j < n and not _is_space(text[j]):
            first = text[j]
            if _is_letter(first):
                cls = _is_letter
            elif _is_number(first):
                cls = _is_number
            else:
                def cls(ch):
                    return not (_is_space(ch) or _is_letter(ch) or _is_number(ch))
            k = j
            while k < n and cls(text[k]):
                k += 1
            pieces.append(text[i:k])
            i = k
            continue
        # whitespace: \s+(?!\S) (a run, leaving its last character when a non-space follows),
        # else \s+
        k = i
        while k < n and _is_space(text[k]):
            k += 1
        if k < n and k - i > 1:
            k -= 1
        pieces.append(text[i:k])
        i = k
    return pieces


def pre_tokenize(text: str, pre: str) -> list[str]:
    """The pieces of `text` under the GGUF's `tokenizer.ggml.pre` scheme."""
    if pre not in SUPPORTED_PRE:
        raise TokenizerError(f"tokenizer.ggml.pre = {pre!r} is not supported "
                             f"(supported: {', '.join(SUPPORTED_PRE)})")
    if pre != "smollm":
        return gpt2_split(text)
    pieces, start = [], 0
    for i, c in enumerate(text):  # every \p{N} character is a piece of its own
        if _is_number(c):
            if start < i:
                pieces += gpt2_split(text[start:i])
            pieces.append(c)
            start = i + 1
    if start < len(text):
        pieces += gpt2_split(text[start:])
    return pieces


class ByteLevelBPE:
    """Encode text with a GGUF "gpt2" tokenizer; see the module docstring for the steps."""

    def __init__(self, tokens: list[str], merges: list[str], pre: str):
        if pre not in SUPPORTED_PRE:
            raise TokenizerError(f"tokenizer.ggml.pre = {pre!r} is not supported "
                                 f"(supported: {', '.join(SUPPORTED_PRE)})")
        self.tokens = tokens
        self.pre = pre
        self.ids = {}
        for i, t in enumerate(tokens):
            self.ids.setdefault(t, i)
        self.ranks = {}
        for rank, merge in enumerate(merges):
            left, sep, right = merge.partition(" ")
            if not sep or not left or not right:
                raise TokenizerError(f"tokenizer.ggml.merges[{rank}] = {merge!r} is not "
                                     "'left right'")
            self.ranks.setdefault((left, right), rank)
        self.byte_chars = bytes_to_unicode()
        self.char_bytes = {c: b for b, c in self.byte_chars.items()}
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def from_gguf_metadata(cls, metadata: dict) -> "ByteLevelBPE":
        """Build from a GGUF file's metadata (tokenizer.ggml.*)."""
        model = metadata.get("tokenizer.ggml.model")
        if model != "gpt2":
            raise TokenizerError(f"tokenizer.ggml.model = {model!r}; only 'gpt2' (byte-level "
                                 "BPE) is supported")
        tokens, merges = metadata.get("tokenizer.ggml.tokens"), metadata.get(
            "tokenizer.ggml.merges")
        if not isinstance(tokens, list) or not isinstance(merges, list):
            raise TokenizerError("tokenizer.ggml.tokens / tokenizer.ggml.merges missing or not "
                                 "arrays")
        return cls(tokens, merges, metadata.get("tokenizer.ggml.pre", "default"))

    def bpe(self, piece: str) -> list[str]:
        """The BPE symbols of one pre-tokenized piece (already in the byte alphabet)."""
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        symbols = list(piece)
        while len(symbols) > 1:
            best, best_rank = None, None
            for pair in zip(symbols, symbols[1:]):
                rank = self.ranks.get(pair)
                if rank is not None and (best_rank is None or rank < best_rank):
                    best, best_rank = pair, rank
            if best is None:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        self._cache[piece] = symbols
        return symbols

    def encode(self, text: str) -> list[int]:
        """Token ids of plain `text` (no BOS/EOS added, no special tokens parsed)."""
        ids = []
        for piece in pre_tokenize(text, self.pre):
            mapped = "".join(self.byte_chars[b] for b in piece.encode("utf-8"))
            for symbol in self.bpe(mapped):
                if symbol not in self.ids:
                    raise TokenizerError(f"BPE symbol {symbol!r} (from {piece!r}) is not in "
                                         "the vocabulary")
                ids.append(self.ids[symbol])
        return ids

    def decode(self, ids: list[int]) -> str:
        """The text of token ids (bytes joined, then UTF-8 decoded with replacement)."""
        raw = bytearray()
        for i in ids:
            raw += bytes(self.char_bytes[c] for c in self.tokens[i] if c in self.char_bytes)
        return raw.decode("utf-8", errors="replace")
