"""Hybrid retrieval over the stored provisions: the governing clause first, with or without
diacritics.

    from index.search import Searcher, sync_index
    sync_index(index_dir)                      # bring chroma + BM25 in line with the store
    s = Searcher(index_dir)                    # models and indexes stay warm in the object
    hits = s.search("tieu chuan cstdcs", k=10, as_of=date(2023, 6, 1), docs=None)
    hits[0].doc, hits[0].article, hits[0].clause, hits[0].label

How a question is answered (``Searcher.search``):

1. Reference: ``corpus.refs.parse_ref`` — "khoản 2 Điều 24 NĐ 152/2025", "dieu 7 luat tdkt
   2022", "mục II.2 KH 157" — puts exactly that provision first. Documents the question names
   (``find_doc_mentions``), "luật cũ" / "luật mới", and words of a document's title or issuer
   ("Bắc Ninh", "ngành Ngoại giao") lift that document.
2. Text: NFC, one tone-mark style, abbreviations expanded (CSTĐCS → chiến sĩ thi đua cơ sở).
   A question typed without diacritics gets its tone marks restored from the corpus's own
   syllable bigrams; the dense model and the syllable BM25 read the restored text, the folded
   BM25 the typed one, and the fusion leans on the folded BM25.
3. Three retrievers (llama-index ``BaseRetriever``s): e5 vectors in chroma
   (``VectorIndexRetriever`` over ``ChromaVectorStore``), BM25 on syllables and BM25 on folded
   syllables (:class:`index.lexical.VietBM25Retriever`), fused by :class:`FusionRetriever`
   (weighted reciprocal rank over articles and their clauses, :mod:`index.fusion`).
4. Validity: a document not in force on ``as_of`` (default today) is down-weighted, never
   hidden, and not at all when the question names it. A law named without its number ("theo
   Luật Thi đua, khen thưởng lúc đó", of 2022) is the held text in force that day which the named
   one replaced (VBHN 16). ``docs=[...]`` restricts the search.
5. Each hit is the most specific unit that matches (a clause, a point, a plan sub-section),
   one or two per article; ``Hit.article`` is an int (or "58a"), ``Hit.clause`` an int.
6. Companions in the first five articles (``Hit.why`` says which): an old/new comparison sets
   the best new provision beside its old twin ("counterpart"); the provision of another text
   that the best hit cites ("theo quy định tại điểm a khoản 1 Điều 38 của Luật"), or else one
   that cites one of the first three articles, takes the fifth place ("cited"); and when the
   first five all come from one text, the best hit of the text that details it (catalog
   ``guides``: the Luật and its Nghị định) takes it. Not when the question names a text, a
   place, the old law or a provision.
7. A plan section whose title the question spells out ("Thời gian thực hiện", "Hình thức khen
   thưởng"), in a text the question names or else of the three best hits, takes the second place
   when the first five lack it ("title").
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from index.fusion import FusionParams, Structure, pick_units, rank_groups
from index.lexical import LexicalIndex, VietBM25Retriever, unit_node
from index.text import (ABBREVIATION_PAIRS, ABBREVIATIONS, expand_abbreviations, fold_tokens, has_diacritics,
                        paraphrases)
from index.units import (UNITS_VERSION, Unit, build_chunks, build_units, doc_context, doc_lex_text, doc_meta,
                         synthesize)
from ingest.vietnamese import fold
from index.text import fast_normalize as normalize

log = logging.getLogger(__name__)

try:  # llama-index: never let it reach for OpenAI (it prints a notice on stdout: keep it off)
    import contextlib
    import io

    from llama_index.core import Settings as _LlamaSettings

    with contextlib.redirect_stdout(io.StringIO()):
        _LlamaSettings.llm = None
except Exception:  # pragma: no cover
    pass

BM25_DIR = "bm25"
EMBED_CACHE_DIR = "embeddings"
_UNSET: Any = object()

# Tuned on the dev split of eval/questions/tdkt.jsonl (see index/quickcheck.py).
DEFAULT_PARAMS = FusionParams()
DENSE_TOP = 120  # chunks asked of chroma per question


def place_codes(place: str, issuer: str = "") -> list[str]:
    """The initials officers type for a province or a ministry: "Quảng Nam" → QN, "Đắk Lắk" → DL
    (folded), "Ngoại giao" of "Bộ Ngoại giao" → BNG. Codes that are also abbreviations of the
    domain ("CT" = chủ tịch, not Cần Thơ; "TT", "KH", …) are left out: they would misfire."""
    words = [w for w in fold(place).split() if w]
    if len(words) < 2:
        return []
    code = "".join(w[0] for w in words).upper()
    codes = [code]
    if fold(issuer).lower().startswith("bo ") and fold(place).lower() in fold(issuer).lower():
        codes = ["B" + code]  # a ministry goes by "BNG", never by "NG"
    taken = set(ABBREVIATIONS) | {a for a, _ in ABBREVIATION_PAIRS}  # not SHORTHAND: codes are upper case
    return [c for c in codes if c.lower() not in taken]


def _settings_get(name: str) -> str | None:
    try:
        from service import settings

        return settings.get(name)
    except Exception:  # pragma: no cover - service is part of this repository
        v = os.environ.get(name)
        return v or None


def _today() -> date:
    try:
        from service import settings

        return settings.today()
    except Exception:  # pragma: no cover
        return date.today()


def _load_catalog(index_dir: Path):
    from corpus.catalog import Catalog

    extra = [index_dir / "catalog.yaml"] if (index_dir / "catalog.yaml").exists() else []
    return Catalog.load(extra)


def _as_date(d: Any) -> date | None:
    if d is None or d == "":
        return None
    if isinstance(d, date):
        return d
    return date.fromisoformat(str(d)[:10])


# ---------------------------------------------------------------------------------------------
# hits


@dataclass
class Hit:
    """One retrieved provision. ``article`` is an int ("58a" stays a string), ``clause`` an int."""

    doc: str
    article: int | str | None
    clause: int | None
    point: str | None
    section: str | None
    part: str | None
    label: str
    score: float
    id: str
    kind: str
    status: str | None = None  # validity of the document on the search date
    in_force: bool | None = None  # None: the catalog does not know the document
    snippet: str = ""
    why: str = ""  # "reference": the question named it; "counterpart": the old twin of a new provision
    # in a comparison; "cited": the provision of another text that the best hit cites
    dense: float | None = None  # cosine of the question to the provision's best chunk (None: not among the dense candidates)

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        d = asdict(self)
        if not full:
            for k in ("status", "in_force", "snippet", "why", "dense"):
                d.pop(k, None)
        return d

    # dict-style access, so code written for dict hits works too
    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


def _hit(u: Unit, score: float, status=None, why: str = "", dense: float | None = None) -> Hit:
    art: int | str | None = None
    if u.article is not None:
        art = int(u.article) if u.article.isdigit() else u.article
    clause = int(u.clause) if u.clause and u.clause.isdigit() else (u.clause or None)
    return Hit(doc=u.doc, article=art, clause=clause, point=u.point, section=u.section, part=u.part,
               label=u.label, score=round(float(score), 6), id=u.id, kind=u.kind,
               status=status.text if status is not None else None,
               in_force=status.in_force if status is not None else None,
               snippet=u.snippet, why=why,
               dense=round(float(dense), 6) if dense is not None and np.isfinite(dense) else None)


# ---------------------------------------------------------------------------------------------
# query analysis

# "luật cũ", also "luật thi đua khen thưởng cũ", "luật TĐKT trước đây" (abbreviations expanded)
_SUBJECT = r"(?:[ ,]+(?:ve|thi dua|khen thuong|tdkt|-))*"
_OLD = re.compile(rf"\b(luat|nghi dinh|thong tu|quy dinh|quy che|van ban){_SUBJECT}\s+(?:moi (?:va|voi|so voi) )?"
                  r"(cu|truoc day|truoc)\b")
_NEW = re.compile(rf"\b(luat|nghi dinh|thong tu|quy dinh|quy che|van ban){_SUBJECT}\s+(moi|hien hanh)\b")
_NOW = re.compile(r"\b(?:bay gio|hien nay|hien tai|con gia tri|con hieu luc|con duoc cong nhan)\b")
_COMPARE = re.compile(r"\b(?:so sanh|khac gi|khac nhau|khac nhu the nao|khac cho nao|co gi khac|thay doi|va moi)\b")
_OLD_TYPES = {"luat": ("Luật", "Văn bản hợp nhất"), "nghi dinh": ("Nghị định",), "thong tu": ("Thông tư",),
              "quy dinh": ("Quyết định",), "quy che": ("Quyết định",), "van ban": ()}


@dataclass
class QueryPlan:
    question: str
    text: str  # normalized
    expanded: str  # abbreviations expanded
    accented: bool
    dense_text: str
    syl_text: str
    fold_text: str
    as_of: date
    ref: Any = None
    ref_unit: int | None = None
    mentions: list[str] = field(default_factory=list)  # held documents the question names
    places: list[str] = field(default_factory=list)  # held documents of a province/sector named
    old_types: tuple = ()  # "luật cũ": types of superseded documents asked about
    new_types: tuple = ()
    compare: bool = False  # old and new texts asked side by side ("luật cũ và luật mới khác gì")
    transition: bool = False  # what becomes now of what was done under the old text ("còn giá trị không")
    docs: set[str] | None = None  # filter (held số hiệu)
    past: bool = False  # as_of given and before today


# ---------------------------------------------------------------------------------------------
# fusion retriever (llama-index)

try:
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle
except ImportError:  # pragma: no cover
    BaseRetriever = object  # type: ignore[assignment,misc]


class FusionRetriever(BaseRetriever):  # type: ignore[misc]
    """llama-index retriever over a :class:`Searcher`: the fused, provision-level ranking as
    NodeWithScore (node id = provision id, metadata = citation fields)."""

    def __init__(self, searcher: "Searcher", k: int = 10, as_of: date | None = None, docs: list[str] | None = None):
        super().__init__()
        self.searcher = searcher
        self.k = k
        self.as_of = as_of
        self.docs = docs

    def _retrieve(self, query_bundle: "QueryBundle") -> list["NodeWithScore"]:
        hits = self.searcher.search(query_bundle.query_str, k=self.k, as_of=self.as_of, docs=self.docs)
        out = []
        for h in hits:
            u = self.searcher.units[self.searcher.lexical.pos[h.id]]
            node = unit_node(u)
            node.metadata.update({k: v for k, v in h.to_dict(full=False).items() if k not in ("score",)})
            out.append(NodeWithScore(node=node, score=h.score))
        return out


# ---------------------------------------------------------------------------------------------
# the searcher


class IndexMissing(RuntimeError):
    """No search index in the folder (run `tdkt ingest` or sync_index first)."""


class Searcher:
    """Search one index folder. Keeps the embedding model, chroma and BM25 warm; thread-safe."""

    def __init__(self, index_dir: str | Path | None = None, *, chroma_url: str | None = _UNSET,
                 params: FusionParams | None = None, catalog=None, today: date | None = None,
                 embedder=None, auto_sync: bool = True, dense_top: int = DENSE_TOP):
        if index_dir is None:
            index_dir = _settings_get("TDKT_INDEX")
        self.index_dir = Path(index_dir)
        self.chroma_url = _settings_get("TDKT_CHROMA_URL") if chroma_url is _UNSET else chroma_url
        self.params = params or DEFAULT_PARAMS
        self.catalog = catalog if catalog is not None else _load_catalog(self.index_dir)
        self._today = today
        self._embedder = embedder
        self.dense_top = dense_top
        self._lock = threading.RLock()
        self._status_cache: dict[tuple[str, date], Any] = {}
        self._qcache: dict[str, np.ndarray] = {}  # question text → e5 vector (small FIFO)
        bm25 = self.index_dir / BM25_DIR
        state = LexicalIndex.read_state(bm25)
        from index.vector import collection_name

        if auto_sync and (self.index_dir / "documents").exists() and (
                state is None or state.get("units_version") != UNITS_VERSION
                or state.get("collection") != collection_name(self.index_dir, self.chroma_url)
                or state.get("fingerprint") != _fingerprint(self.index_dir)):
            log.warning("search index of %s is missing or stale: syncing", self.index_dir)
            sync_index(self.index_dir, chroma_url=self.chroma_url)
        if LexicalIndex.read_state(bm25) is None:
            raise IndexMissing(f"no search index in {self.index_dir} (run `tdkt ingest` first)")
        self._load_lexical()
        self._vector = None
        self._retriever_index = None
        self._dense = None

    # -- loading -------------------------------------------------------------------------------

    def _load_lexical(self) -> None:
        bm25 = self.index_dir / BM25_DIR
        self.lexical = LexicalIndex.load(bm25)
        self.units = self.lexical.units
        self.struct = Structure(self.units) if self.units else None
        self._state_mtime = (bm25 / "state.json").stat().st_mtime_ns
        self.held = sorted({u.doc for u in self.units})
        from corpus.catalog import doc_key

        self._held_by_key = {doc_key(d): d for d in self.held}
        self._unit_ids = {u.id: i for i, u in enumerate(self.units)}
        self._cites_cache: dict[int, list[int]] = {}  # unit → the units of other texts it cites
        self._citing_map: dict[int, list[int]] | None = None  # article group → units citing it
        self._doc_units: dict[str, np.ndarray] = {}
        docs_arr = np.array([u.doc for u in self.units], dtype=object)
        for d in self.held:
            self._doc_units[d] = docs_arr == d
        self._places: list[tuple[re.Pattern, str]] = []
        self._place_codes: dict[str, set[str]] = {}  # "QN" → {11/2021/QĐ-UBND}, "BNG" → {03/2018/TT-BNG}
        for d, meta in self.lexical.doc_meta.items():
            for place in meta.get("places", []):
                self._places.append((re.compile(rf"(?<![a-z0-9]){re.escape(fold(place))}(?![a-z0-9])"), d))
                for code in place_codes(place, meta.get("issuer", "")):
                    self._place_codes.setdefault(code, set()).add(d)
        st = self.struct
        if st is not None:
            self._preamble_groups = np.array([self.units[i].kind == "preamble" for i in st.group_unit])
            self._transition_groups = np.array(["chuyen tiep" in fold(self.units[i].heading).lower()
                                                for i in st.group_unit])
            self._promulgation_groups = np.array([
                self.units[i].kind == "article" and self.units[i].part is None
                and bool(self.lexical.doc_meta.get(self.units[i].doc, {}).get("attached"))
                for i in st.group_unit])
        # A plan section's title ("2. Thời gian thực hiện: Từ tháng 10/2025 …", "3. Hình thức khen
        # thưởng"), folded, for questions that spell it out
        self._section_titles: list[tuple[int, frozenset[str]]] = []
        for i, u in enumerate(self.units):
            if u.kind == "section" and u.heading:
                short = ":" in u.heading or len(u.heading.split()) <= 8  # a title, not a sentence's opening
                title = fold_tokens(u.heading.split(":", 1)[0]) if short else []
                if 2 <= len(title) <= 6:
                    self._section_titles.append((i, frozenset(title)))
        self._bm25_syl = VietBM25Retriever(self.lexical, folded=False)
        self._bm25_fold = VietBM25Retriever(self.lexical, folded=True)

    def refresh(self) -> bool:
        """Reload the BM25 side if sync_index rewrote it since; True when reloaded."""
        try:
            m = (self.index_dir / BM25_DIR / "state.json").stat().st_mtime_ns
        except OSError:
            return False
        if m != self._state_mtime:
            with self._lock:
                self._load_lexical()
            return True
        return False

    @property
    def embedder(self):
        if self._embedder is None:
            from index.embed import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    @property
    def vector(self):
        if self._vector is None:
            from index.vector import VectorStore

            self._vector = VectorStore(self.index_dir, self.chroma_url)
        return self._vector

    def _vector_index(self):
        if self._retriever_index is None:
            from llama_index.core import VectorStoreIndex

            from index.embed import E5Embedding

            self._retriever_index = VectorStoreIndex.from_vector_store(
                self.vector.store, embed_model=E5Embedding(self.embedder))
        return self._retriever_index

    def today(self) -> date:
        return self._today or _today()

    def warm(self) -> None:
        self.search("tiêu chuẩn chiến sĩ thi đua cơ sở", k=1)

    # -- validity ------------------------------------------------------------------------------

    def status(self, doc: str, as_of: date):
        key = (doc, as_of)
        if key not in self._status_cache:
            st = None
            if self.catalog.get_exact(doc) is not None:
                st = self.catalog.status(doc, as_of, held=self.held)
            self._status_cache[key] = st
        return self._status_cache[key]

    def in_force(self, doc: str, as_of: date) -> bool | None:
        """Whether `doc` is in force on `as_of`; None when the catalog does not know it."""
        s = self.status(doc, as_of)
        return None if s is None else bool(s.in_force)

    # -- query analysis ------------------------------------------------------------------------

    def _held(self, doc: str) -> str | None:
        """The held số hiệu a user's spelling or alias names ("qd 86/2025", "nđ 152"), or None."""
        from corpus.catalog import doc_key

        hit = self._held_by_key.get(doc_key(doc))
        if hit is None:
            entry = self.catalog.get(doc)
            if entry is not None:
                hit = self._held_by_key.get(doc_key(entry.doc))
        return hit

    def plan(self, question: str, as_of: date | None = None, docs: Iterable[str] | None = None) -> QueryPlan:
        from corpus.refs import parse_ref, scan_mentions

        today = self.today()
        as_of = _as_date(as_of)
        day = as_of or today
        text = normalize(question).strip()
        expanded, used = expand_abbreviations(text)
        accented = has_diacritics(text)
        if accented:
            dense_text = expanded
            syl_text = " ".join([text, *used])
        else:
            restored = self.lexical.restorer.restore(expanded)
            dense_text = restored
            syl_text = " ".join([restored, text])
        fold_text = " ".join([text, *used])
        said = paraphrases(" ".join(fold_tokens(expanded)))
        if said:  # officers' words → the texts' words, for BM25 only (index.text.PARAPHRASES)
            syl_text = " ".join([syl_text, *said])
            fold_text = " ".join([fold_text, *(fold(x) for x in said)])
        p = QueryPlan(question=question, text=text, expanded=expanded, accented=accented,
                      dense_text=dense_text, syl_text=syl_text, fold_text=fold_text, as_of=day,
                      past=as_of is not None and as_of < today)
        ref = parse_ref(text, self.catalog)
        p.ref = ref
        seen = []
        for m in scan_mentions(text, self.catalog):
            h = self._held(m.doc)
            if h and m.weak and self.in_force(h, day) is False:
                # "theo Luật Thi đua, khen thưởng lúc đó" asked of 2022: the law by its name is the
                # one in force then, the held text that the named one replaced (VBHN 16)
                h = next((d for d in self.held if self.in_force(d, day) and any(
                    self._held(r.doc) == h for r in getattr(self.catalog.get_exact(d), "replaced_by", []))), h)
            if h and h not in seen:
                seen.append(h)
        p.mentions = seen
        f = fold(text)
        p.places = sorted(self.place_docs(text))
        olds = tuple(t for m in _OLD.finditer(f) for t in _OLD_TYPES[m.group(1)])
        news = tuple(t for m in _NEW.finditer(f) for t in _OLD_TYPES[m.group(1)])
        p.old_types, p.new_types = olds, news
        p.compare = bool(olds) and (bool(news) or bool(_COMPARE.search(f)))
        # "Bằng khen tặng từ hồi luật cũ bây giờ còn giá trị không?": the transitional article of
        # the text in force answers, not the old text: look for it by its title.
        p.transition = bool(olds) and not p.compare and bool(_NOW.search(f))
        if p.transition:
            p.old_types = ()
            p.syl_text += " khoản chuyển tiếp"
            p.fold_text += " khoan chuyen tiep"
        if ref is not None and ref.doc is not None:
            p.ref_unit = self._resolve_ref(ref)
            if p.ref_unit is None and olds and (ref.article or ref.section):
                # "Điều 58a luật thi đua khen thưởng cũ": the named law lacks it, the old one has it
                for d in self.held:
                    st = self.status(d, day)
                    entry = self.catalog.get_exact(d)
                    if st is not None and not st.in_force and entry is not None and entry.type in olds:
                        ref2 = type(ref)(**{**ref.__dict__, "doc": d, "part": None})
                        p.ref_unit = self._resolve_ref(ref2)
                        if p.ref_unit is not None:
                            break
        if docs:
            keep = {self._held(d) or d for d in docs}
            p.docs = keep
        return p

    def place_docs(self, text: str) -> set[str]:
        """Held documents of the provinces and sectors the text names, in words ("Bắc Ninh", "ngành
        Ngoại giao") or by the initials officers type ("QN:")."""
        f = fold(normalize(text))
        return {d for rx, d in self._places if rx.search(f)} | self.coded_places(text)

    def coded_places(self, text: str) -> set[str]:
        """Held documents of the provinces and ministries the text names by the initials officers
        type in capitals ("QN:", "BNG")."""
        return {d for tok in re.findall(r"[^\W\d_]+", text) if tok.isupper()
                for d in self._place_codes.get(fold(tok).upper(), ())}

    def is_place_code(self, token: str) -> bool:
        return fold(token).upper() in self._place_codes

    def _resolve_ref(self, ref) -> int | None:
        """Unit index of the provision a reference names (falling back to its clause/article)."""
        doc = self._held(ref.doc)
        if doc is None or not (ref.article or ref.section):
            return None
        ids = []
        if ref.section:
            sec = ref.section
            while sec:
                ids.append(f"{doc}#s:{sec}")
                sec = sec.rsplit(".", 1)[0] if "." in sec else ""
        else:
            parts = [ref.part] if ref.part else [None]
            # "Điều 7 QĐ 86/2025" when the Quyết định itself has fewer articles: the attached text
            attached = sorted({u.part for u in self.units if u.doc == doc and u.part})
            if ref.part is None and attached:
                if not any(u.doc == doc and u.part is None and u.article == ref.article for u in self.units):
                    parts = attached + [None]
            elif ref.part is not None and ref.part not in attached:
                parts = [None]
            for part in parts:
                base = f"{doc}#{part + '/' if part else ''}d{ref.article}"
                cand = [base]
                if ref.clause:
                    cand.insert(0, f"{base}.k{ref.clause}")
                    if ref.point:
                        cand.insert(0, f"{base}.k{ref.clause}.{ref.point}")
                ids.extend(cand)
        for pid in ids:
            i = self._unit_ids.get(pid)
            if i is not None:
                return i
        return None

    # -- component scores ----------------------------------------------------------------------

    def lexical_scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        return self._bm25_syl.scores(plan.syl_text), self._bm25_fold.scores(plan.fold_text)

    def query_vector(self, plan: QueryPlan) -> np.ndarray:
        v = self._qcache.get(plan.dense_text)
        if v is None:
            v = self.embedder.embed_query(plan.dense_text)
            if len(self._qcache) >= 2048:
                self._qcache.pop(next(iter(self._qcache)))
            self._qcache[plan.dense_text] = v
        return v

    def dense_scores(self, plan: QueryPlan, qvec: np.ndarray | None = None) -> np.ndarray:
        """Cosine per unit (max over its chunks) for the chunks chroma returns; nan elsewhere."""
        out = np.full(len(self.units), np.nan, dtype=np.float64)
        if qvec is None:
            qvec = self.query_vector(plan)
        if self._dense is None:
            from index.vector import DenseRetriever

            self._dense = DenseRetriever(self.vector, self.embedder.embed_query, top_k=self.dense_top)
        ids, cos = self._dense.search(qvec, self.dense_top, plan.docs)
        for cid, c in zip(ids, cos):
            i = self._unit_ids.get(cid.rsplit("::", 1)[0])
            if i is not None and not (out[i] >= c):
                out[i] = c
        return out

    def vector_retriever(self, k: int = 10, docs: list[str] | None = None):
        """llama-index's own VectorIndexRetriever over the same chroma collection (chunks as
        TextNodes with their text and metadata), for callers that want the framework path."""
        from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

        filters = None
        if docs:
            held = sorted({self._held(d) or d for d in docs})
            filters = MetadataFilters(filters=[MetadataFilter(key="doc", value=held, operator=FilterOperator.IN)])
        return self._vector_index().as_retriever(similarity_top_k=k, filters=filters)

    # -- ranking -------------------------------------------------------------------------------

    def _group_adjustments(self, plan: QueryPlan, p: FusionParams, doc_scores: dict[str, float]):
        st = self.struct
        n_docs = len(st.doc_index)
        factor = np.ones(n_docs)
        bonus = np.zeros(n_docs)
        top_docscore = max(doc_scores.values()) if doc_scores else 0.0
        for d, j in st.doc_index.items():
            s = self.status(d, plan.as_of)
            entry = self.catalog.get_exact(d)
            dtype = entry.type if entry is not None else None
            named = d in plan.mentions or d in plan.places
            old_asked = bool(plan.old_types) and s is not None and not s.in_force and dtype in plan.old_types
            new_asked = bool(plan.new_types) and s is not None and s.in_force and dtype in plan.new_types
            if s is not None and not s.in_force and not named and not old_asked:
                factor[j] = p.invalid_factor
            if self.lexical.doc_meta.get(d, {}).get("places") and not named:
                factor[j] *= p.scope_factor
            if d in plan.mentions or old_asked or new_asked:
                bonus[j] += p.mention_boost
            if d in plan.places:
                bonus[j] += p.place_boost
            if top_docscore > 0 and d in doc_scores:
                bonus[j] += p.docname_boost * doc_scores[d] / top_docscore
        allowed = None
        if plan.docs is not None:
            allowed_docs = np.array([d in plan.docs for d in sorted(st.doc_index, key=st.doc_index.get)])
            allowed = allowed_docs[st.group_doc]
        gf = factor[st.group_doc]
        gf = np.where(self._preamble_groups, gf * p.preamble_factor, gf)
        if plan.ref_unit is None:
            gf = np.where(self._promulgation_groups, gf * p.promulgation_factor, gf)
        gb = bonus[st.group_doc]
        if plan.transition:  # the transitional articles ("Điều khoản chuyển tiếp") of every text
            gb = gb + np.where(self._transition_groups, 2 * p.mention_boost, 0.0)
        return gf, gb, allowed

    def rank(self, plan: QueryPlan, dense: np.ndarray, syl: np.ndarray, fol: np.ndarray, k: int = 10,
             params: FusionParams | None = None, doc_scores: dict[str, float] | None = None) -> list[Hit]:
        p = params or self.params
        st = self.struct
        if st is None:
            return []
        if doc_scores is None:
            doc_scores = self.lexical.score_documents(plan.fold_text)
        factor, bonus, allowed = self._group_adjustments(plan, p, doc_scores)
        g_scores = rank_groups(st, dense, syl, fol, p, plan.accented, group_factor=factor,
                               group_bonus=bonus, allowed=allowed)
        hits: list[Hit] = []
        taken: set[int] = set()
        top = float(np.max(g_scores[np.isfinite(g_scores)])) if np.isfinite(g_scores).any() else 0.0
        if plan.ref_unit is not None:
            u = self.units[plan.ref_unit]
            if plan.docs is None or u.doc in plan.docs:
                hits.append(_hit(u, top + 1.0, self.status(u.doc, plan.as_of), why="reference",
                                 dense=dense[plan.ref_unit]))
                taken.add(plan.ref_unit)
        order = np.argsort(-g_scores, kind="stable")
        cands: list[tuple[float, int, int, int]] = []  # (score, -group rank, -pick rank, unit)
        n_primary = 0
        partner = not (plan.compare or plan.mentions or plan.places or plan.docs or plan.old_types
                       or plan.ref_unit is not None)
        reach = k + self.PARTNER_REACH if partner else k  # the partner text's hit may lie beyond k
        for rank_, g in enumerate(order):
            gs = float(g_scores[g])
            if not np.isfinite(gs) or n_primary >= reach:
                break
            for j, (ui, r) in enumerate(pick_units(st, int(g), dense, syl, fol, p)):
                if ui in taken:
                    continue
                cands.append((gs * r if j else gs, -rank_, -j, ui))
                n_primary += j == 0
        cands.sort(reverse=True)
        for sc, _r, _j, ui in cands:
            if len(hits) >= reach:
                break
            if ui in taken:
                continue
            u = self.units[ui]
            hits.append(_hit(u, sc, self.status(u.doc, plan.as_of), dense=dense[ui]))
            taken.add(ui)
        hits = self._with_titled_section(hits, plan, dense, syl)
        if plan.compare:
            hits = self._side_by_side(hits, plan, dense, syl, fol, p)
        elif partner:
            hits = self._with_referenced(hits, plan, dense, syl)
            hits = self._with_partner_text(hits, plan)
        return hits[:k]

    # "… cho cá nhân theo quy định tại điểm a khoản 1 Điều 38 của Luật Thi đua, khen thưởng": a
    # decree's article names the Luật provision it details, and that provision answers with it.
    _CITES = re.compile(r"(?:(?:điểm [a-zđ]|khoản \d+)(?:,? (?:và )?(?:điểm [a-zđ]|khoản \d+))* )?Điều \d+[a-z]?"
                        r"(?: của| tại)? (?:Luật|Nghị định|Thông tư|Quyết định)[^.;:\n]{0,60}")

    def _cited_by(self, ui: int) -> list[int]:
        """Units of other texts that unit `ui` cites, in its own words or its article's lead-in."""
        hit = self._cites_cache.get(ui)
        if hit is not None:
            return hit
        from corpus.refs import parse_ref

        u = self.units[ui]
        article = self.units[self.struct.group_unit[self.struct.group_of[ui]]]
        lead = article.lex_text.split("\n1.", 1)[0] if article is not u else ""
        out: list[int] = []
        for m in self._CITES.finditer(f"{lead}\n{u.lex_text}"):
            ref = parse_ref(m.group(0), self.catalog)
            if ref is None or ref.doc is None or self._held(ref.doc) in (None, u.doc):
                continue
            j = self._resolve_ref(ref)
            if j is not None and j not in out:
                out.append(j)
        self._cites_cache[ui] = out
        return out

    CITING_OF = 3  # the articles whose citing provisions are looked at

    def _citing(self, group: int) -> list[int]:
        """Units of other texts that cite a provision of article `group` (the decree's articles
        that detail a Luật article), from every unit's citations, computed once."""
        if self._citing_map is None:
            m: dict[int, list[int]] = {}
            for ui, u in enumerate(self.units):
                if u.kind in ("article", "clause") and "Điều" in u.lex_text:
                    for j in self._cited_by(ui):
                        m.setdefault(int(self.struct.group_of[j]), []).append(ui)
            self._citing_map = m
        return self._citing_map.get(group, [])

    def _with_referenced(self, hits: list[Hit], plan: QueryPlan, dense: np.ndarray, syl: np.ndarray) -> list[Hit]:
        """The provision of another text in force that the best hit cites (the Luật point a decree's
        criteria detail) takes the PARTNER_SLOT-th article place, unless it is already above; else
        the provision of another text that cites the best hit's article and shares most of the
        question's words ("mức tiền thưởng Huy chương quy định tại khoản 2 Điều 54 của Luật")."""
        if not hits:
            return hits
        st = self.struct

        def in_force(j: int) -> bool:
            return bool(self.in_force(self.units[j].doc, plan.as_of))

        cited = [j for j in self._cited_by(self._unit_ids[hits[0].id]) if in_force(j)]
        if not cited:
            firsts = self._article_starts(hits)[:self.CITING_OF]
            tops = [int(st.group_of[self._unit_ids[hits[i].id]]) for i in firsts]
            citing = [j for g in tops for j in self._citing(g) if in_force(j) and syl[j] > 0]
            if not citing:
                return hits
            cited = [max(citing, key=lambda j: syl[j])]
        j = cited[0]
        g = int(st.group_of[j])
        firsts = self._article_starts(hits)
        n = self.PARTNER_SLOT
        top_groups = {int(st.group_of[self._unit_ids[hits[i].id]]) for i in firsts[:n]}
        if g in top_groups or len(firsts) < n:
            return hits
        u = self.units[j]
        at = firsts[n - 1]
        cite = _hit(u, hits[at].score, self.status(u.doc, plan.as_of), dense=dense[j], why="cited")
        return hits[:at] + [cite] + [h for h in hits[at:] if int(st.group_of[self._unit_ids[h.id]]) != g]

    # A question is answered by a Luật and the Nghị định that details it together more often than
    # by five articles of one text (the dossier's channel in the decree, its copies in the law).
    PARTNER_SLOT = 5
    PARTNER_REACH = 10  # how many articles beyond k are looked at for it

    def _article_starts(self, hits: list[Hit]) -> list[int]:
        """Index in `hits` of each article's (group's) first hit: the article ranking."""
        firsts: list[int] = []
        seen: set[int] = set()
        for i, h in enumerate(hits):
            g = int(self.struct.group_of[self._unit_ids[h.id]])
            if g not in seen:
                seen.add(g)
                firsts.append(i)
        return firsts

    TITLE_DOCS = 3  # a titled section is looked for in the texts of this many best hits

    def _with_titled_section(self, hits: list[Hit], plan: QueryPlan, dense: np.ndarray, syl: np.ndarray) -> list[Hit]:
        """A plan section whose title the question spells out ("… thực hiện trong thời gian nào?":
        "2. Thời gian thực hiện", "có những hình thức khen thưởng nào": "a) Hình thức khen thưởng"),
        in a text the question names, else of the best hits, takes the second place when the first
        five hits lack it: the sections' bodies share the plan's words, their titles say what each
        one is about."""
        if not hits or plan.ref_unit is not None:
            return hits
        asked = set(fold_tokens(plan.fold_text))
        docs = plan.mentions or list(dict.fromkeys(h.doc for h in hits))[: self.TITLE_DOCS]
        if plan.docs is not None:  # the search's document filter holds here too
            docs = [d for d in docs if d in plan.docs]
        best = None
        for ui, title in self._section_titles:
            u = self.units[ui]
            if u.doc in docs and title <= asked:
                key = (len(title), float(syl[ui]))
                if best is None or key > best[0]:
                    best = (key, ui)
        if best is None:
            return hits
        u = self.units[best[1]]
        section = u.section or ""
        for h in hits[:5]:
            hs = h.section or ""
            if h.doc == u.doc and (hs == section or hs.startswith(section + ".") or section.startswith(hs + ".")):
                return hits
        out = [h for h in hits if h.id != u.id]
        score = hits[1].score if len(hits) > 1 else hits[0].score
        out.insert(1, _hit(u, score, self.status(u.doc, plan.as_of), why="title", dense=dense[best[1]]))
        return out

    def _with_partner_text(self, hits: list[Hit], plan: QueryPlan) -> list[Hit]:
        """When the first PARTNER_SLOT articles all come from one text and a held national text
        in force that details it (or that it details: catalog `guides`) has a hit further down,
        that hit takes the last of those places."""
        firsts = self._article_starts(hits)
        n = self.PARTNER_SLOT
        if len(firsts) <= n or len({hits[i].doc for i in firsts[:n]}) > 1:
            return hits
        top = hits[0].doc
        entry = self.catalog.get_exact(top)
        if entry is None:
            return hits
        related = {e.doc for e in self.catalog.guided_by(top)} | {r.doc for r in entry.guides}
        held = {h for h in map(self._held, related) if h}
        partners = {d for d in held if self.in_force(d, plan.as_of)
                    and not self.lexical.doc_meta.get(d, {}).get("places")}
        j = next((i for i in firsts[n:] if hits[i].doc in partners), None)
        if j is None:
            return hits
        out = list(hits)
        out.insert(firsts[n - 1], out.pop(j))
        return out

    def _side_by_side(self, hits: list[Hit], plan: QueryPlan, dense: np.ndarray, syl: np.ndarray,
                      fol: np.ndarray, p: FusionParams) -> list[Hit]:
        """A comparison of the old and the new text: the best provision of each side among the first
        two (a trainer's "luật cũ và luật mới khác gì" needs both, not five of the new law first).

        The old side is the old text's counterpart of the best new provision unless the question's
        own best old provision is as close a twin. The question's words often fit a neighbouring
        old article better ("Tỉnh Anh hùng" asked side by side finds the old law's Điều 58 on the
        honours in general before its Điều 58a on the provinces), while the new article's own
        text finds its old twin."""
        def old(h: Hit) -> bool:
            entry = self.catalog.get_exact(h.doc)
            return h.in_force is False and entry is not None and entry.type in plan.old_types

        new_i = next((i for i, h in enumerate(hits) if h.in_force is not False), None)
        old_i = next((i for i, h in enumerate(hits) if old(h)), None)
        twin = None
        if new_i is not None:
            twin = self._old_counterpart(hits[new_i], None if old_i is None else hits[old_i],
                                         plan, dense, syl, fol, p)
        if twin is not None:  # the new provision, its twin, then the rest in their order
            lead = hits[new_i]
            g_twin = self.struct.group_of[self._unit_ids[twin.id]]
            return [lead, twin] + [h for h in hits if h is not lead
                                   and self.struct.group_of[self._unit_ids[h.id]] != g_twin]
        for side in (old, lambda h: h.in_force is not False):
            i = next((i for i, h in enumerate(hits) if side(h)), None)
            if i is not None and i > 1:
                hits.insert(1, hits.pop(i))
        return hits

    def _old_counterpart(self, new: Hit, chosen: Hit | None, plan: QueryPlan, dense: np.ndarray,
                         syl: np.ndarray, fol: np.ndarray, p: FusionParams) -> Hit | None:
        """The provision of the old text (of a type the question names) that says what the new
        hit's article says: its heading and opening words searched as a query, over the old text's
        articles only. None when the question's own best old provision (`chosen`) is among the
        near-equal twins (the three classes of one order read alike)."""
        st = self.struct
        g_new = st.group_of[self._unit_ids[new.id]]
        article = self.units[st.group_unit[g_new]]
        olds = {d for d in self.held if self.in_force(d, plan.as_of) is False
                and (e := self.catalog.get_exact(d)) is not None and e.type in plan.old_types}
        if not olds or not article.lex_text:
            return None
        # the heading and opening words say what an article is about; its later clauses are
        # often shared with its neighbours (the three classes of one order)
        scores = self._bm25_syl.scores(article.lex_text[:200])
        groups = [g for g in range(st.n_groups) if st.doc_of_group[g] in olds]
        ranked = sorted(((float(scores[st.group_unit[g]]), g) for g in groups), reverse=True)
        if not ranked or ranked[0][0] <= 0:
            return None
        near = {g for sc, g in ranked[:5] if sc >= ranked[0][0] / 1.5}
        if chosen is not None and st.group_of[self._unit_ids[chosen.id]] in near:
            return None  # the question's own pick is as good a twin as any
        ui = pick_units(st, ranked[0][1], dense, syl, fol, p)[0][0]
        u = self.units[ui]
        return _hit(u, new.score, self.status(u.doc, plan.as_of), dense=dense[ui], why="counterpart")

    # -- public --------------------------------------------------------------------------------

    def search(self, question: str, k: int = 10, as_of: date | str | None = None,
               docs: Iterable[str] | None = None) -> list[Hit]:
        """The k best provisions for a question (see the module docstring)."""
        self.refresh()
        with self._lock:
            if not self.units or not question or not question.strip():
                return []
            plan = self.plan(question, as_of, docs)
            syl, fol = self.lexical_scores(plan)
            dense = self.dense_scores(plan)
            return self.rank(plan, dense, syl, fol, k)

    def retriever(self, k: int = 10, as_of: date | None = None, docs: list[str] | None = None) -> FusionRetriever:
        """This searcher as a llama-index retriever."""
        return FusionRetriever(self, k=k, as_of=as_of, docs=docs)


