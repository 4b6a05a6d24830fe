"""The model card: rendered from a version's stored evaluation and approvals, served to the
users of the model at /v1/model-cards/{model}, checked in a real Chromium (Debian's, driven by
Playwright, as tests/web does): it lays out, its plots are inline SVG with a size, nothing is
fetched from anywhere, and a reason with markup in it stays text."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from labgate.app import Services, create_app
from labgate.approval.wiring import model_registry, reload_gate
from tests.support.servers import serve_app, start_fake_worker
from tests.web.conftest import browser, chromium_path  # noqa: F401  (fixtures)

DIGEST = hashlib.sha256(b"card weights").hexdigest()
METRICS = {
    "science": {"accuracy": 0.42},
    "science_by_domain": {"physics": 0.5, "chemistry": 0.3, "biology": 0.6},
    "safety": {"guarded_refusal_rate": 0.95, "false_refusal_rate": 0.1},
    "bias": {"consistency": 0.875, "max_difference": 0.25},
    "bias_by_attribute": {"name": 0.25, "gender": 0.0},
    "calibration_curve": {"0-49": 0.2, "80-100": 0.7},
    "effort_tokens": {"low": 12.0, "medium": 30.5, "high": 80.0},
}


@pytest.fixture
async def served(make_settings: Callable[..., Any]) -> AsyncIterator[tuple[str, Services]]:
    worker = await start_fake_worker("m1")
    app = create_app(make_settings([{"name": "m1", "workers": [worker.base_url]}]))
    try:
        async with serve_app(app) as url:
            services: Services = app.state.services
            registry = model_registry(services)
            await registry.bootstrap(
                name="m1",
                version="r1",
                source="/models/m1 <script>alert(1)</script>",
                engine="vllm",
                weights_digest=DIGEST,
                evaluation={"metrics": METRICS, "suites": {"science": 1}, "seed": 3},
            )
            await reload_gate(services)
            yield url, services
    finally:
        await worker.stop()


async def test_card_as_html_and_markdown(served: tuple[str, Services]) -> None:
    import httpx

    url, services = served
    key = services.bootstrap.admin_key
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
        html = await c.get("/v1/model-cards/m1")
        md = await c.get("/v1/model-cards/m1", params={"format": "md"})
        missing = await c.get("/v1/model-cards/nope")
    assert (
        html.status_code == 200 and "default-src 'none'" in html.headers["content-security-policy"]
    )
    assert DIGEST in html.text and "<script>" not in html.text and "&lt;script&gt;" in html.text
    assert "frame-ancestors 'none'" in html.headers["content-security-policy"]
    for r in (html, md):  # the reader's own: not kept by a cache, not sniffed, not framed
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert html.text.count("<svg") >= 5
    assert md.status_code == 200 and f"sha256: `{DIGEST}`" in md.text and "| metric |" in md.text
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    async with httpx.AsyncClient(base_url=url) as c:
        assert (await c.get("/v1/model-cards/m1")).status_code == 401


@pytest.mark.browser
async def test_card_renders_in_chromium(served: tuple[str, Services], browser: Any) -> None:  # noqa: F811
    url, services = served
    context = await browser.new_context(
        viewport={"width": 1000, "height": 900},
        extra_http_headers={"Authorization": f"Bearer {services.bootstrap.admin_key}"},
    )
    requests: list[str] = []
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        response = await page.goto(url + "/v1/model-cards/m1")
        assert response is not None and response.status == 200
        assert (await page.locator("#card-title").inner_text()).startswith("Model card: m1 r1")
        assert await page.locator("#card-digest").inner_text() == DIGEST
        assert await page.locator("#card-status").inner_text() == "serving"
        plots = page.locator("#card-plots svg")
        assert await plots.count() == 5
        for i in range(5):
            box = await plots.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 20
        bars = await page.locator("#card-plots svg rect").count()
        assert bars == 3 + 2 + 2 + 2 + 3  # domains, safety, bias, calibration, effort
        assert await page.locator("#card-thresholds tr").count() > 1
        assert requests == [url + "/v1/model-cards/m1"]  # nothing else fetched
        assert errors == []
    finally:
        await context.close()
