"""Banner markings: the coloured bars at the top and bottom of every page.

Classified systems show the classification of what is on screen in a bar at the top and the
bottom, coloured by level so it is seen at a glance. The default colours are the usual US
scheme (UNCLASSIFIED green, CUI purple, CONFIDENTIAL blue, SECRET red, TOP SECRET orange); a
deployment may set its own per level in ``[labels.banners]``. Text colours are chosen so the
marking keeps at least WCAG AA contrast (4.5:1) on its bar: black on orange, white elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from labgate.access.labels import Label


@dataclass(frozen=True, slots=True)
class BannerColours:
    background: str
    foreground: str


DEFAULT_BANNER_COLOURS: dict[str, BannerColours] = {
    "UNCLASSIFIED": BannerColours("#007a33", "#ffffff"),
    "CUI": BannerColours("#502b85", "#ffffff"),
    "CONFIDENTIAL": BannerColours("#0033a0", "#ffffff"),
    "SECRET": BannerColours("#c8102e", "#ffffff"),
    "TOP SECRET": BannerColours("#ff8c00", "#000000"),
}
# A level with neither a configured nor a default colour: neutral, never mistaken for green.
FALLBACK_BANNER = BannerColours("#4d4d4d", "#ffffff")


@dataclass(frozen=True, slots=True)
class Banner:
    """What a page shows: the marking text and the bar's colours."""

    text: str
    background: str
    foreground: str

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "background": self.background, "foreground": self.foreground}


def colours_for(level: str, configured: Mapping[str, BannerColours]) -> BannerColours:
    return configured.get(level) or DEFAULT_BANNER_COLOURS.get(level) or FALLBACK_BANNER


def banner_for(label: Label, configured: Mapping[str, BannerColours]) -> Banner:
    colours = colours_for(label.level, configured)
    return Banner(label.marking, colours.background, colours.foreground)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
