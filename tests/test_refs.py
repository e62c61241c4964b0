"""References users type: parse_ref and find_doc_mentions."""
from __future__ import annotations

import time
import unicodedata

import pytest

from corpus.catalog import Catalog
from corpus.refs import Ref, find_doc_mentions, parse_ref, scan_mentions


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load(use_env=False)


def R(doc=None, article=None, clause=None, point=None, section=None, part=None):
    return dict(doc=doc, article=article, clause=clause, point=point, section=section, part=part)


def fields(ref: Ref) -> dict:
    return dict(doc=ref.doc, article=ref.article, clause=ref.clause, point=ref.point,
                section=ref.section, part=ref.part)


ND152 = "152/2025/NĐ-CP"
QD86 = "86/2025/QĐ-UBND"

CASES = [
    ("khoản 2 Điều 24 NĐ 152/2025", R(ND152, "24", "2")),
    ("khoản 2 Điều 24 Nghị định số 152/2025/NĐ-CP", R(ND152, "24", "2")),
    ("Điều 24 khoản 2 NĐ 152", R(ND152, "24", "2")),
    ("dieu 24 khoan 2 nd152", R(ND152, "24", "2")),
    ("dieu 7 luat tdkt 2022", R("06/2022/QH15", "7")),
    ("Điều 7 Luật Thi đua, khen thưởng 2022", R("06/2022/QH15", "7")),
    ("Điều 7 Luật Thi đua, khen thưởng năm 2022", R("06/2022/QH15", "7")),
    ("điều 7 luật 06/2022/QH15", R("06/2022/QH15", "7")),
    ("điểm a khoản 1 điều 24 nghị định 152", R(ND152, "24", "1", "a")),
    ("diem dd khoan 2 dieu 5 nghi dinh 152", R(ND152, "5", "2", "đ")),
    ("điểm đ khoản 2 Điều 5 NĐ 152", R(ND152, "5", "2", "đ")),
    ("diem d khoan 2 dieu 5 nd 152", R(ND152, "5", "2", "d")),
    ("điểm d khoản 2 Điều 5 NĐ 152", R(ND152, "5", "2", "d")),
    ("mục II.2 KH 157", R("157/KH-UBND", section="II.2")),
    ("muc II.2.a ke hoach 157", R("157/KH-UBND", section="II.2.a")),
    ("mục II.2 Kế hoạch số 157/KH-UBND", R("157/KH-UBND", section="II.2")),
    ("muc ii.2.a kh 157", R("157/KH-UBND", section="II.2.a")),
    ("Điều 5 Quy định kèm theo QĐ 86/2025", R(QD86, "5", part="quy-dinh")),
    ("Điều 5 Quy định ban hành kèm theo Quyết định số 86/2025/QĐ-UBND", R(QD86, "5", part="quy-dinh")),
    ("dieu 5 quy dinh qd 86", R(QD86, "5", part="quy-dinh")),
    ("Điều 2 Quyết định 86/2025", R(QD86, "2")),
    ("Điều 2 Quyết định 86/2025 quy định gì", R(QD86, "2")),
    ("Điều 5 QĐ 86", R(QD86, "5", part="quy-dinh")),  # the Quyết định itself has Điều 1–3
    ("Điều 5 Quy định kèm theo QĐ 11/2021", R("11/2021/QĐ-UBND", "5", part="quy-che")),
    ("dieu 10 quy che qd 11/2021", R("11/2021/QĐ-UBND", "10", part="quy-che")),
    ("Điều 3 quy chế Quảng Nam", R("11/2021/QĐ-UBND", "3", part="quy-che")),
    ("Điều 2 QĐ 11/2021", R("11/2021/QĐ-UBND", "2")),
    ("Điều 58a VBHN 16", R("16/VBHN-VPQH", "58a")),
    ("dieu 58a luat tdkt 2003", R("16/VBHN-VPQH", "58a")),
    ("Điều 91a văn bản hợp nhất 16/VBHN-VPQH", R("16/VBHN-VPQH", "91a")),
    ("khoản 1 Điều 60 nđ 152", R(ND152, "60", "1")),
    ("Điều 19 Nghị định 233/2026/NĐ-CP", R("233/2026/NĐ-CP", "19")),
    ("Điều 5", R(None, "5")),
    ("Điều 5 Nghị định 152/NĐ-CP", R(ND152, "5")),  # year left out
    ("mục II Kế hoạch 157/2025/KH-UBND", R("157/KH-UBND", section="II")),  # year added
    ("Điều 5 của Quy chế ban hành kèm theo Quyết định 11/2021/QĐ-UBND ngày 29/7/2021",
     R("11/2021/QĐ-UBND", "5", part="quy-che")),
    ("theo quy định tại Điều 2 Quyết định 86/2025", R(QD86, "2")),
    ("quy định bắc ninh điều 7", R(QD86, "7", part="quy-dinh")),
    ("tỷ lệ 15% theo khoản 3 điều 24", R(None, "24", "3")),
]


@pytest.mark.parametrize("text, want", CASES, ids=[c[0] for c in CASES])
def test_parse_ref(cat, text, want):
    ref = parse_ref(text, cat)
    assert ref is not None
    assert fields(ref) == want
    if want["doc"]:
        assert ref.known


@pytest.mark.parametrize("text", [c[0] for c in CASES[:12]])
def test_parse_ref_nfd_and_upper(cat, text):
    want = fields(parse_ref(text, cat))
    assert fields(parse_ref(unicodedata.normalize("NFD", text), cat)) == want
    assert fields(parse_ref(text.upper(), cat))["doc"] == want["doc"]


