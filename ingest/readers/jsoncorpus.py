"""Legal corpora in the JSON shape Vietnamese benchmarks use (ALQAC):
`[{"id": LAW_ID, "articles": [{"id": "1", "text": "Title\\n\\nBody…"}]}]`.

Each law becomes a ParsedDocument whose articles are the JSON's, numbered by their ids (the
benchmark's gold refers to those ids, so they are trusted as given); clauses and points inside
each article are found by the same structure parser as every other document.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterator

from ingest.model import DocumentInfo, IngestError, Paragraph, ParsedDocument
from ingest.header import type_from_number
from ingest.structure import build_provisions, parse_legal
from ingest.vietnamese import normalize, repair_glued


def is_legal_corpus(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip()
    return head.startswith(b"[") and b'"articles"' in head


def read_json_corpus(path: str | Path) -> Iterator[ParsedDocument]:
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(f"{path.name}: empty file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path.name}: not valid UTF-8 JSON ({exc})") from None
    if not isinstance(data, list):
        raise IngestError(f"{path.name}: expected a list of laws [{{'id', 'articles'}}], got {type(data).__name__}")
    for k, law in enumerate(data):
        if not isinstance(law, dict) or "id" not in law or not isinstance(law.get("articles"), list):
            raise IngestError(f"{path.name}: law #{k} lacks 'id' or 'articles'")
        law_id = str(law["id"]).strip()
        paragraphs: list[Paragraph] = []
        for a, art in enumerate(law["articles"]):
            if not isinstance(art, dict) or "id" not in art or "text" not in art:
                raise IngestError(f"{path.name}: law {law_id} article #{a} lacks 'id' or 'text'")
            lines = [normalize(x).strip() for x in str(art["text"]).split("\n")]
            lines = [x for x in lines if x]
            title = lines[0] if lines else ""
            paragraphs.append(Paragraph(f"Điều {art['id']}. {title}"))
            paragraphs.extend(Paragraph(x) for x in lines[1:])
        texts = [p.text for p in paragraphs]
        pos = 0
        for p in paragraphs:
            p.start, p.end = pos, pos + len(p.text)
            pos = p.end + 1
        structure = parse_legal(texts, 0, f"{path.name}:{law_id}", trust_numbering=True)
        doc_type = type_from_number(law_id) or "Luật"
        provisions = build_provisions(structure, paragraphs, law_id, doc_type, "")
        for prov in provisions:
            prov.index_text = repair_glued(prov.text)
        digest = hashlib.sha256(json.dumps(law, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        yield ParsedDocument(
            info=DocumentInfo(doc=law_id, type=doc_type, title="", issuer=""),
            path=f"{path}#{law_id}", fmt="json", sha256=digest, text="\n".join(texts),
            provisions=provisions, articles=structure.articles, warnings=structure.warnings,
        )
