"""The catalog: bundled facts, computed validity, user catalogs."""
from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from corpus.catalog import (
    EXPIRED,
    IN_FORCE,
    NOT_YET,
    UNKNOWN,
    Catalog,
    CatalogError,
    doc_key,
    fold,
    normalize_doc,
    to_json,
    type_of_doc,
)

HELD_FILES = [
    "luat-06-2022-QH15.docx",
    "nd-152-2025-ND-CP.md",
    "vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf",
    "tt-03-2018-TT-BNG.doc",
    "qd-86-2025-QD-UBND-BacNinh.md",
    "qd-11-2021-QD-UBND-QuangNam.docx",
    "kh-982-KH-UBND-2025-NgheAn.md",
    "kh-0124-KH-UBND-2025-DakLak.md",
    "kh-0125-KH-UBND-2025-DakLak.md",
    "kh-157-KH-UBND-2025-CanTho.md",
    "nd-233-2026-ND-CP.md",
]
NOT_HELD = [
    "06/2026/QH16",
    "115/VBHN-VPQH",
    "15/2025/TT-BNV",
    "01/2024/TT-BNV",
    "12/2019/TT-BNV",
    "08/2017/TT-BNV",
    "98/2023/NĐ-CP",
    "28/2024/NĐ-CP",
    "91/2017/NĐ-CP",
    "42/2010/NĐ-CP",
    "65/2014/NĐ-CP",
    "15/2003/QH11",
    "47/2005/QH11",
    "32/2009/QH12",
    "39/2013/QH13",
    "13/2024/QĐ-UBND",
    "90/2020/NĐ-CP",
    "48/2023/NĐ-CP",
    "07/2026/TT-BGDĐT",
]
TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def cat(tmp_path_factory) -> Catalog:
    return Catalog.load(use_env=False)


@pytest.fixture(scope="module")
def held(cat) -> set[str]:
    return {cat.by_file(f).doc for f in HELD_FILES}


# ─────────────────────────────── contents ───────────────────────────────


def test_every_document_once(cat):
    assert len(cat) == len(HELD_FILES) + len(NOT_HELD)
    keys = [e.key for e in cat]
    assert len(keys) == len(set(keys))
    for d in NOT_HELD:
        e = cat.get_exact(d)
        assert e is not None, d
        assert e.doc == d and e.file_hint is None


def test_held_files_map_to_entries(cat, held):
    assert held == {
        "06/2022/QH15", "152/2025/NĐ-CP", "16/VBHN-VPQH", "03/2018/TT-BNG", "86/2025/QĐ-UBND",
        "11/2021/QĐ-UBND", "982/KH-UBND", "0124/KH-UBND", "0125/KH-UBND", "157/KH-UBND",
        "233/2026/NĐ-CP",
    }
    root = Path("/work/shared/corpus/tdkt")
    if root.is_dir():  # the hints are the real file stems
        stems = {p.stem for p in root.iterdir()}
        assert {e.file_hint for e in cat if e.file_hint} <= stems


def test_types_and_dates(cat):
    e = cat.get("06/2022/QH15")
    assert (e.type, e.issuer, e.issued, e.effective, e.expires) == (
        "Luật", "Quốc hội", date(2022, 6, 15), date(2024, 1, 1), None)
    e = cat.get("152/2025/NĐ-CP")
    assert (e.issued, e.effective, e.expires, e.expires_basis) == (
        date(2025, 6, 14), date(2025, 7, 1), date(2027, 3, 1), "scheduled")
    assert cat.get("86/2025/QĐ-UBND").effective == date(2025, 12, 15)
    assert cat.get("233/2026/NĐ-CP").effective == date(2026, 7, 1)
    assert cat.get("16/VBHN-VPQH").type == "Văn bản hợp nhất"
    for k in ("982/KH-UBND", "0124/KH-UBND", "0125/KH-UBND", "157/KH-UBND"):
        e = cat.get(k)
        assert e.type == "Kế hoạch" and e.issued and e.effective is None and e.expires is None
    assert cat.get("15/2025/TT-BNV").effective == date(2025, 8, 5)
    assert cat.get("07/2026/TT-BGDĐT").effective == date(2026, 4, 2)
    for e in cat:
        assert e.type in {"Luật", "Nghị định", "Thông tư", "Quyết định", "Kế hoạch", "Văn bản hợp nhất"}
        assert e.title and e.issuer


