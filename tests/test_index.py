"""index/: units and chunks, Vietnamese BM25, fusion, and the hybrid Searcher on the real corpus.

The slow part builds one index of the whole TĐKT corpus per test session (ingest + chroma + BM25;
the build time is printed) and runs the retrieval checks on it, then the same checks against a
real `chroma run` server.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from index.fusion import FusionParams, Structure, pick_units, rank_groups
from index.search import place_codes
from index.text import Restorer, expand_abbreviations, fold_tokens, has_diacritics, lex_tokens
from index.units import Unit, _split_to_budget, build_chunks, build_units
from ingest.model import DocumentInfo, ParsedDocument, Provision
from ingest.vietnamese import fold

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "tdkt"
VENV_BIN = Path(sys.executable).parent


# =============================================================================================
# fast: text, units, fusion


def test_tokens_keep_one_letter_syllables_and_fold():
    assert lex_tokens("Điểm a khoản 1 Điều 22, có 03 lần") == ["điểm", "a", "khoản", "1", "điều", "22", "có", "3", "lần"]
    assert fold_tokens("Thủy, thuỷ, HOÀ") == ["thuy", "thuy", "hoa"]
    assert lex_tokens("thuỷ hoà") == lex_tokens("thủy hòa")


def test_has_diacritics_ignores_abbreviations():
    assert has_diacritics("Tiêu chuẩn Chiến sĩ thi đua")
    assert not has_diacritics("tieu chuan chien si thi dua co so")
    assert not has_diacritics("tieu chuan CSTĐCS theo NĐ 152")
    assert has_diacritics("CSTĐCS cần mấy năm")


def test_abbreviations_expand_accented_and_unaccented():
    for q in ("Tiêu chuẩn CSTĐCS", "tieu chuan cstdcs", "tieu chuan CSTDCS"):
        text, used = expand_abbreviations(q)
        assert "chiến sĩ thi đua cơ sở" in text, q
        assert used == ["chiến sĩ thi đua cơ sở"]
    text, _ = expand_abbreviations("BKTTCP và HCLĐ hạng Ba, TTLĐXS, LĐTT, HTXSNV")
    for long in ("bằng khen của Thủ tướng Chính phủ", "huân chương lao động", "tập thể lao động xuất sắc",
                 "lao động tiên tiến", "hoàn thành xuất sắc nhiệm vụ"):
        assert long in text
    assert expand_abbreviations("BK CT UBND tỉnh")[0] == "bằng khen chủ tịch ủy ban nhân dân tỉnh"
    # typed with đ, GĐ is giám đốc; GD stays giáo dục's business (not expanded)
    assert expand_abbreviations("P.GĐ đơn vị SNCL")[0] == "phó giám đốc đơn vị sự nghiệp công lập"
    assert expand_abbreviations("PGĐ sở")[0] == "phó giám đốc sở"
    assert expand_abbreviations("ngành GD")[0] == "ngành GD"
    assert expand_abbreviations("hộ GĐ được tặng GK")[0] == "hộ gia đình được tặng giấy khen"
    assert expand_abbreviations("mẫu BC thành tích, BCTT")[0] == "mẫu báo cáo thành tích, báo cáo thành tích"
    # a số hiệu keeps its code; real words are never touched
    assert "03/2018/TT-BNG" in expand_abbreviations("Thông tư 03/2018/TT-BNG")[0]
    assert expand_abbreviations("khen thưởng đột xuất")[0] == "khen thưởng đột xuất"
    # officers' shorthand: lower-case chat forms only ("BN" is a province code, "bn" is bao nhiêu)
    assert expand_abbreviations("quỹ tối đa bn % ko")[0] == "quỹ tối đa bao nhiêu % không"
    assert expand_abbreviations("BN: quỹ")[0] == "BN: quỹ"
    assert expand_abbreviations("VĐV đạt HCV, CBCC bị xử phạt VPHC")[0] == \
        "vận động viên đạt huy chương vàng, cán bộ, công chức bị xử phạt vi phạm hành chính"
    assert expand_abbreviations("thưởng bao nhiêu lần LCS")[0] == "thưởng bao nhiêu lần lương cơ sở"
    assert expand_abbreviations("CC xếp loại HTXSNV")[0] == "công chức xếp loại hoàn thành xuất sắc nhiệm vụ"
    assert expand_abbreviations("DN được CTĐ, TTƯT, KNC")[0] == \
        "doanh nghiệp được cờ thi đua, thầy thuốc ưu tú, kỷ niệm chương"


def test_place_codes_are_the_initials_officers_type():
    assert place_codes("Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam") == ["QN"]
    assert place_codes("Đắk Lắk") == ["DL"]
    assert place_codes("Ngoại giao", "Bộ Ngoại giao") == ["BNG"]
    assert place_codes("Cần Thơ") == []  # "CT" is chủ tịch ("BK CT UBND")


def test_restorer_puts_tone_marks_back():
    r = Restorer.from_texts([
        "Danh hiệu Chiến sĩ thi đua cơ sở được xét tặng cho cá nhân",
        "Tiêu chuẩn danh hiệu Lao động tiên tiến",
        "Tiền thưởng, khen thưởng, thương binh",
    ] * 3)
    assert r.restore("tieu chuan danh hieu chien si thi dua co so") == \
        "tiêu chuẩn danh hiệu chiến sĩ thi đua cơ sở"
    assert r.restore("tien thuong lao dong tien tien") == "tiền thưởng lao động tiên tiến"
    r2 = Restorer.from_json(json.loads(json.dumps(r.to_json())))
    assert r2.restore("xet tang") == r.restore("xet tang")


def _doc(provisions, doc="1/2024/NĐ-CP"):
    return ParsedDocument(info=DocumentInfo(doc=doc, type="Nghị định", title="Quy định thử", issuer="Chính phủ"),
                          path="x.md", fmt="md", sha256="0", text="", provisions=provisions)


def _p(pid, kind, text, parent=None, article=None, clause=None, point=None, section=None, heading=""):
    return Provision(id=pid, doc="1/2024/NĐ-CP", kind=kind, label=pid, text=text, index_text=text,
                     article=article, clause=clause, point=point, section=section, parent=parent, heading=heading)


def test_units_group_clauses_and_points_under_their_article():
    d = _doc([
        _p("D#d1", "article", "Điều 1. Tiền thưởng\n1. Mức thưởng:\na) Lao động tiên tiến 0,3 lần", article="1",
           heading="Tiền thưởng"),
        _p("D#d1.k1", "clause", "1. Mức thưởng:\na) Lao động tiên tiến 0,3 lần", "D#d1", "1", "1"),
        _p("D#d1.k1.a", "point", "a) Lao động tiên tiến 0,3 lần", "D#d1.k1", "1", "1", "a"),
        _p("K#s:II", "section", "II. THỜI GIAN\n1. Bắt đầu", section="II"),
        _p("K#s:II.1", "section", "1. Bắt đầu", "K#s:II", section="II.1"),
    ])
    units = {u.id: u for u in build_units(d)}
    assert units["D#d1.k1.a"].group == "D#d1" and units["D#d1.k1.a"].depth == 2
    assert units["D#d1.k1"].depth == 1
    # a point's BM25 text carries the article heading and the clause's lead-in
    assert "Tiền thưởng" in units["D#d1.k1.a"].lex_text and "Mức thưởng" in units["D#d1.k1.a"].lex_text
    assert units["K#s:II.1"].group == "K#s:II" and units["K#s:II.1"].depth == 1
    assert "THỜI GIAN" in units["K#s:II.1"].lex_text


def test_clauses_of_an_untitled_article_carry_its_lead_in():
    # The 2003 law's articles have no title ("Điều 23." alone on its line): the lead-in sentence
    # says what their clauses are about, in BM25's text and in the embedded clause's context.
    art = "Điều 23.\nDanh hiệu “Chiến sĩ thi đua cơ sở” được xét tặng cho cá nhân đạt các tiêu chuẩn sau:\n" \
          "1. Đạt các tiêu chuẩn của danh hiệu “Lao động tiên tiến”;\n2. Có sáng kiến được cơ sở công nhận."
    bare = "Điều 24.\n1. Thời hạn xét tặng hằng năm.\n2. Hội đồng xét tặng."
    d = _doc([
        _p("D#d23", "article", art, article="23"),
        _p("D#d23.k1", "clause", "1. Đạt các tiêu chuẩn của danh hiệu “Lao động tiên tiến”;", "D#d23", "23", "1"),
        _p("D#d24", "article", bare, article="24"),
        _p("D#d24.k2", "clause", "2. Hội đồng xét tặng.", "D#d24", "24", "2"),
    ])
    units = {u.id: u for u in build_units(d)}
    assert "Chiến sĩ thi đua cơ sở" in units["D#d23.k1"].lex_text
    # an untitled article that opens with its first clause lends no clause text to the others
    assert "Thời hạn" not in units["D#d24.k2"].lex_text
    provs = {p.id: p for p in d.provisions}
    chunks = {c.unit: c for c in build_chunks(build_units(d), provs, "Nghị định 1/2024/NĐ-CP", lambda t: len(t.split()))}
    assert "Chiến sĩ thi đua cơ sở" in chunks["D#d23.k1"].text.split("\n", 2)[1]


def test_long_provisions_are_split_below_the_token_budget():
    body = "\n".join(f"{i}. " + " ".join(["thi đua khen thưởng"] * 40) for i in range(1, 30))
    d = _doc([_p("D#d9", "article", "Điều 9. Dài\n" + body, article="9", heading="Dài")])
    units = build_units(d)
    count = lambda s: len(s.split()) + 3  # noqa: E731 - a stand-in tokenizer
    chunks = build_chunks(units, {p.id: p for p in d.provisions}, "Nghị định 1/2024/NĐ-CP", count, max_tokens=200)
    assert len(chunks) > 5
    assert all(count(c.text) <= 200 for c in chunks)
    assert all(c.unit == "D#d9" for c in chunks)
    assert all(c.text.startswith("Nghị định 1/2024/NĐ-CP") for c in chunks)
    # every word of the article is embedded somewhere
    joined = " ".join(c.text for c in chunks)
    assert joined.count("thi đua khen thưởng") >= 29 * 40
    assert _split_to_budget("a b c", lambda s: True) == ["a b c"]


def test_clauses_are_capped_chunks_and_parents_are_synthetic():
    """A long clause is cut into pieces under the clause budget with every word kept; an article
    with clauses embeds only its opening words and gets the mean of those and its clauses; a plan
    section with sub-sections gets the mean of its sub-sections (nothing embedded twice)."""
    from index.units import synthesize

    long_clause = "1. " + " ".join(["khen thưởng đột xuất"] * 200)
    d = _doc([
        _p("D#d2", "article", "Điều 2. Khen thưởng\n" + long_clause, article="2", heading="Khen thưởng"),
        _p("D#d2.k1", "clause", long_clause, "D#d2", "2", "1"),
        _p("K#s:II", "section", "II. THỜI GIAN\n1. Bắt đầu từ tháng 10\n2. Kết thúc tháng 12", section="II"),
        _p("K#s:II.1", "section", "1. Bắt đầu từ tháng 10", "K#s:II", section="II.1"),
        _p("K#s:II.2", "section", "2. Kết thúc tháng 12", "K#s:II", section="II.2"),
    ])
    units = build_units(d)
    count = lambda s: len(s.split()) + 3  # noqa: E731
    chunks = build_chunks(units, {p.id: p for p in d.provisions}, "Nghị định 1/2024/NĐ-CP: thử (Bắc Ninh)", count,
                          short_context="Nghị định 1/2024/NĐ-CP", clause_tokens=100)
    clause = [c for c in chunks if c.unit == "D#d2.k1"]
    assert len(clause) > 1 and all(c.tokens <= 100 for c in clause)
    assert all(c.text.startswith("Nghị định 1/2024/NĐ-CP\nĐiều 2. Khen thưởng") for c in clause)
    body_words = sum(c.text.split("\n", 2)[2].count("đột xuất") for c in clause)
    assert body_words == 200  # no word of the clause is lost
    article = [c for c in chunks if c.unit == "D#d2"]
    assert [c.piece for c in article] == [0, -1]  # its opening words, then the synthetic mean
    assert "đột xuất" not in article[0].text and article[0].text.endswith("Điều 2. Khen thưởng")
    assert article[1].children == ["D#d2::0", "D#d2.k1"]
    syn = [c for c in chunks if c.synthetic]
    assert [c.unit for c in syn] == ["D#d2", "K#s:II"] and syn[1].children == ["K#s:II.1", "K#s:II.2"]
    vecs = {c.id: np.eye(4, dtype=np.float32)[i % 4] for i, c in enumerate(chunks) if not c.synthetic}
    out = synthesize(chunks, vecs)
    for sc, kids in ((syn[0], [c for c in chunks if c.unit == "D#d2.k1" or c.id == "D#d2::0"]),
                     (syn[1], [c for c in chunks if c.unit in ("K#s:II.1", "K#s:II.2")])):
        v = out[sc.id]
        assert abs(float(np.linalg.norm(v)) - 1) < 1e-5
        assert all(float(v @ vecs[k.id]) > 0 for k in kids)


def test_fusion_ranks_articles_and_picks_the_matching_clause():
    units = [
        Unit(id="A", doc="X", kind="article", label="A", group="A", parent=None, article="1"),
        Unit(id="A.k1", doc="X", kind="clause", label="A1", group="A", parent="A", article="1", clause="1", depth=1),
        Unit(id="A.k2", doc="X", kind="clause", label="A2", group="A", parent="A", article="1", clause="2", depth=1),
        Unit(id="B", doc="X", kind="article", label="B", group="B", parent=None, article="2"),
    ]
    st = Structure(units)
    dense = np.array([0.80, 0.70, 0.85, 0.75])
    syl = np.array([5.0, 1.0, 6.0, 2.0])
    fol = syl.copy()
    p = FusionParams()
    g = rank_groups(st, dense, syl, fol, p, accented=True)
    assert np.argmax(g) == 0  # article A
    picks = pick_units(st, 0, dense, syl, fol, p)
    assert units[picks[0][0]].id == "A.k2"
    allowed = np.array([False, True])
    g2 = rank_groups(st, dense, syl, fol, p, accented=True, allowed=allowed)
    assert not np.isfinite(g2[0]) and np.isfinite(g2[1])


# =============================================================================================
# slow: the real corpus, embedded chroma and a chroma server


def _build_index(tmp_path_factory) -> tuple[Path, dict]:
    """The session's one index of the TĐKT corpus (tests/conftest.py builds it for every module)."""
    from conftest import build_tdkt_index

    return build_tdkt_index(tmp_path_factory)