# ---------------------------------------------------------------------------------------------
# sync


def _fingerprint(index_dir: Path) -> dict[str, str]:
    from ingest.store import DocumentStore

    return DocumentStore(index_dir).fingerprint()


def _state_path(index_dir: Path) -> Path:
    return Path(index_dir) / BM25_DIR


SYNC_LOCK = ".sync.lock"


@contextlib.contextmanager
def index_write_lock(root: Path):
    """One writer at a time per index folder, across processes. Embedded chroma is not safe with
    two processes writing one collection: a `tdkt search` that finds the index stale while a
    `tdkt ingest` (or a server starting) syncs it left a collection whose vectors chroma could no
    longer read. A read-only folder gets no lock (nobody can write it anyway)."""
    import fcntl

    try:
        root.mkdir(parents=True, exist_ok=True)
        fh = open(root / SYNC_LOCK, "a+")
    except OSError:
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sync_index(root: str | Path, progress: bool = False, *, chroma_url: str | None = _UNSET,
               embedder=None) -> dict:
    """Bring chroma and the BM25 indexes in line with the DocumentStore under `root`.

    Incremental: chunks of removed or changed documents are deleted, new ones embedded and
    added (vectors of unchanged chunk texts are reused). With nothing changed it only compares
    fingerprints and counts and returns ``{"changed": False, ...}``. Processes syncing the same
    folder take turns (:func:`index_write_lock`): the later one finds the index up to date.
    """
    with index_write_lock(Path(root)):
        return _sync_index(Path(root), progress, chroma_url=chroma_url, embedder=embedder)


