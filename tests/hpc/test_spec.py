"""Deployment specs: defaults derived from the shape, and refusals that say what to write."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from labgate.hpc.settings import HpcSettings, hpc_from_config
from labgate.hpc.spec import DeploymentSpec, SpecError, load_spec_file, parse_deployments


def vllm(**fields: object) -> DeploymentSpec:
    base: dict[str, object] = {"name": "r1", "engine": "vllm", "model": "/models/r1",
                               "gpus_per_node": 4}
    base.update(fields)
    return DeploymentSpec.model_validate(base)


def message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " | ".join(str(e["msg"]) for e in exc.value.errors())


def test_vllm_multi_node_defaults_to_tp_per_node_and_pp_across_nodes() -> None:
    spec = vllm(nodes=4)
    assert (spec.tp, spec.pp) == (4, 4)
    assert spec.multi_node
    assert spec.served_name == "r1"


def test_sglang_defaults_to_tensor_parallel_over_every_gpu() -> None:
    spec = DeploymentSpec(name="s", engine="sglang", model="/m", nodes=2, gpus_per_node=4)
    assert (spec.tp, spec.pp) == (8, 1)


def test_parallel_sizes_must_multiply_to_the_gpus_asked_for() -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(nodes=2, tensor_parallel=4, pipeline_parallel=1)
    text = message(exc)
    assert "4 x 1 = 4" in text and "2 x 4 = 8 GPUs" in text
    assert "tensor_parallel = 4, pipeline_parallel = 2" in text


def test_vllm_tensor_parallel_must_stay_inside_a_node() -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(nodes=2, tensor_parallel=8, pipeline_parallel=1)
    assert "keep tensor parallelism inside a node" in message(exc)


def test_gpu_engines_need_gpus() -> None:
    with pytest.raises(ValidationError) as exc:
        DeploymentSpec(name="r1", engine="vllm", model="/m")
    assert "needs GPUs: set gpus_per_node" in message(exc)


def test_llamacpp_is_single_node() -> None:
    with pytest.raises(ValidationError) as exc:
        DeploymentSpec(name="t", engine="llamacpp", model="/m.gguf", nodes=2)
    assert "set nodes = 1" in message(exc)


@pytest.mark.parametrize("walltime", ["4 hours", "1:99:00", "abc", "", "1-25"])
def test_bad_walltimes_name_the_accepted_forms(walltime: str) -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(walltime=walltime)
    assert "HH:MM:SS" in message(exc)


def test_walltime_under_a_minute_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(walltime="0:30")
    assert "under a minute" in message(exc)


def test_drain_and_renewal_must_fit_inside_the_walltime() -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(walltime="00:05:00", drain_seconds=300)
    assert "drain_seconds (300) must be shorter than the walltime" in message(exc)
    with pytest.raises(ValidationError) as exc:
        vllm(walltime="01:00:00", renew_before_seconds=3600)
    assert "renew_before_seconds (3600)" in message(exc)
    with pytest.raises(ValidationError) as exc:
        vllm(walltime="01:00:00", renew_before_seconds=60, drain_seconds=120)
    assert "must be at least drain_seconds" in message(exc)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "R1 Prod", "not a deployment name"),
        ("served_model_name", "bad name", "not a usable model name"),
        ("account", "a;b", "not a Slurm name"),
        ("extra_sbatch", ["--reservation llm"], "without spaces"),
        ("extra_sbatch", ["-x"], "one long option"),
        ("env", {"SLURM_JOB_ID": "1"}, "reserved"),
        ("env", {"1BAD": "x"}, "not a variable name"),
        ("modules", ["cuda 12"], "not a module name"),
        ("health_path", "v1/models", "must be a URL path"),
        ("min_replicas", 3, "min_replicas (3) is above max_replicas (1)"),
    ],
)
def test_field_errors_say_what_to_write(field: str, value: object, expected: str) -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(**{field: value})
    assert expected in message(exc)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        vllm(tensor_paralel=4)
    assert "tensor_paralel" in str(exc.value)


def test_spec_file_forms(tmp_path: Path) -> None:
    top = tmp_path / "top.toml"
    top.write_text('name = "a"\nengine = "llamacpp"\nmodel = "/m.gguf"\n')
    table = tmp_path / "table.toml"
    table.write_text('[deployment]\nname = "b"\nengine = "llamacpp"\nmodel = "/m.gguf"\n')
    listed = tmp_path / "listed.toml"
    listed.write_text('[[deployments]]\nname = "c"\nengine = "llamacpp"\nmodel = "/m.gguf"\n')
    assert [load_spec_file(p).name for p in (top, table, listed)] == ["a", "b", "c"]


def test_spec_file_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "a"\nengine = "vllm"\nmodel = "/m"\ngpus_per_node = 4\nnodes = 2\n'
                   "tensor_parallel = 3\n")
    with pytest.raises(SpecError) as exc:
        load_spec_file(bad)
    assert str(bad) in str(exc.value) and "3 x 2 = 6" in str(exc.value)
    with pytest.raises(SpecError, match="does not exist"):
        load_spec_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec_file(broken)


def test_deployment_names_are_unique() -> None:
    item = {"name": "a", "engine": "llamacpp", "model": "/m.gguf"}
    with pytest.raises(SpecError, match="repeated: \\['a'\\]"):
        parse_deployments([item, item], "cfg")


def test_hpc_table_and_deployments_from_a_config() -> None:
    settings, specs = hpc_from_config(
        {"hpc": {"gateway_url": "http://gw:8080", "spool_dir": "/lustre/lg"},
         "deployments": [{"name": "a", "engine": "llamacpp", "model": "/m.gguf"}]},
        "cfg",
    )
    assert settings.gateway_url == "http://gw:8080"
    assert settings.spool_for(Path("/data")) == Path("/lustre/lg")
    assert HpcSettings().spool_for(Path("/data")) == Path("/data/hpc")
    assert [s.name for s in specs] == ["a"]
    with pytest.raises(SpecError, match="spool_dir"):
        hpc_from_config({"hpc": {"spool_dir": "/my spool"}}, "cfg")


def test_a_llamacpp_deployment_takes_one_request_per_replica_at_a_time() -> None:
    """labgate's llama.cpp worker generates one answer at a time, so a model launched on it
    (with no [[models]] table of its own) is sent one request per replica, and the rest wait
    in the fair-share queue; vLLM and SGLang batch, and keep the default."""
    from labgate.services import deployment_model_config

    llama = DeploymentSpec(name="g", engine="llamacpp", model="/m.gguf")
    vllm = DeploymentSpec(name="r1", engine="vllm", model="/m", gpus_per_node=4)
    assert deployment_model_config(llama).max_in_flight_per_worker == 1
    assert deployment_model_config(vllm).max_in_flight_per_worker == 16
    assert deployment_model_config(vllm).name == "r1"
