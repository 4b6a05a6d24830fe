"""Rendered batch scripts: their structure, their quoting, and bash -n plus shellcheck on each."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from labgate.hpc.render import RenderContext, drain_budget, job_name, render_script
from labgate.hpc.spec import DeploymentSpec
from tests.hpc.conftest import SHELLCHECK

CONTEXT = RenderContext(
    gateway_url="http://gateway.svc.example:8080",
    python="/opt/labgate/venv/bin/python",
    spool_dir=Path("/lustre/labgate/spool"),
)

SPECS = {
    "vllm-single": DeploymentSpec(
        name="oss", engine="vllm", model="/lustre/models/gpt-oss-120b",
        served_model_name="openai/gpt-oss-120b", gpus_per_node=4, partition="gpu",
        account="llm-svc", qos="service", walltime="08:00:00",
        engine_args=["--reasoning-parser", "openai_gptoss"],
    ),
    "vllm-multi": DeploymentSpec(
        name="r1", engine="vllm", model="/lustre/models/DeepSeek-R1",
        served_model_name="deepseek-ai/DeepSeek-R1", nodes=4, gpus_per_node=4,
        partition="gpu", account="llm-svc", qos="service", walltime="1-00:00:00",
        modules=["cuda/12.6", "cray-python"], env={"NCCL_SOCKET_IFNAME": "hsn0"},
        network_interface="hsn0", drain_seconds=600, renew_before_seconds=3600,
        engine_args=["--max-model-len", "65536", "--reasoning-parser", "deepseek_r1"],
    ),
    "sglang-single": DeploymentSpec(
        name="qwen", engine="sglang", model="/lustre/models/Qwen3-32B", gpus_per_node=4,
        activate="/opt/sglang/bin/activate",
    ),
    "sglang-multi": DeploymentSpec(
        name="r1-sgl", engine="sglang", model="/lustre/models/DeepSeek-R1", nodes=2,
        gpus_per_node=4, command_prefix=["apptainer", "exec", "--nv", "/images/sglang.sif"],
    ),
    "llamacpp": DeploymentSpec(
        name="tiny", engine="llamacpp", model="/data/models/gemma-3-270m.gguf",
        served_model_name="gemma-3-270m", n_ctx=2048, threads=4, port=0,
        exclusive=False, walltime="30",
    ),
    "hostile-values": DeploymentSpec(
        name="odd", engine="vllm", model="/models/it's a \"model\" $HOME `id`",
        gpus_per_node=1, env={"GREETING": "it's $HOME and `date`; rm -rf /"},
        engine_args=["--chat-template", "{{ messages }} ' \" $(id)"],
        activate="/opt/env with space/bin/activate",
    ),
}


def sbatch_lines(script: str) -> list[str]:
    return [line.removeprefix("#SBATCH ") for line in script.splitlines()
            if line.startswith("#SBATCH ")]


@pytest.mark.parametrize("variant", sorted(SPECS))
def test_every_script_passes_bash_n_and_shellcheck(variant: str, tmp_path: Path) -> None:
    script = tmp_path / f"{variant}.sh"
    script.write_text(render_script(SPECS[variant], CONTEXT))
    syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    lint = subprocess.run([str(SHELLCHECK), "--shell=bash", "--severity=style", str(script)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("variant", sorted(SPECS))
def test_header_comes_first_and_names_the_job(variant: str) -> None:
    spec = SPECS[variant]
    script = render_script(spec, CONTEXT)
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    first_command = next(i for i, line in enumerate(lines) if line and not line.startswith("#"))
    assert all(i < first_command for i, line in enumerate(lines) if line.startswith("#SBATCH"))
    assert lines[first_command] == "set -euo pipefail"
    options = sbatch_lines(script)
    assert options[0] == f"--job-name=labgate:{spec.name}:" + re.sub(
        r"[^A-Za-z0-9._-]+", "_", spec.served_name)
    assert f"--signal=B:TERM@{spec.drain_seconds}" in options
    assert f"--output=/lustre/labgate/spool/logs/{spec.name}-%j.out" in options
    assert "--no-requeue" in options
    assert ("--exclusive" in options) == spec.exclusive


def test_single_node_vllm() -> None:
    script = render_script(SPECS["vllm-single"], CONTEXT)
    options = sbatch_lines(script)
    for expected in ("--partition=gpu", "--account=llm-svc", "--qos=service", "--time=08:00:00",
                     "--nodes=1", "--gpus-per-node=4", "--exclusive"):
        assert expected in options
    assert "vllm serve /lustre/models/gpt-oss-120b" in script
    assert "--served-model-name openai/gpt-oss-120b" in script
    assert "--tensor-parallel-size 4" in script
    assert "--pipeline-parallel-size 1" in script
    assert "--reasoning-parser openai_gptoss" in script
    assert "ray start" not in script and "distributed-executor-backend" not in script


def test_multi_node_vllm_runs_ray_head_and_workers() -> None:
    script = render_script(SPECS["vllm-multi"], CONTEXT)
    options = sbatch_lines(script)
    assert "--nodes=4" in options and "--gpus-per-node=4" in options
    assert "--time=1-00:00:00" in options
    assert "--signal=B:TERM@600" in options
    assert 'mapfile -t NODES < <(scontrol show hostnames "$SLURM_JOB_NODELIST")' in script
    assert 'HEAD_NODE="${NODES[0]}"' in script
    head = script.index('srun --nodes=1 --ntasks=1 --overlap -w "$HEAD_NODE"')
    assert script[head:].split("&", 1)[0].count("--head") == 1
    assert '--node-ip-address="$HEAD_IP"' in script
    assert 'for node in "${NODES[@]:1}"; do' in script
    worker = script.index('srun --nodes=1 --ntasks=1 --overlap -w "$node"')
    assert 'ray start \\\n        --address="$RAY_ADDRESS"' in script[worker:]
    assert "--num-gpus=4" in script
    assert 'wait_for_ray_nodes "${#NODES[@]}"' in script
    serve = script.index("vllm serve /lustre/models/DeepSeek-R1")
    assert serve > worker, "vLLM starts after the Ray workers"
    for flag in ("--tensor-parallel-size 4", "--pipeline-parallel-size 4",
                 "--distributed-executor-backend ray", "--max-model-len 65536"):
        assert flag in script[serve:]
    assert "module load cuda/12.6 cray-python" in script
    assert "export NCCL_SOCKET_IFNAME=hsn0" in script
    assert "ip -4 -o addr show dev hsn0" in script


def test_sglang_single_and_multi_node() -> None:
    single = render_script(SPECS["sglang-single"], CONTEXT)
    assert "python3 -m sglang.launch_server" in single
    assert "--tp 4" in single and "--nnodes" not in single
    assert "source /opt/sglang/bin/activate" in single
    multi = render_script(SPECS["sglang-multi"], CONTEXT)
    assert "apptainer exec \\\n" in multi and "/images/sglang.sif python3 -m sglang" in multi
    assert multi.count("--nnodes 2") == 2
    assert '--node-rank "$rank"' in multi and "--node-rank 0" in multi
    assert multi.count('--dist-init-addr "$DIST_INIT_ADDR"') == 2
    assert "--tp 8" in multi
    assert 'srun --nodes=1 --ntasks=1 --overlap -w "$node"' in multi


def test_llamacpp_runs_the_embedded_worker_with_labgates_python() -> None:
    script = render_script(SPECS["llamacpp"], CONTEXT)
    assert "export LABGATE_PYTHON=/opt/labgate/venv/bin/python" in script
    assert '"$LABGATE_PYTHON" -m labgate.worker.embedded' in script
    for flag in ("--model-path /data/models/gemma-3-270m.gguf", "--model-alias gemma-3-270m",
                 '--port "$ENGINE_PORT"', "--n-ctx 2048", "--threads 4"):
        assert flag in script
    assert "ENGINE_PORT=0" in script and 'ENGINE_PORT="$(free_port)"' in script
    assert "--time=00:30:00" in sbatch_lines(script)
    assert not any(o.startswith("--gpus") for o in sbatch_lines(script))


def test_registration_contract_and_drain_are_in_every_script() -> None:
    script = render_script(SPECS["llamacpp"], CONTEXT)
    assert "LABGATE_GATEWAY_URL=http://gateway.svc.example:8080" in script
    assert "gateway_post /internal/workers/register" in script
    assert '"/internal/workers/$WORKER_ID/heartbeat"' in script
    assert '"/internal/workers/$WORKER_ID/drain"' in script
    assert '--header @"$LABGATE_AUTH_FILE"' in script
    assert "trap on_term TERM INT" in script
    assert '"$ENGINE_URL$HEALTH_PATH"' in script


def test_hostile_values_stay_single_words() -> None:
    script = render_script(SPECS["hostile-values"], CONTEXT)
    assert "vllm serve '/models/it'\"'\"'s a \"model\" $HOME `id`'" in script
    assert "export GREETING='it'\"'\"'s $HOME and `date`; rm -rf /'" in script
    assert "source '/opt/env with space/bin/activate'" in script


def test_no_secret_and_no_per_job_value_in_the_script() -> None:
    spec = SPECS["vllm-multi"]
    assert render_script(spec, CONTEXT) == render_script(spec, CONTEXT)
    assert "Bearer" not in render_script(spec, CONTEXT).replace('"Authorization: Bearer ..."', "")


def test_drain_budget_leaves_time_to_stop_before_the_walltime() -> None:
    for drain in (10, 60, 300, 3600):
        stop, grace = drain_budget(drain)
        assert stop >= 3 and grace >= 1
        assert stop + grace < drain
    assert job_name(SPECS["vllm-multi"], "lg") == "lg:r1:deepseek-ai_DeepSeek-R1"
