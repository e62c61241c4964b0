"""Decoding text files, and recognising Vietnamese typed in a legacy font encoding.

Before Unicode, Vietnamese documents were typed with TCVN3 (ABC, ".VnTime" fonts) or VNI fonts:
the bytes are Latin-1/CP1252 characters that only look right in those fonts
("Céng hoµ x· héi chñ nghÜa ViÖt Nam"). Indexing such text would silently poison retrieval,
so it is reported by name instead.
"""
from __future__ import annotations

import codecs
import re

from ingest.model import IngestError

# Characters that are frequent in TCVN3/VNI-encoded Vietnamese and (almost) never occur in
# Unicode Vietnamese text.
_LEGACY_MARKERS = set("µ¶·¸¹»¼½¾¿ÆÇÈÉËÌÎÏÑÒÓÖØÙÚÛÜÞßåæçëìîïñòóöøùûüþÿ¤¥¦§¨©ª«¬®¯°±²³´")
_VIETNAMESE_ONLY = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")


def looks_like_legacy_encoding(text: str) -> bool:
    sample = text[:20000]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < 50:
        return False
    markers = sum(ch in _LEGACY_MARKERS for ch in sample)
    vietnamese = len(_VIETNAMESE_ONLY.findall(sample))
    return markers > 0.02 * letters and vietnamese < markers / 4


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """Decode bytes of a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else CP1258."""
    warnings: list[str] = []
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text = raw.decode("cp1258")
            except UnicodeDecodeError:
                raise IngestError(f"{name}: not UTF-8 text (invalid byte at offset {exc.start})") from None
            warnings.append(f"{name}: not UTF-8; decoded as Windows-1258 (Vietnamese)")
    if "\x00" in text:
        raise IngestError(f"{name}: binary data in a text file")
    check_not_legacy(text, name)
    return text, warnings


def check_not_legacy(text: str, name: str) -> None:
    if looks_like_legacy_encoding(text):
        raise IngestError(f"{name}: Vietnamese typed in a legacy font encoding (TCVN3/VNI); "
                          f"convert it to Unicode before ingesting")
