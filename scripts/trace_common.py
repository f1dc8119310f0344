"""Helpers shared by the trace exporters (export_trace.py, export_gguf_trace.py) and checks.

Writing a trace directory (the .npy files, their sha256 and trace.json in the house JSON
layout), the provenance helpers (package versions, NumPy's BLAS) and the one-line error
convention of the command-line tools.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import sys
from pathlib import Path

import numpy as np


class UserError(Exception):
    """An error caused by the input or the arguments: reported in one line, exit 2."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_version(name: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def numpy_blas() -> str | None:
    """Name and version of the BLAS NumPy was built with (results may differ across BLAS)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older NumPy or an unusual build: provenance only
        return None


def format_json(value, indent: int = 0) -> str:
    """JSON with objects indented two spaces and lists of scalars kept on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {format_json(v, indent + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [inner + format_json(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def write_trace_dir(out_dir: Path, layers: list[tuple[str, dict[str, np.ndarray]]],
                    meta: dict, shared: dict[str, np.ndarray] | None = None) -> None:
    """Write a trace directory: `<name>.<part>.npy` for every layer and part (arrays are
    written as given: the caller chooses the dtype, C order), then trace.json = `meta` plus
    `layers` (name and file of each part) and `sha256` of every .npy. A `shared` part (e.g.
    MPNet's position bias, the same in every layer) is written once as `<part>.npy` and named
    by every layer.
    """
    shared = shared or {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        entries, checksums = [], {}
        for name, parts in layers:
            entry = {"name": name}
            for part, array in parts.items():
                fname = f"{name}.{part}.npy"
                np.save(out_dir / fname, np.ascontiguousarray(array), allow_pickle=False)
                entry[part] = fname
                checksums[fname] = sha256_file(out_dir / fname)
            for part in shared:
                entry[part] = f"{part}.npy"
            entries.append(entry)
        for part, array in shared.items():
            np.save(out_dir / f"{part}.npy", np.ascontiguousarray(array), allow_pickle=False)
            checksums[f"{part}.npy"] = sha256_file(out_dir / f"{part}.npy")
        trace = dict(meta)
        trace["layers"] = entries
        trace["sha256"] = checksums
        (out_dir / "trace.json").write_text(format_json(trace) + "\n", encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write trace to {out_dir}: {e.strerror or e}") from None


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (`prog: error: message`, no usage block)
    and exits 2, as every exporter's other errors do."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def run_main(prog: str, run, argv: list[str] | None, debug_env: str) -> int:
    """Call `run(argv)` and map every failure to one line on stderr: exit 2 for a UserError
    (and the `errors` it lists), 1 for a bug, 130 on Ctrl-C. With `debug_env` set in the
    environment, exceptions propagate (tracebacks)."""
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get(debug_env):
        return run(argv)
    try:
        return run(argv)
    except UserError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not a user error: still one line
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"{prog}: internal error: {type(e).__name__}: {first} "
              f"(set {debug_env}=1 for a traceback)", file=sys.stderr)
        return 1
