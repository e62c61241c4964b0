"""Where ingested documents live: one JSON file per document under `<index>/documents/`.

Each write goes to a temporary file that replaces the old one in one `os.replace`, so a changed
file swaps all of its provisions at once and an interrupted ingest leaves the previous state
readable. A document is keyed by its số hiệu: re-ingesting the same bytes with the same parser
changes nothing; a changed file, or the same số hiệu from another file, replaces it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from ingest.model import DocumentInfo, ParsedDocument, Provision
from ingest.vietnamese import fold

# Bump when parsing changes what a file yields: stored documents of an older version are re-parsed.
PARSER_VERSION = 1


@dataclass
class PutResult:
    doc: str
    action: str  # "added" | "replaced" | "unchanged"
    previous_path: str | None = None


def doc_key(doc: str) -> str:
    """A file-system-safe, stable name for a số hiệu ("152/2025/NĐ-CP" → "152-2025-nd-cp-<hash>")."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(doc)).strip("-")[:60] or "doc"
    return f"{slug}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:8]}"


def _to_json(parsed: ParsedDocument) -> dict:
    d = asdict(parsed)
    d["parser_version"] = PARSER_VERSION
    return d


def _from_json(d: dict) -> ParsedDocument:
    d = dict(d)
    d.pop("parser_version", None)
    d["info"] = DocumentInfo(**d["info"])
    d["provisions"] = [Provision(**p) for p in d["provisions"]]
    return ParsedDocument(**d)


class DocumentStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.dir = self.root / "documents"

    def _file(self, doc: str) -> Path:
        return self.dir / f"{doc_key(doc)}.json"

    def _write_atomic(self, path: Path, payload: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def stored_meta(self, doc: str) -> dict | None:
        """sha256, path and parser version of the stored copy, without loading provisions."""
        path = self._file(doc)
        if not path.exists():
            return None
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        return {"sha256": d["sha256"], "path": d["path"], "parser_version": d.get("parser_version"),
                "issuer": d["info"].get("issuer", "")}

    def is_current(self, doc: str, sha256: str) -> bool:
        meta = self.stored_meta(doc)
        return bool(meta and meta["sha256"] == sha256 and meta["parser_version"] == PARSER_VERSION)

    def put(self, parsed: ParsedDocument) -> PutResult:
        meta = self.stored_meta(parsed.info.doc)
        if meta and meta["sha256"] == parsed.sha256 and meta["parser_version"] == PARSER_VERSION:
            return PutResult(parsed.info.doc, "unchanged")
        self._write_atomic(self._file(parsed.info.doc), _to_json(parsed))
        if meta is None:
            return PutResult(parsed.info.doc, "added")
        return PutResult(parsed.info.doc, "replaced",
                         meta["path"] if meta["path"] != parsed.path else None)

    def get(self, doc: str) -> ParsedDocument | None:
        path = self._file(doc)
        if not path.exists():
            return None
        with open(path, encoding="utf-8") as fh:
            return _from_json(json.load(fh))

    def remove(self, doc: str) -> bool:
        path = self._file(doc)
        if path.exists():
            path.unlink()
            return True
        return False

    def __iter__(self) -> Iterator[ParsedDocument]:
        if not self.dir.exists():
            return
        for path in sorted(self.dir.glob("*.json")):
            if path.name.startswith(".tmp-"):
                continue  # left by an interrupted write; the previous file is intact
            with open(path, encoding="utf-8") as fh:
                yield _from_json(json.load(fh))

    def docs(self) -> list[str]:
        return [d.info.doc for d in self]

    def fingerprint(self) -> dict[str, str]:
        """số hiệu → sha256 + parser version, for indexes that must follow the stored provisions."""
        out = {}
        if not self.dir.exists():
            return out
        for path in sorted(self.dir.glob("*.json")):
            if path.name.startswith(".tmp-"):
                continue
            with open(path, encoding="utf-8") as fh:
                d = json.load(fh)
            out[d["info"]["doc"]] = f"{d['sha256']}:{d.get('parser_version')}"
        return out