@pytest.mark.parametrize(
    "text",
    [
        "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?",
        "Ai có thẩm quyền tặng Bằng khen của Chủ tịch UBND tỉnh?",
        "Khen thưởng đột xuất cần thủ tục gì?",
        "mục tiêu của kế hoạch là gì",
        "điều kiện để được tặng danh hiệu lao động tiên tiến",
        "hồ sơ nộp trước ngày 01.01.2020, mỗi năm 2 lần, 5/tháng",
        "không quá 15% tổng số cá nhân",
        "",
    ],
)
def test_free_text_is_not_a_reference(cat, text):
    assert parse_ref(text, cat) is None


def test_unknown_document(cat):
    ref = parse_ref("Điều 5 Nghị định 999/2030/NĐ-CP", cat)
    assert ref.doc == "999/2030/NĐ-CP" and ref.article == "5" and ref.known is False
    ref = parse_ref("dieu 5 nd 999/2030", cat)
    assert ref.doc == "999/2030/NĐ-CP" and not ref.known
    ref = parse_ref("Điều 3 Thông tư 99/2031/TT-BTC", cat)
    assert ref.doc == "99/2031/TT-BTC" and not ref.known
    # a known document is flagged known even when the corpus does not hold it
    ref = parse_ref("Điều 4 Thông tư 15/2025/TT-BNV", cat)
    assert ref.doc == "15/2025/TT-BNV" and ref.known


def test_ambiguous_short_form_is_not_guessed(cat):
    # "luật 06" is 06/2022/QH15 or 06/2026/QH16
    assert parse_ref("luật 06", cat) is None
    assert parse_ref("Điều 5 luật 06", cat).doc is None
    assert parse_ref("Điều 5 luật 06/2026", cat).doc == "06/2026/QH16"


def test_label(cat):
    assert parse_ref("diem a khoan 1 dieu 24 nd 152", cat).label(cat) == (
        "điểm a khoản 1 Điều 24 Nghị định 152/2025/NĐ-CP")
    assert parse_ref("dieu 5 quy dinh qd 86", cat).label(cat) == (
        "Điều 5 Quy định ban hành kèm theo Quyết định 86/2025/QĐ-UBND")
    assert parse_ref("mục II.2 KH 157", cat).label(cat) == "mục II.2 Kế hoạch 157/KH-UBND"


MENTIONS = [
    ("NĐ 152 quy định gì về Bằng khen?", ["152/2025/NĐ-CP"]),
    ("nghị định 152/2025", ["152/2025/NĐ-CP"]),
    ("theo luat tdkt 2022", ["06/2022/QH15"]),
    ("Luật Thi đua, khen thưởng 2022", ["06/2022/QH15"]),
    ("Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022", ["06/2022/QH15"]),
    ("so sánh luật 2003 và luật 2022", ["16/VBHN-VPQH", "06/2022/QH15"]),
    ("KH 157 của Cần Thơ", ["157/KH-UBND"]),
    ("QĐ 86/2025", ["86/2025/QĐ-UBND"]),
    ("quy chế Quảng Nam quy định thế nào", ["11/2021/QĐ-UBND"]),
    ("thông tư 03/2018 còn hiệu lực không", ["03/2018/TT-BNG"]),
    ("tt 15/2025/tt-bnv thay thế tt 01/2024", ["15/2025/TT-BNV", "01/2024/TT-BNV"]),
    ("Căn cứ Luật Thi đua, khen thưởng số 15/2003/QH11 và Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017",
     ["15/2003/QH11", "91/2017/NĐ-CP"]),
    ("theo luật tđkt thì ai được tặng", ["06/2022/QH15"]),  # weak alias: the current law
    ("luật tđkt 2003 khác luật tđkt thế nào", ["16/VBHN-VPQH"]),  # weak alias dropped
    ("nđ 98 và nđ 28 hết hiệu lực khi nào", ["98/2023/NĐ-CP", "28/2024/NĐ-CP"]),
    ("kh 124 đắk lắk", ["0124/KH-UBND"]),
    # "the amending law" without a year is the one of the current law; with its year, an old one
    ("theo luật tđkt sửa đổi thì giấy khen cấp huyện thế nào", ["06/2026/QH16"]),
    ("Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng có hiệu lực khi nào", ["06/2026/QH16"]),
    ("Luật TĐKT sửa đổi, bổ sung năm 2013", ["39/2013/QH13"]),
    ("06/2022/QH15 và 16/VBHN-VPQH", ["06/2022/QH15", "16/VBHN-VPQH"]),
    ("Tiêu chuẩn Chiến sĩ thi đua cơ sở", []),
    ("ngày 01/01/2024, khoản 2", []),
]


@pytest.mark.parametrize("text, want", MENTIONS, ids=[m[0] for m in MENTIONS])
def test_find_doc_mentions(cat, text, want):
    assert find_doc_mentions(text, cat) == want


def test_unknown_mentions_on_request(cat):
    t = "Nghị định 999/2030/NĐ-CP và NĐ 152"
    assert find_doc_mentions(t, cat) == ["152/2025/NĐ-CP"]
    assert find_doc_mentions(t, cat, include_unknown=True) == ["999/2030/NĐ-CP", "152/2025/NĐ-CP"]
    ms = scan_mentions(t, cat)
    assert [m.known for m in ms] == [False, True]
    assert t[ms[1].start:ms[1].end] == "NĐ 152"


def test_fast(cat):
    parse_ref("warm up NĐ 152", cat)
    t0 = time.perf_counter()
    for _ in range(500):
        parse_ref("điểm a khoản 1 điều 24 nghị định 152 về tiêu chuẩn chiến sĩ thi đua cơ sở", cat)
        find_doc_mentions("so sánh luật tđkt 2003 với luật 2022 và NĐ 152", cat)
    assert time.perf_counter() - t0 < 1.0
