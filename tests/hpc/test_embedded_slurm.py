"""The issue's end-to-end case with the real engine: a Slurm job runs labgate's embedded
llama.cpp worker with the packaged Gemma 3 270M, and a request for the cold model is answered
by it once the job has registered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from labgate.hpc.render import RenderContext
from labgate.hpc.spec import DeploymentSpec
from labgate.hpc.store import JobStore
from tests.hpc.conftest import REPO, job_log
from tests.hpc.gateway_double import GatewayDouble

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def packaged_model() -> Path:
    """The packaged GGUF, assembled once into the repository's ignored .data/ (~250 MB)."""
    from labgate.worker.model_files import ModelFileError, packaged_gguf

    try:
        return packaged_gguf(REPO / ".data" / "test-models")
    except ModelFileError as exc:
        pytest.skip(str(exc))


async def test_cold_request_is_answered_by_the_embedded_worker_in_a_slurm_job(
    store: JobStore, gateway: GatewayDouble, context: RenderContext,
    running: Callable[..., Any],
) -> None:
    model = await asyncio.to_thread(packaged_model)
    spec = DeploymentSpec(
        name="gemma", engine="llamacpp", model=str(model), served_model_name="gemma-3-270m",
        port=0, bind_host="127.0.0.1", advertise_host="127.0.0.1", exclusive=False,
        walltime="00:10:00", n_ctx=1024, threads=2, startup_timeout_seconds=180,
        expected_startup_seconds=20, env={"HF_HUB_OFFLINE": "1"},
    )
    await running(spec, store, gateway, context)
    body = {"model": "gemma-3-270m", "max_tokens": 16,
            "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    async with aiohttp.ClientSession() as http:
        async with http.post(gateway.url + "/v1/chat/completions", json=body) as r:
            assert r.status == 503 and "Retry-After" in r.headers
        [job] = await store.active()
        async with http.post(gateway.url + "/v1/chat/completions", json=body,
                             headers={"X-Labgate-Wait": "120"},
                             timeout=aiohttp.ClientTimeout(total=240)) as r:
            answer = await r.json()
            assert r.status == 200, job_log(context, spec.name, job.slurm_job_id)
    assert answer["model"] and answer["choices"][0]["message"]["content"].strip()
    assert gateway.count("register") == 1