@pytest.fixture(scope="session")
def tdkt_index(tmp_path_factory):
    if not CORPUS.exists():
        pytest.skip(f"corpus not found: {CORPUS}")
    return _build_index(tmp_path_factory)


@pytest.fixture(scope="session")
def searcher(tdkt_index):
    from index.search import Searcher

    root, _ = tdkt_index
    return Searcher(root, chroma_url=None, today=date(2026, 11, 22))


EXACT = [
    ("khoản 2 Điều 33 NĐ 152/2025", "152/2025/NĐ-CP#d33.k2"),
    ("khoản 2 Điều 24 NĐ 152/2025", "152/2025/NĐ-CP#d24"),  # Điều 24 has no clauses: the article
    ("dieu 7 luat tdkt 2022", "06/2022/QH15#d7"),
    ("Điều 5 Quy định kèm theo QĐ 86/2025", "86/2025/QĐ-UBND#quy-dinh/d5"),
    ("mục II.2 KH 157", "157/KH-UBND#s:II.2"),
    ("điểm a khoản 1 Điều 22 Luật Thi đua, khen thưởng 2022", "06/2022/QH15#d22.k1.a"),
    ("Điều 58a VBHN 16 quy định gì?", "16/VBHN-VPQH#d58a"),
    ("Theo khoản 3 Điều 46 Nghị định 152/2025/NĐ-CP thì quỹ được trích thế nào?", "152/2025/NĐ-CP#d46.k3"),
]

