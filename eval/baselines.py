"""Reference retrievers the hybrid system is measured against. Untuned by design.

Both rank *whole articles* (a plan's top-level sections, appendices and preambles are whole
units too) and expose the same ``search(question, k=10, as_of=None, docs=None)`` as
``index.search.Searcher``; hits are dicts with ``doc, part, article, clause, point, section,
kind, id, label, score`` (``clause``/``point`` always None: these systems return articles).

- :class:`BM25Baseline` — plain BM25 (``bm25s``, Lucene variant, k1 1.2, b 0.75) over
  lower-cased syllables (:func:`ingest.vietnamese.tokens`: runs of letters/digits, diacritics
  kept), the law's name prepended to each article; no stop words, no stemming, no tuning.
  On ALQAC 2022 the reference for this recipe is R@1 0.831, R@5 0.938, R@10 0.960, MRR 0.880.
- :class:`IndexDenseBaseline` — multilingual-e5-small alone over the vectors the hybrid index
  already holds (no second embedding pass over the corpus): an article scores the max cosine of
  its chunks and its clauses' chunks.

Units come from an ingested :class:`ingest.store.DocumentStore` (:func:`store_units`, what the
bench uses, so every system sees the same ingested text) or straight from an ALQAC ``law.json``
(:func:`law_json_units`, the reference recipe on the raw file).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.vietnamese import nfc, tokens

# The ALQAC law ids carry no names; the names as the README of the data set gives them.
LAW_NAMES = {
    "91/2015/QH13": "Bộ luật Dân sự",
    "24/2018/QH14": "Luật An ninh mạng",
    "45/2019/QH14": "Bộ luật Lao động",
    "01/VBHN-VPQH": "Bộ luật Hình sự",
}


@dataclass
class ArticleUnit:
    """One whole unit a baseline ranks: an article, a plan's top-level section, an appendix…"""

    doc: str
    text: str  # law name + the unit's full text: what is indexed
    article: int | str | None = None
    section: str | None = None
    part: str | None = None
    kind: str = "article"
    id: str = ""
    label: str = ""

    def hit(self, score: float) -> dict[str, Any]:
        return {"doc": self.doc, "part": self.part, "article": self.article, "clause": None, "point": None,
                "section": self.section, "kind": self.kind, "id": self.id, "label": self.label,
                "score": float(score)}


def _article_number(a: str | None) -> int | str | None:
    if a is None:
        return None
    return int(a) if str(a).isdigit() else a


def law_name(doc: str, doc_type: str = "", title: str = "") -> str:
    """The name prepended to a document's units: ALQAC's names, else "<type> <title>"."""
    if doc in LAW_NAMES:
        return LAW_NAMES[doc]
    return " ".join(x for x in (doc_type, title) if x).strip() or doc


def store_units(store: Any) -> list[ArticleUnit]:
    """Whole units of every document in a DocumentStore (or its folder): articles (of the body and
    of attached texts), top-level plan sections, appendices and preambles."""
    if isinstance(store, (str, Path)):
        from ingest.store import DocumentStore

        store = DocumentStore(store)
    out: list[ArticleUnit] = []
    for parsed in store:
        name = law_name(parsed.info.doc, parsed.info.type, parsed.info.title)
        for p in parsed.provisions:
            whole = (p.kind == "article" or (p.kind == "section" and p.section and "." not in p.section)
                     or p.kind in ("appendix", "preamble"))
            if not whole:
                continue
            body = p.index_text or p.text
            out.append(ArticleUnit(doc=p.doc, text=f"{name}\n{body}", article=_article_number(p.article),
                                   section=p.section, part=p.part, kind=p.kind, id=p.id, label=p.label))
    return out


def law_json_units(path: str | Path) -> list[ArticleUnit]:
    """Articles of an ALQAC law.json, text as given (the reference recipe, no ingest)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = []
    for law in data:
        name = law_name(str(law["id"]))
        for art in law["articles"]:
            out.append(ArticleUnit(doc=str(law["id"]), text=f"{name}\n{nfc(art['text'])}",
                                   article=_article_number(str(art["id"])), id=f"{law['id']}#d{art['id']}",
                                   label=f"Điều {art['id']} {law['id']}"))
    return out


def _filter(units: Sequence[ArticleUnit], docs: Iterable[str] | None) -> list[int] | None:
    if not docs:
        return None
    wanted = {d.casefold() for d in docs}
    return [i for i, u in enumerate(units) if u.doc.casefold() in wanted]


def _top(scores: Any, units: Sequence[ArticleUnit], k: int, docs: Iterable[str] | None) -> list[dict]:
    import numpy as np

    idx = _filter(units, docs)
    if idx is not None:
        mask = np.full(len(units), -np.inf, dtype=np.float64)
        mask[idx] = 0.0
        scores = scores + mask
    order = np.argsort(-scores, kind="stable")[:k]
    return [units[i].hit(scores[i]) for i in order if np.isfinite(scores[i])]


class BM25Baseline:
    """Plain BM25 over whole articles (see the module docstring)."""

    name = "bm25"
    granularity = "article"

    def __init__(self, units: Sequence[ArticleUnit], k1: float = 1.2, b: float = 0.75):
        import bm25s

        started = time.perf_counter()
        self.units = list(units)
        self.retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.retriever.index([tokens(u.text) for u in self.units], show_progress=False)
        self.build_seconds = time.perf_counter() - started

    def scores(self, question: str):
        return self.retriever.get_scores(tokens(question))

    def search(self, question: str, k: int = 10, as_of: Any = None, docs: Iterable[str] | None = None) -> list[dict]:
        return _top(self.scores(question), self.units, k, docs)


class IndexDenseBaseline:
    """e5 alone over the hybrid index's own vectors: the question as typed (NFC, no abbreviation
    expansion, no diacritic restoration) is embedded and matched against the chunks in chroma; a
    whole unit (article, top-level plan section, appendix, preamble) scores the max cosine of its
    chunks and of its clauses' chunks. Nothing is embedded again, so the bench measures dense
    retrieval without paying for a second pass over the corpus."""

    name = "dense"
    granularity = "article"

    def __init__(self, searcher: Any, units: Sequence[ArticleUnit]):
        import numpy as np

        started = time.perf_counter()
        self.searcher = searcher
        self.units = list(units)
        groups = {g: i for i, g in enumerate(searcher.struct.group_ids)} if searcher.struct else {}
        # whole unit -> its group in the searcher's structure (the article's id is its group's)
        self._group_of_unit = np.array([groups.get(u.id, -1) for u in self.units], dtype=np.int64)
        self.build_seconds = time.perf_counter() - started

    def scores(self, question: str, as_of: Any = None, docs: Iterable[str] | None = None):
        import numpy as np

        s = self.searcher
        plan = s.plan(question, as_of, docs)
        qvec = s.embedder.embed_query(nfc(question))
        per_unit = s.dense_scores(plan, qvec)
        per_group = np.full(s.struct.n_groups, -np.inf)
        ok = np.isfinite(per_unit)
        np.maximum.at(per_group, s.struct.group_of[ok], per_unit[ok])
        g = self._group_of_unit
        return np.where(g >= 0, per_group[np.maximum(g, 0)], -np.inf)

    def search(self, question: str, k: int = 10, as_of: Any = None, docs: Iterable[str] | None = None) -> list[dict]:
        return _top(self.scores(question, as_of, docs), self.units, k, docs)


