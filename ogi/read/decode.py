"""Bytes to text: BOM, HTTP header, <meta charset>, then detection. Never raises on bad bytes."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes


class UnreadableDocument(Exception):
    """The bytes are not a text document we can read; the message says why."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    declared: str | None
    mismatch: bool  # the declared charset was wrong and another one was used


_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# GB2312 and GBK pages routinely use characters only GB18030 names; it is a superset of both.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}


# The charsets a page can declare (the WHATWG Encoding Standard's, as Python names them). Any
# other codec name (base64, rot13, zlib, punycode, undefined, …) is not a charset: ignored.
_SINGLE_BYTE = frozenset(codecs.lookup(n).name for n in (
    "latin-1", *(f"iso8859-{i}" for i in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
    *(f"cp{i}" for i in (866, 874, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258)),
    "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic"))
_CHARSETS = _SINGLE_BYTE | frozenset(codecs.lookup(n).name for n in (
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "big5", "big5hkscs", "euc-jp", "iso2022-jp",
    "shift-jis", "cp932", "euc-kr", "cp949"))


def _codec(name: str | None) -> str | None:
    """The Python codec of a declared charset, or None when it names no charset we accept."""
    if not name:
        return None
    name = _ALIASES.get(name.lower(), name.lower())
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec in _CHARSETS else None


def charset_from_content_type(content_type: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([\w\-]+)", content_type or "", re.IGNORECASE)
    return m.group(1) if m else None


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.05


def decode(data: bytes, header_charset: str | None = None) -> Decoded:
    """Decode with the first charset that is declared and works, else the detected one."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(name, errors="replace"), name, name, False)
    if _looks_binary(data):
        raise UnreadableDocument("binary data, not a text or HTML document")
    meta = _META.search(data[:4096])
    declared = _codec(header_charset) or _codec(meta.group(1).decode("ascii") if meta else None)
    candidates = [declared] if declared else []
    if declared in _SINGLE_BYTE and not data.isascii():
        candidates.insert(0, "utf-8")  # any byte string "decodes" as a single-byte charset: valid UTF-8 wins
    candidates += [c for c in ("utf-8", "gb18030") if c not in candidates]
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeError:
            continue
        if name == "gb18030" and declared != "gb18030" and not _mostly_cjk_or_ascii(text):
            break  # a lucky GB18030 decode of something else: ask the detector
        return Decoded(text, name, declared, bool(declared) and name != declared)
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise UnreadableDocument("undecodable bytes: no character encoding fits")
    name = _codec(best.encoding) or best.encoding
    text = data.decode(name, errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise UnreadableDocument(f"undecodable bytes: best guess {name} leaves too many invalid characters")
    return Decoded(text, name, declared, bool(declared) and name != declared)


def _mostly_cjk_or_ascii(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    good = sum(1 for ch in sample if ch < "\u0080" or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return good >= len(sample) * 0.95
