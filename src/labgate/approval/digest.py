"""The weights digest of a model version: the same rule as the Slurm job script's
``weights_digest`` (``hpc/templates/lifecycle.sh.j2``).

- one weight file: its sha256;
- a directory: the sha256 of the lines ``"<sha256>  <relative/path>\\n"`` of its weight files
  (``*.safetensors``, ``*.bin``, ``*.gguf``, ``*.pt``, ``*.pth``), sorted by path in byte
  order (``LC_ALL=C sort``); with one weight file, that file's sha256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weight_files(source: Path) -> list[tuple[str, str]]:
    """(relative path, sha256) of every weight file, in byte order of the path."""
    if source.is_file():
        return [(source.name, file_sha256(source))]
    found = sorted(
        (p for p in source.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)),
        key=lambda p: p.relative_to(source).as_posix().encode(),
    )
    return [(p.relative_to(source).as_posix(), file_sha256(p)) for p in found]


def weights_digest(source: Path) -> tuple[str, list[tuple[str, str]]]:
    """(digest, files) of a weight file or a directory of them; ValueError if none."""
    files = weight_files(source)
    if not files:
        raise ValueError(f"no weight files ({', '.join(WEIGHT_SUFFIXES)}) under {source}")
    if len(files) == 1:
        return files[0][1], files
    listing = "".join(f"{sha}  {rel}\n" for rel, sha in files)
    return hashlib.sha256(listing.encode()).hexdigest(), files