# (question, acceptable (doc, article) answers): typed with and without diacritics.
TWINS = [
    ("Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở", {("06/2022/QH15", 23)}),
    ("Mức tiền thưởng danh hiệu Lao động tiên tiến là bao nhiêu", {("152/2025/NĐ-CP", 50)}),
    ("Hồ sơ đề nghị xét tặng danh hiệu Chiến sĩ thi đua toàn quốc gồm những gì",
     {("152/2025/NĐ-CP", 36), ("06/2022/QH15", 84)}),
    ("Quỹ thi đua, khen thưởng được sử dụng để chi cho những việc gì", {("152/2025/NĐ-CP", 48)}),
    ("Tiêu chuẩn xét tặng Huân chương Lao động hạng Ba", {("06/2022/QH15", 44), ("152/2025/NĐ-CP", 21)}),
    ("Thành phần Hội đồng Thi đua - Khen thưởng Trung ương", {("152/2025/NĐ-CP", 45), ("06/2022/QH15", 90)}),
    ("Danh hiệu Gia đình văn hóa xét tặng cho hộ gia đình đạt tiêu chuẩn nào", {("06/2022/QH15", 31)}),
    ("Giải thưởng Hồ Chí Minh được xét tặng mấy năm một lần", {("06/2022/QH15", 69), ("06/2022/QH15", 68)}),
    ("Các hành vi bị nghiêm cấm trong thi đua, khen thưởng", {("06/2022/QH15", 15)}),
    ("Mức tiền thưởng Huân chương các loại", {("152/2025/NĐ-CP", 51)}),
    ("Nghị định 152/2025 có hiệu lực thi hành từ ngày nào", {("152/2025/NĐ-CP", 59)}),
]


