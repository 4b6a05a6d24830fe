"""How long /healthz and an ordinary request take while long prompts are being screened.

Starts a fake worker and a gateway with the guardrail on (in this process, on loopback),
sends ``--big`` prompts of ``--kb`` KB at once, then times /healthz and a one-line chat request
while they are screened. ``--inline`` screens every text on the event loop, as before the
screening lane (``labgate.gateway.safety_gate.INLINE_SCREEN_CHARS``).

    .venv/bin/python bench/edge_screening.py [--inline] [--big 3] [--kb 900]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labgate.app import create_app  # noqa: E402
from labgate.config import load_settings  # noqa: E402
from tests.support.servers import serve_app, start_fake_worker  # noqa: E402


async def main(args: argparse.Namespace) -> None:
    if args.inline:
        import labgate.gateway.safety_gate as gate

        gate.INLINE_SCREEN_CHARS = 10**9
    worker = await start_fake_worker("fake")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            None,
            environ={},
            overrides={
                "data_dir": tmp,
                "embedded": {"enabled": False},
                "models": [{"name": "fake", "workers": [worker.base_url]}],
                "max_body_bytes": 2 * 1024 * 1024,
            },
        )
        app = create_app(settings)
        async with serve_app(app) as url:
            key = app.state.services.bootstrap.admin_key
            long = "Notes on the measured flux of the reactor core over the run, day %d. " * 1
            text = "".join(long % i for i in range(args.kb * 1024 // 70))[: args.kb * 1024]
            async with httpx.AsyncClient(
                base_url=url, timeout=600, headers={"Authorization": f"Bearer {key}"}
            ) as c:
                body = {"model": "fake", "messages": [{"role": "user", "content": text}]}
                lags: list[float] = []

                async def ticker() -> None:  # the event loop's lag, every millisecond
                    while True:
                        t = time.perf_counter()
                        await asyncio.sleep(0.001)
                        lags.append(time.perf_counter() - t - 0.001)

                tick = asyncio.ensure_future(ticker())
                started = time.perf_counter()
                big = [
                    asyncio.ensure_future(c.post("/v1/chat/completions", json=body))
                    for _ in range(args.big)
                ]
                await asyncio.sleep(args.wait)  # they are being screened
                for _ in range(3):
                    t = time.perf_counter()
                    r = await c.get("/healthz")
                    print(f"/healthz {r.status_code} in {(time.perf_counter() - t) * 1000:.0f} ms")
                t = time.perf_counter()
                r = await c.post(
                    "/v1/chat/completions",
                    json={"model": "fake", "messages": [{"role": "user", "content": "hi?"}]},
                )
                small_ms = (time.perf_counter() - t) * 1000
                print(f"small request {r.status_code} in {small_ms:.0f} ms")
                codes = [(await b).status_code for b in big]
                tick.cancel()
                lags.sort()
                print(
                    f"event loop lag: median {lags[len(lags) // 2] * 1000:.1f} ms, "
                    f"p99 {lags[int(len(lags) * 0.99)] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
                )
                total = time.perf_counter() - started
                print(f"{args.big} prompts of {args.kb} KB: {codes} in {total:.1f} s")
    await worker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--inline", action="store_true")
    parser.add_argument("--big", type=int, default=3)
    parser.add_argument("--kb", type=int, default=900)
    parser.add_argument("--wait", type=float, default=3.0)
    asyncio.run(main(parser.parse_args()))
