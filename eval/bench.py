"""One command that measures everything: ``python -m eval.bench`` (or ``make bench``).

It builds what it needs under its own ignored folder (``.tdkt/bench/``, or ``TDKT_BENCH_DIR``):

- ``tdkt/``  — the TĐKT corpus (``TDKT_CORPUS``, default ``<repo>/../shared/corpus/tdkt``),
- ``alqac/`` — ALQAC 2022's ``law.json`` (``TDKT_ALQAC``, default
  ``<repo>/../shared/datasets/alqac/alqac2022``),

each ingested with ``ingest.batch.ingest_paths`` into its own ``DocumentStore`` and indexed with
``index.search.sync_index``; then it runs every question set against every system in the same run:

=============  ==============================================================================
set            questions
=============  ==============================================================================
alqac          ALQAC 2022, 520 questions, one gold article each (external; nothing tuned on it)
alqac-nd       the same questions with diacritics folded away (``ingest.vietnamese.fold``)
tdkt-test      ``eval/questions/tdkt.jsonl`` split test (report only), plus a row per variant
tdkt-dev       the dev split (what tuning may look at), reported separately
=============  ==============================================================================

=============  ==============================================================================
system         what
=============  ==============================================================================
hybrid         ``index.search.Searcher(index_dir).search(q, k=10, as_of=…)``
bm25           :class:`eval.baselines.BM25Baseline` over whole articles of the same store
dense          :class:`eval.baselines.IndexDenseBaseline` (e5 alone) over the index's own vectors
bm25-ref       ALQAC only: BM25 on the raw ``law.json`` (the published reference recipe)
ask            TĐKT only: the service's ask function (citations, abstention), if importable
serve          TĐKT only: ``tdkt serve`` started cold (first answer), /ask at 10 concurrent
               clients (:mod:`eval.serve_bench`)
=============  ==============================================================================

A system that cannot be imported yet gets a "not available" row instead of failing the run.
Scores are :mod:`eval.metrics` (article and clause level; see its docstring). Latencies are
per question, warm (one untimed warm-up question that no set holds, a fresh Searcher per set
and a separate one for ask, so no query-vector cache flatters a figure). One plain-text/Markdown table goes to stdout and
everything (incl. per-question ranks) to ``eval/results/latest.json``.

Options: ``--only alqac,tdkt`` (sets: alqac, alqac-nd, tdkt, tdkt-test, tdkt-dev; ``ask`` to
include answers), ``--systems hybrid,bm25,dense,bm25-ref,ask,serve``, ``--quick`` (first 20
questions of each set, no alqac-nd), ``--limit N``, ``--fresh`` (delete the bench folder first),
``--out FILE``, ``--bench-dir DIR``. Other code calls :func:`run_bench` with a list of such
arguments, an ``argparse.Namespace`` or a dict.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import resource
import shutil
import sys
import time
import traceback
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from eval import metrics as M

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "eval" / "questions" / "tdkt.jsonl"
DEFAULT_OUT = REPO / "eval" / "results" / "latest.json"

ALL_SETS = ("alqac", "alqac-nd", "tdkt-test", "tdkt-dev")
ALL_SYSTEMS = ("hybrid", "bm25", "dense", "bm25-ref", "ask", "serve")
SYSTEM_ORDER = ("hybrid", "bm25", "dense", "bm25-ref", "ask", "serve")
VARIANTS = ("accented", "no_diacritics", "abbreviation")
K = 10
QUICK_LIMIT = 20

# Where the service's answers come from, in order (TDKT_BENCH_ASK="module:name" goes first):
# a class is built with the index folder and its ``ask`` method used; a function is called.
ASK_CANDIDATES = (
    ("service.answer", "Assistant"), ("service.answer", "ask"), ("service.ask", "ask"),
)

# KH 157/KH-UBND (Cần Thơ) puts its scoring table in an unnumbered Phụ lục that mục III.3.a adopts
# ("Chi tiết theo Phụ lục đính kèm"); the question set's gold points at III.3.a (see
# eval/questions/README.md), so a hit on that Phụ lục is scored as III.3.a.
ALIASES = {("157/kh-ubnd", "appendix"): "III.3.a"}


# ---------------------------------------------------------------------------------------------
# Small helpers


_QUIET = False


def _log(msg: str) -> None:
    if _QUIET:
        return
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _loadavg() -> float | None:
    """1-minute load average: latencies on a shared 2-core machine mean little without it."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _get(x: Any, name: str) -> Any:
    if isinstance(x, dict):
        return x.get(name)
    return getattr(x, name, None)


