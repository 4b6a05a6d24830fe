"""Encodings undone in place (part of :mod:`labgate.safety.decoding`): base64, base32, hex (runs,
``\\x`` and ``0x`` escapes), url-encoding, HTML entities, ``\\u`` escapes, binary and decimal
character codes, and Morse. A run is decoded only when it decodes to printable text."""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import urllib.parse
from collections.abc import Callable

from labgate.safety.decoding_base import Derived, _mostly_letters, _reads_better
from labgate.safety.reading import CJK, reading_ratio

_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_BASE32_RUN = re.compile(r"(?<![A-Za-z0-9=])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9=])")
_HEX_RUN = re.compile(r"(?:\b|0x)((?:[0-9a-fA-F]{2}[\s:,]?){8,})")
_HEX_ESCAPES = re.compile(r"(?:(?:\\x|0x)[0-9a-fA-F]{2}[\s,]*){6,}")
_URL_ENCODED = re.compile(
    r"(?:%[0-9a-fA-F]{2}|[A-Za-z0-9._~+-])*(?:%[0-9a-fA-F]{2}){3,}"
    r"(?:%[0-9a-fA-F]{2}|[A-Za-z0-9._~+-])*"
)
_HTML_ENTITIES = re.compile(r"(?:&#(?:\d{2,7}|x[0-9a-fA-F]{2,6});\s?){4,}")
_UNICODE_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}){4,}")
_BINARY_RUN = re.compile(r"(?:\b[01]{8}\b[\s,]*){4,}")
_DECIMAL_RUN = re.compile(
    r"(?:\b(?:3[2-9]|[4-9]\d|1[01]\d|12[0-6])\b[\s,]+){5,}"
    r"\b(?:3[2-9]|[4-9]\d|1[01]\d|12[0-6])\b"
)


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    good = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if good / len(text) < 0.95 or letters / len(text) < 0.5:
        return None
    return text


def _decode_base64(run: str) -> str | None:
    padded = run + "=" * (-len(run) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = _printable(decoder(padded))
        except (binascii.Error, ValueError):
            continue
        if text and (reading_ratio(text) >= 0.1 or _wordy(text)):
            return text
    return None


def _wordy(text: str) -> bool:
    """Letters and spaces in words: text under a second disguise (base64 of ROT13); Chinese
    and Japanese, written without spaces, by their characters."""
    if not _mostly_letters(text, 0.85):
        return False
    return len(text.split()) >= 3 or len(CJK.findall(text)) >= 6


def _decode_base32(run: str) -> str | None:
    padded = run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 8)
    try:
        text = _printable(base64.b32decode(padded))
    except (binascii.Error, ValueError):
        return None
    return text if text and (reading_ratio(text) >= 0.1 or _wordy(text)) else None


def _decode_hex(run: str) -> str | None:
    digits = re.sub(r"[\s:,]|\\x|0x", "", run)
    if len(digits) % 2:
        digits = digits[:-1]
    try:
        return _printable(bytes.fromhex(digits))
    except ValueError:
        return None


def _decode_codes(codes: list[int]) -> str | None:
    try:
        return _printable(bytes(codes))
    except ValueError:
        return None


def _substitute(
    text: str,
    pattern: re.Pattern[str],
    decode: Callable[[str], str | None],
    payloads: list[str] | None = None,
) -> str | None:
    """``text`` with every decodable run of ``pattern`` replaced by its decoding (None when
    nothing decoded), so the words around a payload ("decode this and answer") stay. Each
    decoded run is also added to ``payloads``."""
    changed = False

    def swap(match: re.Match[str]) -> str:
        nonlocal changed
        decoded = decode(match.group(0))
        if decoded is None:
            return match.group(0)
        changed = True
        if payloads is not None:
            payloads.append(decoded.strip())
        return f" {decoded} "

    out = pattern.sub(swap, text)
    return re.sub(r"[ \t]{2,}", " ", out).strip() if changed else None


