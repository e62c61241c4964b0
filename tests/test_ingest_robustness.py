"""Grammar cases the corpus lacks, on fixtures the tests build themselves (DOCX with python-docx,
PDF with fpdf2 and a Vietnamese-capable font), and bad input: each failure is reported by file
name with a reason, the rest of the batch goes on, and nothing already ingested is lost."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import docx
import pytest

from ingest.batch import ingest_paths
from ingest.model import IngestError
from ingest.pipeline import parse_file
from ingest.readers import read
from ingest.readers.jsoncorpus import read_json_corpus
from ingest.store import DocumentStore

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TDKT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tdkt"

HEADER = ["ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Số: 07/2026/QĐ-UBND", "Hà Tĩnh, ngày 02 tháng 3 năm 2026"]


def write_docx(path: Path, body: list[str], header_in_table: bool = True) -> Path:
    d = docx.Document()
    if header_in_table:
        t = d.add_table(rows=2, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text = HEADER[0], HEADER[1]
        t.cell(1, 0).text, t.cell(1, 1).text = HEADER[2], HEADER[3]
    else:
        for line in HEADER:
            d.add_paragraph(line)
    for line in body:
        d.add_paragraph(line)
    d.save(path)
    return path


def test_docx_quirks_points_with_dd_dates_and_old_tone_marks(tmp_path):
    body = [
        "QUYẾT ĐỊNH", "Về việc thử nghiệm bộ phân tích",
        "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ;",
        "Điều 1. Phạm vi",
        "1. Khoản một có các điểm sau:",
        "a) điểm a;", "b) điểm b;", "c) điểm c;", "d) điểm d;", "đ) điểm đ do Uỷ ban nhân dân hoà giải;",
        "e) điểm e.",
        "2. Khoản hai áp dụng từ 01.01.2020 và",
        "01.01.2021 là ngày khác, không phải khoản.",
        "Điều 2. Hiệu lực",
        "Quyết định này có hiệu lực từ ngày ký.",
    ]
    d = parse_file(write_docx(tmp_path / "qd.docx", body))
    assert d.info.doc == "07/2026/QĐ-UBND"  # from "Số:", not from "Căn cứ … 152/2025/NĐ-CP"
    assert (d.info.type, d.info.issued, d.info.place) == ("Quyết định", "2026-03-02", "Hà Tĩnh")
    points = [p.point for p in d.provisions if p.kind == "point"]
    assert points == ["a", "b", "c", "d", "đ", "e"]
    clauses = [p.id for p in d.provisions if p.kind == "clause"]
    assert clauses == ["07/2026/QĐ-UBND#d1.k1", "07/2026/QĐ-UBND#d1.k2"]  # no clause "01" from a date
    dd = next(p for p in d.provisions if p.point == "đ")
    assert dd.label == "điểm đ khoản 1 Điều 1 Quyết định số 07/2026/QĐ-UBND"
    assert "Ủy ban nhân dân hòa giải" in dd.text  # tone marks canonical
    assert "01.01.2021 là ngày khác" in next(p for p in d.provisions if p.id.endswith("d1.k2")).text


def test_numbering_gap_is_accepted_and_reported(tmp_path):
    body = ["QUYẾT ĐỊNH", "Thử khoảng trống",
            "Điều 1. Một", "Nội dung.", "Điều 2. Hai", "Nội dung.",
            "Điều 4. Bốn", "Nội dung.", "Điều 5. Năm", "Nội dung."]
    d = parse_file(write_docx(tmp_path / "gap.docx", body, header_in_table=False))
    assert [p.article for p in d.provisions if p.kind == "article"] == ["1", "2", "4", "5"]
    assert any("gap" in w and "Điều 3" in w for w in d.warnings)


def test_quyet_dinh_with_attached_quy_dinh_has_two_sequences(tmp_path):
    body = ["QUYẾT ĐỊNH", "Ban hành Quy định thử",
            "Điều 1. Ban hành kèm theo Quyết định này Quy định thử.", "Điều 2. Hiệu lực từ ngày ký.",
            "Nơi nhận:", "- Như Điều 2;", "CHỦ TỊCH",
            "QUY ĐỊNH", "Thử nghiệm", "(Ban hành kèm theo Quyết định số 07/2026/QĐ-UBND)",
            "Chương I", "QUY ĐỊNH CHUNG",
            "Điều 1. Phạm vi điều chỉnh", "1. Khoản một.", "Điều 2. Đối tượng", "Nội dung."]
    d = parse_file(write_docx(tmp_path / "qd2.docx", body))
    own = [p.article for p in d.provisions if p.kind == "article" and p.part is None]
    att = [p for p in d.provisions if p.kind == "article" and p.part == "quy-dinh"]
    assert own == ["1", "2"] and [p.article for p in att] == ["1", "2"]
    assert att[0].label == "Điều 1 Quy định ban hành kèm theo Quyết định số 07/2026/QĐ-UBND"
    assert "Chương I" in att[0].chapter
    assert "Nơi nhận" not in next(p for p in d.provisions if p.id.endswith("#d2")).text


def _pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_fixture_round_trip(tmp_path):
    lines = ["CHÍNH PHỦ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 99/2026/NĐ-CP",
             "Hà Nội, ngày 05 tháng 5 năm 2026", "NGHỊ ĐỊNH", "Quy định thử nghiệm",
             "Điều 1. Phạm vi điều chỉnh", "1. Nghị định này quy định việc khen thưởng.",
             "a) Danh hiệu Chiến sĩ thi đua cơ sở;", "b) Bằng khen.",
             "Điều 2. Hiệu lực thi hành", "Nghị định này có hiệu lực từ ngày ký."]
    d = parse_file(_pdf(tmp_path / "nd.pdf", lines))
    assert d.info.doc == "99/2026/NĐ-CP"
    assert [p.id.split("#")[1] for p in d.provisions] == ["d1", "d1.k1", "d1.k1.a", "d1.k1.b", "d2"]
    assert all(p.page == 1 for p in d.provisions)
    assert "Chiến sĩ thi đua cơ sở" in d.provisions[2].text


@pytest.mark.parametrize("name,content,reason", [
    ("empty.md", b"", "empty file"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt or unreadable .docx"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>>\n%%EOF garbage", "PDF"),
    ("old.doc", b"this is not an OLE2 file at all", "not a Word 97"),
    ("notes.xyz", b"hello", "unsupported file type"),
    ("tcvn3.txt", "Céng hoµ x· héi chñ nghÜa ViÖt Nam. §iÒu 1. Ph¹m vi ®iÒu chØnh cña quy ®Þnh nµy "
                  "¸p dông cho c¸c c¬ quan, ®¬n vÞ trong tØnh.".encode("latin-1") * 4, "legacy font encoding"),
    ("latin.txt", b"\xff\xfe\x00\x00\xc3\x28 bad", "binary"),
])
def test_bad_input_is_reported_by_name(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as exc:
        read(path)
    message = str(exc.value)
    assert message.startswith(name) and reason in message, message


def test_scanned_pdf_needs_ocr(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # drawn content, no text layer
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(IngestError, match="needs OCR"):
        read(tmp_path / "scan.pdf")


def test_batch_goes_on_and_loses_nothing(tmp_path):
    store = DocumentStore(tmp_path / "index")
    good = tmp_path / "in"
    good.mkdir()
    shutil.copy(TDKT / "qd-86-2025-QD-UBND-BacNinh.md", good / "qd86.md")
    first = ingest_paths([good], store)
    assert first.added == ["86/2025/QĐ-UBND"] and not first.failures
    before = (store.dir / os.listdir(store.dir)[0]).read_bytes()

    (good / "empty.pdf").write_bytes(b"")
    (good / "broken.docx").write_bytes(b"PK\x03\x04 nope")
    shutil.copy(TDKT / "kh-157-KH-UBND-2025-CanTho.md", good / "kh157.md")
    second = ingest_paths([good, tmp_path / "missing.md"], store)
    failed = {f for f, _ in second.failures}
    assert failed == {"empty.pdf", "broken.docx", str(tmp_path / "missing.md")}
    assert second.added == ["157/KH-UBND"] and second.unchanged == ["86/2025/QĐ-UBND"]
    assert sorted(store.docs()) == ["157/KH-UBND", "86/2025/QĐ-UBND"]
    # Re-ingesting the same bytes rewrote nothing: the stored file is byte-identical.
    stored = next(p for p in store.dir.iterdir() if json.loads(p.read_bytes())["info"]["doc"] == "86/2025/QĐ-UBND")
    assert stored.read_bytes() == before


def test_changed_file_replaces_its_provisions_in_one_step(tmp_path):
    store = DocumentStore(tmp_path / "index")
    src = tmp_path / "qd.docx"
    body = ["QUYẾT ĐỊNH", "Thử", "Điều 1. Một", "Nội dung cũ.", "Điều 2. Hai", "Nội dung."]
    write_docx(src, body)
    assert ingest_paths([src], store).added == ["07/2026/QĐ-UBND"]
    assert ingest_paths([src], store).unchanged == ["07/2026/QĐ-UBND"]
    write_docx(src, body[:3] + ["Nội dung mới."] + body[4:] + ["Điều 3. Ba", "Thêm."])
    assert ingest_paths([src], store).replaced == ["07/2026/QĐ-UBND"]
    doc = store.get("07/2026/QĐ-UBND")
    assert [p.article for p in doc.provisions] == ["1", "2", "3"]
    assert "Nội dung mới." in doc.provisions[0].text
    assert len(list(store)) == 1  # replaced, not duplicated


def test_interrupted_write_leaves_previous_state(tmp_path, monkeypatch):
    store = DocumentStore(tmp_path / "index")
    src = tmp_path / "qd.docx"
    write_docx(src, ["QUYẾT ĐỊNH", "Thử", "Điều 1. Một", "Cũ.", "Điều 2. Hai", "Cũ."])
    ingest_paths([src], store)
    write_docx(src, ["QUYẾT ĐỊNH", "Thử", "Điều 1. Một", "Mới.", "Điều 2. Hai", "Mới."])

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies in the middle of writing

    monkeypatch.setattr(json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([src], store)
    monkeypatch.undo()
    doc = store.get("07/2026/QĐ-UBND")
    assert "Cũ." in doc.provisions[0].text
    assert not [p for p in store.dir.iterdir() if p.name.startswith(".tmp-")]


def test_json_legal_corpus_goes_through_the_same_pipeline(tmp_path):
    laws = [{"id": "99/2099/QH99", "articles": [
        {"id": "1", "text": "Phạm vi\n\nLuật này quy định thử."},
        {"id": "3", "text": "Điều kiện\n\n1. Khoản một:\na) điểm a;\nb) điểm b.\n2. Khoản hai."}]}]
    path = tmp_path / "law.json"
    path.write_text(json.dumps(laws, ensure_ascii=False), encoding="utf-8")
    (doc,) = list(read_json_corpus(path))
    assert doc.info.doc == "99/2099/QH99"
    assert [p.id.split("#")[1] for p in doc.provisions] == ["d1", "d3", "d3.k1", "d3.k1.a", "d3.k1.b", "d3.k2"]
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "x"}]', encoding="utf-8")
    with pytest.raises(IngestError, match="bad.json"):
        list(read_json_corpus(bad))


def test_same_number_from_another_issuer_is_kept_apart(tmp_path):
    """Provinces number their decisions independently: two different "07/2026/QĐ-UBND" exist."""
    store = DocumentStore(tmp_path / "index")
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(a, ["QUYẾT ĐỊNH", "Thử A", "Điều 1. Một", "A.", "Điều 2. Hai", "A."])
    d = docx.Document()
    for line in ["ỦY BAN NHÂN DÂN TỈNH KHÁC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 07/2026/QĐ-UBND",
                 "Huế, ngày 01 tháng 4 năm 2026", "QUYẾT ĐỊNH", "Thử B", "Điều 1. Một", "B.", "Điều 2. Hai", "B."]:
        d.add_paragraph(line)
    d.save(b)
    report = ingest_paths([a, b], store)
    assert len(report.added) == 2
    assert sorted(store.docs()) == ["07/2026/QĐ-UBND", "07/2026/QĐ-UBND (ỦY BAN NHÂN DÂN TỈNH KHÁC)"]
    other = store.get("07/2026/QĐ-UBND (ỦY BAN NHÂN DÂN TỈNH KHÁC)")
    assert other.provisions[0].id == "07/2026/QĐ-UBND (ỦY BAN NHÂN DÂN TỈNH KHÁC)#d1"
    assert "B." in other.provisions[0].text
    assert "A." in store.get("07/2026/QĐ-UBND").provisions[0].text
    assert any("kept apart" in w for w in report.warnings)
