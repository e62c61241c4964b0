"""The `tdkt` command as a user runs it: a real subprocess on the real corpus."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TDKT = REPO.parent / "shared" / "corpus" / "tdkt"


def tdkt(*args: str, index: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "TDKT_INDEX": str(index), "TDKT_TODAY": "2026-11-22"}
    proc = subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-index")
    out = tdkt("ingest", str(TDKT), "--no-index", "--json", index=root)
    report = json.loads(out.stdout)
    assert report["documents"] == 11 and not report["failures"]
    assert report["provisions"] > 2000
    return root


def test_ingest_twice_changes_nothing(index):
    report = json.loads(tdkt("ingest", str(TDKT), "--no-index", "--json", index=index).stdout)
    assert len(report["unchanged"]) == 11 and not report["added"] and not report["replaced"]


def test_ingest_reports_failures_by_name(tmp_path, index):
    (tmp_path / "empty.docx").write_bytes(b"")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    proc = tdkt("ingest", str(tmp_path), "--no-index", index=tmp_path / "idx", check=False)
    assert proc.returncode == 1  # nothing could be ingested
    assert "FAILED empty.docx: empty file" in proc.stdout
    assert "FAILED scan.pdf" in proc.stdout


def test_documents_json_shape(index):
    rows = json.loads(tdkt("documents", "--json", index=index).stdout)
    by_doc = {r["doc"]: r for r in rows}
    luat = by_doc["06/2022/QH15"]
    assert set(luat) == {"doc", "type", "title", "issuer", "issued", "effective", "expires", "status", "held",
                         "articles", "attached_articles", "sections", "replaced_by", "amended_by"}
    assert (luat["type"], luat["issued"], luat["effective"], luat["status"], luat["held"], luat["articles"]) == (
        "Luật", "2022-06-15", "2024-01-01", "còn hiệu lực", True, 96)
    assert luat["amended_by"] == ["06/2026/QH16"]
    qd = by_doc["86/2025/QĐ-UBND"]
    assert (qd["articles"], qd["attached_articles"]) == (3, 11)
    assert by_doc["157/KH-UBND"]["sections"] == 5 and by_doc["157/KH-UBND"]["articles"] is None
    assert by_doc["16/VBHN-VPQH"]["status"] == "hết hiệu lực"
    # Known to the catalog but not held: listed, never pretended.
    assert by_doc["15/2025/TT-BNV"]["held"] is False
    assert by_doc["98/2023/NĐ-CP"]["held"] is False
    assert sum(r["held"] for r in rows) == 11


def test_documents_as_of_computes_status_on_that_date(index):
    rows = {r["doc"]: r for r in json.loads(tdkt("documents", "--json", "--as-of", "2023-06-01", index=index).stdout)}
    assert rows["16/VBHN-VPQH"]["status"] == "còn hiệu lực"
    assert rows["06/2022/QH15"]["status"] == "chưa có hiệu lực"
    assert rows["152/2025/NĐ-CP"]["status"] == "chưa có hiệu lực"


@pytest.mark.parametrize("ref,expected", [
    ("điểm a khoản 1 Điều 25 NĐ 152/2025", ("152/2025/NĐ-CP", 25, 1, "a", None, None)),
    ("dieu 7 luat tdkt 2022", ("06/2022/QH15", 7, None, None, None, None)),
    ("mục II.2 KH 157", ("157/KH-UBND", None, None, None, "II.2", None)),
    ("Điều 5 Quy định kèm theo QĐ 86/2025", ("86/2025/QĐ-UBND", 5, None, None, None, "quy-dinh")),
    ("dieu 58a vbhn 16", ("16/VBHN-VPQH", "58a", None, None, None, None)),
])
def test_show_json(index, ref, expected):
    out = json.loads(tdkt("show", ref, "--json", index=index).stdout)
    assert set(out) == {"doc", "article", "clause", "point", "section", "part", "label", "text", "status"}
    assert (out["doc"], out["article"], out["clause"], out["point"], out["section"], out["part"]) == expected
    assert out["text"]


def test_show_prints_label_validity_and_text(index):
    out = tdkt("show", "khoản 1 Điều 25 NĐ 152", index=index).stdout
    assert out.startswith("khoản 1 Điều 25 Nghị định số 152/2025/NĐ-CP")
    assert "còn hiệu lực" in out and "01/03/2027" in out  # scheduled expiry is shown
    assert "Huân chương Đại đoàn kết dân tộc" in out


@pytest.mark.parametrize("ref,message", [
    ("Điều 5 Nghị định 999/2030/NĐ-CP", "unknown document"),
    ("Điều 3 TT 15/2025/TT-BNV", "not in the corpus"),
    ("khoản 9 Điều 24 NĐ 152/2025", "has no"),
    ("tiêu chuẩn chiến sĩ thi đua", "no document reference"),
])
def test_show_unknown_reference_is_a_clear_error(index, ref, message):
    proc = tdkt("show", ref, index=index, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_malformed_date_names_the_option(index):
    proc = tdkt("documents", "--as-of", "22/11/2026", index=index, check=False)
    assert proc.returncode == 2
    assert "--as-of" in proc.stderr and "YYYY-MM-DD" in proc.stderr
