"""Every real file of ../shared/corpus/tdkt parses into exactly its article sequences and plan
section trees, and its units carry the source's own text (checked against the source files and
the independent reference conversions in ../shared/corpus/reference-text)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.pipeline import parse_file
from ingest.vietnamese import normalize

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TDKT = SHARED / "tdkt"
REFERENCE = {
    "luat-06-2022-QH15.docx": "luat-06-2022-QH15.antiword.txt",
    "qd-11-2021-QD-UBND-QuangNam.docx": "qd-11-2021-QD-UBND-QuangNam.catdoc.txt",
    "tt-03-2018-TT-BNG.doc": "tt-03-2018-TT-BNG.catdoc.txt",
    "vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf": "vbhn-16-VBHN-VPQH-2013.pdftotext.txt",
}


@lru_cache(maxsize=None)
def parsed(name: str):
    return parse_file(TDKT / name)


def seq(n: int, inserted: dict[int, str] | None = None) -> list[str]:
    out = []
    for k in range(1, n + 1):
        out.append(str(k))
        if inserted and k in inserted:
            out.append(inserted[k])
    return out


# From ../shared/corpus/README.md: (số hiệu, type, own articles, attached articles (part), sections)
EXPECTED = {
    "luat-06-2022-QH15.docx": ("06/2022/QH15", "Luật", seq(96), None, None),
    "nd-152-2025-ND-CP.md": ("152/2025/NĐ-CP", "Nghị định", seq(61), None, None),
    "vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf":
        ("16/VBHN-VPQH", "Văn bản hợp nhất", seq(103, {58: "58a", 91: "91a"}), None, None),
    "tt-03-2018-TT-BNG.doc": ("03/2018/TT-BNG", "Thông tư", seq(38), None, None),
    "qd-86-2025-QD-UBND-BacNinh.md": ("86/2025/QĐ-UBND", "Quyết định", seq(3), ("quy-dinh", seq(11)), None),
    "qd-11-2021-QD-UBND-QuangNam.docx": ("11/2021/QĐ-UBND", "Quyết định", seq(3), ("quy-che", seq(23)), None),
    "nd-233-2026-ND-CP.md": ("233/2026/NĐ-CP", "Nghị định", seq(21), None, None),
    "kh-982-KH-UBND-2025-NgheAn.md": ("982/KH-UBND", "Kế hoạch", [], None, ["I", "II", "III", "IV", "V"]),
    "kh-0124-KH-UBND-2025-DakLak.md": ("0124/KH-UBND", "Kế hoạch", [], None, ["I", "II", "III", "IV"]),
    "kh-0125-KH-UBND-2025-DakLak.md": ("0125/KH-UBND", "Kế hoạch", [], None, ["I", "II", "III", "IV", "V", "VI"]),
    "kh-157-KH-UBND-2025-CanTho.md": ("157/KH-UBND", "Kế hoạch", [], None, ["I", "II", "III", "IV", "V"]),
}


def test_every_corpus_file_is_covered():
    assert sorted(p.name for p in TDKT.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_article_sequences_and_sections(name):
    doc, doc_type, own, attached, sections = EXPECTED[name]
    d = parsed(name)
    assert d.info.doc == doc
    assert d.info.type == doc_type
    articles = [p.article for p in d.provisions if p.kind == "article" and p.part is None]
    assert articles == own  # exactly the sequence: no gaps, no duplicates, no extras
    assert d.articles == len(own)
    if attached:
        part, numbers = attached
        got = [p.article for p in d.provisions if p.kind == "article" and p.part is not None]
        assert got == numbers
        assert {p.part for p in d.provisions if p.part} == {part}
        assert d.attached_articles == len(numbers)
    else:
        assert d.attached_articles is None
    if sections:
        tops = [p.section for p in d.provisions if p.kind == "section" and "." not in p.section]
        assert tops == sections
        assert d.sections == len(sections)
    ids = [p.id for p in d.provisions]
    assert len(ids) == len(set(ids))


def _squash(text: str) -> str:
    text = normalize(text)
    text = re.sub(r"[*\\#]", "", text)  # Markdown emphasis glues to words: drop it
    text = re.sub(r"[|_]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=None)
def source_text(name: str) -> str:
    ref = REFERENCE.get(name)
    path = SHARED / "reference-text" / ref if ref else TDKT / name
    return _squash(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_units_carry_the_source_text(name):
    """Each clause, point and plan sub-section opens with words that stand in the source."""
    d = parsed(name)
    src = source_text(name)
    units = [p for p in d.provisions if p.kind in ("clause", "point") or (p.kind == "section" and "." in (p.section or ""))]
    assert len(units) >= 20
    found = sum(_squash(p.text)[:60] in src for p in units)
    # The Công báo reference has footnote digits glued to words, so a few openings differ there.
    floor = 0.9 if name.endswith(".pdf") else 0.98
    assert found / len(units) >= floor, f"{found}/{len(units)}"


SPOT_CHECKS = {
    "kh-0124-KH-UBND-2025-DakLak.md": [
        ("s:I.1.a", 'a) Phát huy sức mạnh của cả hệ thống chính trị tạo khí thế sôi nổi, kh'),
        ("s:I.1.b", 'b) Tổ chức phát động thi đua được triển khai sâu rộng, đồng bộ, xuyên '),
        ("s:I.1.c", 'c) Thông qua đợt thi đua, kịp thời biểu dương, tôn vinh, khen thưởng, '),
        ("s:I.2", '2. Yêu cầu\na) Phong trào thi đua phải được triển khai sâu rộng từ tỉnh'),
        ("s:II.3.a", 'a) Tiếp tục nâng cao hiệu lực, hiệu quả quản lý nhà nước, cải cách hàn'),
        ("s:II.3.b", 'b) Tiếp tục quán triệt sâu sắc tư tưởng về thi đua yêu nước của Chủ tị'),
        ("s:II.3.c", 'c) Thi đua đẩy mạnh xây dựng, hoàn thiện đồng bộ về thể chế phát triển'),
        ("s:III.2.b", 'b) Đối với Ủy ban Mặt trận tổ quốc Việt Nam tỉnh, các tổ chức chính tr'),
        ("s:III.3", '3. Hình thức khen thưởng\nCác hình thức khen thưởng bao gồm: Huân chươn'),
        ("s:IV.1", '1. Các cơ quan, đơn vị, địa phương, doanh nghiệp căn cứ chức năng, nhi'),
    ],
    "kh-0125-KH-UBND-2025-DakLak.md": [
        ("s:I.1.c", 'c) Biểu dương, khen thưởng kịp thời các tập thể, cá nhân có thành tích'),
        ("s:I.2", '2. Yêu cầu\na) Các cơ quan Đảng trực thuộc Tỉnh ủy; các cơ quan Trung ư'),
        ("s:I.2.b", 'b) Chú trọng công tác thông tin, tuyên truyền trong quá trình chuẩn bị'),
        ("s:II.1.a", 'a) Tập thể: Các cơ quan Đảng trực thuộc Tỉnh ủy; các cơ quan Trung ươn'),
        ("s:III.1", '1. Đối tượng, nguyên tắc khen thưởng\na) Đối tượng khen thưởng:\n- Tập t'),
        ("s:III.2", '2. Hình thức khen thưởng\n- Bằng khen của Thủ tướng Chính phủ;\n- Bằng k'),
        ("s:III.3.1", '3.1. Bằng khen của Thủ tướng Chính phủ: Thực hiện theo quy định tại Hư'),
        ("s:IV.3", '3. Giấy khen của Thủ trưởng các cơ quan, đơn vị; Chủ tịch UBND xã, phư'),
        ("s:VI.2", '2. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính '),
        ("s:VI.3", '3. Các cơ quan, đơn vị, địa phương thuộc tỉnh: Căn cứ chức năng, nhiệm'),
    ],
    "kh-157-KH-UBND-2025-CanTho.md": [
        ("s:I.1.c", 'c) Phát hiện, biểu dương, khen thưởng kịp thời các tập thể, cá nhân có'),
        ("s:I.1.d", 'd) Đẩy mạnh công tác chi trả chính sách trợ cấp xã hội, hưu trí xã hội'),
        ("s:I.2.a", 'a) Nội dung thực hiện phong trào thi đua phải bám sát nội dung Kế hoạc'),
        ("s:II.1", '1. Đối tượng thi đua\na) Tập thể\n- Ủy ban nhân dân xã, phường trên địa '),
        ("s:III.2.d", 'd) Kiểm tra, giám sát đánh giá trong quá trình triển khai trước, trong'),
        ("s:III.3.a", 'a) Trên cơ sở kết quả thực hiện các chỉ tiêu tại điểm 1 Mục III Kế hoạ'),
        ("s:III.4", '4. Cách thức xếp hạng\na) Trên cơ sở kết quả kiểm tra, đánh giá, chấm đ'),
        ("s:V.1", '1. Sở Y tế\na) Chủ trì, phối hợp với Sở, ban ngành liên quan triển khai'),
        ("s:V.1.c", 'c) Phối hợp Sở Nội vụ (Ban Thi đua - Khen thưởng) tiến hành họp xét, đ'),
        ("s:V.3", '3. Ngân hàng Nhà nước chi nhánh khu vực 14\na) Chỉ đạo các Ngân hàng th'),
    ],
    "kh-982-KH-UBND-2025-NgheAn.md": [
        ("s:I.1", '1. Phát huy sức mạnh tổng hợp của cả hệ thống chính trị tạo khí thế th'),
        ("s:I.2", '2. Đợt thi đua được triển khai sâu rộng, đồng bộ, xuyên suốt từ tỉnh đ'),
        ("s:I.3", '3. Thông qua Đợt thi đua, kịp thời biểu dương, tôn vinh, khen thưởng, '),
        ("s:II.1", '1. Thi đua thực hiện thắng lợi nhiệm vụ phát triển kinh tế - xã hội nă'),
        ("s:II.2", '2. Thi đua thực hiện tốt công tác chuẩn bị và tổ chức thành công Đại h'),
        ("s:III.1", '1. Tiêu chí thi đua\na) Đối với tỉnh Nghệ An\n- Hoàn thành vượt mức các '),
        ("s:III.1.a", 'a) Đối với tỉnh Nghệ An\n- Hoàn thành vượt mức các chỉ tiêu phát triển '),
        ("s:III.1.b", 'b) Đối với Ủy ban Mặt trận Tổ quốc tỉnh, các tổ chức chính trị - xã hộ'),
        ("s:III.1.c", 'c) Đối với các cơ quan, đơn vị trên địa bàn tỉnh\n- Hoàn thành và hoàn '),
        ("s:III.1.d", 'd) Đối với các doanh nghiệp\n- Sản xuất kinh doanh hiệu quả, bền vững, '),
    ],
    "luat-06-2022-QH15.docx": [
        ("d13.k3.a", 'a) Tuyên truyền, vận động, động viên các đoàn viên, hội viên và Nhân d'),
        ("d14.k2", '2. Chính phủ quy định chi tiết Điều này.'),
        ("d17.k1", '1. Xác định mục tiêu, phạm vi, đối tượng, nội dung và tiêu chí, thời g'),
        ("d21.k1.a", 'a) Có thành tích xuất sắc tiêu biểu được lựa chọn trong số những cá nh'),
        ("d30.k2", '2. Ủy ban nhân dân cấp tỉnh quy định chi tiết tiêu chuẩn và việc xét t'),
        ("d45.k2.b", 'b) Đã được tặng “Huân chương Bảo vệ Tổ quốc” hạng Nhì và sau đó có liê'),
        ("d53.k2", '2. Chính phủ quy định chi tiết Điều này.'),
        ("d59.k2.e", 'e) “Thầy thuốc nhân dân”, “Thầy thuốc ưu tú”;'),
        ("d75.k1.c", 'c) Giấy khen của Thủ trưởng cơ quan chuyên môn thuộc Ủy ban nhân dân c'),
        ("d84.k6", '6. Số lượng hồ sơ đề nghị xét tặng danh hiệu thi đua và hình thức khen'),
    ],
    "nd-152-2025-ND-CP.md": [
        ("d6.k1.e", 'e) Quy định chi tiết khen thưởng theo thủ tục đơn giản theo khoản 2 Đi'),
        ("d7.k2", '2. Tập thể được xét tặng danh hiệu "Cờ thi đua của Chính phủ" theo quy'),
        ("d9.k1.d", 'd) Cán bộ hoạt động thời kỳ kháng chiến chống thực dân Pháp là người c'),
        ("d13.k3", '3. Tham gia hoạt động liên tục trong kháng chiến chống đế quốc Mỹ hoặc'),
        ("d33.k7", '7. Thời gian đề nghị khen thưởng lần tiếp theo được tính từ thời gian '),
        ("d34.k7", '7. Trong thời hạn 10 ngày làm việc kể từ ngày nhận được đầy đủý kiến t'),
        ("d36.k2.c", 'c) Biên bản bình xét và kết quả bỏ phiếu của Hội đồng Thi đua - Khen t'),
        ("d48.k1.a", 'a) Chi thưởng đối với danh hiệu thi đua, hình thức khen thưởng cho thà'),
        ("d50.k2.đ", 'đ) Danh hiệu “Cờ thi đua của Chính phủ” được tặng cờ và được thưởng 12'),
        ("d56.k4", '4. Bộ Nội vụ tổng hợp hồ sơ trình Thủ tướng Chính phủ trong thời gian '),
    ],
    "nd-233-2026-ND-CP.md": [
        ("d5.k2", '2. Hiệu quả quản lý tổ chức bộ máy và viên chức theo vị trí việc làm; '),
        ("d6.k1", '1. Tiêu chí về kết quả thực hiện chức năng, nhiệm vụ được giao\na) Mức '),
        ("d6.k2.a", 'a) Mức độ đáp ứng yêu cầu về chất lượng sản phẩm, dịch vụ do đơn ụ cun'),
        ("d6.k3.c", 'c) Hiệu quả sử dụng nguồn nhân lực.'),
        ("d7.k5.c", 'c) Trường hợp đơn vị có đưới 05 đơn vị sự nghiệp công lập trực thuộc t'),
        ("d11.k2.b", 'b) Tiêu chí về chất lượng thể hiện mức độ đáp ứng tiêu chuẩn, mục đích'),
        ("d14.k1", '1. Viên chức có thời gian làm việc trong năm chưa đủ 06 tháng không xế'),
        ("d15.k3", '3. Trình tự, thủ tục xếp loại chất lướng đối với viên chức không giữ c'),
        ("d16.k1.c", 'c) Đề xuất biện pháp nâng cao chất lượng thực hiện nhiệm vụ của viên c'),
        ("d20.k1", '1. Đến thời điểm đánh giá, xếp loại chất lượng viên chức cuối năm 2026'),
    ],
    "qd-11-2021-QD-UBND-QuangNam.docx": [
        ("quy-che/d4.k3", '3. Căn cứ kết quả xếp loại mức độ hoàn thành nhiệm vụ hằng năm và kết '),
        ("quy-che/d4.k3.b", 'b) Hoàn thành nhiệm vụ hoặc tổ chức Đảng xếp mức hoàn thành nhiệm vụ: '),
        ("quy-che/d4.k3.e", 'e) Các cơ quan, đơn vị không thuộc diện được đánh giá, xếp loại mức độ'),
        ("quy-che/d4.k8", '8. Đối với khen thưởng cấp tỉnh và cấp Nhà nước\nKhông tặng thưởng nhiề'),
        ("quy-che/d5.k2.c", 'c) Triển khai các biện pháp tổ chức vận động quần chúng tham gia phong'),
        ("quy-che/d10.k4.c", 'c) Lấy ý kiến nhân dân trên Cổng thông tin điện tử tỉnh, Báo Quảng Nam'),
        ("quy-che/d11.k2", '2. Việc xét, nghiệm thu đề tài nghiên cứu khoa học thực hiện theo Luật'),
        ("quy-che/d12.k2.d", 'd) Các đại biểu Hội đồng nhân dân các cấp kiêm nhiệm thì do cơ quan, đ'),
        ("quy-che/d18.k1.a", 'a) Quỹ thi đua, khen thưởng của tỉnh do Sở Nội vụ phối hợp với Sở Tài '),
        ("quy-che/d18.k5", '5. Khen thưởng thành tích thực hiện chương trình mục tiêu, dự án được '),
    ],
    "qd-86-2025-QD-UBND-BacNinh.md": [
        ("quy-dinh/d3.k3", '3. Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh\na) Bằng khen của Chủ tị'),
        ("quy-dinh/d3.k3.c", 'c) Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh để tặng cho tập thể gươ'),
        ("quy-dinh/d4.k3.b", 'b) Đối với tập thể: Giấy khen để tặng cho tập thể gương mẫu chấp hành '),
        ("quy-dinh/d5.k1.b", 'b) Báo cáo Ủy ban nhân dân tỉnh xét duyệt:\nDanh hiệu “Cờ thi đua của C'),
        ("quy-dinh/d8.k1.b", 'b) Tham mưu cho Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh qu'),
        ("quy-dinh/d8.k2.a", 'a) Chủ tịch Hội đồng là Chủ tịch Ủy ban nhân dân tỉnh;'),
        ("quy-dinh/d8.k3", '3. Chủ tịch Hội đồng Thi đua - Khen thưởng tỉnh quyết định thành phần,'),
        ("quy-dinh/d9.k1.a", 'a) Thực hiện sự phối hợp giữa các cơ quan, đơn vị trong việc tham mưu,'),
        ("quy-dinh/d9.k1.c", 'c) Định kỳ đánh giá phong trào thi đua và công tác khen thưởng; kiến n'),
        ("quy-dinh/d10.k2.e", 'e) Sở Y tế: Tổng hợp danh sách các cơ quan, đơn vị, địa phương, doanh '),
    ],
    "tt-03-2018-TT-BNG.doc": [
        ("d3.k2.đ", 'đ) Khi có nhiều cá nhân, tập thể cùng đủ điều kiện, tiêu chuẩn thì lựa'),
        ("d5.k2", '2. Triển khai các biện pháp để tổ chức, vận động các cá nhân, tập thể '),
        ("d7.k1", '1. Bộ trưởng Bộ Ngoại giao phát động và chỉ đạo phong trào thi đua tro'),
        ("d9.k1.i", 'i) Đối với cá nhân được điều động, biệt phái đến đơn vị khác trong một'),
        ("d12.k3.a", 'a) Khen thưởng đối ngoại cấp Nhà nước:\nĐối với cá nhân nước ngoài: Huâ'),
        ("d16.k2", '2. Đối với các tổ chức, cá nhân chuyên trách làm công tác đảng, đoàn t'),
        ("d17.k1.b", 'b) Việc hiệp y khen thưởng đối với các danh hiệu thi đua, hình thức kh'),
        ("d22.k4", '4. Thủ trưởng các đơn vị trong nước có tư cách pháp nhân xét tặng danh'),
        ("d25.k1.c", 'c) Các Ủy viên là đại diện cấp ủy, tổ chức đoàn thể và thủ trưởng một '),
        ("d29.k2.d", 'd) Trong cùng một thời điểm, một đối tượng đạt được nhiều danh hiệu th'),
    ],
    "vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf": [
        ("d10.k1.b", 'b) Đăng ký tham gia thi đua;'),
        ("d14.k4", '4. Lạm dụng chức vụ, quyền hạn để đề nghị, quyết định khen thưởng trái'),
        ("d16.k4", '4. Phát động, chỉ đạo thực hiện phong trào thi đua;'),
        ("d23.k2", '2. Có sáng kiến là giải pháp kỹ thuật, giải pháp quản lý, giải pháp tá'),
        ("d43.k2", '2. “Huân chương Lao động” hạng nhì để tặng cho tập thể đạt một trong c'),
        ("d47.k1", '1. “Huân chương Bảo vệ Tổ quốc” hạng ba để tặng hoặc truy tặng cho cá '),
        ("d56.k1", '1. “Huy chương Chiến sĩ vẻ vang” để tặng hoặc truy tặng cho sĩ quan, h'),
        ("d64.k2.d", 'd) Sau khi được phong tặng danh hiệu “Nghệ sĩ ưu tú” tiếp tục được tặn'),
        ("d67.k1.b", 'b) Có giá trị rất cao về khoa học, văn học, nghệ thuật, về nội dung tư'),
        ("d74.k2.d", 'd) Giấy khen của Chủ tịch Ủy ban nhân dân cấp huyện;'),
    ],
}


@pytest.mark.parametrize("name", sorted(SPOT_CHECKS))
def test_spot_checks(name):
    """Ten units per document, located by their address, open with the source's words."""
    d = parsed(name)
    by_path = {p.id.split("#", 1)[1]: p for p in d.provisions}
    assert len(SPOT_CHECKS[name]) >= 10
    for path, opening in SPOT_CHECKS[name]:
        assert path in by_path, path
        assert by_path[path].text.startswith(opening), (path, by_path[path].text[:80])
        assert _squash(opening)[:50] in source_text(name) or name.endswith(".pdf")


