"""File → ParsedDocument: read, normalise, header, structure, provisions.

This is the one place that knows the order of the steps; readers, the header parser and the
structure parser each do one thing.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.header import parse_header
from ingest.model import Extracted, IngestError, ParsedDocument, Paragraph
from ingest.readers import read
from ingest.structure import build_provisions, detect_mode, parse_legal, parse_plan
from ingest.vietnamese import normalize, repair_glued


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def normalize_extracted(extracted: Extracted) -> None:
    """NFC, canonical tone marks, odd spaces; drop paragraphs that became empty."""
    kept: list[Paragraph] = []
    for p in extracted.paragraphs:
        p.text = normalize(p.text).strip()
        if p.text:
            kept.append(p)
    extracted.paragraphs = kept
    extracted.assign_offsets()


def parse_extracted(extracted: Extracted, sha256: str, fallback_name: str) -> ParsedDocument:
    normalize_extracted(extracted)
    paragraphs = extracted.paragraphs
    header = parse_header(paragraphs, fallback_name)
    info = header.info
    warnings = list(extracted.warnings)
    if info.doc == fallback_name:
        warnings.append(f"{fallback_name}: no 'Số:' line found; the document is keyed by its file name")
    texts = [p.text for p in paragraphs]
    mode = detect_mode(texts, header.body_start)
    if mode == "legal":
        structure = parse_legal(texts, header.body_start, fallback_name)
    else:
        structure = parse_plan(texts, header.body_start, fallback_name)
    if texts != [p.text for p in paragraphs]:
        # The structure parser mended headings (footnote digits glued to article numbers).
        for p, t in zip(paragraphs, texts):
            p.text = t
        extracted.assign_offsets()
    warnings += structure.warnings
    provisions = build_provisions(structure, paragraphs, info.doc, info.type, info.title)
    if not provisions:
        raise IngestError(f"{fallback_name}: no provisions found (neither Điều nor plan sections)")
    for prov in provisions:
        prov.index_text = repair_glued(prov.text)
    return ParsedDocument(
        info=info, path=extracted.path, fmt=extracted.fmt, sha256=sha256, text=extracted.text,
        provisions=provisions, articles=structure.articles if mode == "legal" else 0,
        attached_articles=structure.attached_articles,
        sections=structure.sections if mode == "plan" else None,
        warnings=warnings,
    )


def parse_file(path: str | Path) -> ParsedDocument:
    path = Path(path)
    extracted = read(path)
    return parse_extracted(extracted, sha256_file(path), path.name)