def canonical(hit: Any) -> dict[str, Any]:
    """A hit / citation as a plain dict of the fields scored, with :data:`ALIASES` applied."""
    d = {f: _get(hit, f) for f in ("doc", "part", "article", "clause", "point", "section", "kind", "id",
                                    "label", "score")}
    if d["id"] is None:
        d["id"] = _get(hit, "provision_id")
    if d["article"] is None and d["section"] is None and d["doc"]:
        kind = d["kind"] or ("appendix" if "phụ lục" in str(d["label"] or "").lower() else None)
        alias = ALIASES.get((str(d["doc"]).casefold(), kind))
        if alias:
            d["section"] = alias
            d["alias"] = True
    if isinstance(d["score"], (int, float)):
        d["score"] = float(d["score"])
    else:
        d["score"] = None
    return d


def short(h: dict[str, Any]) -> str:
    """A compact label for JSON: "06/2022/QH15 d23.k1.a", "157/KH-UBND §III.3.a"."""
    if h.get("article") is not None:
        s = f"d{h['article']}" + (f".k{h['clause']}" if h.get("clause") is not None else "") + (
            f".{h['point']}" if h.get("point") else "")
    elif h.get("section"):
        s = f"§{h['section']}"
    else:
        s = str(h.get("kind") or h.get("id") or "?")
    part = f"[{h['part']}]" if h.get("part") else ""
    return f"{h.get('doc')}{part} {s}" + (" (alias of Phụ lục)" if h.get("alias") else "")


def _parse_date(v: Any) -> date | None:
    if not v:
        return None
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


