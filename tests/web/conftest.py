"""The real gateway, served on loopback with a fake worker, with the web pages mounted and a
labelled deployment; and, for the browser tests, Debian's Chromium driven by Playwright.

The labels: UNCLASSIFIED < CUI < SECRET < TOP SECRET, compartment NUC, default request label
CUI (so the default banner is not the same as the labels-off one), the model ``fake``
accredited SECRET//NUC, and users without a clearance cleared to SECRET//NUC (the bootstrap
admin has none), so the same tests hold once the gateway enforces the labels itself.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from labgate.access.config import LabelsConfig
from labgate.access.policy import AccessPolicy
from labgate.app import Services, StartupHook, create_app
from labgate.config import Settings
from labgate.web.routes import build_router
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LABELS: dict[str, Any] = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET"],
    "enclave": "web-test",
    "compartments": {"NUC": "nuclear weapons effects"},
    "range": {"min": "UNCLASSIFIED", "max": "SECRET//NUC"},
    "default_request_label": "CUI",
    "default_clearance": "SECRET//NUC",
    "models": {"fake": "SECRET//NUC"},
}


@dataclass
class WebGateway:
    url: str
    key: str
    services: Services
    worker: RunningWorker

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)


@contextlib.asynccontextmanager
async def web_gateway_for(
    make_settings: Callable[..., Any], worker: RunningWorker, labels: dict[str, Any] | None
) -> AsyncIterator[WebGateway]:
    """A gateway with the pages mounted, as the integrator mounts them; with ``labels`` set
    through the settings once Settings has the field, else through the app's services."""
    extra: dict[str, Any] = {"policy": {"show_reasoning_to_users": True}}
    hooks: list[StartupHook] = []
    if labels is not None and "labels" in Settings.model_fields:
        extra["labels"] = labels
    elif labels is not None:
        policy = AccessPolicy(LabelsConfig.model_validate(labels))

        async def install(services: Services) -> None:
            services.extras["access"] = policy

        hooks.append(install)
    settings = make_settings([{"name": "fake", "workers": [worker.base_url]}], **extra)
    app = create_app(settings, on_startup=hooks)
    if not any(getattr(route, "path", None) == "/web/config" for route in app.routes):
        app.include_router(build_router())
    async with serve_app(app) as url:
        services: Services = app.state.services
        assert services.bootstrap is not None and services.bootstrap.admin_key
        yield WebGateway(url, services.bootstrap.admin_key, services, worker)


@pytest.fixture
async def thinking_worker() -> AsyncIterator[RunningWorker]:
    worker = await start_fake_worker("fake", flags="think")
    yield worker
    await worker.stop()


@pytest.fixture
async def web_gateway(
    make_settings: Callable[..., Any], thinking_worker: RunningWorker
) -> AsyncIterator[WebGateway]:
    async with web_gateway_for(make_settings, thinking_worker, LABELS) as gw:
        yield gw


@pytest.fixture
async def open_gateway(
    make_settings: Callable[..., Any], thinking_worker: RunningWorker
) -> AsyncIterator[WebGateway]:
    """The same gateway with labels off (the open deployment)."""
    async with web_gateway_for(make_settings, thinking_worker, None) as gw:
        yield gw


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed with apt-get if missing (Playwright's own browser download
    is not possible here)."""
    if not CHROMIUM.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
            subprocess.run(
                ["apt-get", "install", "-y", "chromium"],
                check=True,
                capture_output=True,
                timeout=1200,
                env=env,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"Chromium is not at {CHROMIUM} and apt-get could not install it: {exc}")
    if not CHROMIUM.exists():
        pytest.skip(f"apt-get ran but Chromium is still not at {CHROMIUM}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1100, "height": 800})
    page = await context.new_page()
    yield page
    await context.close()