def test_citation_labels_and_parents():
    d = parsed("nd-152-2025-ND-CP.md")
    p = next(p for p in d.provisions if p.id == "152/2025/NĐ-CP#d25.k1.b")
    assert p.label == "điểm b khoản 1 Điều 25 Nghị định số 152/2025/NĐ-CP"
    assert p.parent == "152/2025/NĐ-CP#d25.k1"
    assert "Chương III" in p.chapter
    # The stored copy keeps the portal's missing spaces; the indexed copy repairs them.
    assert "Chủ tịchỦy ban Trungương" in p.text
    assert "Chủ tịch Ủy ban Trung ương" in p.index_text
    q = parsed("qd-86-2025-QD-UBND-BacNinh.md")
    p = next(p for p in q.provisions if p.id == "86/2025/QĐ-UBND#quy-dinh/d5")
    assert p.label == "Điều 5 Quy định ban hành kèm theo Quyết định số 86/2025/QĐ-UBND"
    k = parsed("kh-157-KH-UBND-2025-CanTho.md")
    p = next(p for p in k.provisions if p.id == "157/KH-UBND#s:II.2.a")
    assert p.label == "mục II.2.a Kế hoạch số 157/KH-UBND"
    assert p.parent == "157/KH-UBND#s:II.2"


def test_header_facts_come_from_the_document():
    d = parsed("qd-86-2025-QD-UBND-BacNinh.md")
    assert (d.info.issued, d.info.place) == ("2025-12-03", "Bắc Ninh")
    assert "BẮC NINH" in d.info.issuer
    # The consolidated law's "Số:" line is in its authentication block at the end.
    v = parsed("vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf")
    assert (v.info.doc, v.info.issued, v.info.issuer) == ("16/VBHN-VPQH", "2013-12-13", "VĂN PHÒNG QUỐC HỘI")
    last = next(p for p in v.provisions if p.id == "16/VBHN-VPQH#d103")
    assert "XÁC THỰC" not in last.text and "Nguyễn Hạnh Phúc" not in last.text
    assert parsed("luat-06-2022-QH15.docx").info.issued == "2022-06-15"
    assert parsed("tt-03-2018-TT-BNG.doc").info.issuer == "BỘ NGOẠI GIAO"


def test_pdf_pages_and_offsets():
    v = parsed("vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf")
    p = next(p for p in v.provisions if p.id == "16/VBHN-VPQH#d58a")
    assert p.page and p.page > 1
    assert v.text[p.start:p.end] == p.text


def test_appendix_forms_are_their_own_units():
    t = parsed("tt-03-2018-TT-BNG.doc")
    forms = [p for p in t.provisions if p.kind == "appendix" and p.id.split("#pl:")[1].startswith("mau-so")]
    assert len(forms) == 10
    assert all(p.label.startswith("Mẫu số") for p in forms)
    # Form text never leaks into the last article.
    assert "BÁO CÁO THÀNH TÍCH" not in next(p for p in t.provisions if p.id.endswith("#d38")).text