def test_quyet_dinh_attached_texts(cat):
    assert cat.get("86/2025/QĐ-UBND").attached == "quy-dinh"
    assert cat.get("11/2021/QĐ-UBND").attached == "quy-che"
    assert cat.get("86/2025/QĐ-UBND").decision_articles == 3


def test_inferred_end_dates_are_explained(cat):
    for d in ("03/2018/TT-BNG", "11/2021/QĐ-UBND"):
        e = cat.get(d)
        assert e.expires == date(2024, 1, 1)
        assert e.expires_basis == "inferred"
        assert "91/2017" in e.notes and "01/01/2024" in e.notes


# ─────────────────────────────── lookup ───────────────────────────────


@pytest.mark.parametrize(
    "typed",
    [
        "152/2025/NĐ-CP",
        "152/2025/ND-CP",
        "152/2025/nd-cp",
        " 152 / 2025 / NĐ-CP ",
        unicodedata.normalize("NFD", "152/2025/NĐ-CP"),
        "Số: 152/2025/NĐ-CP",
        "nđ 152",
        "ND 152",
        "Nghị định 152/2025",
    ],
)
def test_get_is_tolerant(cat, typed):
    assert cat.get(typed).doc == "152/2025/NĐ-CP"


def test_get_other_spellings(cat):
    assert cat.get("86/2025/QD-UBND").doc == "86/2025/QĐ-UBND"
    assert cat.get("16/vbhn-vpqh").doc == "16/VBHN-VPQH"
    assert cat.get("07/2026/TT-BGDDT").doc == "07/2026/TT-BGDĐT"
    assert cat.get("6/2022/QH15").doc == "06/2022/QH15"
    assert cat.get("luật tđkt 2022").doc == "06/2022/QH15"
    assert cat.get("kh 157").doc == "157/KH-UBND"
    assert cat.get("999/2030/NĐ-CP") is None
    assert cat.get("") is None


def test_helpers():
    assert fold("Điều 58a Nghị định") == "dieu 58a nghi dinh"
    assert len(fold("Thủy hoà")) == len("Thủy hoà")
    assert fold(unicodedata.normalize("NFD", "khen thưởng")) == "khen thuong"
    assert normalize_doc("999/2030/nd-cp") == "999/2030/NĐ-CP"
    assert doc_key("0124/KH-UBND") == doc_key("124/kh-ubnd")


def test_relations_and_inverses(cat):
    assert [r.doc for r in cat.get("98/2023/NĐ-CP").replaced_by] == ["152/2025/NĐ-CP"]
    assert {r.doc for r in cat.get("152/2025/NĐ-CP").replaces} == {"98/2023/NĐ-CP", "28/2024/NĐ-CP"}
    # inverse completed by the loader
    assert "86/2025/QĐ-UBND" in [r.doc for r in cat.get("13/2024/QĐ-UBND").repealed_by]
    assert "233/2026/NĐ-CP" in [r.doc for r in cat.get("90/2020/NĐ-CP").repealed_by]
    assert "06/2026/QH16" in [r.doc for r in cat.get("06/2022/QH15").amended_by]
    assert [e.doc for e in cat.consolidated_in("15/2003/QH11")] == ["16/VBHN-VPQH"]
    assert "152/2025/NĐ-CP" in [e.doc for e in cat.guided_by("06/2022/QH15")]


def test_circular_chain(cat):
    """TT 08/2017 → 12/2019 → 01/2024 → 15/2025."""
    chain = ["08/2017/TT-BNV", "12/2019/TT-BNV", "01/2024/TT-BNV", "15/2025/TT-BNV"]
    for old, new in zip(chain, chain[1:]):
        assert new in [r.doc for r in cat.get(old).replaced_by], (old, new)
        assert old in [r.doc for r in cat.get(new).replaces], (old, new)
    assert cat.get("15/2025/TT-BNV").replaced_by == []
    st = cat.status("01/2024/TT-BNV", TODAY)
    assert st.code == EXPIRED and st.until == date(2025, 8, 5)
    assert [r.doc for r in st.replaced_by] == ["15/2025/TT-BNV"]
    assert cat.status("15/2025/TT-BNV", TODAY).code == IN_FORCE
    assert cat.status("15/2025/TT-BNV", date(2025, 8, 4)).code == NOT_YET
    # 08/2017: replacement date unknown, but it ended no later than its successor did
    st = cat.status("08/2017/TT-BNV", TODAY)
    assert st.code == EXPIRED and not st.until_exact and st.until == date(2024, 1, 1)


