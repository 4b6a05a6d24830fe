"""The pages' templates and static files, loaded once when the router is built.

Everything is read from the package at start-up (never on the event loop) and served from
memory: a handful of small files, and the vendored libraries under ``static/vendor/`` (marked,
DOMPurify, highlight.js, KaTeX and its fonts: about 0.9 MB, see ``scripts/vendor-web.sh``).
Static files carry a content hash, used as their ETag and as
the ``?v=`` in the pages' links, so a browser never runs a stale script after an upgrade.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = ("base.html", "chat.html", "admin.html", "console.html", "batches.html")
_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str  # quoted, as the header carries it

    @property
    def version(self) -> str:
        return self.etag.strip('"')


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:16]


class WebAssets:
    """Compiled templates and the static files, by name."""

    def __init__(self, root: Path = PACKAGE_DIR) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates = {name: self.env.get_template(name) for name in TEMPLATES}
        self.static: dict[str, StaticFile] = {}
        static_root = root / "static"
        for path in sorted(static_root.rglob("*")):
            media_type = _MEDIA_TYPES.get(path.suffix)
            if media_type is None or not path.is_file():
                continue
            body = path.read_bytes()
            # by their path under static/: "chat.js", "vendor/katex/fonts/KaTeX_Main-Regular.woff2"
            name = path.relative_to(static_root).as_posix()
            self.static[name] = StaticFile(body, media_type, f'"{content_hash(body)}"')

    @property
    def versions(self) -> dict[str, str]:
        return {name: f.version for name, f in self.static.items()}

    def render(self, name: str, **context: Any) -> str:
        return self.templates[name].render(versions=self.versions, **context)
