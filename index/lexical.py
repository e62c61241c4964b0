"""Vietnamese BM25 (bm25s) over the units: one index on syllables as written, one on the
folded syllables (no diacritics), and a tiny one over document names (title, issuer, aliases)
that tells which document a question is about ("Ở Bắc Ninh, …").

Persisted under ``<index>/bm25/``: the three bm25s indexes, the unit table and the
diacritic-restoration statistics. :class:`VietBM25Retriever` exposes them to llama-index.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from index.text import Restorer, _fold_word, fold_tokens, lex_tokens
from index.units import Unit

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75


def _bigrams(toks: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(toks, toks[1:])]


def analyze(text: str, bigrams: bool = True) -> tuple[list[str], list[str]]:
    """(syllable tokens, folded tokens) of a text, each with adjacent-syllable bigrams."""
    syl = lex_tokens(text)
    fol = [_fold_word(t) for t in syl]
    if bigrams:
        return syl + _bigrams(syl), fol + _bigrams(fol)
    return syl, fol


def _bm25(corpus_tokens: list[list[str]]):
    import bm25s

    model = bm25s.BM25(k1=K1, b=B, method="lucene")
    model.index([t if t else [""] for t in corpus_tokens], show_progress=False)
    return model


class LexicalIndex:
    """The BM25 side of the index, plus the unit table every scorer indexes into."""

    def __init__(self, units: list[Unit], syl, fol, docs, doc_ids: list[str], restorer: Restorer,
                 bigrams: bool = True, doc_meta: dict[str, dict] | None = None):
        self.units = units
        self.doc_meta = doc_meta or {}
        self.syl = syl
        self.fol = fol
        self.docs = docs
        self.doc_ids = doc_ids
        self.restorer = restorer
        self.bigrams = bigrams
        self.pos = {u.id: i for i, u in enumerate(units)}

    # -- build / persist -----------------------------------------------------------------------

    @classmethod
    def build(cls, units: list[Unit], doc_texts: dict[str, str], bigrams: bool = True,
              doc_meta: dict[str, dict] | None = None) -> "LexicalIndex":
        syl_c, fol_c = [], []
        for u in units:
            s, f = analyze(u.lex_text, bigrams)
            syl_c.append(s)
            fol_c.append(f)
        doc_ids = sorted(doc_texts)
        docs = _bm25([fold_tokens(doc_texts[d]) for d in doc_ids]) if doc_ids else None
        restorer = Restorer.from_texts(u.lex_text for u in units if u.depth == 0)
        return cls(units, _bm25(syl_c) if units else None, _bm25(fol_c) if units else None, docs,
                   doc_ids, restorer, bigrams, doc_meta)

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write atomically: a temporary sibling folder renamed over `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=path.parent))
        try:
            if self.syl is not None:
                self.syl.save(str(tmp / "syllables"), show_progress=False)
                self.fol.save(str(tmp / "folded"), show_progress=False)
            if self.docs is not None:
                self.docs.save(str(tmp / "documents"), show_progress=False)
            with open(tmp / "units.json", "w", encoding="utf-8") as fh:
                json.dump({"units": [u.to_dict() for u in self.units], "doc_ids": self.doc_ids,
                           "bigrams": self.bigrams, "doc_meta": self.doc_meta}, fh, ensure_ascii=False)
            with open(tmp / "restorer.json", "w", encoding="utf-8") as fh:
                json.dump(self.restorer.to_json(), fh, ensure_ascii=False)
            with open(tmp / "state.json", "w", encoding="utf-8") as fh:
                json.dump(extra or {}, fh, ensure_ascii=False, indent=1)
            old = None
            if path.exists():
                old = Path(tempfile.mkdtemp(prefix=".bm25-old-", dir=path.parent))
                os.rename(path, old / "x")
            os.rename(tmp, path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def read_state(path: Path) -> dict | None:
        try:
            with open(Path(path) / "state.json", encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex":
        import bm25s

        path = Path(path)
        with open(path / "units.json", encoding="utf-8") as fh:
            d = json.load(fh)
        units = [Unit(**u) for u in d["units"]]
        with open(path / "restorer.json", encoding="utf-8") as fh:
            restorer = Restorer.from_json(json.load(fh))

        def ld(name):
            p = path / name
            return bm25s.BM25.load(str(p), show_progress=False, verbosity=0) if p.exists() else None

        return cls(units, ld("syllables"), ld("folded"), ld("documents"), d["doc_ids"], restorer,
                   d.get("bigrams", True), d.get("doc_meta") or {})

    # -- scoring -------------------------------------------------------------------------------

    @staticmethod
    def _scores(model, toks: list[str], n: int) -> np.ndarray:
        if model is None or not toks:
            return np.zeros(n, dtype=np.float32)
        ids = model.get_tokens_ids(list(dict.fromkeys(toks)))
        if not ids:
            return np.zeros(n, dtype=np.float32)
        return model.get_scores_from_ids(ids)

    def score_syllables(self, text: str) -> np.ndarray:
        toks = lex_tokens(text)
        if self.bigrams:
            toks = toks + _bigrams(toks)
        return self._scores(self.syl, toks, len(self.units))

    def score_folded(self, text: str) -> np.ndarray:
        toks = fold_tokens(text)
        if self.bigrams:
            toks = toks + _bigrams(toks)
        return self._scores(self.fol, toks, len(self.units))

    def score_documents(self, text: str) -> dict[str, float]:
        if self.docs is None:
            return {}
        s = self._scores(self.docs, fold_tokens(text), len(self.doc_ids))
        return {d: float(x) for d, x in zip(self.doc_ids, s) if x > 0}


# ---------------------------------------------------------------------------------------------
# llama-index retriever

try:
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
except ImportError:  # pragma: no cover
    BaseRetriever = object  # type: ignore[assignment,misc]


def unit_node(u: Unit) -> "TextNode":
    """A llama-index TextNode standing for a unit (its id is the provision id)."""
    return TextNode(id_=u.id, text=u.snippet, metadata={
        "doc": u.doc, "kind": u.kind, "unit": u.id, "group": u.group, "label": u.label,
    })


class VietBM25Retriever(BaseRetriever):  # type: ignore[misc]
    """BM25 over Vietnamese syllables (``folded=False``) or folded syllables (``folded=True``).

    llama-index's own BM25Retriever stems English and drops one-letter tokens; this one keeps
    every syllable. The query bundle's ``custom_embedding_strs`` may carry extra text to score
    (abbreviation expansions); ``allowed`` restricts to a set of unit indexes.
    """

    def __init__(self, lexical: LexicalIndex, folded: bool = False, top_k: int = 100,
                 allowed: np.ndarray | None = None):
        super().__init__()
        self.lexical = lexical
        self.folded = folded
        self.top_k = top_k
        self.allowed = allowed

    def scores(self, text: str) -> np.ndarray:
        s = self.lexical.score_folded(text) if self.folded else self.lexical.score_syllables(text)
        if self.allowed is not None:
            s = np.where(self.allowed, s, 0.0)
        return s

    def _retrieve(self, query_bundle: "QueryBundle") -> list["NodeWithScore"]:
        text = query_bundle.query_str
        if query_bundle.custom_embedding_strs:
            text = " ".join([text, *query_bundle.custom_embedding_strs])
        s = self.scores(text)
        k = min(self.top_k, int((s > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top])]
        return [NodeWithScore(node=unit_node(self.lexical.units[i]), score=float(s[i])) for i in top]
