"""The HTTP API and the web page: `create_app(index_dir)`; `tdkt serve` runs it with uvicorn.

Endpoints (OpenAPI at /docs):

* ``POST /ask``                the cited answer of ``service.answer.Assistant.ask``
* ``GET  /search``             ranked provisions (``Assistant.search``)
* ``GET  /documents``          every known document, held or not (as ``tdkt documents --json``)
* ``GET  /documents/{doc}``    one held document as a tree (Phần › Chương › Mục › Điều › khoản › điểm)
* ``GET  /provisions/{id}``    one provision with its parents, neighbours and validity
* ``GET  /health``             counts, and whether the answering engine is loaded
* ``GET  /``                   the web page (``service/static``)

Every endpoint is a plain ``def``: FastAPI runs it in its thread pool, so slow, CPU-bound searches
never block the event loop. The ``Library`` is loaded before the first request and only read
afterwards (a new one replaces it when the stored documents change). The ``Assistant`` is created
once, under a lock, and replaced when `tdkt ingest` rewrote the search index; its ``Searcher``
serialises the searches. Questions are embedded by index.embed.OnnxQueryEmbedder (int8
onnxruntime, no torch), so `tdkt serve` answers a few seconds after it starts.
"""
from __future__ import annotations

import os

# One BLAS thread per request: the numpy work of a request is small matrix products, and OpenBLAS
# spreading each over both cores of a busy machine made them 10-25x slower (spin-waiting), not
# faster. Set before numpy is imported; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import contextlib
import logging
import re
import threading
import time
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.catalog import EXPIRED, IN_FORCE, NOT_YET, UNKNOWN, doc_key
from ingest.model import Provision
from service import settings
from service.library import Library

log = logging.getLogger("tdkt.api")

STATIC = Path(__file__).resolve().parent / "static"
MAX_QUESTION = 1000
MAX_K = 50
WARM_QUESTION = "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?"
_DATE_RX = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ─────────────────────────────────────────── request models ───────────────────────────────────────

