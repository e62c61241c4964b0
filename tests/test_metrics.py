"""The scorer on tiny hand-made cases (eval/metrics.py)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from eval import metrics as M


def A(doc="06/2022/QH15", article=None, clause=None, point=None, section=None, part=None, **kw):
    return {"doc": doc, "article": article, "clause": clause, "point": point, "section": section,
            "part": part, **kw}


LAW, ND = "06/2022/QH15", "152/2025/NĐ-CP"
PLAN = "157/KH-UBND"


# --- normalization ----------------------------------------------------------------------------

def test_unit_normalizes_numbers_and_objects():
    @dataclass
    class Hit:
        doc: str
        article: object
        clause: object
        point: object = None
        section: object = None
        part: object = None

    assert M.unit(Hit("06/2022/QH15", "24", "2")) == M.unit(A(article=24, clause=2))
    assert M.unit(A(article="58A")).article == "58a"
    assert M.unit(A(part="")).part is None
    assert M.unit(A(section="II.2.")).section == "II.2"
    assert M.article_key(A(doc="152/2025/nđ-cp", article=3)) == M.article_key(A(doc=ND, article="3"))


# --- perfect and empty runs -------------------------------------------------------------------

def test_perfect_run_scores_one():
    gold = [A(article=23, clause=1)]
    s = M.score_question([A(article=23, clause=1, point="a")], gold)
    for k in ("art_R@1", "art_R@5", "art_R@10", "art_MRR", "cl_R@1", "cl_R@10", "cl_MRR", "F2@1",
              "art_hit@1", "cl_hit@5"):
        assert s[k] == 1.0, k
    agg = M.evaluate([([A(article=1)], [A(article=1)]), ([A(article=2)], [A(article=2)])])
    assert agg["art_R@1"] == 1.0 and agg["art_MRR"] == 1.0 and agg["F2@1"] == 1.0 and agg["n"] == 2


def test_empty_run_scores_zero():
    s = M.score_question([], [A(article=23)])
    assert all(v == 0.0 for v in s.values())
    assert M.prf2([], [A(article=23)]) == (0.0, 0.0, 0.0)
    assert M.macro_f2([([], [A(article=1)])]) == 0.0
    assert M.macro_f2([]) == 0.0


def test_unanswerable_questions_are_left_out_of_retrieval_averages():
    agg = M.evaluate([([A(article=1)], [A(article=1)]), ([A(article=5)], [])])
    assert agg["n"] == 1 and agg["art_R@1"] == 1.0


# --- F2 ---------------------------------------------------------------------------------------

def test_f2_known_cases():
    assert M.f2(0.5, 1.0) == pytest.approx(0.8333, abs=1e-4)
    assert M.f2(1.0, 0.5) == pytest.approx(5 * 0.5 / (4 + 0.5))
    assert M.f2(0.0, 1.0) == 0.0
    # two articles returned, one of them the single gold: P = 0.5, R = 1
    p, r, f = M.prf2([A(article=1), A(article=2)], [A(article=2)])
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(0.8333, abs=1e-4)
    # clauses of one article count once in the returned set
    assert M.prf2([A(article=2, clause=1), A(article=2, clause=3)], [A(article=2)])[2] == 1.0
    # macro: mean of per-question F2
    assert M.macro_f2([([A(article=1), A(article=2)], [A(article=2)]),
                       ([A(article=9)], [A(article=2)])]) == pytest.approx(0.8333 / 2, abs=1e-4)
    # two gold, one found with one returned: P = 1, R = 0.5
    assert M.prf2([A(article=1)], [A(article=1), A(doc=ND, article=1)])[2] == pytest.approx(0.5556, abs=1e-4)


def test_f2_at_k_uses_the_first_k_articles():
    hits = [A(article=1), A(article=1, clause=2), A(article=2), A(article=3)]
    s = M.score_question(hits, [A(article=2)], f2_ks=(1, 3))
    assert s["F2@1"] == 0.0
    assert s["F2@3"] == pytest.approx(M.f2(1 / 3, 1.0))


# --- MRR and recall ---------------------------------------------------------------------------

def test_mrr_first_hit_at_rank_two():
    s = M.score_question([A(article=5), A(article=23), A(article=7)], [A(article=23)])
    assert s["art_MRR"] == 0.5
    assert s["art_R@1"] == 0.0 and s["art_R@5"] == 1.0


def test_mrr_counts_only_the_first_ten():
    hits = [A(article=i) for i in range(100, 110)] + [A(article=23)]
    s = M.score_question(hits, [A(article=23)])
    assert s["art_MRR"] == 0.0 and s["art_R@10"] == 0.0


def test_article_ranking_deduplicates_clauses_of_one_article():
    # three clauses of Điều 5 then Điều 23: Điều 23 is the 2nd article reached
    hits = [A(article=5, clause=1), A(article=5, clause=2), A(article=5, clause=3), A(article=23, clause=1)]
    s = M.score_question(hits, [A(article=23)])
    assert s["art_MRR"] == 0.5
    # at clause level the ranking keeps each distinct clause: rank 4
    assert s["cl_MRR"] == 0.25


def test_points_of_one_clause_count_once_at_clause_level():
    hits = [A(article=5, clause=1, point="a"), A(article=5, clause=1, point="b"), A(article=23, clause=2)]
    s = M.score_question(hits, [A(article=23, clause=2)])
    assert s["cl_MRR"] == 0.5


# --- article vs clause level ------------------------------------------------------------------

def test_article_vs_clause_level():
    gold = [A(article=22, clause=1, point="a")]
    wrong_clause = M.score_question([A(article=22, clause=2)], gold)
    assert wrong_clause["art_R@1"] == 1.0 and wrong_clause["cl_R@1"] == 0.0
    whole_article = M.score_question([A(article=22)], gold)
    assert whole_article["art_R@1"] == 1.0 and whole_article["cl_R@1"] == 0.0  # coarser than the answer
    other_point = M.score_question([A(article=22, clause=1, point="b")], gold)
    assert other_point["cl_R@1"] == 1.0  # points are not compared: clause is the finest level


def test_gold_without_clause_is_matched_by_any_unit_of_the_article():
    gold = [A(article=23)]
    for hit in (A(article=23), A(article=23, clause=4), A(article=23, clause=1, point="c")):
        s = M.score_question([hit], gold)
        assert s["art_R@1"] == 1.0 and s["cl_R@1"] == 1.0


def test_documents_and_parts_are_distinguished():
    assert not M.matches(A(doc=ND, article=23), A(article=23))
    gold = A(doc="86/2025/QĐ-UBND", article=5, part="quy-dinh")
    assert not M.matches(A(doc="86/2025/QĐ-UBND", article=5), gold)  # Điều 5 of the Quyết định itself
    assert M.matches(A(doc="86/2025/QĐ-UBND", article=5, part="quy-dinh", clause=1), gold, "clause")


def test_inserted_articles():
    gold = [A(doc="16/VBHN-VPQH", article="58a")]
    assert M.score_question([A(doc="16/VBHN-VPQH", article="58")], gold)["art_R@1"] == 0.0
    assert M.score_question([A(doc="16/VBHN-VPQH", article="58a", clause=1)], gold)["cl_R@1"] == 1.0


# --- plan sections ----------------------------------------------------------------------------

def test_plan_sections():
    gold = A(doc=PLAN, section="II.2")
    # clause level: the section itself or a descendant
    assert M.matches(A(doc=PLAN, section="II.2"), gold, "clause")
    assert M.matches(A(doc=PLAN, section="II.2.a"), gold, "clause")
    assert not M.matches(A(doc=PLAN, section="II"), gold, "clause")
    assert not M.matches(A(doc=PLAN, section="II.3"), gold, "clause")
    assert not M.matches(A(doc=PLAN, section="II.21"), gold, "clause")
    # article level: the same top section
    assert M.matches(A(doc=PLAN, section="II"), gold, "article")
    assert M.matches(A(doc=PLAN, section="II.3.b"), gold, "article")
    assert not M.matches(A(doc=PLAN, section="III.2"), gold, "article")
    assert not M.matches(A(doc="982/KH-UBND", section="II.2"), gold, "article")
    s = M.score_question([A(doc=PLAN, section="II.3"), A(doc=PLAN, section="II.2.a")], [gold])
    assert s["art_MRR"] == 1.0 and s["cl_MRR"] == 0.5


def test_units_without_article_or_section_never_match_but_take_a_rank():
    appendix = A(doc=PLAN, kind="appendix", id="157/KH-UBND#pl:phu-luc")
    assert not M.matches(appendix, A(doc=PLAN, section="III.3.a"))
    assert not M.matches(appendix, A(doc=PLAN, article=None), "clause")
    s = M.score_question([appendix, A(doc=PLAN, section="III.3.a")], [A(doc=PLAN, section="III.3.a")])
    assert s["art_MRR"] == 0.5


# --- multiple gold ----------------------------------------------------------------------------

def test_multiple_gold():
    gold = [A(article=73, clause=2), A(doc=ND, article=27)]
    hits = [A(doc=ND, article=27, clause=1), A(article=10), A(article=73, clause=2)]
    s = M.score_question(hits, gold)
    assert s["art_R@1"] == 0.5 and s["art_hit@1"] == 1.0
    assert s["art_R@5"] == 1.0 and s["art_MRR"] == 1.0
    assert s["cl_R@1"] == 0.5 and s["cl_R@5"] == 1.0
    assert s["F2@3"] == pytest.approx(M.f2(2 / 3, 1.0))


def test_two_gold_clauses_of_one_article_are_one_gold_article():
    gold = [A(article=24, clause=1), A(article=24, clause=2)]
    s = M.score_question([A(article=24, clause=1)], gold)
    assert s["art_R@1"] == 1.0 and s["cl_R@1"] == 0.5


# --- citations, abstention, variants, latency -------------------------------------------------

def test_citation_scores():
    retrieved = [A(article=23, clause=1), A(article=24)]
    gold = [A(article=23, clause=1)]
    cites = [A(article=23, clause=1, label="khoản 1 Điều 23"), A(article=24, clause=2), A(article=99)]
    c = M.citation_scores(cites, retrieved, gold)
    # Điều 24 k2 lies inside the retrieved Điều 24: grounded, though not exactly a retrieved unit
    assert c["n_citations"] == 3 and c["outside_retrieved"] == 1 and c["outside_retrieved_strict"] == 2
    assert c["precision_retrieved"] == pytest.approx(2 / 3)
    assert c["precision_gold"] == pytest.approx(1 / 3)
    assert c["gold_in_citations"] == 1.0 and c["gold_in_citations_clause"] == 1.0
    assert c["F2"] == pytest.approx(M.f2(1 / 3, 1.0))
    none = M.citation_scores([], retrieved, gold)
    assert none["precision_retrieved"] is None and none["gold_in_citations"] == 0.0 and none["F2"] == 0.0
    by_id = M.citation_scores([A(article=23, id="x#d23"), A(article=24, clause=2, id="x#d24.k2"),
                               A(article=2, clause=1, id="x#d2.k1")],
                              [], gold, retrieved_ids=["x#d23.k1", "x#d2"])
    # the whole Điều 23 built from its retrieved khoản 1 and a clause of retrieved Điều 2 are grounded
    assert by_id["outside_retrieved"] == 1 and by_id["outside_retrieved_strict"] == 3
    assert M.citation_scores([A(article=2, clause=1, id="x#d2.k1")], [], gold,
                             retrieved_ids=["x#d21"])["outside_retrieved"] == 1  # not a prefix match
    unans = M.citation_scores(cites, retrieved, [])
    assert unans["gold_in_citations"] is None and unans["precision_gold"] is None


def test_contains_and_related():
    assert M.contains(A(article=23), A(article=23, clause=1, point="a"))
    assert M.contains(A(article=23, clause=1), A(article=23, clause=1, point="a"))
    assert not M.contains(A(article=23, clause=1), A(article=23))
    assert not M.contains(A(article=23, clause=1, point="a"), A(article=23, clause=1, point="b"))
    assert M.related(A(article=23, clause=1), A(article=23))
    assert M.contains(A(doc=PLAN, section="II"), A(doc=PLAN, section="II.2.a"))
    assert not M.contains(A(doc=PLAN, section="II.2"), A(doc=PLAN, section="II.21"))
    assert not M.contains(A(article=23), A(article=23, part="quy-che"))


def test_abstention_scores():
    rows = [(True, False), (True, False), (True, True), (False, True), (False, False)]
    a = M.abstention_scores(rows)
    assert a["answer_answerable"] == pytest.approx(2 / 3)
    assert a["abstain_unanswerable"] == 0.5
    assert M.abstention_scores([])["abstain_unanswerable"] is None


def test_variant_breakdown_and_twin_pairs():
    records = [
        {"id": "q1", "variant": "accented", "twin": None},
        {"id": "q2", "variant": "no_diacritics", "twin": "q1"},
        {"id": "q3", "variant": "accented", "twin": None},
        {"id": "q4", "variant": "no_diacritics", "twin": "q3"},
        {"id": "q5", "variant": "abbreviation", "twin": "q3"},
    ]
    scores = {"q1": {"art_hit@5": 1.0}, "q2": {"art_hit@5": 0.0}, "q3": {"art_hit@5": 1.0},
              "q4": {"art_hit@5": 1.0}, "q5": {"art_hit@5": 0.0}}
    g = M.by_group(records, scores)
    assert g["accented"]["art_hit@5"] == 1.0 and g["no_diacritics"]["art_hit@5"] == 0.5
    assert g["abbreviation"]["n"] == 1
    t = M.twin_pairs(records, scores)
    nd = t["no_diacritics"]
    assert nd["pairs"] == 2 and nd["original"] == 1.0 and nd["variant"] == 0.5
    assert nd["both"] == 1 and nd["only_original"] == 1 and nd["only_variant"] == 0
    assert t["abbreviation"]["only_original"] == 1


def test_latency_percentiles():
    assert M.percentile([], 50) is None
    assert M.percentile([5.0], 95) == 5.0
    assert M.percentile([1, 2, 3, 4], 50) == 2.5
    assert M.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    s = M.latency_summary([0.010, 0.020, 0.030])
    assert s["p50_ms"] == pytest.approx(20.0) and s["n"] == 3
