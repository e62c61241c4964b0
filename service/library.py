"""What the service knows: the stored documents joined with the catalog's facts.

Shared by the CLI and the HTTP API so both list documents and resolve references the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from corpus.catalog import Catalog, to_json
from corpus.refs import Ref, parse_ref
from ingest.model import ParsedDocument, Provision
from ingest.store import DocumentStore


def provision_id(doc: str, ref: Ref) -> str:
    if ref.section:
        return f"{doc}#s:{ref.section}"
    path = f"d{ref.article}" + (f".k{ref.clause}" if ref.clause else "") + (f".{ref.point}" if ref.point else "")
    return f"{doc}#{ref.part + '/' if ref.part else ''}{path}"


class UnknownReference(LookupError):
    """The reference could not be resolved; the message says which part failed."""


@dataclass
class Library:
    index: Path
    _status_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def store(self) -> DocumentStore:
        return DocumentStore(self.index)

    @cached_property
    def catalog(self) -> Catalog:
        extra = [self.index / "catalog.yaml"] if (self.index / "catalog.yaml").exists() else []
        return Catalog.load(extra)

    @cached_property
    def documents(self) -> dict[str, ParsedDocument]:
        return {d.info.doc: d for d in self.store}

    def held(self) -> set[str]:
        return set(self.documents)

    def status(self, doc: str, as_of: date):
        """The catalog's Status of a document on a date (None if the catalog lacks it), computed
        once per (document, day): an answer asks it several times per citation, and it only
        changes with the documents held, i.e. with a new Library."""
        key = (doc, as_of)
        cache = self._status_cache
        if key not in cache:
            if len(cache) >= 4096:  # many different days asked: start over rather than grow
                cache.clear()
            cache[key] = self.catalog.status(doc, as_of, held=self.held()) if self.catalog.get(doc) else None
        return cache[key]

    def status_text(self, doc: str, as_of: date) -> str:
        st = self.status(doc, as_of)
        return st.text if st else "không rõ hiệu lực (văn bản chưa có trong danh mục)"

    def document_list(self, as_of: date) -> list[dict]:
        """One object per document known to the catalog, then held documents the catalog lacks."""
        out = []
        held = self.documents
        seen = set()
        for entry in self.catalog.entries:
            parsed = held.get(entry.doc)
            counts = None
            if parsed:
                counts = {"articles": parsed.articles if parsed.sections is None else None,
                          "attached_articles": parsed.attached_articles, "sections": parsed.sections}
            out.append(to_json(entry, as_of, held=parsed is not None, counts=counts, catalog=self.catalog))
            seen.add(entry.doc)
        for doc, parsed in sorted(held.items()):
            if doc in seen:
                continue
            out.append({
                "doc": doc, "type": parsed.info.type, "title": parsed.info.title, "issuer": parsed.info.issuer,
                "issued": parsed.info.issued, "effective": None, "expires": None,
                "status": "không rõ hiệu lực (văn bản chưa có trong danh mục)", "held": True,
                "articles": parsed.articles if parsed.sections is None else None,
                "attached_articles": parsed.attached_articles, "sections": parsed.sections,
                "replaced_by": [], "amended_by": [],
            })
        return out

    def resolve(self, text: str) -> Provision:
        ref = parse_ref(text, self.catalog)
        if ref is None or ref.doc is None:
            # A held document the catalog does not know: match its số hiệu literally.
            raise UnknownReference(f"'{text}': no document reference recognised")
        doc = ref.doc
        if doc not in self.documents:
            entry = self.catalog.get(doc)
            if entry is not None:
                raise UnknownReference(f"'{text}': {entry.doc} is known but its text is not in the corpus")
            raise UnknownReference(f"'{text}': unknown document {doc}")
        parsed = self.documents[doc]
        if not (ref.article or ref.section):
            raise UnknownReference(f"'{text}': names {doc} but no Điều or mục")
        if ref.article and ref.part is None and parsed.attached_articles and not any(
                p.article == ref.article and p.part is None for p in parsed.provisions):
            # "Điều 7 QĐ 86/2025" when the Quyết định has 3 articles: the attached text is meant.
            ref = Ref(**{**ref.__dict__, "part": next(p.part for p in parsed.provisions if p.part)})
        pid = provision_id(doc, ref)
        for p in parsed.provisions:
            if p.id == pid:
                return p
        raise UnknownReference(f"'{text}': {doc} has no {pid.split('#', 1)[1]}")

    def provision(self, pid: str) -> Provision | None:
        return self._provisions_by_id.get(pid)

    @cached_property
    def _provisions_by_id(self) -> dict[str, Provision]:
        """Provision id → the first provision with that id in its document (an answer looks up
        ~30 by id; scanning a document's list each time cost more than the rest of the lookup)."""
        out: dict[str, Provision] = {}
        for doc, parsed in self.documents.items():
            for p in parsed.provisions:
                if p.id.split("#", 1)[0] == doc:
                    out.setdefault(p.id, p)
        return out