def _check_date(value: str | None) -> str | None:
    """The ISO date string, or None; a clear ValueError otherwise (pydantic names the field)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE_RX.match(value.strip()):
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)")
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a valid date (YYYY-MM-DD)") from None
    return value.strip()


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "question": "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?", "as_of": None, "docs": None}]})

    question: str = Field(description=f"The question, in Vietnamese; 1–{MAX_QUESTION} characters.")
    as_of: str | None = Field(None, description="Validity date YYYY-MM-DD (default: today).")
    docs: list[str] | None = Field(None, description="Only these documents (số hiệu, e.g. 06/2022/QH15).")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("question must not be empty")
        if len(v) > MAX_QUESTION:
            raise ValueError(f"question is {len(v)} characters long; the limit is {MAX_QUESTION}")
        return v

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of(cls, v: Any) -> str | None:
        if v is not None and not isinstance(v, str):
            raise ValueError(f"'{v}' is not a date (YYYY-MM-DD)")
        return _check_date(v)


# ─────────────────────────────────────────── response models ──────────────────────────────────────
# Lenient on purpose (extra fields kept, loose types): they document the shape in /docs without
# ever turning a new field of the answering engine into a 500.

class Citation(BaseModel):
    model_config = ConfigDict(extra="allow")
    n: int
    doc: str | None = None
    title: str | None = None
    article: Any = None
    clause: Any = None
    point: Any = None
    section: Any = None
    part: Any = None
    label: str | None = None
    quote: str | None = None
    status: str | None = None
    validity: str | None = Field(None, description="Status code: còn hiệu lực | hết hiệu lực | "
                                                   "chưa có hiệu lực | không rõ hiệu lực")
    url: str | None = None
    provision_id: str | None = None


class AskResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    answer: str
    citations: list[Citation] = []
    warnings: list[str] = []
    abstained: bool = False
    as_of: str | None = None


class SearchHit(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    doc: str | None = None
    kind: str | None = None
    label: str | None = None
    article: Any = None
    clause: Any = None
    point: Any = None
    section: Any = None
    part: Any = None
    score: float | None = None
    status: str | None = None


class SearchResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    results: list[SearchHit]


class Health(BaseModel):
    status: str
    documents: int
    provisions: int
    assistant: str = Field(description="ready | loading | not loaded | unavailable: <reason>")


# ──────────────────────────────────────── the query embedder ───────────────────────────────────────

def load_query_embedder():
    """The embedder questions are embedded with in the server: ``TDKT_QUERY_EMBEDDER=onnx``
    (default) is index.embed.OnnxQueryEmbedder (int8 onnxruntime, no torch import, ~7 ms a
    question outside the GIL); ``torch`` is index.embed's reference Embedder, which also
    serves when the model folder has no ONNX encoder."""
    choice = (settings.get("TDKT_QUERY_EMBEDDER") or "onnx").strip().lower()
    if choice not in ("onnx", "torch"):
        log.warning("TDKT_QUERY_EMBEDDER=%r is neither onnx nor torch: using onnx", choice)
    if choice != "torch":
        from index.embed import OnnxQueryEmbedder

        try:
            return OnnxQueryEmbedder()
        except (ImportError, OSError) as exc:
            log.warning("ONNX query embedder unavailable (%s): loading the torch one", exc)
    from index.embed import get_embedder

    return get_embedder()


# ───────────────────────────────────────────── the state ──────────────────────────────────────────

class AssistantUnavailable(RuntimeError):
    pass


class State:
    """What the app holds: the Library (read-only once loaded, replaced when `tdkt ingest` changed
    the stored documents) and the Assistant, built lazily and rebuilt when the search index on
    disk changed (the BM25 state is written last by a sync, so its mtime marks a complete index)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._reload_lock = threading.Lock()
        self._stamp: int | None = None
        self._library = self._load()
        self._assistant: Any = None
        self._engine_stamp: tuple | None = None
        self._assistant_error: str | None = None
        self._create_lock = threading.Lock()
        self._embedder: Any = None
        self._embedder_lock = threading.Lock()
        self.warm_error: str | None = None
        self.warming = False
        self.timings: dict[str, float] = {}

    def _docs_stamp(self) -> int | None:
        try:  # the store replaces files atomically in this folder: its mtime moves on every change
            return (self.index_dir / "documents").stat().st_mtime_ns
        except OSError:
            return None

    def _index_stamp(self) -> tuple:
        try:
            index = (self.index_dir / "bm25" / "state.json").stat().st_mtime_ns  # index.search.BM25_DIR
        except OSError:
            index = None
        return index, self._docs_stamp()

    def _load(self) -> Library:
        """A fully loaded Library (documents and catalog read now: cached_property is no lock, and
        a request must never see a half-built one)."""
        stamp = self._docs_stamp()
        lib = Library(self.index_dir)
        lib.documents
        lib.catalog
        lib.provision("")  # its id index too
        self.provisions = sum(len(d.provisions) for d in lib.documents.values())
        self._stamp = stamp
        return lib

    @property
    def library(self) -> Library:
        """The Library, reloaded when `tdkt ingest` changed the stored documents since."""
        if self._docs_stamp() != self._stamp:
            with self._reload_lock:
                if self._docs_stamp() != self._stamp:
                    self._library = self._load()
                    log.info("documents changed on disk: reloaded %d documents", len(self._library.documents))
        return self._library

    # — documents —
    def canonical_doc(self, text: str, lib: Library | None = None) -> str:
        """The held số hiệu a user means, or LookupError naming why not."""
        lib = lib or self.library
        docs = lib.documents
        if text in docs:
            return text
        key = doc_key(text)
        for d in docs:
            if doc_key(d) == key:
                return d
        entry = lib.catalog.get(text)
        if entry is not None:
            if entry.doc in docs:
                return entry.doc
            name = f"'{text}'" if text == entry.doc else f"'{text}' ({entry.doc})"
            raise LookupError(f"{name} is known but its text is not in the corpus")
        raise LookupError(f"unknown document '{text}'")

    def status(self, doc: str, as_of: date, lib: Library | None = None) -> tuple[str, str]:
        """(code, text) of a document's validity on a date."""
        lib = lib or self.library
        st = lib.status(doc, as_of)
        if st is None:
            return UNKNOWN, lib.status_text(doc, as_of)
        return st.code, st.text

    # — the answering engine —
    @property
    def assistant_state(self) -> str:
        if self.warming:
            return "loading"
        if self._assistant is not None:
            return f"unavailable: {self.warm_error}" if self.warm_error else "ready"
        if self._assistant_error:
            return f"unavailable: {self._assistant_error}"
        return "not loaded"

    def embedder(self):
        """The question embedder, loaded once (it survives index reloads)."""
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    t = time.perf_counter()
                    self._embedder = load_query_embedder()
                    self.timings["embedder"] = time.perf_counter() - t
                    log.info("%r loaded in %.1f s", self._embedder, self.timings["embedder"])
        return self._embedder

    def _build(self, first: bool):
        t = time.perf_counter()
        from index.search import Searcher

        from service.answer import Assistant  # lazily: model and indexes are heavy

        self.timings.setdefault("imports", time.perf_counter() - t)
        lib = self.library
        embedder = self.embedder()
        t = time.perf_counter()
        if not first and self._assistant is not None:
            # An embedded chroma client is cached per folder and keeps its vector index in memory:
            # a new one would not see what `tdkt ingest` added or deleted. Drop the cache (the old
            # searcher's collection keeps answering, from its copy, until it is replaced).
            old = getattr(self._assistant, "searcher", None)
            with getattr(old, "_lock", None) or contextlib.nullcontext():
                try:
                    from chromadb.api.shared_system_client import SharedSystemClient

                    SharedSystemClient.clear_system_cache()
                except Exception as exc:  # pragma: no cover - chroma internals moved
                    log.warning("could not reset chroma's client cache (%s): new vectors may be missed", exc)
        a = Assistant(self.index_dir)
        a.library = lib  # the Library already loaded, documents and catalog
        # Only the first engine may sync a stale index itself: later ones follow a `tdkt ingest`
        # that is writing the index at that moment. Several worker processes start together:
        # sync_index's lock (index.search.index_write_lock) lets one of them sync while the others
        # wait, then find the index up to date.
        a.searcher = Searcher(self.index_dir, embedder=embedder, catalog=lib.catalog, auto_sync=first)
        _plan_once(a.searcher)
        self.timings.setdefault("searcher", time.perf_counter() - t)
        return a

    def assistant(self):
        a = self._assistant
        if a is not None and self._index_stamp() == self._engine_stamp:
            return a
        with self._create_lock:
            a = self._assistant
            stamp = self._index_stamp()
            if a is not None and stamp == self._engine_stamp:
                return a
            try:
                new = self._build(first=a is None)
            except ImportError as exc:
                self._assistant_error = f"the answering engine cannot be imported ({exc})"
                raise AssistantUnavailable(self._assistant_error) from exc
            except Exception as exc:  # no search index yet, model missing, …
                if a is not None:  # a reload failed: keep answering from the previous index
                    log.warning("reloading the answering engine failed (%s: %s): keeping the previous one",
                                type(exc).__name__, exc)
                    self._engine_stamp = stamp
                    return a
                self._assistant_error = f"{type(exc).__name__}: {exc}"
                log.exception("the Assistant could not be created")
                raise AssistantUnavailable(self._assistant_error) from exc
            if a is not None:
                log.info("search index or documents changed on disk: answering engine reloaded")
            self._assistant, self._engine_stamp, self._assistant_error = new, stamp, None
        return self._assistant

    def warm(self) -> None:
        """Create the Assistant and run one search, so the first question is answered quickly.

        The embedder loads in a second thread meanwhile (its tokenizer and weight mapping overlap
        the imports of the search side)."""
        t = time.perf_counter()
        self.warming = True
        try:
            loader = threading.Thread(target=self._load_embedder_quietly, name="tdkt-embedder", daemon=True)
            loader.start()
            a = self.assistant()
            t1 = time.perf_counter()
            a.warm()
            if not settings.get("TDKT_GENERATOR_URL"):  # the whole answer path and its lazy parts,
                a.ask(WARM_QUESTION)                      # but no call to a remote generator
            self.timings["first_search"] = time.perf_counter() - t1
            _freeze_heap()
            self.warm_error = None
            self.timings["warm"] = time.perf_counter() - t
            log.info("answering engine warm in %.1f s (%s)", self.timings["warm"],
                     ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items() if k != "warm"))
        except AssistantUnavailable as exc:
            log.warning("answering unavailable: %s", exc)
        except Exception as exc:  # e.g. no search index yet: the documents are still served
            self.warm_error = f"{type(exc).__name__}: {exc}"
            log.warning("warm-up search failed: %s", self.warm_error)
        finally:
            self.warming = False

    def _load_embedder_quietly(self) -> None:
        try:
            self.embedder()
        except Exception as exc:  # reported again by the request that needs it
            log.warning("loading the query embedder failed: %s: %s", type(exc).__name__, exc)
        try:  # then the vector store's modules, which the first search needs
            import chromadb  # noqa: F401
            import llama_index.vector_stores.chroma  # noqa: F401
        except Exception:  # pragma: no cover - the search reports it
            pass


