"""The weights digest is one rule in two places: the Slurm job script's ``weights_digest``
(bash, run here on real files) and ``labgate models digest`` / the registry (Python)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from labgate.approval.digest import weights_digest
from labgate.hpc.render import render_script
from tests.hpc.test_render import CONTEXT, SPECS


def _script() -> str:
    return render_script(SPECS["vllm-single"], CONTEXT)


def _bash_digest(source: Path | str) -> str:
    script = _script()
    start = script.index("weights_digest() {")
    end = script.index("\n}\n", start) + 3
    run = subprocess.run(
        ["bash", "-c", script[start:end] + '\nweights_digest "$1"', "x", str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip()


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    d = tmp_path / "model"
    (d / "sub").mkdir(parents=True)
    (d / "model-00001-of-00002.safetensors").write_bytes(b"a" * 1000)
    (d / "model-00002-of-00002.safetensors").write_bytes(b"b" * 1000)
    (d / "sub" / "extra.bin").write_bytes(b"c")
    (d / "config.json").write_text("{}")  # not a weight file
    (d / "tokenizer.json").write_text("{}")
    return d


def test_the_job_script_and_python_agree(weights: Path, tmp_path: Path) -> None:
    digest, files = weights_digest(weights)
    assert [f for f, _ in files] == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "sub/extra.bin",
    ]
    assert _bash_digest(weights) == digest
    one = weights / "model-00001-of-00002.safetensors"
    assert _bash_digest(one) == weights_digest(one)[0] == files[0][1]
    (weights / "model-00002-of-00002.safetensors").write_bytes(b"B" * 1000)  # swapped weights
    assert _bash_digest(weights) == weights_digest(weights)[0] != digest
    assert _bash_digest("meta-llama/Llama-3-8B") == ""  # a hub name: no digest, no traffic
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError):
        weights_digest(empty)


def test_the_job_hashes_before_the_engine_starts_and_registers_with_it() -> None:
    script = _script()
    assert script.index('WEIGHTS_DIGEST="$(weights_digest "$MODEL_SOURCE")"') < script.index(
        "\nstart_engine\n"
    )
    assert '"weights_digest": "%s"' in script
