"""`tdkt search`: one question (human and --json), --doc, --as-of, and --batch JSONL.

Uses the session index that tests/test_index.py builds (the same folder, built once).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from test_index import CORPUS, _build_index  # noqa: E402 - the shared session index

from service.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    if not CORPUS.exists():
        pytest.skip(f"corpus not found: {CORPUS}")
    root, _ = _build_index(tmp_path_factory)
    return root


@pytest.fixture
def run(index_dir, monkeypatch):
    monkeypatch.delenv("TDKT_CHROMA_URL", raising=False)
    monkeypatch.setenv("TDKT_TODAY", "2026-11-22")
    runner = CliRunner()

    def _run(*args):
        res = runner.invoke(main, ["search", *args, "--index", str(index_dir)], catch_exceptions=False)
        return res

    return _run


@pytest.mark.slow
@pytest.mark.timeout(2400)  # may build the session index (when run alone)
def test_search_json_names_the_provision(run):
    res = run("khoản 2 Điều 33 NĐ 152/2025", "--json", "--k", "3")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    top = out["results"][0]
    assert (top["doc"], top["article"], top["clause"], top["part"]) == ("152/2025/NĐ-CP", 33, 2, None)
    assert top["label"].startswith("khoản 2 Điều 33") and "còn hiệu lực" in top["status"]
    assert len(out["results"]) == 3


@pytest.mark.slow
def test_search_human_output(run):
    res = run("tieu chuan cstdcs", "--k", "3")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith(" 1. ") and "Điều 23" in lines[0] and "còn hiệu lực" in lines[0]
    assert sum(1 for x in lines if x[:3].strip().rstrip(".").isdigit()) == 3


@pytest.mark.slow
def test_search_doc_filter_and_as_of(run):
    res = run("tiêu chuẩn chiến sĩ thi đua cơ sở", "--doc", "11/2021/QĐ-UBND", "--json")
    docs = {r["doc"] for r in json.loads(res.output)["results"]}
    assert docs == {"11/2021/QĐ-UBND"}
    res = run("Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc", "--as-of", "2023-06-01", "--json", "--k", "3")
    assert json.loads(res.output)["results"][0]["doc"] == "16/VBHN-VPQH"
    res = run("Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc", "--as-of", "2023-13-01")
    assert res.exit_code != 0


@pytest.mark.slow
def test_search_needs_a_question_or_a_batch(run, tmp_path):
    assert run().exit_code == 2
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": 1, "question": "x"}\n', encoding="utf-8")
    assert run("câu hỏi", "--batch", str(f)).exit_code == 2


@pytest.mark.slow
def test_search_batch_jsonl(index_dir, tmp_path):
    """The real entry point in a subprocess: one JSON line per input line, in order."""
    f = tmp_path / "questions.jsonl"
    rows = [
        {"id": "a", "question": "Điều 5 Quy định kèm theo QĐ 86/2025"},
        {"id": "b", "question": "tieu chuan tap the lao dong xuat sac", "as_of": "2023-06-01"},
        {"id": 3, "question": "Mức tiền thưởng danh hiệu Lao động tiên tiến"},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    env = {**os.environ, "TDKT_TODAY": "2026-11-22", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("TDKT_CHROMA_URL", None)
    proc = subprocess.run([sys.executable, "-m", "service.cli", "search", "--batch", str(f), "--k", "5", "--json",
                           "--index", str(index_dir)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == ["a", "b", 3]
    a = lines[0]["results"][0]
    assert (a["doc"], a["article"], a["part"]) == ("86/2025/QĐ-UBND", 5, "quy-dinh")
    assert set(a) >= {"doc", "article", "clause", "point", "section", "label", "score"}
    assert lines[1]["results"][0]["doc"] != "06/2022/QH15"  # not in force in 2023
    assert "16/VBHN-VPQH" in [r["doc"] for r in lines[1]["results"][:3]]
    assert all(len(x["results"]) == 5 for x in lines)
    assert lines[2]["results"][0]["doc"] == "152/2025/NĐ-CP" and lines[2]["results"][0]["article"] == 50
    assert all("part" not in r for r in lines[2]["results"] if not r["doc"].endswith("QĐ-UBND"))