def _to_plain(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v) for v in obj]
    for attr in ("to_dict", "model_dump", "dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            try:
                return _to_plain(fn())
            except TypeError:
                pass
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return _to_plain(asdict(obj))
    if hasattr(obj, "__dict__"):
        return {k: _to_plain(v) for k, v in vars(obj).items() if not k.startswith("_")}
    return str(obj)


# ---------------------------------------------------------------------------------------------
# Questions


def load_alqac(alqac_dir: Path) -> list[dict[str, Any]]:
    with open(alqac_dir / "question.json", encoding="utf-8") as fh:
        data = json.load(fh)
    return [{"id": q["id"], "question": q["text"], "answerable": True, "as_of": None, "variant": "accented",
             "twin": None, "split": "test",
             "gold": [{"doc": a["law_id"], "article": a["article_id"], "clause": None, "point": None,
                       "section": None, "part": None} for a in q["relevant_articles"]]}
            for q in data]


def fold_questions(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ingest.vietnamese import fold

    return [{**r, "id": f"{r['id']}-nd", "question": fold(r["question"]), "variant": "no_diacritics",
             "twin": r["id"]} for r in records]


def load_tdkt(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------------------------------------
# Systems


class Unavailable(Exception):
    """A system that cannot run yet (module missing, model missing): reported, not fatal."""


def _import_search():
    try:
        mod = importlib.import_module("index.search")
    except ImportError as exc:
        raise Unavailable(f"index.search not importable ({exc})") from None
    for name in ("Searcher", "sync_index"):
        if not hasattr(mod, name):
            raise Unavailable(f"index.search has no {name}")
    return mod


def prepare_corpus(name: str, sources: list[Path], root: Path, fresh: bool, want_index: bool) -> dict[str, Any]:
    """Ingest ``sources`` into ``root`` and bring its search index up to date; timings."""
    from ingest.batch import ingest_paths
    from ingest.store import DocumentStore

    info: dict[str, Any] = {"corpus": name, "dir": str(root), "sources": [str(s) for s in sources]}
    if fresh and root.exists():
        shutil.rmtree(root)
    info["fresh"] = not root.exists()
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise Unavailable(f"{name}: source not found: {', '.join(missing)}")
    _log(f"{name}: ingest {', '.join(s.name for s in sources)} -> {root}")
    report = ingest_paths(sources, DocumentStore(root))
    info.update({
        "documents": report.documents, "provisions": report.provisions, "files": report.files,
        "ingest_seconds": report.seconds,
        "documents_per_second": report.documents / report.seconds if report.seconds else None,
        "provisions_per_second": report.provisions / report.seconds if report.seconds else None,
        "failures": [{"file": f, "reason": r} for f, r in report.failures], "warnings": len(report.warnings),
    })
    info["index_seconds"] = None
    if want_index:
        try:
            mod = _import_search()
        except Unavailable as exc:
            info["index_error"] = str(exc)
        else:
            _log(f"{name}: sync_index {root}")
            started = time.perf_counter()
            try:
                try:
                    res = mod.sync_index(root, progress=not _QUIET)
                except TypeError:
                    res = mod.sync_index(root)
                info["index_seconds"] = time.perf_counter() - started
                info["index_result"] = _to_plain(res)
            except Exception as exc:  # a broken index must not lose the baselines
                info["index_error"] = f"sync_index failed: {exc.__class__.__name__}: {exc}"
                _log(traceback.format_exc())
            _log(f"{name}: index {info.get('index_seconds') or 0:.1f} s")
    info["rss_mb_after"] = peak_rss_mb()
    return info


def make_system(system: str, corpus: str, root: Path, bench_dir: Path, alqac_dir: Path) -> Any:
    """An object with ``search(question, k, as_of)`` for ``system`` on the corpus in ``root``."""
    from eval import baselines as B

    if system == "hybrid":
        mod = _import_search()
        return mod.Searcher(root)
    if system == "bm25":
        return B.BM25Baseline(B.store_units(root))
    if system == "bm25-ref":
        return B.BM25Baseline(B.law_json_units(alqac_dir / "law.json"))
    if system == "dense":
        # e5 alone over the hybrid index's own vectors (eval.baselines.IndexDenseBaseline): the
        # corpus is embedded once per bench, not twice.
        mod = _import_search()
        return B.IndexDenseBaseline(mod.Searcher(root), B.store_units(root))
    raise ValueError(system)


WARMUP_QUESTION = "Thủ tục này do cơ quan nào thực hiện?"
BENCH_ENTRIES = {"alqac", "tdkt", "cache"}


def run_search(system_obj: Any, records: list[dict[str, Any]], k: int = K,
               use_as_of: bool = True) -> tuple[dict[str, list[dict]], list[float], dict[str, str]]:
    """Hits (canonical dicts) and seconds per question; errors by question id."""
    hits: dict[str, list[dict]] = {}
    secs: list[float] = []
    errors: dict[str, str] = {}
    if records:  # warm-up: model loads, lazy index opening (a question no set holds: no cache hit)
        try:
            system_obj.search(WARMUP_QUESTION, k=k)
        except Exception:
            pass
    for r in records:
        as_of = _parse_date(r.get("as_of")) if use_as_of else None
        started = time.perf_counter()
        try:
            res = system_obj.search(r["question"], k=k, as_of=as_of) if as_of else system_obj.search(r["question"], k=k)
        except Exception as exc:
            errors[r["id"]] = f"{exc.__class__.__name__}: {exc}"
            res = []
        secs.append(time.perf_counter() - started)
        hits[r["id"]] = [canonical(h) for h in list(res or [])[:k]]
    return hits, secs, errors


def score_run(records: list[dict[str, Any]], hits: dict[str, list[dict]]) -> tuple[dict, dict[str, dict]]:
    """Aggregate scores over answerable records, and the per-question rows."""
    per_q: dict[str, dict] = {}
    for r in records:
        gold = [canonical(g) for g in r.get("gold") or []]
        if not gold:
            continue
        per_q[r["id"]] = M.score_question(hits.get(r["id"], []), gold)
    return M.aggregate(list(per_q.values())), per_q


def _ranks(records: list[dict[str, Any]], hits: dict[str, list[dict]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        gold = [canonical(g) for g in r.get("gold") or []]
        h = hits.get(r["id"], [])
        row = {"id": r["id"], "top": [short(x) for x in h[:5]]}
        if gold:
            row["art_rank"] = M.first_match_rank(M.ranking(h, "article"), M.gold_items(gold, "article"), "article")
            row["cl_rank"] = M.first_match_rank(M.ranking(h, "clause"), M.gold_items(gold, "clause"), "clause")
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------
# The service's ask


def load_ask(index_dir: Path, searcher: Any = None) -> Callable[[str, date | None], Any]:
    """The service's ask bound to ``index_dir``: ``fn(question, as_of) -> result``.

    Tries ``TDKT_BENCH_ASK`` ("module:name") then :data:`ASK_CANDIDATES`. A class (``Assistant``)
    is built with the index folder and given the bench's already-loaded ``searcher`` when it keeps
    one as ``searcher``; a plain function gets the index folder / searcher / as_of its signature
    asks for."""
    candidates = list(ASK_CANDIDATES)
    env = os.environ.get("TDKT_BENCH_ASK")
    if env and ":" in env:
        candidates.insert(0, tuple(env.split(":", 1)))
    reasons = []
    for mod_name, attr in candidates:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError as exc:
            reasons.append(f"{mod_name}: {exc}")
            continue
        obj = getattr(mod, attr, None)
        if obj is None:
            reasons.append(f"{mod_name} has no {attr}")
            continue
        if inspect.isclass(obj):
            inst = obj(index_dir)
            if searcher is not None and "searcher" in dir(type(inst)):
                inst.__dict__["searcher"] = searcher  # share the loaded models (cached_property)
            fn = inst.ask
        elif callable(obj):
            fn = obj
        else:
            continue
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}
        kw: dict[str, Any] = {}
        if not inspect.isclass(obj):
            for name in ("index_dir", "index", "root", "index_path"):
                if name in params:
                    kw[name] = index_dir
                    break
            if "searcher" in params and searcher is not None:
                kw["searcher"] = searcher
        takes_as_of = "as_of" in params

        def call(question: str, as_of: date | None, _fn=fn, _kw=kw, _as_of=takes_as_of) -> Any:
            extra = {"as_of": as_of} if (_as_of and as_of) else {}
            return _fn(question, **_kw, **extra)

        call.__name__ = f"{mod_name}.{attr}"
        return call
    raise Unavailable("no ask function importable (" + "; ".join(reasons[:2]) + ")")


def run_ask(ask: Callable, records: list[dict[str, Any]],
            retrieved: dict[str, list[dict]] | None) -> dict[str, Any]:
    """Ask every question; score citations and abstention."""
    secs: list[float] = []
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    has_retrieved = False
    if records:
        try:
            ask(WARMUP_QUESTION, None)
        except Exception:
            pass
    for r in records:
        started = time.perf_counter()
        try:
            res = _to_plain(ask(r["question"], _parse_date(r.get("as_of"))))
        except Exception as exc:
            errors[r["id"]] = f"{exc.__class__.__name__}: {exc}"
            res = None
        secs.append(time.perf_counter() - started)
        if not isinstance(res, dict):
            continue
        cites = [canonical(c) for c in res.get("citations") or []]
        abstained = bool(res.get("abstained"))
        gold = [canonical(g) for g in r.get("gold") or []]
        ids = res.get("retrieved")
        ids = [str(x) for x in ids] if isinstance(ids, list) and all(isinstance(x, str) for x in ids) else None
        c = M.citation_scores(cites, (retrieved or {}).get(r["id"], []), gold, retrieved_ids=ids)
        has_retrieved = has_retrieved or ids is not None or bool(retrieved)
        rows.append({"id": r["id"], "answerable": bool(r.get("answerable", bool(gold))), "abstained": abstained,
                     "citations": [short(x) for x in cites], **c})
    answered = [x for x in rows if x["answerable"]]
    summary: dict[str, Any] = {
        "n": len(records), "errors": len(errors),
        **M.abstention_scores([(x["answerable"], x["abstained"]) for x in rows]),
        "gold_in_citations": M.mean(x["gold_in_citations"] for x in answered),
        "gold_in_citations_clause": M.mean(x["gold_in_citations_clause"] for x in answered),
        "citation_F2": M.mean(x["F2"] for x in answered),
        "citation_precision_gold": M.mean(x["precision_gold"] for x in answered),
        "citation_precision_retrieved": M.mean(x["precision_retrieved"] for x in rows) if has_retrieved else None,
        "citations_outside_retrieved": sum(x["outside_retrieved"] for x in rows) if has_retrieved else None,
        "citations_outside_retrieved_strict": (sum(x["outside_retrieved_strict"] for x in rows)
                                               if has_retrieved else None),
        "citations": sum(x["n_citations"] for x in rows),
        "latency": M.latency_summary(secs),
        "error_examples": dict(list(errors.items())[:5]),
        "per_question": rows,
    }
    return summary


# ---------------------------------------------------------------------------------------------
# The table


COLUMNS = ("set", "system", "n", "art R@1", "art R@5", "art R@10", "art MRR@10", "F2@1",
           "cl R@1", "cl R@5", "cl R@10", "cl MRR@10", "p50 ms", "p95 ms", "notes")


def _f(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _ms(v: Any) -> str:
    return "–" if v is None else (f"{v:.0f}" if v >= 10 else f"{v:.1f}")


def result_row(res: dict[str, Any]) -> list[str]:
    if res.get("unavailable"):
        return [res["set"], res["system"], "–", *["–"] * 11, f"not available: {res['unavailable']}"]
    s = res["scores"]
    article_only = res.get("granularity") == "article"
    cl = ["–"] * 4 if article_only else [_f(s.get("cl_R@1")), _f(s.get("cl_R@5")), _f(s.get("cl_R@10")),
                                         _f(s.get("cl_MRR"))]
    lat = res.get("latency") or {}
    return [res["set"], res["system"], str(s.get("n", 0)), _f(s.get("art_R@1")), _f(s.get("art_R@5")),
            _f(s.get("art_R@10")), _f(s.get("art_MRR")), _f(s.get("F2@1")), *cl,
            _ms(lat.get("p50_ms")), _ms(lat.get("p95_ms")), res.get("notes", "")]


def ask_row(res: dict[str, Any]) -> list[str]:
    if res.get("unavailable"):
        return [res["set"], "ask", "–", *["–"] * 11, f"not available: {res['unavailable']}"]
    a = res
    notes = [f"gold in citations {_f(a.get('gold_in_citations'), 2)} (clause {_f(a.get('gold_in_citations_clause'), 2)})",
             f"citation F2 {_f(a.get('citation_F2'), 2)}",
             f"citations outside retrieved {_f(a.get('citations_outside_retrieved'))}/{a.get('citations')}"
             f" (not exactly retrieved {_f(a.get('citations_outside_retrieved_strict'))})",
             f"abstain on unanswerable {_f(a.get('abstain_unanswerable'), 2)} (n={a.get('n_unanswerable')})",
             f"answer on answerable {_f(a.get('answer_answerable'), 2)} (n={a.get('n_answerable')})"]
    if a.get("errors"):
        notes.append(f"errors {a['errors']}")
    lat = a.get("latency") or {}
    return [res["set"], "ask", str(a.get("n")), *["–"] * 9, _ms(lat.get("p50_ms")), _ms(lat.get("p95_ms")),
            " · ".join(notes)]


def serve_row(sb: dict[str, Any]) -> list[str]:
    """`tdkt serve`: /ask latency at 10 concurrent clients; first answer after start in the notes."""
    if sb.get("unavailable"):
        return ["/ask (HTTP)", "serve", "–", *["–"] * 11, f"not available: {sb['unavailable']}"]
    p50, p95 = sb.get("ask_p50_ms"), sb.get("ask_p95_ms")
    n = sb.get("requests", "–")
    bits = [f"first answer {sb['first_answer_s']:.1f} s after start" if sb.get("first_answer_s") is not None else "",
            f"{sb.get('clients', 10)} concurrent clients",
            f"{sb['workers']} server processes" if sb.get("workers") else "",
            f"server CPU {sb['server_cpu_ms_per_request']} ms/request" if sb.get("server_cpu_ms_per_request") else "",
            f"peak RSS {sb['peak_rss_mb']:.0f} MB" if sb.get("peak_rss_mb") else "",
            f"PSS {sb['pss_mb']:.0f} MB" if sb.get("pss_mb") else "",
            f"load {sb.get('load_before')} → {sb.get('load_after')}"]
    return ["/ask (HTTP)", "serve", str(n), *["–"] * 9, _ms(p50), _ms(p95), " · ".join(b for b in bits if b)]


def build_row(info: dict[str, Any]) -> list[str]:
    if info.get("unavailable"):
        return ["build", info["corpus"], "–", *["–"] * 11, f"not available: {info['unavailable']}"]
    notes = [f"ingest {info['documents']} docs / {info['provisions']} provisions in {info['ingest_seconds']:.1f} s "
             f"({_f(info.get('documents_per_second'), 2)} docs/s, {_f(info.get('provisions_per_second'), 0)} provisions/s)"]
    if info.get("index_seconds") is not None:
        r = info.get("index_result") if isinstance(info.get("index_result"), dict) else {}
        if r.get("changed") is False:
            how = " (index up to date)"
        elif "embedded" in r:
            how = f" ({r['embedded']} chunks embedded, {r.get('reused', 0)} reused)"
        else:
            how = "" if info.get("fresh") else " (incremental)"
        notes.append(f"index build {info['index_seconds']:.1f} s{how}")
    elif info.get("index_error"):
        notes.append(f"index: {info['index_error']}")
    for name, secs in (info.get("system_build_seconds") or {}).items():
        notes.append(f"{name} build {secs:.1f} s")
    if info.get("failures"):
        notes.append(f"failures {len(info['failures'])}")
    return ["build", info["corpus"], str(info["documents"]), *["–"] * 11, " · ".join(notes)]


def render_table(rows: list[list[str]]) -> str:
    cells = [list(COLUMNS)] + [[c.replace("|", "/") for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS) - 1)]

    def line(r: list[str]) -> str:
        return "| " + " | ".join([*(r[i].ljust(widths[i]) for i in range(len(widths))), r[-1]]) + " |"

    sep = "|" + "|".join(["-" * (w + 2) for w in widths] + ["---"]) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


# ---------------------------------------------------------------------------------------------
# Options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n")[0])
    p.add_argument("--only", default=None,
                   help="comma-separated sets: alqac, alqac-nd, tdkt (= tdkt-test + tdkt-dev), tdkt-test, tdkt-dev")
    p.add_argument("--systems", default=None, help="comma-separated: " + ", ".join(ALL_SYSTEMS))
    p.add_argument("--quick", action="store_true", help=f"first {QUICK_LIMIT} questions of each set, no alqac-nd")
    p.add_argument("--limit", type=int, default=None, help="first N questions of each set")
    p.add_argument("--fresh", action="store_true", help="delete the bench folder first (full rebuild, no caches)")
    p.add_argument("--bench-dir", default=os.environ.get("TDKT_BENCH_DIR") or str(REPO / ".tdkt" / "bench"))
    p.add_argument("--corpus", default=os.environ.get("TDKT_CORPUS") or str(REPO.parent / "shared" / "corpus" / "tdkt"))
    p.add_argument("--alqac", default=os.environ.get("TDKT_ALQAC")
                   or str(REPO.parent / "shared" / "datasets" / "alqac" / "alqac2022"))
    p.add_argument("--questions", default=str(QUESTIONS))
    p.add_argument("--out", default=str(DEFAULT_OUT), help="JSON results (default eval/results/latest.json)")
    p.add_argument("--k", type=int, default=K)
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p.parse_args(argv)


def _coerce_args(args: Any) -> argparse.Namespace:
    if args is None:
        return parse_args([])
    if isinstance(args, argparse.Namespace):
        base = vars(parse_args([]))
        base.update({k: v for k, v in vars(args).items() if v is not None or k not in base})
        return argparse.Namespace(**base)
    if isinstance(args, dict):
        base = vars(parse_args([]))
        base.update({k.replace("-", "_"): v for k, v in args.items()})
        return argparse.Namespace(**base)
    return parse_args(list(args))


def _selected(value: Any, allowed: tuple[str, ...], aliases: dict[str, tuple[str, ...]]) -> list[str]:
    if not value:
        return list(allowed)
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for raw in (x.strip() for x in items if x and x.strip()):
        for name in aliases.get(raw, (raw,)):
            if name not in allowed and name not in ("ask",):
                raise SystemExit(f"unknown name {raw!r}; choose from {', '.join(allowed)}")
            if name not in out:
                out.append(name)
    return out


# ---------------------------------------------------------------------------------------------
# The run


def run_bench(args: Any = None) -> dict[str, Any]:
    """Run the bench; returns the results dict (``table`` holds the printed table) and writes
    ``args.out``. ``args``: list of CLI arguments, argparse.Namespace, dict or None."""
    global _QUIET
    a = _coerce_args(args)
    _QUIET = bool(a.quiet)
    wall = time.perf_counter()
    sets = _selected(a.only, ALL_SETS + ("ask",), {"tdkt": ("tdkt-test", "tdkt-dev")})
    want_ask_set = "ask" in sets
    sets = [s for s in sets if s != "ask"] or (["tdkt-test", "tdkt-dev"] if want_ask_set else [])
    if a.quick and not a.only:
        sets = [s for s in sets if s != "alqac-nd"]
    systems = _selected(a.systems, ALL_SYSTEMS, {})
    limit = a.limit or (QUICK_LIMIT if a.quick else None)
    bench_dir = Path(a.bench_dir)
    alqac_dir = Path(a.alqac)
    if a.fresh and bench_dir.exists():
        # Everything (a fresh clone's cost), but only a bench folder.
        foreign = sorted(p.name for p in bench_dir.iterdir() if p.name not in BENCH_ENTRIES)
        if foreign:
            raise SystemExit(f"--fresh: {bench_dir} holds {', '.join(foreign[:5])}: not a bench folder, not deleting")
        shutil.rmtree(bench_dir)
    bench_dir.mkdir(parents=True, exist_ok=True)

    out: dict[str, Any] = {
        "meta": {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sets": sets,
                 "systems": systems, "limit": limit, "k": a.k, "quick": bool(a.quick),
                 "bench_dir": str(bench_dir), "python": platform.python_version(), "machine": platform.machine(),
                 "cpus": os.cpu_count(), "loadavg_start": _loadavg(),
                 "torch_threads_env": os.environ.get("TDKT_TORCH_THREADS"), "aliases": {f"{d} {k}": v for (d, k), v in ALIASES.items()}},
        "build": [], "results": [], "ask": [],
    }
    tagged: list[tuple[tuple, list[str]]] = []  # (sort key, row): by set, then system, then variant
    build_rows: list[list[str]] = []

    def add(set_name: str, system: str, row: list[str], sub: int = 0) -> None:
        order = SYSTEM_ORDER.index(system) if system in SYSTEM_ORDER else len(SYSTEM_ORDER)
        tagged.append(((ALL_SETS.index(set_name) if set_name in ALL_SETS else 99, order, sub), row))

    corpora: dict[str, dict[str, Any]] = {}
    if any(s.startswith("alqac") for s in sets):
        corpora["alqac"] = {"sources": [alqac_dir / "law.json"], "root": bench_dir / "alqac",
                            "sets": [s for s in sets if s.startswith("alqac")]}
    if any(s.startswith("tdkt") for s in sets):
        corpora["tdkt"] = {"sources": [Path(a.corpus)], "root": bench_dir / "tdkt",
                           "sets": [s for s in sets if s.startswith("tdkt")]}

    for corpus, spec in corpora.items():
        root: Path = spec["root"]
        try:
            info = prepare_corpus(corpus, spec["sources"], root, a.fresh, want_index=bool({"hybrid", "dense", "ask"} & set(systems)))
        except Unavailable as exc:
            info = {"corpus": corpus, "unavailable": str(exc)}
            out["build"].append(info)
            build_rows.append(build_row(info))
            for s in spec["sets"]:
                add(s, "all", result_row({"set": s, "system": "all", "unavailable": str(exc)}))
            continue
        info["system_build_seconds"] = {}

        # Question sets of this corpus.
        qsets: dict[str, list[dict[str, Any]]] = {}
        if corpus == "alqac":
            base = load_alqac(alqac_dir)
            if limit:
                base = base[:limit]
            if "alqac" in spec["sets"]:
                qsets["alqac"] = base
            if "alqac-nd" in spec["sets"]:
                qsets["alqac-nd"] = fold_questions(base)
        else:
            allq = load_tdkt(Path(a.questions))
            for s in spec["sets"]:
                split = s.split("-", 1)[1]
                recs = [r for r in allq if r.get("split") == split]
                qsets[s] = recs[:limit] if limit else recs

        # Systems on this corpus.
        hybrid_hits: dict[str, dict[str, list[dict]]] = {}
        for system in systems:
            if system in ("ask", "serve") or (system == "bm25-ref" and corpus != "alqac"):
                continue
            started = time.perf_counter()
            try:
                if system == "hybrid" and info.get("index_error"):
                    raise Unavailable(info["index_error"])
                _log(f"{corpus}: {system}: prepare")
                obj = make_system(system, corpus, root, bench_dir, alqac_dir)
            except Unavailable as exc:
                for s in qsets:
                    res = {"set": s, "system": system, "unavailable": str(exc)}
                    out["results"].append(res)
                    add(s, system, result_row(res))
                continue
            except Exception as exc:
                _log(traceback.format_exc())
                for s in qsets:
                    res = {"set": s, "system": system, "unavailable": f"{exc.__class__.__name__}: {exc}"}
                    out["results"].append(res)
                    add(s, system, result_row(res))
                continue
            info["system_build_seconds"][system] = time.perf_counter() - started
            granularity = getattr(obj, "granularity", "clause")
            for i, (s, recs) in enumerate(qsets.items()):
                if system == "hybrid" and i:
                    # A new Searcher per set: its query-vector cache must not carry one set's
                    # questions into the next (alqac-nd restores alqac's very texts).
                    obj = make_system(system, corpus, root, bench_dir, alqac_dir)
                _log(f"{corpus}: {system}: {s} ({len(recs)} questions)")
                hits, secs, errors = run_search(obj, recs, k=a.k)
                if system == "hybrid":
                    hybrid_hits[s] = hits
                scores, per_q = score_run(recs, hits)
                lat = M.latency_summary(secs)
                notes = []
                if errors:
                    notes.append(f"errors {len(errors)}")
                res = {"set": s, "system": system, "granularity": granularity, "scores": scores, "latency": lat,
                       "errors": len(errors), "error_examples": dict(list(errors.items())[:5]),
                       "n_questions": len(recs), "per_question": _ranks(recs, hits)}
                if corpus == "tdkt" or s == "alqac-nd":
                    res["by_variant"] = M.by_group(recs, per_q, "variant")
                if corpus == "tdkt":
                    res["by_topic"] = M.by_group(recs, per_q, "topic")
                    res["twins"] = {m: M.twin_pairs(recs, per_q, m) for m in ("art_hit@1", "art_hit@5")}
                    unans = sum(1 for r in recs if not r.get("gold"))
                    if unans:
                        notes.append(f"{unans} unanswerable not scored")
                res["notes"] = " · ".join(notes)
                out["results"].append(res)
                add(s, system, result_row(res))
                # Variant rows (TĐKT): accented / no_diacritics / abbreviation, twins in the notes.
                if corpus == "tdkt":
                    for sub, variant in enumerate(VARIANTS, 1):
                        vs = res["by_variant"].get(variant)
                        if not vs:
                            continue
                        tw = res["twins"]["art_hit@5"].get(variant)
                        vnote = (f"twins hit@5: {tw['pairs']} pairs, original {tw['original']:.2f} → "
                                 f"{variant} {tw['variant']:.2f}") if tw else ""
                        add(s, system, result_row({"set": f"{s} · {variant}", "system": system,
                                                   "granularity": granularity, "scores": vs, "latency": None,
                                                   "notes": vnote}), sub)
                _log(f"{corpus}: {system}: {s}: art R@1 {_f(scores.get('art_R@1'))} R@5 {_f(scores.get('art_R@5'))} "
                     f"MRR {_f(scores.get('art_MRR'))} p50 {_ms(lat['p50_ms'])} ms")

        # Cited answers (TĐKT only).
        if corpus == "tdkt" and ("ask" in systems or want_ask_set):
            try:
                # Its own searcher (not the bench's): a shared one would answer from the query
                # vectors the hybrid run just cached, and ask latency would look too good.
                ask = load_ask(root)
            except Unavailable as exc:
                for s in qsets:
                    res = {"set": s, "unavailable": str(exc)}
                    out["ask"].append(res)
                    add(s, "ask", ask_row(res))
            else:
                for s, recs in qsets.items():
                    _log(f"{corpus}: ask ({ask.__name__}): {s} ({len(recs)} questions)")
                    summary = run_ask(ask, recs, hybrid_hits.get(s))
                    summary["set"] = s
                    summary["function"] = ask.__name__
                    if recs and summary["errors"] == len(recs):  # importable but cannot answer yet
                        first = next(iter(summary["error_examples"].values()), "")
                        summary = {"set": s, "function": ask.__name__,
                                   "unavailable": f"{ask.__name__} failed on every question ({first})"}
                    out["ask"].append(summary)
                    add(s, "ask", ask_row(summary))

        # The HTTP service (TĐKT only): `tdkt serve` started cold, time to its first answer, then
        # /ask at 10 concurrent clients (eval.serve_bench).
        if corpus == "tdkt" and "serve" in systems:
            try:
                from eval import serve_bench

                _log(f"{corpus}: serve: tdkt serve over {root}, 10 concurrent clients")
                sb = serve_bench.run(root, quiet=True)  # its figures go in the table and the JSON
            except Exception as exc:  # the retrieval figures stand without it
                sb = {"unavailable": f"{exc.__class__.__name__}: {exc}"}
            out["serve"] = sb
            add("tdkt-test", "serve", serve_row(sb), 9)
        info["rss_mb_after_systems"] = peak_rss_mb()
        out["build"].append(info)
        build_rows.append(build_row(info))

    total = time.perf_counter() - wall
    peak = peak_rss_mb()
    out["meta"].update({"seconds": total, "peak_rss_mb": peak, "loadavg_end": _loadavg()})
    rows = [row for _, row in sorted(tagged, key=lambda t: t[0])]
    rows.extend(build_rows)
    rows.append(["run", "all", "–", *["–"] * 11,
                 f"wall {total / 60:.1f} min · peak RSS {peak:.0f} MB · k={a.k} · "
                 f"load avg {out['meta']['loadavg_start']} → {out['meta']['loadavg_end']} on {os.cpu_count()} CPUs"
                 + (f" · first {limit} questions per set" if limit else "")])
    table = render_table(rows)
    out["table"] = table
    path = Path(a.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(_to_plain(out), fh, ensure_ascii=False, indent=1)
    tmp.replace(path)
    out["out"] = str(path)
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    res = run_bench(parse_args(argv))
    print(res["table"])
    print(f"\nwritten: {res['out']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