def _top_articles(hits, n=5):
    return [(h.doc, h.article) for h in hits[:n]]


def _article_ranking(hits):
    """(doc, article) in the order the hits first reach each article (the benchmark's ranking)."""
    return list(dict.fromkeys((h.doc, h.article) for h in hits))


def _exact_checks(s):
    for q, pid in EXACT:
        hits = s.search(q, k=5)
        assert hits and hits[0].id == pid, (q, [h.id for h in hits[:3]])
    h = s.search("khoản 2 Điều 33 NĐ 152/2025", k=3)[0]
    assert (h.doc, h.article, h.clause, h.part, h.why) == ("152/2025/NĐ-CP", 33, 2, None, "reference")
    h = s.search("Điều 5 Quy định kèm theo QĐ 86/2025", k=1)[0]
    assert (h.doc, h.article, h.part) == ("86/2025/QĐ-UBND", 5, "quy-dinh")


def _twin_checks(s, twins=TWINS):
    failures = []
    for q, want in twins:
        for variant in (q, fold(q)):
            got = _top_articles(s.search(variant, k=10))
            if not want & set(got):
                failures.append((variant, got))
    assert not failures, failures


@pytest.mark.slow
@pytest.mark.timeout(2400)  # builds the session index: embedding takes minutes on a busy 2-core box
def test_index_build_counts(tdkt_index):
    root, info = tdkt_index
    res = info["sync"]
    assert res["changed"] and res["units"] == info["provisions"]
    assert res["chunks"] == res["chunks_added"] > 1000
    assert (root / "bm25" / "state.json").exists() and (root / "chroma").is_dir()


