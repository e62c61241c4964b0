"""The `tdkt` command: ingest, documents, show, search, ask, serve, bench.

Every command takes `--index DIR` (or TDKT_INDEX) and `--json`.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from service import settings


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _emit(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


index_option = click.option("--index", "index", envvar="TDKT_INDEX", default=None,
                            help="Folder of the ingested state (default: TDKT_INDEX or .tdkt/index).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
as_of_option = click.option("--as-of", "as_of", callback=_date, default=None,
                            help="Compute validity on this date (YYYY-MM-DD); default today.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Regulation assistant for Vietnamese thi đua, khen thưởng (TĐKT)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@json_option
@click.option("--no-index", is_flag=True, help="Only parse and store; do not update the search index.")
def ingest(paths, index, as_json, no_index):
    """Ingest regulation files or folders (default: the shared TĐKT corpus)."""
    from tqdm import tqdm

    from ingest.batch import collect_files, IngestReport, ingest_paths
    from ingest.store import DocumentStore

    root = settings.index_dir(index)
    paths = paths or (settings.get("TDKT_CORPUS"),)
    store = DocumentStore(root)
    total = len(collect_files(paths, IngestReport()))
    bar = tqdm(total=total, unit="file", desc="ingest", file=sys.stderr, disable=as_json or total == 0)

    def progress(path: Path) -> None:
        bar.set_postfix_str(path.name[:40])
        bar.update(1)

    report = ingest_paths(paths, store, progress=progress)
    bar.close()
    result = report.to_dict()
    if not no_index and report.documents:
        result["index"] = _sync_index(root, quiet=as_json)
    if as_json:
        _emit(result)
    else:
        click.echo(f"documents: {report.documents} ({len(report.added)} added, {len(report.replaced)} replaced, "
                   f"{len(report.unchanged)} unchanged) · provisions: {report.provisions} · "
                   f"warnings: {len(report.warnings)} · failures: {len(report.failures)} · {report.seconds:.1f} s")
        for w in report.warnings:
            click.echo(f"  warning: {w}")
        for f, reason in report.failures:
            click.echo(f"  FAILED {f}: {reason}")
        if report.skipped:
            click.echo(f"  skipped {len(report.skipped)} file(s) of unsupported types")
    if report.failures and not report.documents:
        sys.exit(1)


def _sync_index(root: Path, quiet: bool) -> dict | None:
    """Bring the search index up to date with the stored documents (once index/ provides it)."""
    try:
        from index.search import sync_index
    except ImportError:
        return None
    return sync_index(root, progress=not quiet)


@main.command()
@index_option
@json_option
@as_of_option
def documents(index, as_json, as_of):
    """List known documents: số hiệu, type, title, dates, status, articles, and what the corpus lacks."""
    from service.library import Library

    lib = Library(settings.index_dir(index))
    rows = lib.document_list(as_of or settings.today())
    if as_json:
        _emit(rows)
        return
    for r in rows:
        size = (f"{r['articles']} điều" if r.get("articles") else "") + (
            f" + {r['attached_articles']} điều kèm theo" if r.get("attached_articles") else "") + (
            f"{r['sections']} mục" if r.get("sections") else "")
        held = "" if r["held"] else "  [không có trong kho văn bản]"
        click.echo(f"{r['doc']:<20} {r['type']:<16} {r['status']:<30} {size:<28} {(r['title'] or '')[:60]}{held}")


@main.command()
@click.argument("ref")
@index_option
@json_option
@as_of_option
def show(ref, index, as_json, as_of):
    """Print one provision: "khoản 2 Điều 24 NĐ 152/2025", "dieu 7 luat tdkt 2022", "mục II.2 KH 157"."""
    from service.library import Library, UnknownReference

    lib = Library(settings.index_dir(index))
    try:
        p = lib.resolve(ref)
    except UnknownReference as exc:
        if as_json:
            _emit({"error": str(exc)})
        else:
            click.echo(f"not found: {exc}", err=True)
        sys.exit(2)
    status = lib.status_text(p.doc, as_of or settings.today())
    if as_json:
        _emit({"doc": p.doc, "article": p.article_number, "clause": int(p.clause) if p.clause else None,
               "point": p.point, "section": p.section, "part": p.part, "label": p.label, "text": p.text,
               "status": status})
        return
    click.echo(p.label)
    if p.chapter:
        click.echo(p.chapter)
    click.echo(f"[{status}]")
    click.echo("")
    click.echo(p.text)


@main.command()
@click.argument("question")
@index_option
@json_option
@as_of_option
@click.option("--doc", "docs", multiple=True, help="Restrict to these documents (số hiệu); repeatable.")
def ask(question, index, as_json, as_of, docs):
    """Answer a procedural question with quoted, numbered citations and their validity."""
    from service.answer import Assistant

    question = question.strip()
    if not question or len(question) > 1000:
        raise click.BadParameter("the question must be 1–1000 characters", param_hint="QUESTION")
    result = Assistant(settings.index_dir(index)).ask(question, as_of=as_of, docs=list(docs) or None)
    if as_json:
        _emit(result)
        return
    click.echo(result["answer"])
    for w in result["warnings"]:
        click.echo(f"⚠ {w}")
    if result["citations"]:
        click.echo("")
        for c in result["citations"]:
            click.echo(f"[{c['n']}] {c['label']} — {c['status']}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@index_option
@click.option("--no-warm", is_flag=True, help="Do not load the answering engine before serving.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Server processes sharing the port, each with its own answering engine "
                   "[default: the usable cores, at most 2].")
def serve(host, port, index, no_warm, workers):
    """Run the HTTP API and the web page (http://HOST:PORT/, API docs at /docs)."""
    workers = workers or _default_workers()
    if not no_warm and workers == 1:  # the search side's imports (~4 s) overlap those of the web side
        import threading

        threading.Thread(target=_preimport, name="tdkt-preimport", daemon=True).start()
    from service.api import serve as run

    root = settings.index_dir(index)
    if not (root / "documents").is_dir():
        click.echo(f"warning: {root} holds no ingested documents; run `tdkt ingest` first", err=True)
    run(root, host=host, port=port, warm=not no_warm, workers=workers)


def _default_workers() -> int:
    """One server process per usable core, at most 2: measured on this 2-core machine, two
    processes answer /ask at 10 clients ~2x faster than one (the Python side of an answer holds
    the GIL), and each costs its own memory and warm-up."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 2))


def _preimport() -> None:
    try:
        import service.answer  # noqa: F401
        import index.search  # noqa: F401
    except Exception:  # reported by the warm-up, which imports them again
        pass


def _search_result(h) -> dict:
    d = {"doc": h.doc, "article": h.article, "clause": h.clause, "point": h.point, "section": h.section}
    if h.part:
        d["part"] = h.part
    d.update({"label": h.label, "score": h.score, "id": h.id, "kind": h.kind})
    return d


@main.command()
@click.argument("question", required=False)
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 200), help="Number of hits.")
@as_of_option
@click.option("--doc", "docs", multiple=True, help="Restrict to these documents (số hiệu); repeatable.")
@click.option("--batch", "batch", type=click.Path(exists=True, dir_okay=False),
              help='JSONL file of {"id", "question", "as_of"?} lines; prints one JSON line per input.')
@index_option
@json_option
def search(question, k, as_of, docs, batch, index, as_json):
    """Find the provisions that govern a question (hybrid BM25 + e5 retrieval)."""
    from index.search import IndexMissing, Searcher

    if bool(question) == bool(batch):
        raise click.UsageError("give a QUESTION or --batch FILE (not both)")
    try:
        searcher = Searcher(settings.index_dir(index))
    except IndexMissing as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    docs = list(docs) or None
    if batch:
        with open(batch, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rid = None
                try:
                    rec = json.loads(line)
                    rid = rec.get("id", n)
                    day = date.fromisoformat(rec["as_of"]) if rec.get("as_of") else as_of
                    hits = searcher.search(rec["question"], k=k, as_of=day, docs=rec.get("docs") or docs)
                    out = {"id": rid, "results": [_search_result(h) for h in hits]}
                except Exception as exc:  # one bad line must not stop the batch
                    out = {"id": rid if rid is not None else n, "error": f"{exc.__class__.__name__}: {exc}", "results": []}
                click.echo(json.dumps(out, ensure_ascii=False))
        return
    hits = searcher.search(question, k=k, as_of=as_of, docs=docs)
    if as_json:
        _emit({"question": question, "as_of": (as_of or settings.today()).isoformat(),
               "results": [h.to_dict() for h in hits]})
        return
    if not hits:
        click.echo("no results")
        return
    for i, h in enumerate(hits, 1):
        status = h.status or "không rõ hiệu lực (văn bản chưa có trong danh mục)"
        click.echo(f"{i:>2}. {h.label}  [{status}]")
        snippet = h.snippet if len(h.snippet) <= 220 else h.snippet[:217] + "…"
        click.echo(f"    {snippet}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("bench_args", nargs=-1, type=click.UNPROCESSED)
def bench(bench_args):
    """Measure everything (the same as `make bench`): every question set against the hybrid
    system and the baselines; prints one table and writes eval/results/latest.json. Options are
    those of `python -m eval.bench` (--only, --systems, --quick, --fresh, --limit, --out …)."""
    from eval.bench import main as bench_main

    raise SystemExit(bench_main(list(bench_args)))


if __name__ == "__main__":
    main()