def _sync_index(root: Path, progress: bool = False, *, chroma_url: str | None = _UNSET,
                embedder=None) -> dict:
    from ingest.store import DocumentStore

    from index.vector import EmbeddingCache, VectorStore

    started = time.perf_counter()
    root = Path(root)
    url = _settings_get("TDKT_CHROMA_URL") if chroma_url is _UNSET else chroma_url
    store = DocumentStore(root)
    fp = store.fingerprint()
    bm25_dir = _state_path(root)
    state = LexicalIndex.read_state(bm25_dir) or {}
    vs = VectorStore(root, url)
    count = vs.count()
    result: dict[str, Any] = {"documents": len(fp), "added": [], "replaced": [], "removed": [],
                              "chunks_added": 0, "chunks_deleted": 0, "embedded": 0, "reused": 0}
    lexical_ok = (state.get("fingerprint") == fp and state.get("units_version") == UNITS_VERSION)
    vector_ok = (lexical_ok and state.get("collection") == vs.name and state.get("chroma_url") == url
                 and state.get("chunks_total") == count)
    if lexical_ok and vector_ok:
        result.update(changed=False, chunks=count, units=state.get("units", 0),
                      seconds=round(time.perf_counter() - started, 3))
        return result

    catalog = _load_catalog(root)
    # -- vectors: reconcile per document against what chroma actually holds
    summary = vs.doc_summary() if count else {}
    expected_counts: dict[str, int] = dict(state.get("chunks") or {}) if state.get("collection") == vs.name else {}
    todo: list[str] = []
    for d in sorted(summary):
        if d not in fp:
            result["chunks_deleted"] += vs.delete_doc(d)
            result["removed"].append(d)
    for d, f in fp.items():
        have = summary.get(d)
        if have is None:
            todo.append(d)
            result["added"].append(d)
        elif have["fp"] != {f} or have["version"] != {UNITS_VERSION} or \
                (d in expected_counts and expected_counts[d] != have["count"]):
            todo.append(d)
            result["replaced"].append(d)
    chunk_counts = {d: summary[d]["count"] for d in fp if d in summary and d not in todo}
    live_shas: set[str] = set()
    for d in chunk_counts:
        live_shas |= {x for x in summary[d]["shas"] if x}
    cache = EmbeddingCache(root / EMBED_CACHE_DIR)
    if todo:
        emb = embedder
        if emb is None:
            from index.embed import get_embedder

            emb = get_embedder()
        from llama_index.core.schema import TextNode

        all_chunks = []
        for d in todo:
            if d in summary:
                result["chunks_deleted"] += vs.delete_doc(d)
            parsed = store.get(d)
            if parsed is None:
                continue
            units = build_units(parsed)
            kinds = {u.id: u.kind for u in units}
            provs = {p.id: p for p in parsed.provisions}
            chunks = build_chunks(units, provs, doc_context(parsed, catalog), emb.count_tokens)
            for c in chunks:
                c.meta = {"doc": d, "unit": c.unit, "kind": kinds.get(c.unit, ""), "piece": c.piece,
                          "sha": c.sha, "fp": fp[d], "units_version": UNITS_VERSION}
            all_chunks.extend(chunks)
            chunk_counts[d] = len(chunks)
        need = list({c.sha: c for c in all_chunks if not c.synthetic and cache.get(c.sha) is None}.values())
        if need:
            if progress:
                print(f"index: embedding {len(need)} chunks of {len(todo)} document(s)", file=sys.stderr)
            t0 = time.perf_counter()
            vecs = emb.embed_passages([c.text for c in need], show_progress=progress)
            result["embed_seconds"] = round(time.perf_counter() - t0, 2)
            for c, v in zip(need, vecs):
                cache.put(c.sha, v)
        result["embedded"] = len(need)
        real = [c for c in all_chunks if not c.synthetic]
        result["reused"] = len(real) - len(need)
        result["synthetic"] = len(all_chunks) - len(real)
        result["embedded_tokens"] = sum(c.tokens for c in need)
        vec = {c.id: cache.get(c.sha) for c in real}
        vec.update(synthesize(all_chunks, vec))
        keys = list(all_chunks[0].meta) if all_chunks else []
        nodes = [TextNode(id_=c.id, text=c.text, embedding=vec[c.id].tolist(), metadata=c.meta,
                          excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys)
                 for c in all_chunks if vec.get(c.id) is not None]
        vs.add(nodes)
        result["chunks_added"] = len(nodes)
        live_shas |= {c.sha for c in real}
    if todo or result["removed"] or set(cache.vecs) - live_shas:
        cache.save(keep=live_shas)
    # -- lexical: rebuilt whole (seconds) whenever the documents changed
    if not lexical_ok or not (bm25_dir / "units.json").exists():
        units_all: list[Unit] = []
        doc_texts: dict[str, str] = {}
        metas: dict[str, dict] = {}
        for parsed in store:
            units_all.extend(build_units(parsed))
            doc_texts[parsed.info.doc] = doc_lex_text(parsed, catalog)
            metas[parsed.info.doc] = doc_meta(parsed, catalog)
        lex = LexicalIndex.build(units_all, doc_texts, doc_meta=metas)
        n_units = len(units_all)
    else:
        n_units = state.get("units", 0)
        lex = None
    total = vs.count()
    old_name = state.get("collection")
    if old_name and old_name != vs.name and state.get("chroma_url") == url:
        try:  # a collection of an earlier graph build (index.vector.HNSW_BUILD): its vectors are re-added
            vs.client.delete_collection(old_name)
        except Exception as exc:  # already gone
            log.info("old collection %s not dropped: %s", old_name, exc)
    new_state = {"fingerprint": fp, "units_version": UNITS_VERSION, "collection": vs.name, "chroma_url": url,
                 "chunks": chunk_counts, "chunks_total": total, "units": n_units,
                 "synced_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if lex is not None:
        lex.save(bm25_dir, new_state)
    else:
        with open(bm25_dir / "state.json", "w", encoding="utf-8") as fh:
            json.dump(new_state, fh, ensure_ascii=False, indent=1)
    result.update(changed=True, chunks=total, units=n_units, seconds=round(time.perf_counter() - started, 3))
    return result