# ───────────────────────────────────────────── helpers ────────────────────────────────────────────

def _freeze_heap() -> None:
    """Move what the warm-up loaded (documents, units, indexes: ~200k objects) out of the cyclic
    garbage collector's reach: a full collection walks all of it, 150-330 ms of one core on this
    machine, and one falling in the middle of a request is that request's latency. Objects freed
    by reference counting are still freed; only cycles among these are kept for good."""
    import gc

    gc.collect()
    gc.freeze()


def _validation_error(loc: tuple, msg: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError([{"loc": loc, "msg": msg, "type": "value_error", "input": value}])


def _query_date(value: str | None, field: str = "as_of") -> date | None:
    try:
        v = _check_date(value)
    except ValueError as exc:
        raise _validation_error(("query", field), str(exc), value) from None
    return date.fromisoformat(v) if v else None


def _docs_filter(state: State, docs: list[str] | None, where: str) -> list[str] | None:
    if not docs:
        return None
    out = []
    lib = state.library
    for i, d in enumerate(docs):
        try:
            out.append(state.canonical_doc(d.strip(), lib))
        except LookupError as exc:
            loc = (where, "docs", i) if where == "body" else (where, "doc")
            raise _validation_error(loc, str(exc), d) from None
    return list(dict.fromkeys(out))


def _own_text(p: Provision, children: list[Provision]) -> str:
    """The provision's text without its sub-units (they are rendered as its children)."""
    if not children:
        return p.text.rstrip()
    cut = min(c.start for c in children) - p.start
    if 0 <= cut <= len(p.text):
        return p.text[:cut].rstrip()
    return p.text.rstrip()


_PART_LABEL = {"quy-dinh": "Quy định ban hành kèm theo", "quy-che": "Quy chế ban hành kèm theo"}
_CH_RX = re.compile(r"^\s*(Chương|Mục|Phần)\s+([0-9IVXLCDM]+[a-z]?)\s*[.:\-–]?\s*(.*)$", re.S)


def _group_node(doc: str, gid: str, kind: str, title: str) -> dict:
    m = _CH_RX.match(title)
    label, heading = (f"{m.group(1)} {m.group(2)}", m.group(3).strip()) if m else (title, "")
    return {"id": f"{doc}#{gid}", "kind": kind, "label": label, "heading": heading,
            "article": None, "clause": None, "point": None, "section": None, "part": None,
            "chapter": title, "text": "", "children": []}


def _provision_node(p: Provision, kids: dict[str | None, list[Provision]]) -> dict:
    children = kids.get(p.id, [])
    return {"id": p.id, "kind": p.kind, "label": p.label, "heading": p.heading, "article": p.article,
            "clause": p.clause, "point": p.point, "section": p.section, "part": p.part,
            "chapter": p.chapter, "page": p.page, "text": _own_text(p, children),
            "children": [_provision_node(c, kids) for c in children]}


def document_tree(provisions: list[Provision], doc: str) -> list[dict]:
    """Nested nodes in document order: attached part › Chương › Mục › top-level provisions › …"""
    kids: dict[str | None, list[Provision]] = {}
    for p in sorted(provisions, key=lambda p: p.start):
        kids.setdefault(p.parent, []).append(p)
    roots: list[dict] = []
    parts: dict[str, dict] = {}
    groups: dict[tuple, dict] = {}
    for p in kids.get(None, []):
        container = roots
        prefix = ""
        if p.part:
            prefix = f"{p.part}/"
            if p.part not in parts:
                node = _group_node(doc, p.part, "part", _PART_LABEL.get(p.part, p.part))
                node.update(label=_PART_LABEL.get(p.part, p.part), part=p.part)
                parts[p.part] = node
                roots.append(node)
            container = parts[p.part]["children"]
        if p.chapter:
            chapter, _, section = (s.strip() for s in p.chapter.partition(" — "))
            key = (p.part, chapter)
            if key not in groups:
                m = _CH_RX.match(chapter)
                gid = f"{prefix}ch:{m.group(2) if m else len(groups) + 1}"
                groups[key] = _group_node(doc, gid, "chapter", chapter)
                groups[key]["part"] = p.part
                container.append(groups[key])
            container = groups[key]["children"]
            if section:
                skey = (p.part, chapter, section)
                if skey not in groups:
                    m = _CH_RX.match(section)
                    gid = f"{groups[key]['id'].split('#', 1)[1]}.m:{m.group(2) if m else len(groups) + 1}"
                    groups[skey] = _group_node(doc, gid, "chapter-section", section)
                    groups[skey]["part"] = p.part
                    container.append(groups[skey])
                container = groups[skey]["children"]
        container.append(_provision_node(p, kids))
    return roots


def _brief(p: Provision | None) -> dict | None:
    return {"id": p.id, "label": p.label, "kind": p.kind, "heading": p.heading} if p else None


# ─────────────────────────────────────────────── the app ──────────────────────────────────────────

def create_app(index_dir: Path | str | None = None, *, warm: bool = False) -> FastAPI:
    """The API and the page over one index folder. `warm`: build the Assistant before serving."""
    state = State(settings.index_dir(str(index_dir) if index_dir else None))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:  # in the background: documents are served at once, /ask waits for the engine
            state.warming = True
            threading.Thread(target=state.warm, name="tdkt-warm", daemon=True).start()
        yield
        if balancer is not None:
            log.info("keep-alive balancing: %d connection(s) closed to move clients to a less busy worker",
                     balancer.closed)
            balancer.close()

    docs_assets = _swagger_ui_dir()
    app = FastAPI(
        docs_url=None if docs_assets else "/docs", redoc_url=None,  # /docs below: no CDN
        title="Trợ lý văn bản thi đua, khen thưởng (TĐKT)",
        version="0.1.0",
        description="Cited answers to questions on Vietnamese thi đua, khen thưởng regulations, with "
                    "the validity of every cited document. The web page is at `/`.",
        lifespan=lifespan,
    )
    app.state.tdkt = state
    from service import balance

    balancer = balance.from_env()  # several workers: move keep-alive clients off the busiest one
    app.state.balancer = balancer

    # — errors: always {"error": "<field>: <message>", "detail": …} —
    @app.exception_handler(RequestValidationError)
    async def _on_validation(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors():
            e = {k: v for k, v in e.items() if k in ("loc", "msg", "type", "input")}
            errors.append(e)
        parts = []
        for e in errors:
            loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
            field = "body" if e.get("type") == "json_invalid" else (".".join(loc) or "body")
            msg = str(e.get("msg", "")).removeprefix("Value error, ")
            parts.append(msg if msg.startswith(field.split(".")[0] + " ") else f"{field}: {msg}")
        return JSONResponse(status_code=422, content={"error": "; ".join(parts),
                                                      "detail": jsonable_encoder(errors)})

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail
        return JSONResponse(status_code=exc.status_code, headers=getattr(exc, "headers", None),
                            content={"error": detail if isinstance(detail, str) else str(detail),
                                     "detail": detail})

    @app.exception_handler(Exception)
    async def _on_error(request: Request, exc: Exception):
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(status_code=500, content={"error": f"internal error: {type(exc).__name__}: {exc}"})

    def _call(method: str, *args, **kwargs):
        """One call into the shared Assistant; 503 when it cannot answer at all."""
        try:
            assistant = state.assistant()
        except AssistantUnavailable as exc:
            raise HTTPException(503, f"answering is not available: {exc}") from None
        _embed_ahead(assistant, args[0], kwargs.get("as_of"), kwargs.get("docs"))
        try:  # no lock here: the Searcher serialises its own shared state
            result = getattr(assistant, method)(*args, **kwargs)
        except (ImportError, FileNotFoundError) as exc:  # no search index built yet
            raise HTTPException(503, f"answering is not available: {type(exc).__name__}: {exc}") from None
        state.warm_error = None
        return result

    # — the answering engine —
    @app.post("/ask", response_model=AskResponse, tags=["answer"],
              summary="Answer a question with numbered citations and their validity")
    def ask(body: AskRequest) -> Any:
        if balancer is not None:
            balancer.enter()
        try:
            as_of = date.fromisoformat(body.as_of) if body.as_of else None
            docs = _docs_filter(state, body.docs, "body")
            result = _call("ask", body.question, as_of=as_of, docs=docs)
            day = as_of or (date.fromisoformat(result["as_of"]) if result.get("as_of") else settings.today())
            for c in result.get("citations") or []:
                if c.get("doc") and not c.get("validity"):
                    c["validity"] = state.status(c["doc"], day)[0]
            response = _json_response(result, AskResponse)
        finally:
            close = balancer is not None and balancer.leave()
        if close and isinstance(response, Response):  # see service.balance
            response.headers["Connection"] = "close"
        return response

    @app.get("/search", response_model=SearchResponse, tags=["answer"],
             summary="Rank provisions for a query (no answer text)")
    def search(q: str = Query(..., description=f"The query; 1–{MAX_QUESTION} characters."),
               k: int = Query(10, ge=1, le=MAX_K, description="How many results."),
               as_of: str | None = Query(None, description="Validity date YYYY-MM-DD (default: today)."),
               doc: list[str] | None = Query(None, description="Only these documents (repeat the parameter).")
               ) -> dict:
        q = q.strip()
        if not q:
            raise _validation_error(("query", "q"), "q must not be empty", q)
        if len(q) > MAX_QUESTION:
            raise _validation_error(("query", "q"), f"q is {len(q)} characters long; the limit is {MAX_QUESTION}")
        day = _query_date(as_of)
        docs = _docs_filter(state, doc, "query")
        results = _call("search", q, k=k, as_of=day, docs=docs)
        return {"results": results}

    # — documents and provisions —
    @app.get("/documents", tags=["documents"],
             summary="Every known document (held or not) with its validity on a date")
    def documents(as_of: str | None = Query(None, description="YYYY-MM-DD (default: today).")) -> list[dict]:
        day = _query_date(as_of) or settings.today()
        return state.library.document_list(day)

    @app.get("/documents/{doc:path}", tags=["documents"],
             summary="One held document as a tree of its provisions")
    def document(doc: str, as_of: str | None = Query(None, description="YYYY-MM-DD (default: today).")) -> dict:
        day = _query_date(as_of) or settings.today()
        lib = state.library
        try:
            key = state.canonical_doc(doc, lib)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        parsed = lib.documents[key]
        code, text = state.status(key, day, lib)
        entry = lib.catalog.get(key)
        info = parsed.info
        return {
            "doc": key, "type": (entry.type if entry else None) or info.type,
            "title": info.title or (entry.title if entry else ""), "issuer": info.issuer,
            "issued": info.issued, "effective": entry.effective.isoformat() if entry and entry.effective else None,
            "status": code, "status_text": text, "as_of": day.isoformat(),
            "articles": parsed.articles if parsed.sections is None else None,
            "attached_articles": parsed.attached_articles, "sections": parsed.sections,
            "children": document_tree(parsed.provisions, key),
        }

    @app.get("/provisions/{pid:path}", tags=["documents"],
             summary="One provision with its parents, neighbours and validity")
    def provision(pid: str, as_of: str | None = Query(None, description="YYYY-MM-DD (default: today).")) -> dict:
        day = _query_date(as_of) or settings.today()
        lib = state.library
        p = lib.provision(pid)
        if p is None:
            doc = pid.split("#", 1)[0]
            try:
                state.canonical_doc(doc, lib)
            except LookupError as exc:
                raise HTTPException(404, f"provision '{pid}': {exc}") from None
            raise HTTPException(404, f"provision '{pid}' not found: {doc} has no {pid.partition('#')[2] or 'such unit'}")
        parsed = lib.documents[p.doc]
        by_id = {x.id: x for x in parsed.provisions}
        parents = []
        cur = by_id.get(p.parent) if p.parent else None
        while cur is not None:
            parents.insert(0, {"id": cur.id, "label": cur.label})
            cur = by_id.get(cur.parent) if cur.parent else None
        siblings = sorted((x for x in parsed.provisions if x.parent == p.parent), key=lambda x: x.start)
        i = next(i for i, x in enumerate(siblings) if x.id == p.id)
        children = sorted((x for x in parsed.provisions if x.parent == p.id), key=lambda x: x.start)
        code, text = state.status(p.doc, day, lib)
        return {
            "id": p.id, "doc": p.doc, "kind": p.kind, "label": p.label, "heading": p.heading,
            "article": p.article, "clause": p.clause, "point": p.point, "section": p.section,
            "part": p.part, "chapter": p.chapter, "page": p.page, "text": p.text,
            "title": parsed.info.title, "type": parsed.info.type,
            "status": code, "status_text": text, "as_of": day.isoformat(),
            "parents": parents,
            "neighbours": {"previous": _brief(siblings[i - 1]) if i > 0 else None,
                           "next": _brief(siblings[i + 1]) if i + 1 < len(siblings) else None},
            "children": [_brief(c) for c in children],
            "url": f"/?p={_quote(p.id)}",
        }

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> dict:
        lib = state.library
        return {"status": "ok", "documents": len(lib.documents), "provisions": state.provisions,
                "assistant": state.assistant_state}

    # — the page —
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # — the API docs, with Swagger UI's files served from here: the machine may be offline —
    if docs_assets:
        from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html

        app.mount(DOCS_ASSETS, StaticFiles(directory=docs_assets), name="docs-assets")

        @app.get("/docs", include_in_schema=False)
        def swagger_ui():
            return get_swagger_ui_html(
                openapi_url=app.openapi_url, title=f"{app.title} — API",
                swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
                oauth2_redirect_url="/docs/oauth2-redirect")

        @app.get("/docs/oauth2-redirect", include_in_schema=False)
        def swagger_ui_redirect():
            return get_swagger_ui_oauth2_redirect_html()
    return app


DOCS_ASSETS = "/docs-assets"


def _shaped(data: dict, model: type[BaseModel]) -> dict:
    """``data`` as ``model`` would serialise it (its fields first, in order, a missing one as its
    default; then the extra keys): the response models here are lenient (extra="allow", loose
    types), so for the dicts the Assistant returns this is what FastAPI's validation produced."""
    out = {}
    for name, f in model.model_fields.items():
        if name in data:
            v = data[name]
        elif f.is_required():
            raise KeyError(name)
        else:
            v = f.get_default(call_default_factory=True)
        if name == "citations" and isinstance(v, list) and all(isinstance(c, dict) for c in v):
            v = [_shaped(c, Citation) for c in v]
        out[name] = v
    for k, v in data.items():
        if k not in out:
            out[k] = v
    return out


def _json_default(o: Any) -> Any:
    if hasattr(o, "item") and hasattr(o, "dtype"):  # numpy scalars
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return jsonable_encoder(o)


def _json_response(data: dict, model: type[BaseModel]) -> Any:
    """The answer as JSON bytes made here, in the request's worker thread, with orjson: returned as
    a Response, FastAPI skips its response-model validation, a second hop through the thread
    pool for a large dict (the model still documents the shape in /docs). Anything unexpected
    (a field of the wrong type, an object orjson cannot write) goes the usual validated way."""
    try:
        import orjson

        shaped = _shaped(data, model)
        if not (isinstance(shaped.get("answer"), str) and isinstance(shaped.get("abstained"), bool)
                and all(isinstance(c.get("n"), int) for c in shaped.get("citations") or ())):
            return data
        body = orjson.dumps(shaped, default=_json_default,
                            option=orjson.OPT_NON_STR_KEYS)
    except Exception:  # orjson missing, a required field absent, a value it cannot encode
        return data
    return Response(content=body, media_type="application/json")


def _plan_once(searcher) -> None:
    """Let a request's Searcher.plan be computed once: _embed_ahead plans the question to know the
    text to embed, then Searcher.search plans it again under its lock. The plan _embed_ahead made
    is kept for its thread and handed to the next plan() of the same thread with the same
    arguments (a request's own search), then forgotten."""
    if getattr(searcher, "_plan_once", False) or not hasattr(searcher, "plan"):
        return
    compute = searcher.plan
    local = threading.local()

    def key(question, as_of, docs):
        return (question, as_of, tuple(docs) if docs is not None else None, searcher.today(),
                id(getattr(searcher, "lexical", None)))

    def plan(question, as_of=None, docs=None):
        kept = getattr(local, "kept", None)
        local.kept = None
        if kept is not None:
            try:
                k = key(question, as_of, docs)
            except TypeError:
                k = None
            if kept[0] == k:
                return kept[1]
        return compute(question, as_of, docs)

    def plan_ahead(question, as_of=None, docs=None):
        p = compute(question, as_of, docs)
        try:
            local.kept = (key(question, as_of, docs), p)
        except TypeError:  # an unhashable argument: no keeping
            local.kept = None
        return p

    searcher.plan = plan
    searcher.plan_ahead = plan_ahead
    searcher._plan_once = True


def _embed_ahead(assistant, question: str, as_of, docs) -> None:
    """The question's vector, computed outside the Searcher's lock (see OnnxQueryEmbedder.embed_ahead)."""
    searcher = getattr(assistant, "searcher", None)
    emb = getattr(searcher, "_embedder", None)
    if not hasattr(emb, "embed_ahead"):
        return
    try:
        planner = getattr(searcher, "plan_ahead", None) or searcher.plan
        text = planner(question, as_of, docs).dense_text  # the text Searcher.search embeds
        if text in getattr(searcher, "_qcache", ()):
            return
        emb.embed_ahead(text)
    except Exception as exc:  # the search itself embeds then, and reports any real problem
        log.debug("embedding ahead failed: %s", exc)


def _swagger_ui_dir() -> Path | None:
    """Swagger UI's dist folder from the swagger-ui-bundle-v2 package (None: FastAPI's CDN page)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        log.warning("swagger-ui-bundle-v2 is not installed: /docs loads Swagger UI from a CDN")
        return None
    path = Path(swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _quote(pid: str) -> str:
    from urllib.parse import quote
    return quote(pid, safe="")


def worker_app() -> FastAPI:
    """The app of one worker of `tdkt serve --workers N`: uvicorn starts each worker as a fresh
    interpreter (spawn) that imports this factory by name, so serve() hands the index folder and
    the warm-up flag over in the environment (TDKT_INDEX, TDKT_SERVE_WARM)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    return create_app(None, warm=os.environ.get("TDKT_SERVE_WARM", "1") != "0")


def serve(index_dir: Path | str | None, host: str = "127.0.0.1", port: int = 8000, warm: bool = True,
          workers: int = 1) -> None:
    """Run the app with uvicorn. With ``workers`` > 1, that many processes share the port, each
    with its own State (Library, Assistant, embedder), warmed on its own: the Python side of an
    answer holds the GIL, so one process uses about one core whatever its thread pool."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    if workers > 1:
        os.environ["TDKT_INDEX"] = str(settings.index_dir(str(index_dir) if index_dir else None).resolve())
        os.environ["TDKT_SERVE_WARM"] = "1" if warm else "0"
        from service import balance

        load_file = balance.create_file(workers)
        os.environ[balance.ENV] = str(load_file)
        # uvicorn's supervisor pings each worker and replaces one that has not answered within
        # timeout_worker_healthcheck (default 5 s); the answer comes from a thread of the worker,
        # so on a busy 2-core machine a worker importing its engine (GIL held) missed it and was
        # killed mid warm-up, again and again. A minute still replaces a really hung worker.
        try:
            uvicorn.run("service.api:worker_app", factory=True, host=host, port=port, workers=workers,
                        log_level="info", timeout_worker_healthcheck=60)
        finally:
            load_file.unlink(missing_ok=True)
        return
    app = create_app(index_dir, warm=warm)
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["create_app", "worker_app", "serve", "document_tree", "IN_FORCE", "EXPIRED", "NOT_YET", "UNKNOWN"]
