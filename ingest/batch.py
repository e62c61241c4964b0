"""Ingest a batch of files and folders: each file is parsed and stored on its own, so one bad
file is reported by name and the rest of the batch goes on."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ingest.model import IngestError, ParsedDocument
from ingest.pipeline import parse_file
from ingest.readers import supported
from ingest.readers.jsoncorpus import is_legal_corpus, read_json_corpus
from ingest.store import DocumentStore
from ingest.vietnamese import fold


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    provisions: int = 0
    warnings: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    skipped: list[str] = field(default_factory=list)  # files of unsupported types inside folders
    files: int = 0
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.replaced) + len(self.unchanged)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)

    def to_dict(self) -> dict:
        return {
            "documents": self.documents, "added": self.added, "replaced": self.replaced,
            "unchanged": self.unchanged, "provisions": self.provisions, "warnings": self.warnings,
            "failures": [{"file": f, "reason": r} for f, r in self.failures], "skipped": self.skipped,
            "files": self.files, "seconds": round(self.seconds, 2),
            "documents_per_second": round(self.documents / self.seconds, 2) if self.seconds else None,
        }


def collect_files(paths: Iterable[str | Path], report: IngestReport) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(path).parts):
                    continue
                if supported(f):
                    files.append(f)
                else:
                    report.skipped.append(str(f))
        elif path.exists():
            files.append(path)
        else:
            report.failures.append((str(path), "no such file or folder"))
    return files


def _same_issuer(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", fold(a)) == re.sub(r"\W+", "", fold(b))


def keep_apart_from_namesake(parsed: ParsedDocument, store: DocumentStore, report: IngestReport) -> ParsedDocument:
    """Local số hiệu are not unique across the country (two provinces both issue a
    "82/2025/QĐ-UBND"). A document whose số hiệu is already stored from another file of another
    issuer is a different document: it is kept apart under "số hiệu (issuer)" instead of
    replacing the first one."""
    meta = store.stored_meta(parsed.info.doc)
    if (meta is None or meta["path"] == parsed.path or not parsed.info.issuer or not meta["issuer"]
            or _same_issuer(meta["issuer"], parsed.info.issuer)):
        return parsed
    old, new = parsed.info.doc, f"{parsed.info.doc} ({parsed.info.issuer})"
    parsed.info.doc = new
    for p in parsed.provisions:
        p.doc = new
        p.id = new + p.id[len(old):]
        p.parent = new + p.parent[len(old):] if p.parent else None
        p.label = p.label.replace(f"số {old}", f"số {new}")
    report.warnings.append(f"{Path(parsed.path).name}: số hiệu {old} is already held from "
                           f"{Path(meta['path']).name} of another issuer; kept apart as '{new}'")
    return parsed


def ingest_paths(paths: Iterable[str | Path], store: DocumentStore,
                 progress: Callable[[Path], None] | None = None) -> IngestReport:
    report = IngestReport()
    started = time.perf_counter()
    files = collect_files(paths, report)
    report.files = len(files)
    for path in files:
        if progress:
            progress(path)
        try:
            if path.suffix.lower() == ".json":
                if not is_legal_corpus(path):
                    raise IngestError(f"{path.name}: JSON but not a legal corpus "
                                      f"([{{'id': law, 'articles': [{{'id', 'text'}}]}}])")
                parsed_docs = list(read_json_corpus(path))
            else:
                parsed_docs = [parse_file(path)]
        except IngestError as exc:
            report.failures.append((path.name, str(exc).removeprefix(f"{path.name}: ")))
            continue
        except Exception as exc:  # a parser bug must not lose the rest of the batch
            report.failures.append((path.name, f"internal error: {exc.__class__.__name__}: {exc}"))
            continue
        for parsed in parsed_docs:
            parsed = keep_apart_from_namesake(parsed, store, report)
            result = store.put(parsed)
            getattr(report, result.action).append(parsed.info.doc)
            if result.previous_path:
                report.warnings.append(f"{path.name}: {parsed.info.doc} replaces the text ingested from "
                                       f"{Path(result.previous_path).name}")
            report.provisions += len(parsed.provisions)
            if result.action != "unchanged":  # its warnings were reported when it was ingested
                report.warnings.extend(w if w.startswith(path.name) else f"{path.name}: {w}"
                                       for w in parsed.warnings)
    report.seconds = time.perf_counter() - started
    return report