@pytest.mark.slow
def test_exact_references_come_first(searcher):
    _exact_checks(searcher)


@pytest.mark.slow
def test_accented_and_unaccented_twins_find_the_article(searcher):
    _twin_checks(searcher)


@pytest.mark.slow
def test_officers_words_find_the_texts_words(searcher):
    # "xin phép" is "được … đồng ý" in Luật 2022 Điều 14 (honours of foreign bodies); without the
    # paraphrase the article ranked 13th.
    for q in ("Cán bộ được một tổ chức nước ngoài tặng huân chương thì có phải xin phép không?",
              "can bo duoc to chuc nuoc ngoai tang huan chuong co phai xin phep khong"):
        top = [(h.doc, h.article) for h in searcher.search(q, k=5)]
        assert ("06/2022/QH15", 14) in top, (q, top)


@pytest.mark.slow
def test_old_law_named_with_its_subject(searcher):
    # "luật thi đua khen thưởng cũ" (words between the type and "cũ") asks for the 2003 law (VBHN 16)
    for q in ("Theo luật thi đua khen thưởng cũ, Giải thưởng Nhà nước có tặng cho người nước ngoài không?",
              "luat thi dua khen thuong cu quy dinh giai thuong nha nuoc cho nguoi nuoc ngoai the nao"):
        assert searcher.plan(q).old_types
        top = searcher.search(q, k=3)[0]
        assert (top.doc, top.article) == ("16/VBHN-VPQH", 66), (q, top.label)


@pytest.mark.slow
def test_a_clause_of_the_old_laws_untitled_article_is_found_by_its_subject(searcher):
    # VBHN 16 Điều 23 has no title; its lead-in names the title whose criteria its clauses list
    hits = searcher.search("Năm 2020 tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?",
                           k=5, as_of=date(2020, 6, 1))
    assert ("16/VBHN-VPQH", 23) in [(h.doc, h.article) for h in hits[:3]], [h.label for h in hits]


@pytest.mark.slow
def test_the_law_named_without_its_number_is_the_one_in_force_on_the_day(searcher):
    # In 2022 "Luật Thi đua, khen thưởng" was the 2003 law (VBHN 16); Luật 06/2022 took effect in 2024
    q = "Năm 2022, theo Luật Thi đua, khen thưởng thì tập thể được tặng Cờ thi đua cấp tỉnh phải đạt những tiêu chuẩn nào?"
    assert searcher.plan(q, date(2022, 6, 1)).mentions == ["16/VBHN-VPQH"]
    assert searcher.plan(q).mentions == ["06/2022/QH15"]
    hits = searcher.search(q, k=5, as_of=date(2022, 6, 1))
    assert ("16/VBHN-VPQH", 26) in [(h.doc, h.article) for h in hits], [h.label for h in hits]


