"""The pages and their supporting routes, over HTTP from the real gateway."""

from __future__ import annotations

import re

from labgate.access.banners import contrast_ratio
from tests.web.conftest import WebGateway

STATIC = {
    "style.css": "text/css",
    "common.js": "text/javascript",
    "chat.js": "text/javascript",
    "render.js": "text/javascript",
    "console.js": "text/javascript",
    "admin.js": "text/javascript",
}


def _banner(html: str, which: str) -> tuple[str, str]:
    match = re.search(
        rf'<div class="banner banner-{which}"[^>]*data-level="([^"]+)"[^>]*>([^<]*)</div>', html
    )
    assert match, f"no {which} banner in the page"
    return match.group(1), match.group(2)


async def test_pages_carry_the_default_banner_top_and_bottom(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        for path in ("/", "/admin"):
            resp = await client.get(path)
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/html")
            assert _banner(resp.text, "top") == ("CUI", "CUI")
            assert _banner(resp.text, "bottom") == ("CUI", "CUI")
            assert "web-test" in resp.text


async def test_pages_use_only_this_origin(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        page = await client.get("/")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "form-action 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["cache-control"] == "no-store"
        bodies = [page.text]
        for name in STATIC:
            bodies.append((await client.get(f"/web/static/{name}")).text)
        for body in bodies:
            assert "http:" not in body and "https:" not in body
            assert "<script>" not in body and " style=" not in body  # nothing inline


async def test_every_input_has_a_label(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        html = (await client.get("/")).text
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert set(ids) == {
        "api-key",
        "model",
        "request-label",
        "show-reasoning",
        "prompt",
        "attach",
        "history-search",
    }
    for element_id in ids:
        assert f'<label for="{element_id}"' in html


async def test_web_config_gives_the_default_banner_and_level_colours(
    web_gateway: WebGateway,
) -> None:
    async with web_gateway.client() as client:
        config = (await client.get("/web/config")).json()
    assert config["labels_enabled"] is True
    assert config["label"] == "CUI"
    assert config["banner"] == {"text": "CUI", "background": "#502b85", "foreground": "#ffffff"}
    assert [lv["level"] for lv in config["levels"]] == [
        "UNCLASSIFIED",
        "CUI",
        "SECRET",
        "TOP SECRET",
    ]
    assert config["levels"][2] == {
        "level": "SECRET",
        "background": "#c8102e",
        "foreground": "#ffffff",
    }
    assert config["label_header"] == "X-Labgate-Label"
    for level in config["levels"]:
        assert contrast_ratio(level["background"], level["foreground"]) >= 4.5
    assert "NUC" not in str(config)  # compartments are not advertised


async def test_labels_off_shows_unclassified(open_gateway: WebGateway) -> None:
    async with open_gateway.client() as client:
        config = (await client.get("/web/config")).json()
        html = (await client.get("/")).text
    assert config["labels_enabled"] is False
    assert config["banner"] == {
        "text": "UNCLASSIFIED",
        "background": "#007a33",
        "foreground": "#ffffff",
    }
    assert _banner(html, "top") == ("UNCLASSIFIED", "UNCLASSIFIED")


async def test_banner_css_has_a_rule_per_level(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        resp = await client.get("/web/banners.css")
    assert resp.headers["content-type"].startswith("text/css")
    assert (
        '.banner[data-level="TOP SECRET"], .label-tag[data-level="TOP SECRET"] '
        "{ background: #ff8c00; color: #000000; }" in resp.text
    )
    assert resp.text.count(".banner[data-level=") == 4


async def test_static_files_are_served_with_etags(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        for name, media_type in STATIC.items():
            resp = await client.get(f"/web/static/{name}")
            assert resp.status_code == 200, name
            assert resp.headers["content-type"].startswith(media_type)
            again = await client.get(
                f"/web/static/{name}", headers={"If-None-Match": resp.headers["etag"]}
            )
            assert again.status_code == 304 and again.content == b""
        page = (await client.get("/")).text
        version = resp.headers["etag"].strip('"')
        assert f"/web/static/admin.js?v={version}" not in page  # chat page: no admin script
        assert "/web/static/chat.js?v=" in page


async def test_unknown_static_files_are_a_clear_404(web_gateway: WebGateway) -> None:
    async with web_gateway.client() as client:
        for path in ("/web/static/nope.js", "/web/static/..%2Froutes.py"):
            resp = await client.get(path)
            assert resp.status_code == 404
            assert resp.json()["error"]["type"] == "not_found_error"
