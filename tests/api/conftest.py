from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from labgate import logs
from labgate.app import Services, create_app
from tests.support.servers import RunningWorker, guarded_gateway, serve_app


@dataclass
class Gateway:
    url: str
    key: str
    services: Services
    worker: RunningWorker

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {key or self.key}"},
            timeout=30,
        )


@pytest.fixture
async def gateway(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[Gateway]:
    settings = make_settings([{"name": "fake", "workers": [fake_worker.base_url]}])
    app = create_app(settings)
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        yield Gateway(url, services.bootstrap.admin_key, services, fake_worker)


@pytest.fixture
async def guarded(
    make_settings: Callable[..., Any], fake_worker: RunningWorker
) -> AsyncIterator[dict[str, Any]]:
    """A gateway with the guardrail on in front of the fake worker: ``client`` (the bootstrap
    admin's key), ``services`` and ``worker`` (the fake worker's state, to see what reached
    it). The guardrail API tests share it."""
    async with guarded_gateway(make_settings, fake_worker.base_url) as (client, services):
        yield {"client": client, "services": services, "worker": fake_worker.worker}


@pytest.fixture
def configured() -> Iterator[Callable[[str], io.StringIO]]:
    """``labgate serve``'s logging set up inside the test, one formatter (``text`` or ``json``)
    a call; the root logger's handlers and level put back after (pytest adds its own)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def use(fmt: str) -> io.StringIO:
        logs.configure("info", fmt)
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        return stream

    yield use
    root.handlers[:], level = saved
    root.setLevel(level)
    for name in ("alembic", "transformers", "sentence_transformers", "torch", "httpx",
                 "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.NOTSET)