@pytest.mark.slow
def test_a_plan_section_whose_title_the_question_spells_out_is_second_at_worst(searcher):
    # KH 982's sections all speak of the campaign; "a) Hình thức khen thưởng" is the one about awards
    hits = searcher.search("Kế hoạch thi đua của Nghệ An chào mừng Đại hội XIV áp dụng hình thức khen thưởng gì?", k=5)
    assert "982/KH-UBND#s:III.2.a" in [h.id for h in hits[:2]], [h.id for h in hits]
    # a section moved up keeps its own dense score, as every other hit does
    assert all(h.dense is not None for h in hits if h.why == "title"), [(h.id, h.dense) for h in hits]
    # only a section of the texts found: the title alone does not pull in another plan
    hits = searcher.search("Tiêu chuẩn Chiến sĩ thi đua cơ sở gồm những gì, thời gian thực hiện?", k=5)
    assert not any(h.why == "title" and h.kind == "section" for h in hits), [h.id for h in hits]


@pytest.mark.slow
def test_hits_carry_citation_fields(searcher):
    hits = searcher.search("tieu chuan cstdcs", k=10)
    assert len(hits) == 10
    h = hits[0]
    assert (h.doc, h.article) == ("06/2022/QH15", 23)
    assert isinstance(h.article, int) and (h.clause is None or isinstance(h.clause, int))
    assert h.kind in ("article", "clause", "point") and h.id.startswith("06/2022/QH15#d23")
    assert h.label.endswith("Luật Thi đua, khen thưởng số 06/2022/QH15") or "06/2022/QH15" in h.label
    assert h.in_force is True and "còn hiệu lực" in h.status
    d = h.to_dict(full=False)
    assert set(d) == {"doc", "article", "clause", "point", "section", "part", "label", "score", "id", "kind"}
    assert [x.score for x in hits] == sorted((x.score for x in hits), reverse=True)
    # "58a" stays a string
    h = searcher.search("Điều 58a VBHN 16", k=1)[0]
    assert h.article == "58a"


@pytest.mark.slow
def test_as_of_prefers_the_text_in_force_then(searcher):
    q = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc"
    now = searcher.search(q, k=5)
    assert now[0].doc == "06/2022/QH15", _top_articles(now)
    past = searcher.search(q, k=10, as_of=date(2023, 6, 1))
    assert past[0].doc == "16/VBHN-VPQH" and past[0].article == 27, _top_articles(past)
    later = searcher.search(q, k=30, as_of=date(2023, 6, 1))
    assert "06/2022/QH15" in {h.doc for h in later}  # down-weighted, not hidden
    # the superseded law is never hidden when the question names it
    named = searcher.search("Theo văn bản hợp nhất 16/VBHN-VPQH, tiêu chuẩn Tập thể lao động xuất sắc", k=3)
    assert named[0].doc == "16/VBHN-VPQH"
    old = searcher.search("Luật cũ quy định tiêu chuẩn Tập thể lao động xuất sắc thế nào?", k=3)
    assert old[0].doc == "16/VBHN-VPQH"
    # old and new side by side: the best of each text among the first two
    both = searcher.search("Tiêu chuẩn Tập thể lao động xuất sắc ở luật cũ và luật mới khác gì?", k=5)
    assert {h.doc for h in both[:2]} == {"16/VBHN-VPQH", "06/2022/QH15"}, _top_articles(both)
    # the old side is the new article's twin (the old law's Điều 58a on the provinces), not the
    # neighbouring Điều 58 on the honours in general that the question's words fit better
    twins = searcher.search("Danh hiệu Thành phố Anh hùng: luật mới so với luật cũ có gì khác?", k=5)
    assert {(h.doc, h.article) for h in twins[:2]} == {("06/2022/QH15", 60), ("16/VBHN-VPQH", "58a")}, \
        _top_articles(twins)
    # what becomes now of an award of the old law: the new law's transitional article
    now_of_old = searcher.search("Huân chương tặng theo luật cũ thì bây giờ còn giá trị không?", k=3)
    assert any(h.doc == "06/2022/QH15" and h.article == 95 for h in now_of_old), _top_articles(now_of_old)