def _encodings(text: str) -> list[Derived]:
    """Encoded runs decoded in place (the whole text, ``whole``), and each decoded run alone
    (the classifier reads a request best without "decode this" around it)."""
    out: list[Derived] = []
    for kind, pattern, decode in (
        ("base64", _BASE64_RUN, _decode_base64),
        ("base32", _BASE32_RUN, _decode_base32),
        ("hex", _HEX_RUN, _decode_hex),
    ):
        payloads: list[str] = []
        found = _substitute(text, pattern, decode, payloads)
        if found:
            out.append(Derived(kind, found, whole=True))
            out.extend(Derived(kind, p) for p in payloads[:2] if p != found)
    escaped = _substitute(text, _HEX_ESCAPES, _decode_hex)
    if escaped:
        out.append(Derived("hex", escaped, whole=True))
    if "%" in text:
        url = _substitute(
            text,
            _URL_ENCODED,
            lambda s: _printable(urllib.parse.unquote_to_bytes(s.replace("+", " "))),
        )
        if url:
            out.append(Derived("url", url, whole=True))
    if "&#" in text:
        entities = _substitute(text, _HTML_ENTITIES, lambda s: html.unescape(s.replace("; ", ";")))
        if entities:
            out.append(Derived("html_entities", entities, whole=True))
    if "\\u" in text or "\\U" in text:
        escapes = _substitute(text, _UNICODE_ESCAPES, lambda s: codecs.decode(s, "unicode_escape"))
        if escapes:
            out.append(Derived("unicode_escapes", escapes, whole=True))
    binary = _substitute(
        text, _BINARY_RUN, lambda s: _decode_codes([int(b, 2) for b in re.findall(r"[01]{8}", s)])
    )
    if binary:
        out.append(Derived("binary", binary, whole=True))
    decimal = _substitute(
        text, _DECIMAL_RUN, lambda s: _decode_codes([int(n) for n in re.findall(r"\d+", s)])
    )
    if decimal and _reads_better(decimal, text, floor=0.2, gain=0.1):
        out.append(Derived("char_codes", decimal, whole=True))
    return out


# -- Morse ---------------------------------------------------------------------------------

_MORSE = {
    ".-": "a",
    "-...": "b",
    "-.-.": "c",
    "-..": "d",
    ".": "e",
    "..-.": "f",
    "--.": "g",
    "....": "h",
    "..": "i",
    ".---": "j",
    "-.-": "k",
    ".-..": "l",
    "--": "m",
    "-.": "n",
    "---": "o",
    ".--.": "p",
    "--.-": "q",
    ".-.": "r",
    "...": "s",
    "-": "t",
    "..-": "u",
    "...-": "v",
    ".--": "w",
    "-..-": "x",
    "-.--": "y",
    "--..": "z",
    ".----": "1",
    "..---": "2",
    "...--": "3",
    "....-": "4",
    ".....": "5",
    "-....": "6",
    "--...": "7",
    "---..": "8",
    "----.": "9",
    "-----": "0",
    ".-.-.-": ".",
    "--..--": ",",
    "..--..": "?",
}
_MORSE_CHARS = str.maketrans({"·": ".", "•": ".", "∙": ".", "−": "-", "–": "-", "—": "-", "_": "-"})
_MORSE_RUN = re.compile(r"(?:[.\-]{1,6}(?:[ \t]+|\s*[/|]\s*)){4,}[.\-]{1,6}")


def _decode_morse(text: str) -> str | None:
    if not any(ch in text for ch in ".-·•−–—_"):
        return None
    plain = text.translate(_MORSE_CHARS)

    def decode(run: str) -> str | None:
        words = re.split(r"\s*[/|]\s*|\s{3,}", run.strip())
        out_words: list[str] = []
        for word in words:
            letters = [_MORSE.get(code) for code in word.split()]
            if any(letter is None for letter in letters):
                return None
            out_words.append("".join(letters))  # type: ignore[arg-type]
        decoded = " ".join(w for w in out_words if w)
        return decoded if sum(ch.isalpha() for ch in decoded) >= 4 else None

    return _substitute(plain, _MORSE_RUN, decode)