def test_decree_and_law_chains(cat):
    assert [r.doc for r in cat.get("91/2017/NĐ-CP").replaced_by] == ["98/2023/NĐ-CP"]
    assert {r.doc for r in cat.get("91/2017/NĐ-CP").replaces} == {"42/2010/NĐ-CP", "65/2014/NĐ-CP"}
    assert [r.doc for r in cat.get("15/2003/QH11").replaced_by] == ["06/2022/QH15"]
    assert [r.doc for r in cat.get("15/2003/QH11").amended_by] == ["47/2005/QH11", "32/2009/QH12", "39/2013/QH13"]


# ─────────────────────────────── status ───────────────────────────────


def test_law_2022_amended_by_law_not_held(cat, held):
    st = cat.status("06/2022/QH15", TODAY, held=held)
    assert st.code == IN_FORCE and st.in_force
    assert st.since == date(2024, 1, 1) and st.until is None
    assert [a.doc for a in st.amended_by_not_held] == ["06/2026/QH16"]
    a = st.amendments[0]
    assert (a.effective, a.held, a.in_force) == (date(2026, 10, 1), False, True)
    assert "được sửa đổi, bổ sung bởi Luật 06/2026/QH16 từ 01/10/2026" in st.text
    assert "không có trong kho" in st.text
    # before the amendment takes effect it is pending, not in force
    st = cat.status("06/2022/QH15", date(2026, 6, 1), held=held)
    assert st.amended_by_not_held == [] and "sẽ được sửa đổi" in st.text
    # without `held` the catalog does not claim anything about the corpus
    st = cat.status("06/2022/QH15", TODAY)
    assert st.amendments[0].held is None and "không có trong kho" not in st.text


def test_vbhn_16(cat):
    st = cat.status("16/VBHN-VPQH", TODAY)
    assert st.code == EXPIRED and not st.in_force
    assert st.until == date(2024, 1, 1)
    assert [r.doc for r in st.replaced_by] == ["06/2022/QH15"]
    assert st.text == "hết hiệu lực từ 01/01/2024 — thay thế bởi Luật 06/2022/QH15"
    assert cat.status("16/VBHN-VPQH", date(2023, 6, 1)).code == IN_FORCE
    assert cat.status("06/2022/QH15", date(2023, 6, 1)).code == NOT_YET


def test_decree_152(cat):
    assert cat.status("152/2025/NĐ-CP", date(2025, 6, 20)).code == NOT_YET
    st = cat.status("152/2025/NĐ-CP", TODAY)
    assert st.code == IN_FORCE
    assert st.scheduled_expiry == date(2027, 3, 1) and st.expiring_soon
    assert st.end_basis == "scheduled"
    assert "01/03/2027" in st.text and "kéo dài" in st.text
    assert not cat.status("152/2025/NĐ-CP", date(2025, 7, 1), soon_days=180).expiring_soon
    st = cat.status("152/2025/NĐ-CP", date(2027, 3, 2))
    assert st.code == EXPIRED and not st.in_force
    assert [e.doc for e, _ in cat.expiring(TODAY)] == ["152/2025/NĐ-CP"]


def test_decree_98(cat, held):
    st = cat.status("98/2023/NĐ-CP", date(2025, 7, 1), held=held)
    assert st.code == EXPIRED
    assert [r.doc for r in st.replaced_by] == ["152/2025/NĐ-CP"] and st.replaced_by[0].held is True
    assert "thay thế bởi Nghị định 152/2025/NĐ-CP" in st.text
    assert cat.status("98/2023/NĐ-CP", date(2025, 6, 30)).code == IN_FORCE
    assert cat.status("91/2017/NĐ-CP", date(2024, 1, 1)).code == EXPIRED


