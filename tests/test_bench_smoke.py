"""Smoke test of the bench plumbing (eval/bench.py) with the BM25 baseline on a few questions.

The fast test ingests ALQAC 2022's law.json into a temporary bench folder and runs 20 questions
through BM25; anything that needs the embedding model is marked slow.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import bench

ALQAC = Path(bench.REPO).parent / "shared" / "datasets" / "alqac" / "alqac2022"
CORPUS = Path(bench.REPO).parent / "shared" / "corpus" / "tdkt"


def _count_split(split: str) -> int:
    """Questions of one split in the question file (the bench scores every one of them)."""
    lines = bench.QUESTIONS.read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.strip() and json.loads(line)["split"] == split)


needs_alqac = pytest.mark.skipif(not (ALQAC / "law.json").exists(), reason=f"no ALQAC data at {ALQAC}")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no TĐKT corpus at {CORPUS}")


@pytest.fixture(scope="module")
def alqac_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "latest.json"
    res = bench.run_bench(["--only", "alqac", "--systems", "bm25,bm25-ref", "--limit", "20",
                           "--bench-dir", str(tmp / "bench"), "--alqac", str(ALQAC), "--out", str(out), "--quiet"])
    return res, out


@needs_alqac
def test_bm25_on_20_alqac_questions(alqac_run):
    res, out = alqac_run
    table = res["table"]
    lines = table.splitlines()
    assert lines[0].startswith("| set") and "art R@5" in lines[0] and set(lines[1]) <= {"|", "-"}
    assert all(line.startswith("|") and line.endswith("|") for line in lines)
    assert any(line.startswith("| alqac ") and "| bm25 " in line for line in lines)
    assert any(line.startswith("| build ") for line in lines) and any(line.startswith("| run ") for line in lines)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["table"] == table
    bm25 = next(r for r in data["results"] if r["set"] == "alqac" and r["system"] == "bm25")
    s = bm25["scores"]
    assert s["n"] == 20
    assert s["art_R@5"] > 0.5
    assert 0.0 <= s["art_R@1"] <= s["art_R@5"] <= s["art_R@10"] <= 1.0
    assert 0.0 < s["art_MRR"] <= 1.0 and 0.0 <= s["F2@1"] <= 1.0
    assert bm25["latency"]["n"] == 20 and bm25["latency"]["p50_ms"] <= bm25["latency"]["p95_ms"]
    assert len(bm25["per_question"]) == 20 and bm25["per_question"][0]["top"]
    ref = next(r for r in data["results"] if r["set"] == "alqac" and r["system"] == "bm25-ref")
    assert ref["scores"]["art_R@5"] > 0.5

    build = data["build"][0]
    assert build["corpus"] == "alqac" and build["documents"] == 4 and build["provisions"] > 1377
    assert build["documents_per_second"] > 0
    assert data["meta"]["peak_rss_mb"] > 0 and data["meta"]["seconds"] > 0


@needs_corpus
def test_missing_systems_are_reported_not_fatal(tmp_path, monkeypatch):
    def no_search():
        raise bench.Unavailable("index.search not importable (test)")

    monkeypatch.setattr(bench, "_import_search", no_search)
    monkeypatch.setattr(bench, "ASK_CANDIDATES", (("service.no_such_module", "ask"),))
    monkeypatch.delenv("TDKT_BENCH_ASK", raising=False)
    res = bench.run_bench(["--only", "tdkt-dev", "--systems", "hybrid,bm25,ask", "--limit", "5",
                           "--bench-dir", str(tmp_path / "bench"), "--corpus", str(CORPUS),
                           "--out", str(tmp_path / "latest.json"), "--quiet"])
    rows = res["table"].splitlines()
    assert any("| hybrid " in r and "not available: index.search not importable (test)" in r for r in rows)
    assert any("| ask " in r and "not available" in r for r in rows)
    bm25 = next(r for r in res["results"] if r["system"] == "bm25")
    assert bm25["scores"]["n"] > 0


@needs_alqac
@needs_corpus
def test_tdkt_sets_have_variant_rows(tmp_path):
    out = tmp_path / "latest.json"
    res = bench.run_bench(["--only", "tdkt-dev", "--systems", "bm25", "--bench-dir", str(tmp_path / "bench"),
                           "--corpus", str(CORPUS), "--out", str(out), "--quiet"])
    data = json.loads(out.read_text(encoding="utf-8"))
    r = next(x for x in data["results"] if x["set"] == "tdkt-dev" and x["system"] == "bm25")
    assert r["n_questions"] == _count_split("dev") and set(r["by_variant"]) >= {"accented", "no_diacritics"}
    assert r["scores"]["art_R@10"] > 0.5
    assert "twins" in r and r["twins"]["art_hit@5"]
    assert "| tdkt-dev · no_diacritics " in res["table"]


def test_canonical_aliases_the_kh157_appendix():
    h = bench.canonical({"doc": "157/KH-UBND", "kind": "appendix", "article": None, "section": None,
                         "label": "Phụ lục Kế hoạch số 157/KH-UBND", "score": 1})
    assert h["section"] == "III.3.a" and h["alias"]
    other = bench.canonical({"doc": "03/2018/TT-BNG", "kind": "appendix"})
    assert other["section"] is None


def test_render_table_is_markdown():
    rows = [["alqac", "bm25", "20", *["0.900"] * 8, "1.0", "2.0", "a|b"]]
    t = bench.render_table(rows).splitlines()
    assert len(t) == 3 and t[2].count("|") == len(bench.COLUMNS) + 1  # "|" in notes is escaped


@pytest.mark.slow
@needs_corpus
def test_dense_baseline_on_tdkt_dev(shared_tdkt_index, tmp_path):
    """The dense baseline ranks with the index's own vectors (the session's index, copied)."""
    import shutil

    shutil.copytree(shared_tdkt_index, tmp_path / "bench" / "tdkt")
    out = tmp_path / "latest.json"
    bench.run_bench(["--only", "tdkt-dev", "--systems", "dense", "--limit", "20", "--bench-dir",
                     str(tmp_path / "bench"), "--corpus", str(CORPUS), "--out", str(out), "--quiet"])
    data = json.loads(out.read_text(encoding="utf-8"))
    dense = next(r for r in data["results"] if r["set"] == "tdkt-dev" and r["system"] == "dense")
    assert dense["scores"]["art_R@10"] > 0.5
    assert dense["latency"]["n"] > 0 and dense["latency"]["p50_ms"] > 0


@needs_corpus
def test_tdkt_bench_command(tmp_path):
    """`tdkt bench` is the same command as `make bench`: its options reach eval.bench."""
    import subprocess
    import sys

    out = tmp_path / "latest.json"
    tdkt = Path(sys.executable).parent / "tdkt"
    proc = subprocess.run([str(tdkt), "bench", "--only", "tdkt-dev", "--systems", "bm25", "--limit", "5",
                           "--bench-dir", str(tmp_path / "bench"), "--corpus", str(CORPUS), "--out", str(out),
                           "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| tdkt-dev " in proc.stdout and "| bm25 " in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    row = next(r for r in data["results"] if r["set"] == "tdkt-dev" and r["system"] == "bm25")
    assert row["n_questions"] == 5 and row["scores"]["art_R@10"] > 0
