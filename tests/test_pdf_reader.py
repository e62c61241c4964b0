"""ingest.readers.pdf on the real Công báo PDF and on small PDFs built here with fpdf2."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.model import Extracted, IngestError
from ingest.readers.pdf import read_pdf

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VBHN = CORPUS / "tdkt" / "vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf"
VBHN_REF = CORPUS / "reference-text" / "vbhn-16-VBHN-VPQH-2013.pdftotext.txt"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

ARTICLE = re.compile(r"Điều (\d+[a-z]?)\.")

needs_corpus = pytest.mark.skipif(not VBHN.exists(), reason="corpus not available")
needs_font = pytest.mark.skipif(not FONT.exists(), reason="DejaVuSans.ttf not available")


def expected_articles() -> list[str]:
    seq = [str(i) for i in range(1, 104)]
    seq.insert(seq.index("58") + 1, "58a")
    seq.insert(seq.index("91") + 1, "91a")
    return seq


# ------------------------------------------------------------------ the real Công báo PDF


@pytest.fixture(scope="module")
def vbhn() -> Extracted:
    if not VBHN.exists():
        pytest.skip("corpus not available")
    return read_pdf(VBHN)


@needs_corpus
def test_article_sequence_exact(vbhn):
    found = [m.group(1) for p in vbhn.paragraphs if (m := ARTICLE.match(p.text))]
    assert len(found) == 105
    assert found == expected_articles()


@needs_corpus
def test_article_headings_are_own_paragraph_starts_with_pages(vbhn):
    heads = {m.group(1): p for p in vbhn.paragraphs if (m := ARTICLE.match(p.text))}
    assert heads["1"].page == 2
    assert heads["21"].page == 6  # printed "Điều 216" (footnote 6)
    assert heads["32"].page == 10  # printed "Điều 3213" (footnote 13)
    assert heads["58a"].page == 21 and heads["91a"].page == 38
    assert heads["103"].page == 41
    # no heading keeps a glued footnote number
    assert not any(re.match(r"Điều (216|3213|58a39|91a71)\b", p.text) for p in vbhn.paragraphs)


@needs_corpus
def test_no_unexpected_article_numbers(vbhn):
    assert not [w for w in vbhn.warnings if "unexpected article number" in w]
    assert any("watermark" in w for w in vbhn.warnings)


@needs_corpus
def test_chapters(vbhn):
    chapters = [p.text for p in vbhn.paragraphs if re.fullmatch(r"Chương [IVX]+", p.text)]
    assert chapters == ["Chương " + r for r in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")]
    texts = [p.text for p in vbhn.paragraphs]
    assert "ĐIỀU KHOẢN THI HÀNH" in texts  # footnote 72 was glued to it
    assert "THẨM QUYỀN QUYẾT ĐỊNH, TRAO TẶNG, THỦ TỤC, HỒ SƠ XÉT ĐỀ NGHỊ DANH HIỆU THI ĐUA VÀ KHEN THƯỞNG" in texts


@needs_corpus
def test_no_headers_watermark_or_page_numbers_in_body(vbhn):
    for p in vbhn.paragraphs:
        assert "CÔNG BÁO" not in p.text
        assert "Aspose" not in p.text and "Evaluation Only" not in p.text
        assert not re.fullmatch(r"\d{1,3}", p.text)
        assert 1 <= p.page <= 41


@needs_corpus
def test_split_syllables_rejoined(vbhn):
    body = vbhn.text
    assert "Nhà nước" in body
    assert "Nhà n ước" not in body
    for bad in ("khen th ưởng", "Mặt tr ận", "T ổ qu ốc", "c ủa", "Lu ật"):
        assert bad not in body
    assert "Mặt trận Tổ quốc Việt Nam" in body


@needs_corpus
def test_footnotes_are_notes_not_body(vbhn):
    assert len(vbhn.notes) == 72
    assert [int(n.text.split()[0]) for n in vbhn.notes] == list(range(1, 73))
    six = vbhn.notes[5]
    assert six.page == 6
    assert six.text.startswith("6 Điều này được sửa đổi, bổ sung theo quy định tại khoản 4 Điều 1 của Luật số 39/2013/QH13")
    # footnote 1 runs on from page 1 to page 2: kept whole, on its first page
    assert vbhn.notes[0].page == 1 and "Luật số 39/2013/QH13" in vbhn.notes[0].text
    for p in vbhn.paragraphs:
        assert "được sửa đổi, bổ sung theo quy định tại" not in p.text
        assert "có căn cứ ban hành như sau" not in p.text


@needs_corpus
def test_glued_footnote_refs_removed(vbhn):
    texts = [p.text for p in vbhn.paragraphs]
    assert "Luật này quy định về thi đua, khen thưởng." in texts  # was "thưởng1."
    assert any(t.startswith("2. Nguyên tắc khen thưởng gồm:") for t in texts)  # was "2.4"
    assert any(t.startswith("3. Bảo đảm nguyên tắc bình đẳng giới") for t in texts)  # was "3.5"
    assert not any(re.match(r"\d+\.\d+ ", t) for t in texts)


@needs_corpus
def test_hard_wrapped_lines_joined_and_offsets(vbhn):
    p = next(p for p in vbhn.paragraphs if p.text.startswith("Danh hiệu “Chiến sĩ thi đua toàn quốc” được xét tặng"))
    assert p.text.endswith("đoàn thể trung ương.") and "\n" not in p.text
    # a paragraph running on to the next page is one paragraph, on its first page
    q = next(p for p in vbhn.paragraphs if p.text.startswith("2. Tập thể thuộc lực lượng vũ trang nhân dân đạt các tiêu chuẩn quy định tại các điểm a, b, d"))
    assert q.page == 8 and "“Đơn vị quyết thắng”" in q.text
    text = vbhn.text
    for para in vbhn.paragraphs[:50]:
        assert text[para.start:para.end] == para.text


@needs_corpus
def test_quality_target():
    from eval.pdf_quality import measure

    res = measure(VBHN, VBHN_REF)
    assert res["reduction"]["non_syllable_share"] >= 0.9
    assert res["reduction"]["not_in_reference_share"] >= 0.9
    assert res["cleaned"]["words"] > 10000


# ------------------------------------------------------------------ PDFs built here


def _pdf(pages: list[list[str]]):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return pdf


@needs_font
def test_small_law_round_trip(tmp_path):
    path = tmp_path / "luat-nho.pdf"
    _pdf([
        ["QUỐC HỘI", "LUẬT THI ĐUA, KHEN THƯỞNG", "Chương I", "NHỮNG QUY ĐỊNH CHUNG",
         "Điều 1. Phạm vi điều chỉnh",
         "Luật này quy định về đối tượng, phạm vi, nguyên tắc thi đua, khen thưởng của Nhà nước; "
         "Ủy ban nhân dân các cấp và Mặt trận Tổ quốc Việt Nam phối hợp thực hiện, bảo đảm sức khoẻ "
         "và hoà bình.",
         "Điều 2. Nguyên tắc", "1. Tự nguyện, tự giác, công khai;", "a) Đoàn kết, hợp tác và cùng phát triển;",
         "b) Bảo đảm thống nhất."],
        ["Điều 3. Hiệu lực thi hành", "Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2024."],
    ]).output(str(path))
    ex = read_pdf(path)
    assert ex.fmt == "pdf" and ex.path == str(path) and ex.notes == []
    texts = [p.text for p in ex.paragraphs]
    assert [m.group(1) for t in texts if (m := ARTICLE.match(t))] == ["1", "2", "3"]
    assert "Điều 1. Phạm vi điều chỉnh" in texts
    body = next(t for t in texts if t.startswith("Luật này quy định"))
    # the wrapped sentence is one paragraph, NFC, tone marks canonical
    assert body.endswith("bảo đảm sức khỏe và hòa bình.")
    assert "Nhà nước; Ủy ban nhân dân" in body
    assert "1. Tự nguyện, tự giác, công khai;" in texts
    assert "a) Đoàn kết, hợp tác và cùng phát triển;" in texts
    pages = {t: p.page for t, p in zip(texts, ex.paragraphs)}
    assert pages["Điều 1. Phạm vi điều chỉnh"] == 1 and pages["Điều 3. Hiệu lực thi hành"] == 2


@needs_font
def test_small_cong_bao_like_pdf(tmp_path):
    """Header lines, a space-line separator, footnotes, glued refs and split syllables."""
    path = tmp_path / "cong-bao.pdf"
    sep = " " * 43
    _pdf([
        ["CÔNG BÁO/Số 5 + 6/Ngày 01-02-2024 17", "Điều 20",
         "Nhà n ước khen th ưởng cho cá nhân có thành tích", "xuất sắc.",
         "Điều 212", "Danh hiệu thi đua được xét tặng hàng năm1.", sep,
         "1 Cụm từ này được bổ sung theo quy định tại khoản 4", "Điều 1 của Luật số 39/2013/QH13.",
         "2 Điều này được sửa đổi, bổ sung."],
        ["18 CÔNG BÁO/Số 5 + 6/Ngày 01-02-2024", "Điều 22", "1. Nguyên tắc thi đua gồm:",
         "2.3 Nguyên tắc khen thưởng gồm:", sep, "3 Khoản này được bổ sung."],
    ]).output(str(path))
    ex = read_pdf(path)
    texts = [p.text for p in ex.paragraphs]
    assert texts == [
        "Điều 20.",
        "Nhà nước khen thưởng cho cá nhân có thành tích xuất sắc.",
        "Điều 21.",
        "Danh hiệu thi đua được xét tặng hàng năm.",
        "Điều 22.",
        "1. Nguyên tắc thi đua gồm:",
        "2. Nguyên tắc khen thưởng gồm:",
    ]
    assert [(n.page, n.text) for n in ex.notes] == [
        (1, "1 Cụm từ này được bổ sung theo quy định tại khoản 4 Điều 1 của Luật số 39/2013/QH13."),
        (1, "2 Điều này được sửa đổi, bổ sung."),
        (2, "3 Khoản này được bổ sung."),
    ]


@needs_font
def test_rule_under_the_header_is_not_a_footnote_separator(tmp_path):
    path = tmp_path / "quyet-dinh.pdf"
    _pdf([["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
           "_" * 30, "Điều 1. Ban hành kèm theo Quyết định này Quy định về công tác thi đua.",
           "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", " " * 43, "Nơi nhận:"]]).output(str(path))
    ex = read_pdf(path)
    texts = [p.text for p in ex.paragraphs]
    assert [m.group(1) for t in texts if (m := ARTICLE.match(t))] == ["1", "2"]
    assert ex.notes == []
    assert "Nơi nhận:" in texts
    assert not any(t.startswith("___") for t in texts)


@needs_font
def test_blank_pdf_needs_ocr(tmp_path):
    from fpdf import FPDF

    path = tmp_path / "blank.pdf"
    pdf = FPDF()
    pdf.add_page()
    pdf.add_page()
    pdf.output(str(path))
    with pytest.raises(IngestError, match=r"^blank\.pdf: scanned PDF without a text layer \(needs OCR\)"):
        read_pdf(path)


def test_image_only_pdf_needs_ocr(tmp_path):
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).rectangle((20, 20, 580, 180), outline="black", width=5)
    img_path = tmp_path / "scan.png"
    img.save(img_path)
    path = tmp_path / "scan.pdf"
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(img_path), x=10, y=10, w=180)
    pdf.output(str(path))
    with pytest.raises(IngestError, match=r"^scan\.pdf: .*needs OCR"):
        read_pdf(path)


@needs_font
def test_corrupt_pdf(tmp_path):
    good = tmp_path / "good.pdf"
    _pdf([["Điều 1. Phạm vi điều chỉnh", "Luật này quy định về thi đua, khen thưởng."]]).output(str(good))
    data = good.read_bytes()
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError, match=r"^hong\.pdf: corrupt or unreadable PDF \(.+\)"):
        read_pdf(bad)


def test_not_a_pdf(tmp_path):
    bad = tmp_path / "notes.pdf"
    bad.write_text("Điều 1. Đây không phải là PDF.", encoding="utf-8")
    with pytest.raises(IngestError, match=r"^notes\.pdf: corrupt or unreadable PDF"):
        read_pdf(bad)


def test_empty_file(tmp_path):
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"^rong\.pdf: empty file"):
        read_pdf(empty)


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match=r"^khong-co\.pdf: file not found"):
        read_pdf(tmp_path / "khong-co.pdf")


@needs_font
def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    _pdf([["Điều 1. Phạm vi điều chỉnh", "Luật này quy định về thi đua, khen thưởng."]]).output(str(plain))
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password="mat-khau", owner_password="chu", algorithm="RC4-128")
    locked = tmp_path / "khoa.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    with pytest.raises(IngestError, match=r"^khoa\.pdf: encrypted PDF"):
        read_pdf(locked)

    # encrypted with an empty user password (printing/copy restrictions only): readable
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password="", owner_password="chu", algorithm="RC4-128")
    restricted = tmp_path / "han-che.pdf"
    with open(restricted, "wb") as fh:
        writer.write(fh)
    ex = read_pdf(restricted)
    assert ex.paragraphs[0].text == "Điều 1. Phạm vi điều chỉnh"