@pytest.mark.slow
def test_doc_filter_and_document_mentions(searcher):
    hits = searcher.search("tiêu chuẩn chiến sĩ thi đua cơ sở", k=10, docs=["11/2021/QĐ-UBND"])
    assert hits and {h.doc for h in hits} == {"11/2021/QĐ-UBND"}
    hits = searcher.search("tieu chuan chien si thi dua co so", k=10, docs=["qd 86/2025", "11/2021/QĐ-UBND"])
    assert hits and {h.doc for h in hits} <= {"86/2025/QĐ-UBND", "11/2021/QĐ-UBND"}
    hits = searcher.search("Theo NĐ 152, mức tiền thưởng Huân chương Lao động hạng Ba", k=3)
    assert hits[0].doc == "152/2025/NĐ-CP"
    hits = searcher.search("Ở Bắc Ninh, tiêu chuẩn danh hiệu Cờ thi đua của UBND tỉnh là gì?", k=3)
    assert hits[0].doc == "86/2025/QĐ-UBND", _top_articles(hits)
    # a province typed as its initials is the same mention ("QN:" = Quảng Nam, "BNG" = Bộ Ngoại giao)
    hits = searcher.search("QN: quỹ TĐKT tỉnh tối đa bn % chi thường xuyên?", k=3)
    assert hits[0].doc == "11/2021/QĐ-UBND", _top_articles(hits)
    hits = searcher.search("BNG: đv ko đạt TTLĐXS thì thủ trưởng có đc CSTĐCS ko?", k=3)
    assert hits[0].doc == "03/2018/TT-BNG", _top_articles(hits)


@pytest.mark.slow
def test_llama_index_retrievers(searcher):
    from llama_index.core.schema import QueryBundle

    nodes = searcher.retriever(k=3).retrieve("tiêu chuẩn lao động tiên tiến")
    assert len(nodes) == 3 and nodes[0].node.metadata["doc"]
    bm = searcher._bm25_fold.retrieve(QueryBundle("tieu chuan lao dong tien tien"))
    assert bm and bm[0].score > 0


@pytest.mark.slow
def test_resync_with_nothing_changed_adds_nothing(tdkt_index):
    from index.search import sync_index

    root, _ = tdkt_index
    res = sync_index(root, chroma_url=None)
    assert res["changed"] is False and res["chunks_added"] == 0 and res["embedded"] == 0
    assert res["chunks_deleted"] == 0 and not (res["added"] or res["replaced"] or res["removed"])


def _copy_index(root: Path, dest: Path, with_chroma: bool = True) -> Path:
    shutil.copytree(root / "documents", dest / "documents")
    shutil.copytree(root / "embeddings", dest / "embeddings")
    if with_chroma:
        shutil.copytree(root / "chroma", dest / "chroma")
        shutil.copytree(root / "bm25", dest / "bm25")
    return dest


_SYNC = """
import json, sys
from index.search import sync_index
res = sync_index(sys.argv[1], chroma_url=None)
print(json.dumps({"changed": res["changed"], "chunks": res["chunks"]}))
"""


@pytest.mark.slow
def test_two_processes_syncing_one_folder_take_turns(tdkt_index, tmp_path):
    # A `tdkt search` finding the index stale while a `tdkt ingest` syncs it: both sync. Together
    # they once left a collection whose vectors chroma could no longer read.
    from index.search import Searcher
    from index.vector import VectorStore

    root, _ = tdkt_index
    work = _copy_index(root, tmp_path / "idx", with_chroma=False)  # documents and cached vectors only
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", _SYNC, str(work)], stdout=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for _ in range(2)]
    results = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(r["changed"] for r in results) == [False, True]  # one built it, the other found it built
    vs = VectorStore(work, None)
    got = vs.collection.get(include=["embeddings"])
    assert len(got["ids"]) == len(set(got["ids"])) == vs.count() == results[0]["chunks"]
    hits = Searcher(work, chroma_url=None).search("tiêu chuẩn chiến sĩ thi đua cơ sở", k=3)
    assert (hits[0].doc, hits[0].article) == ("06/2022/QH15", 23)