def test_provincial_and_plans(cat):
    assert cat.status("86/2025/QĐ-UBND", date(2025, 12, 14)).code == NOT_YET
    assert cat.status("86/2025/QĐ-UBND", date(2025, 12, 15)).code == IN_FORCE
    st = cat.status("13/2024/QĐ-UBND", date(2025, 12, 15))
    assert st.code == EXPIRED and [r.doc for r in st.repealed_by] == ["86/2025/QĐ-UBND"]
    assert "bãi bỏ bởi" in st.text
    assert cat.status("233/2026/NĐ-CP", date(2026, 6, 30)).code == NOT_YET
    assert cat.status("233/2026/NĐ-CP", date(2026, 7, 1)).code == IN_FORCE
    assert cat.status("90/2020/NĐ-CP", date(2026, 7, 1)).code == EXPIRED
    st = cat.status("157/KH-UBND", TODAY)
    assert st.code == IN_FORCE and st.since == date(2025, 11, 18)
    assert cat.status("157/KH-UBND", date(2025, 11, 17)).code == NOT_YET


def test_historical_documents(cat):
    for d in ("03/2018/TT-BNG", "11/2021/QĐ-UBND"):
        st = cat.status(d, TODAY)
        assert st.code == EXPIRED and st.end_basis == "inferred"
        assert "suy luận" in st.text
    assert cat.status("03/2018/TT-BNG", date(2019, 1, 1)).code == IN_FORCE
    assert cat.status("11/2021/QĐ-UBND", date(2021, 8, 9)).code == NOT_YET


def test_unknown_dates_are_not_guessed(cat):
    st = cat.status("28/2024/NĐ-CP", date(2024, 6, 1))  # effective date not in the facts
    assert st.code == UNKNOWN and not st.in_force
    assert cat.status("28/2024/NĐ-CP", date(2025, 7, 1)).code == EXPIRED
    st = cat.status("999/2030/NĐ-CP", TODAY)
    assert st.code == UNKNOWN and "không có trong danh mục" in st.text


def test_consolidated_text_counts_as_held(cat, held):
    st = cat.status("15/2003/QH11", date(2015, 1, 1), held=held)
    assert st.code == IN_FORCE and st.held is False and st.held_in == "16/VBHN-VPQH"
    assert all(a.held_in == "16/VBHN-VPQH" for a in st.amendments)
    assert st.amended_by_not_held == []


# ─────────────────────────────── json ───────────────────────────────


def test_to_json_shape(cat):
    e = cat.get("06/2022/QH15")
    j = to_json(e, TODAY, True, {"articles": 96, "attached_articles": None, "sections": None}, catalog=cat)
    assert j == {
        "doc": "06/2022/QH15",
        "type": "Luật",
        "title": "Luật Thi đua, khen thưởng",
        "issuer": "Quốc hội",
        "issued": "2022-06-15",
        "effective": "2024-01-01",
        "expires": None,
        "status": "còn hiệu lực",
        "held": True,
        "articles": 96,
        "attached_articles": None,
        "sections": None,
        "replaced_by": [],
        "amended_by": ["06/2026/QH16"],
    }
    j = to_json(cat.get("16/VBHN-VPQH"), TODAY, True, None)
    assert j["status"] == "hết hiệu lực" and j["replaced_by"] == ["06/2022/QH15"]
    assert j["articles"] is None
    j = cat.to_json("86/2025/QĐ-UBND", TODAY, True, {"articles": 3, "attached_articles": 11})
    assert (j["articles"], j["attached_articles"], j["status"]) == (3, 11, "còn hiệu lực")


# ─────────────────────────────── user catalogs ───────────────────────────────


USER_CATALOG = """\
schema: 1
documents:
  - doc: 22/2018/TT-BGDDT
    type: Thông tư
    title: Thông tư hướng dẫn công tác thi đua, khen thưởng ngành Giáo dục (cũ)
    issuer: Bộ Giáo dục và Đào tạo
    issued: 2018-08-28
    effective: 2018-10-15
    replaced_by:
      - {doc: 07/2026/TT-BGDĐT, effective: 2026-04-02}
    aliases: [thông tư 22 giáo dục]
  - doc: 28/2024/ND-CP
    effective: 2024-04-20
    notes: ngày hiệu lực do người dùng bổ sung
"""


