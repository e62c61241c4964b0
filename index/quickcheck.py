"""Quick measurements of the retrieval layer (the full benchmark is ``python -m eval.bench``).

    python -m index.quickcheck alqac   [--dir DIR] [--limit N]   # ALQAC 2022: article R@1, R@5, MRR@10
    python -m index.quickcheck dev     [--dir DIR]               # TĐKT dev split (what tuning may see)
    python -m index.quickcheck latency [--dir DIR] [--n N]       # warm query latency p50/p95 on TĐKT
        [--with-scale] [--with-alqac]                            #   … with more corpora in the same index
    python -m index.quickcheck all

Each corpus is ingested into its own folder (default ``$TMPDIR/tdkt-quickcheck/{alqac,tdkt}``) and
indexed with :func:`index.search.sync_index`; build time and peak memory are reported. ALQAC is
a benchmark: nothing is tuned on it. The TĐKT test split is never read here.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
ALQAC = REPO.parent / "shared" / "datasets" / "alqac" / "alqac2022"
CORPUS = REPO.parent / "shared" / "corpus" / "tdkt"
SCALE = REPO.parent / "shared" / "corpus" / "scale"
QUESTIONS = REPO / "eval" / "questions" / "tdkt.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(root: Path, sources: list[Path]) -> dict:
    from index.search import sync_index
    from ingest.batch import ingest_paths
    from ingest.store import DocumentStore

    t0 = time.perf_counter()
    rep = ingest_paths(sources, DocumentStore(root))
    t1 = time.perf_counter()
    res = sync_index(root, progress=False)
    t2 = time.perf_counter()
    return {"documents": rep.documents, "provisions": rep.provisions, "ingest_s": round(t1 - t0, 1),
            "index_s": round(t2 - t1, 1), "sync": res}


def _article_ranking(hits) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for h in hits:
        key = (str(h.doc), str(h.article))
        if h.article is not None and key not in out:
            out.append(key)
    return out


def alqac(args) -> dict:
    from index.search import Searcher
    from ingest.vietnamese import fold

    root = Path(args.dir or Path(tempfile.gettempdir()) / "tdkt-quickcheck" / "alqac")
    info = build(root, [ALQAC / "law.json"])
    print(f"ALQAC index: {info}", file=sys.stderr)
    qs = json.loads((ALQAC / "question.json").read_text(encoding="utf-8"))
    if args.limit:
        qs = qs[: args.limit]
    s = Searcher(root)
    s.warm()
    out = {"build": info}
    for variant in ("accented", "no_diacritics"):
        r1 = r5 = mrr = 0.0
        lat = []
        for q in qs:
            text = q["text"] if variant == "accented" else fold(q["text"])
            gold = {(g["law_id"], str(g["article_id"])) for g in q["relevant_articles"]}
            t = time.perf_counter()
            hits = s.search(text, k=10)
            lat.append(time.perf_counter() - t)
            arts = _article_ranking(hits)
            rank = next((i for i, a in enumerate(arts[:10], 1) if a in gold), None)
            r1 += bool(rank and rank <= 1)
            r5 += bool(rank and rank <= 5)
            mrr += 1.0 / rank if rank else 0.0
        n = len(qs)
        out[variant] = {"n": n, "R@1": round(r1 / n, 4), "R@5": round(r5 / n, 4), "MRR@10": round(mrr / n, 4),
                        "p50_ms": round(1000 * statistics.median(lat), 1),
                        "p95_ms": round(1000 * sorted(lat)[int(0.95 * (n - 1))], 1)}
        print(f"ALQAC {variant}: {out[variant]}", file=sys.stderr)
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


def _tdkt(args) -> Path:
    root = Path(args.dir or Path(tempfile.gettempdir()) / "tdkt-quickcheck" / "tdkt")
    sources = [CORPUS]
    if getattr(args, "with_scale", False):
        sources.append(SCALE)
    if getattr(args, "with_alqac", False):
        sources.append(ALQAC / "law.json")
    info = build(root, sources)
    print(f"TĐKT index: {info}", file=sys.stderr)
    args.provisions = sum(len(p.provisions) for p in __import__("ingest.store", fromlist=["x"]).DocumentStore(root))
    return root


def dev(args) -> dict:
    from index.search import Searcher
    from ingest.vietnamese import fold

    try:
        from eval import metrics as M
    except ImportError:  # pragma: no cover
        print("eval.metrics not available", file=sys.stderr)
        return {}
    root = _tdkt(args)
    s = Searcher(root)
    rows = [json.loads(x) for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = [r for r in rows if r.get("split") == "dev" and r.get("gold")]
    out = {}
    for variant in ("as typed", "folded"):
        per = []
        for r in rows:
            if variant == "folded" and r.get("variant") != "accented":
                continue
            q = r["question"] if variant == "as typed" else fold(r["question"])
            hits = s.search(q, k=10, as_of=r.get("as_of"))
            per.append(M.score_question([h.to_dict(full=False) for h in hits], r["gold"]))
        agg = M.aggregate(per)
        out[variant] = {k: round(v, 3) for k, v in agg.items() if k in (
            "art_R@1", "art_R@5", "art_MRR", "cl_R@1", "cl_R@5", "cl_MRR", "n")}
        print(f"dev {variant}: {out[variant]}", file=sys.stderr)
    return out


def latency(args) -> dict:
    from index.search import Searcher

    root = _tdkt(args)
    s = Searcher(root)
    t = time.perf_counter()
    s.warm()
    warm_s = time.perf_counter() - t
    rows = [json.loads(x) for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [r["question"] for r in rows][: args.n]  # texts only: latency, nothing scored
    lat = []
    for q in qs:
        t = time.perf_counter()
        s.search(q, k=10)
        lat.append(time.perf_counter() - t)
    lat.sort()
    out = {"provisions": args.provisions, "n": len(lat), "first_query_s": round(warm_s, 2), "p50_ms": round(1000 * statistics.median(lat), 1),
           "p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1), "max_ms": round(1000 * lat[-1], 1),
           "peak_rss_mb": round(peak_rss_mb())}
    print(f"latency: {out}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m index.quickcheck", description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("alqac", "dev", "latency", "all"))
    ap.add_argument("--dir", default=None, help="index folder to build/reuse")
    ap.add_argument("--limit", type=int, default=None, help="ALQAC: first N questions")
    ap.add_argument("--n", type=int, default=256, help="latency: number of questions")
    ap.add_argument("--with-scale", action="store_true", help="latency: add ../shared/corpus/scale to the index")
    ap.add_argument("--with-alqac", action="store_true", help="latency: add ALQAC's law.json to the index")
    args = ap.parse_args(argv)
    res = {}
    if args.what in ("alqac", "all"):
        res["alqac"] = alqac(args)
        args.dir = None if args.what == "all" else args.dir
    if args.what in ("dev", "all"):
        res["dev"] = dev(args)
    if args.what in ("latency", "all"):
        res["latency"] = latency(args)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