@pytest.mark.slow
def test_changed_document_replaces_its_chunks(tdkt_index, tmp_path):
    from index.search import Searcher, sync_index
    from index.vector import VectorStore
    from ingest.store import DocumentStore

    root, info = tdkt_index
    work = _copy_index(root, tmp_path / "idx")
    store = DocumentStore(work)
    doc = "982/KH-UBND"
    vs = VectorStore(work, None)
    before_total, before_doc = vs.count(), vs.doc_chunk_count(doc)
    parsed = store.get(doc)
    target = next(p for p in parsed.provisions if p.id == f"{doc}#s:V.1")
    target.text += " Nội dung bổ sung về zyxwv."
    target.index_text += " Nội dung bổ sung về zyxwv."
    parsed.sha256 = "changed-" + parsed.sha256
    assert store.put(parsed).action == "replaced"
    res = sync_index(work, chroma_url=None)
    assert res["replaced"] == [doc] and not res["added"] and not res["removed"]
    assert res["chunks_deleted"] == before_doc and res["chunks_added"] == before_doc
    assert 1 <= res["embedded"] <= 3  # only the changed chunk is embedded again
    vs = VectorStore(work, None)
    assert vs.count() == before_total and vs.doc_chunk_count(doc) == before_doc
    ids = vs.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == before_total
    s = Searcher(work, chroma_url=None)
    hit = s.search("zyxwv", k=1)[0]
    assert hit.id == f"{doc}#s:V.1"
    # a removed document takes its chunks with it
    assert store.remove(doc)
    res = sync_index(work, chroma_url=None)
    assert res["removed"] == [doc] and res["chunks_deleted"] == before_doc
    assert VectorStore(work, None).doc_chunk_count(doc) == 0
    assert s.refresh() and all(h.doc != doc for h in s.search("Kế hoạch Nghệ An Đại hội XIV", k=10))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = VENV_BIN / "chroma"
    if not exe.exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "w")
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    import chromadb
    from chromadb.config import Settings

    deadline = time.time() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)).heartbeat()
            break
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.mark.slow
def test_chroma_server_runs_the_same_retrieval(tdkt_index, tmp_path, chroma_server, monkeypatch):
    from index.search import Searcher, sync_index
    from index.vector import VectorStore

    root, info = tdkt_index
    work = _copy_index(root, tmp_path / "idx", with_chroma=False)
    monkeypatch.setenv("TDKT_CHROMA_URL", chroma_server)
    res = sync_index(work)  # TDKT_CHROMA_URL → HttpClient
    assert res["embedded"] == 0 and res["chunks"] == info["sync"]["chunks"]
    assert not (work / "chroma").exists()  # nothing went to an embedded store
    vs = VectorStore(work, chroma_server)
    assert vs.count() == info["sync"]["chunks"]
    assert sync_index(work)["changed"] is False
    s = Searcher(work, today=date(2026, 11, 22))
    assert s.chroma_url == chroma_server
    _exact_checks(s)
    _twin_checks(s, TWINS[:5])
    assert {h.doc for h in s.search("tiêu chuẩn chiến sĩ thi đua cơ sở", docs=["11/2021/QĐ-UBND"])} == {"11/2021/QĐ-UBND"}


@pytest.mark.slow
def test_a_law_article_joins_five_of_its_decree(searcher):
    # five articles of ND 152 would fill the first five places; the Luật it details answers the
    # other half (the electronic copy is required by Luật Điều 84 k4, its channel by ND 152)
    hits = searcher.search("Hồ sơ gửi Bộ Nội vụ trình Thủ tướng có phải kèm bản điện tử không, định dạng file gì?",
                           k=10)
    arts = _article_ranking(hits)
    assert ("06/2022/QH15", 84) in arts[:5], arts
    assert arts[0][0] == "152/2025/NĐ-CP", arts
    # a question that names its text keeps to it
    named = searcher.search("Theo NĐ 152, hồ sơ gửi Bộ Nội vụ trình Thủ tướng có phải kèm bản điện tử không?", k=10)
    assert {h.doc for h in named[:5]} == {"152/2025/NĐ-CP"}, _top_articles(named)


@pytest.mark.slow
def test_the_law_provision_a_decree_article_details_is_among_the_first(searcher):
    # ND 152 Điều 15 sets the criteria "for individuals under điểm a khoản 1 Điều 38 of the Luật";
    # the question's words fit the decree's other classes better than the Luật's article
    hits = searcher.search("Cán bộ tiền khởi nghĩa từng giữ chức Vụ trưởng thì được xét Huân chương Độc lập hạng mấy?",
                           k=10)
    arts = _article_ranking(hits)
    assert arts[0] == ("152/2025/NĐ-CP", 15), arts
    assert ("06/2022/QH15", 38) in arts[:5], arts
    cited = next(h for h in hits if (h.doc, h.article) == ("06/2022/QH15", 38))
    assert (cited.clause, cited.point) == (1, "a") and cited.why == "cited"


@pytest.mark.slow
def test_the_decree_article_citing_a_found_law_article_is_among_the_first(searcher):
    # ND 152 Điều 55 settles the money of "Huy chương quy định tại khoản 2 Điều 54 của Luật" without
    # naming the medal; the Luật's list of medals (Điều 54) is found, and the decree's article with it
    hits = searcher.search("Người được tặng Huy chương Quân kỳ quyết thắng nhận những hiện vật gì, kèm bao nhiêu tiền?",
                           k=10)
    arts = _article_ranking(hits)
    assert ("06/2022/QH15", 54) in arts[:3], arts
    assert ("152/2025/NĐ-CP", 55) in arts[:5], arts