def test_user_catalog_adds_and_overrides(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text(USER_CATALOG, encoding="utf-8")
    cat = Catalog.load([p], use_env=False)
    e = cat.get("22/2018/TT-BGDĐT")
    assert e is not None and e.doc == "22/2018/TT-BGDDT" and e.source == str(p)
    assert cat.get("thông tư 22 giáo dục") is e
    assert cat.status(e, date(2026, 4, 2)).code == EXPIRED
    # the inverse relation reaches the bundled entry
    assert "22/2018/TT-BGDDT" in [r.doc for r in cat.get("07/2026/TT-BGDĐT").replaces]
    # field-level override: the other fields of the bundled entry stay
    o = cat.get("28/2024/NĐ-CP")
    assert o.effective == date(2024, 4, 20) and o.notes == "ngày hiệu lực do người dùng bổ sung"
    assert o.expires == date(2025, 7, 1) and o.title.startswith("Nghị định quy định chi tiết")
    assert cat.status(o, date(2024, 6, 1)).code == IN_FORCE
    assert len(cat) == len(HELD_FILES) + len(NOT_HELD) + 1
    # the bundled catalog is untouched
    assert Catalog.load(use_env=False).get("28/2024/NĐ-CP").effective is None


def test_user_catalog_from_env(tmp_path, monkeypatch):
    import os

    a = tmp_path / "a.yaml"
    a.write_text("- {doc: 5/2026/QĐ-UBND, type: Quyết định, title: Quy định TĐKT tỉnh X, effective: 2026-02-01}\n",
                 encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("- {doc: 5/2026/QD-UBND, title: Quy định TĐKT tỉnh Y}\n", encoding="utf-8")
    monkeypatch.setenv("TDKT_CATALOG", os.pathsep.join([str(a), str(b)]))
    cat = Catalog.load()
    e = cat.get("5/2026/QĐ-UBND")
    assert e.title == "Quy định TĐKT tỉnh Y" and e.effective == date(2026, 2, 1)
    assert Catalog.default().get("5/2026/QĐ-UBND") is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, effective: 2026-13-01}\n", "'effective'"),
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, efective: 2026-01-01}\n", "'efective'"),
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, replaced_by: [{doc: 2/2026/NĐ-CP, date: 2026-01-01}]}\n",
         "'replaced_by'"),
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, aliases: nope: x}\n", "YAML"),
        ("- {type: Nghị định}\n", "'doc'"),
        ("- {doc: 1/ABC, title: x}\n", "'type'"),
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, decision_articles: three}\n", "'decision_articles'"),
        ("- {doc: 1/2026/QĐ-UBND, type: Quyết định, attached: phu-luc}\n", "'attached'"),
        ("- {doc: 1/2026/NĐ-CP, type: Nghị định, expires_basis: maybe}\n", "'expires_basis'"),
        ("schema: 2\ndocuments: []\n", "'schema'"),
        ("documents: {doc: x}\n", "'documents'"),
    ],
)
def test_bad_user_catalog_names_file_and_field(tmp_path, body, field):
    p = tmp_path / "bad-catalog.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogError) as ei:
        Catalog.load([p], use_env=False)
    msg = str(ei.value)
    assert "bad-catalog.yaml" in msg and field in msg, msg


def test_missing_user_catalog(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        Catalog.load([tmp_path / "nope.yaml"], use_env=False)


@pytest.mark.parametrize("number, expected", [
    ("152/2025/ND-CP", "Nghị định"),  # typed without Đ
    ("Số: 170/2025/NĐ-CP", "Nghị định"),
    ("06/2022/QH15", "Luật"),
    ("16/VBHN-VPQH", "Văn bản hợp nhất"),  # opens with "LUẬT" but is a consolidated text
    ("01/2019/TTLT-BNV-BTC", "Thông tư liên tịch"),
    ("03/2018/TT-BNG", "Thông tư"),
    ("86/2025/qd-ubnd", "Quyết định"),
    ("41-CT/TW", "Chỉ thị"),
    ("0125/KH-UBND", "Kế hoạch"),
    ("12/2019/NQ-HĐND", "Nghị quyết"),
    ("Quyết định khen thưởng", None),
])
def test_the_type_a_so_hieu_implies_is_read_the_same_by_ingest_and_catalog(number, expected):
    from ingest.header import type_from_number

    assert type_of_doc(number) == expected
    assert type_from_number(number) == expected
