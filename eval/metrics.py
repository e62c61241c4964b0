"""Scoring for retrieval and cited answers. Pure functions over plain data, standard library only.

Units
-----
A *unit* is anything with ``doc``, ``part``, ``article``, ``clause``, ``point``, ``section`` (and
optionally ``kind``, ``id``, ``label``) as attributes or dict keys: a gold entry of
``eval/questions/tdkt.jsonl``, a search hit, a citation, an ingest ``Provision``. :func:`unit`
normalizes one into a hashable :class:`Unit`: text NFC-stripped, ``doc`` compared
case-insensitively, ``article`` as a lower-case string (``24`` → ``"24"``, ``"58a"``), ``clause``
as a string (``2`` → ``"2"``), ``part`` ``None`` for the document's own body (``""`` → ``None``),
``section`` the plan path without trailing dots (``"II.2.a"``).

Two levels
----------
**Article level.** A unit's article key is

- ``(doc, part, "art", article)`` when it has an article (Điều);
- ``(doc, part, "sec", top)`` for a plan section, ``top`` = the first component of its path
  (``"II.2.a"`` → ``"II"``): a plan's top-level section plays the role of an article;
- otherwise (appendix, preamble, anything else) ``(doc, part, "other", id or label or kind)``,
  a key that no gold entry ever has, so such a hit never counts as correct but still takes a
  rank and counts as a returned item.

A hit matches a gold entry at article level when their article keys are equal. Several gold
entries in the same article (e.g. two clauses of Điều 24) are one gold *article*.

**Clause level.** A hit matches a gold entry when

- the gold has an article and a clause: same doc, part, article and clause (the point is not
  compared: clause level is the finest level scored; a hit on point ``a`` of clause 2 matches
  gold clause 2, and so does clause 2 itself, while the whole article does *not* match — it is
  coarser than the answer);
- the gold has an article and no clause (the whole article is the answer): article-level match;
- the gold is a plan section ``S``: the hit's section is ``S`` or a descendant of it
  (``"II.2"`` is matched by ``"II.2"`` and ``"II.2.a"``, not by ``"II"`` nor ``"II.3"``).

Rankings
--------
Metrics at a level are computed on the ranking *at that level*: the hits in the order returned,
keeping only the first hit of each distinct key (article key at article level; at clause level
``(doc, part, article, clause)``, or ``(doc, part, section)`` for sections). A system that returns
clauses is thus judged at article level on the order in which it first reaches each article, and
three points of one clause count as one clause. Nothing beyond the returned list is ever looked
at: a system asked for 10 hits that spans 4 articles has an article ranking of length 4.

Metrics (per question, then macro-averaged over questions that have gold)
-------------------------------------------------------------------------
- ``R@k`` (recall): share of the question's distinct gold items (gold articles at article
  level, gold entries at clause level) matched by one of the first ``k`` ranked items.
- ``hit@k``: 1 if any gold item is matched in the first ``k``, else 0. ALQAC has one gold
  article per question, so there ``R@k == hit@k``.
- ``MRR@10``: 1 / rank of the first ranked item that matches any gold item, 0 if none in the
  first 10.
- ``F2`` (ALQAC task 1): for a *returned set* of units, over distinct article keys,
  P = correct / returned, R = gold articles found / gold articles, F2 = 5PR / (4P + R); 0 when
  nothing returned is correct (including an empty set). ``F2@k`` uses the first ``k`` articles
  of the article ranking as the returned set.

Questions with no gold (unanswerable) are left out of retrieval averages and scored by
:func:`abstention_scores` instead.
"""
from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KS = (1, 5, 10)
FIELDS = ("doc", "part", "article", "clause", "point", "section")


# ---------------------------------------------------------------------------------------------
# Units and keys


@dataclass(frozen=True)
class Unit:
    doc: str
    part: str | None = None
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    kind: str | None = None
    id: str | None = None
    label: str | None = None


def _get(x: Any, name: str) -> Any:
    if isinstance(x, Mapping):
        return x.get(name)
    return getattr(x, name, None)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = unicodedata.normalize("NFC", str(v)).strip()
    return s or None


def _num(v: Any) -> str | None:
    """Article / clause number as a canonical string: 24 → "24", "24" → "24", "58A" → "58a"."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = _text(v)
    if s is None:
        return None
    s = s.lower().removeprefix("điều").removeprefix("khoản").strip().rstrip(".")
    if s.isdigit():
        s = str(int(s))
    return s or None


def unit(x: Any) -> Unit:
    """Normalize a gold entry / hit / citation / Provision (object or dict) into a :class:`Unit`."""
    if isinstance(x, Unit):
        return x
    doc = _text(_get(x, "doc")) or ""
    section = _text(_get(x, "section"))
    if section:
        section = ".".join(s for s in section.strip(".").split(".") if s) or None
    point = _text(_get(x, "point"))
    return Unit(
        doc=doc.casefold(),
        part=_text(_get(x, "part")),
        article=_num(_get(x, "article")),
        clause=_num(_get(x, "clause")),
        point=point.lower().rstrip(")") if point else None,
        section=section,
        kind=_text(_get(x, "kind")),
        id=_text(_get(x, "id")),
        label=_text(_get(x, "label")),
    )


def article_key(x: Any) -> tuple:
    """The unit's article-level key (see the module docstring)."""
    u = unit(x)
    if u.article is not None:
        return (u.doc, u.part, "art", u.article)
    if u.section is not None:
        return (u.doc, u.part, "sec", u.section.split(".")[0])
    return (u.doc, u.part, "other", u.id or u.label or u.kind or "")


def clause_key(x: Any) -> tuple:
    """The unit's clause-level key: what de-duplicates the clause-level ranking."""
    u = unit(x)
    if u.article is not None:
        return (u.doc, u.part, "art", u.article, u.clause)
    if u.section is not None:
        return (u.doc, u.part, "sec", u.section)
    return (u.doc, u.part, "other", u.id or u.label or u.kind or "")


def key_at(level: str) -> Callable[[Any], tuple]:
    if level == "article":
        return article_key
    if level == "clause":
        return clause_key
    raise ValueError(f"level must be 'article' or 'clause', not {level!r}")


def matches(hit: Any, gold: Any, level: str = "article") -> bool:
    """Does ``hit`` answer ``gold`` at ``level`` ("article" or "clause")? See the module docstring."""
    h, g = unit(hit), unit(gold)
    if level == "article":
        gk = article_key(g)
        return gk[2] != "other" and article_key(h) == gk
    if level != "clause":
        raise ValueError(f"level must be 'article' or 'clause', not {level!r}")
    if h.doc != g.doc or h.part != g.part:
        return False
    if g.article is not None:
        if h.article != g.article:
            return False
        return g.clause is None or h.clause == g.clause
    if g.section is not None:
        return h.section is not None and (h.section == g.section or h.section.startswith(g.section + "."))
    return False


def dedup(items: Iterable[Any], key: Callable[[Any], tuple]) -> list[Any]:
    """The items in order, keeping the first of each distinct key."""
    seen: set = set()
    out = []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


def ranking(hits: Sequence[Any], level: str) -> list[Unit]:
    """The ranked list at ``level``: normalized hits, first of each distinct key kept."""
    return dedup((unit(h) for h in hits), key_at(level))


def gold_items(gold: Sequence[Any], level: str) -> list[Unit]:
    """The distinct gold items at ``level`` (gold articles, or gold entries at clause level)."""
    units = [unit(g) for g in gold]
    if level == "article":
        return dedup(units, article_key)
    return dedup(units, lambda u: (u.doc, u.part, u.article, u.clause, u.section))


# ---------------------------------------------------------------------------------------------
# Per-question retrieval scores


def first_match_rank(ranked: Sequence[Any], gold: Sequence[Any], level: str) -> int | None:
    """1-based rank of the first ranked item matching any gold item, or None."""
    for i, h in enumerate(ranked, 1):
        if any(matches(h, g, level) for g in gold):
            return i
    return None


def recall_at(ranked: Sequence[Any], gold: Sequence[Any], k: int, level: str) -> float:
    """Share of gold items matched within the first ``k`` ranked items (0.0 when no gold)."""
    if not gold:
        return 0.0
    top = ranked[:k]
    found = sum(1 for g in gold if any(matches(h, g, level) for h in top))
    return found / len(gold)


def f2(p: float, r: float) -> float:
    """F2 = 5PR / (4P + R); 0 when either is 0."""
    if p <= 0 or r <= 0:
        return 0.0
    return 5 * p * r / (4 * p + r)


def prf2(returned: Sequence[Any], gold: Sequence[Any]) -> tuple[float, float, float]:
    """(P, R, F2) of a returned set against gold, over distinct article keys (ALQAC task 1)."""
    ret = dedup((unit(x) for x in returned), article_key)
    gold_arts = gold_items(gold, "article")
    if not ret or not gold_arts:
        return 0.0, 0.0, 0.0
    correct = sum(1 for h in ret if any(matches(h, g, "article") for g in gold_arts))
    found = sum(1 for g in gold_arts if any(matches(h, g, "article") for h in ret))
    p, r = correct / len(ret), found / len(gold_arts)
    return p, r, f2(p, r)


def macro_f2(pairs: Iterable[tuple[Sequence[Any], Sequence[Any]]]) -> float:
    """Macro-averaged F2 over (returned, gold) pairs — the official ALQAC task-1 figure."""
    scores = [prf2(ret, gold)[2] for ret, gold in pairs]
    return sum(scores) / len(scores) if scores else 0.0


def score_question(hits: Sequence[Any], gold: Sequence[Any], ks: Sequence[int] = KS,
                   mrr_k: int = 10, f2_ks: Sequence[int] = (1, 3)) -> dict[str, float]:
    """All retrieval scores of one question, keyed ``art_R@k``, ``art_hit@k``, ``art_MRR``,
    ``cl_R@k``, ``cl_hit@k``, ``cl_MRR``, ``F2@k`` (returned set = first k articles)."""
    out: dict[str, float] = {}
    for level, pre in (("article", "art"), ("clause", "cl")):
        ranked = ranking(hits, level)
        g = gold_items(gold, level)
        for k in ks:
            out[f"{pre}_R@{k}"] = recall_at(ranked, g, k, level)
            out[f"{pre}_hit@{k}"] = 1.0 if first_match_rank(ranked[:k], g, level) else 0.0
        rank = first_match_rank(ranked[:mrr_k], g, level)
        out[f"{pre}_MRR"] = 1.0 / rank if rank else 0.0
    arts = ranking(hits, "article")
    for k in f2_ks:
        out[f"F2@{k}"] = prf2(arts[:k], gold)[2]
    return out


def mean(values: Iterable[float]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def aggregate(per_question: Sequence[Mapping[str, float]]) -> dict[str, float | None]:
    """Macro-average every score key over questions (keys missing in a row are skipped)."""
    keys: list[str] = []
    for row in per_question:
        for k in row:
            if k not in keys:
                keys.append(k)
    out: dict[str, float | None] = {k: mean(row.get(k) for row in per_question) for k in keys}
    out["n"] = len(per_question)
    return out


def evaluate(runs: Sequence[tuple[Sequence[Any], Sequence[Any]]], **kw: Any) -> dict[str, float | None]:
    """Aggregate :func:`score_question` over (hits, gold) pairs; pairs without gold are skipped."""
    return aggregate([score_question(h, g, **kw) for h, g in runs if g])


# ---------------------------------------------------------------------------------------------
# Cited answers


def contains(a: Any, b: Any) -> bool:
    """Is ``a`` the same unit as ``b`` or an ancestor of it (article ⊃ clause ⊃ point; plan
    section ⊃ its sub-sections)? Units without article or section compare by ``id``."""
    a, b = unit(a), unit(b)
    if a.doc != b.doc or a.part != b.part:
        return False
    if a.article is not None:
        if b.article != a.article:
            return False
        if a.clause is None:
            return True
        return b.clause == a.clause and (a.point is None or b.point == a.point)
    if a.section is not None:
        return b.section is not None and (b.section == a.section or b.section.startswith(a.section + "."))
    return a.id is not None and a.id == b.id


def related(a: Any, b: Any) -> bool:
    """One unit contains the other (see :func:`contains`)."""
    return contains(a, b) or contains(b, a)


def _same(a: Unit, b: Unit) -> bool:
    return (a.doc, a.part, a.article, a.clause, a.point, a.section) == (b.doc, b.part, b.article, b.clause,
                                                                         b.point, b.section) and (
        a.article is not None or a.section is not None or a.id == b.id)


def _ids_related(a: str, b: str) -> bool:
    # Provision ids are "<doc>#<path>" with "."-separated paths ("…#d23" ⊃ "…#d23.k1").
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def citation_scores(citations: Sequence[Any], retrieved: Sequence[Any], gold: Sequence[Any],
                    retrieved_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """How one answer's citations relate to what was retrieved and to the gold.

    - ``n_citations``;
    - ``outside_retrieved``: citations not grounded in retrieval — neither a retrieved unit nor an
      ancestor or descendant of one (citing Điều 23 after retrieving its khoản 1 is grounded;
      citing Điều 40 that retrieval never returned is not). With ``retrieved_ids`` (the provision
      ids the answer was built from) citations carrying an ``id`` are compared by id path
      ("…#d23" ⊃ "…#d23.k1"); otherwise by structure against the ``retrieved`` units;
    - ``outside_retrieved_strict``: citations that are not exactly a retrieved unit;
    - ``precision_retrieved``: share of citations not outside retrieved (None without citations);
    - ``precision_gold`` / ``precision_gold_clause``: share of citations matching a gold entry at
      article / clause level (None without citations or without gold);
    - ``gold_in_citations`` / ``gold_in_citations_clause``: 1 if some citation matches some gold
      entry at that level (None without gold);
    - ``F2``: ALQAC F2 of the cited articles as the returned set (None without gold).
    """
    cites = [unit(c) for c in citations]
    hits = [unit(h) for h in retrieved]
    ids = [str(i) for i in retrieved_ids] if retrieved_ids is not None else None

    def outside(c: Unit, strict: bool) -> bool:
        if ids is not None and c.id:
            return c.id not in ids if strict else not any(_ids_related(c.id, r) for r in ids)
        if strict:
            return not any(_same(c, h) for h in hits)
        return not any(related(c, h) for h in hits)

    n = len(cites)
    n_out = sum(1 for c in cites if outside(c, False))
    out: dict[str, Any] = {
        "n_citations": n,
        "outside_retrieved": n_out,
        "outside_retrieved_strict": sum(1 for c in cites if outside(c, True)),
        "precision_retrieved": (n - n_out) / n if n else None,
        "precision_gold": None, "precision_gold_clause": None,
        "gold_in_citations": None, "gold_in_citations_clause": None, "F2": None,
    }
    if gold:
        if n:
            out["precision_gold"] = sum(any(matches(c, g, "article") for g in gold) for c in cites) / n
            out["precision_gold_clause"] = sum(any(matches(c, g, "clause") for g in gold) for c in cites) / n
        out["gold_in_citations"] = 1.0 if any(matches(c, g, "article") for c in cites for g in gold) else 0.0
        out["gold_in_citations_clause"] = 1.0 if any(matches(c, g, "clause") for c in cites for g in gold) else 0.0
        out["F2"] = prf2(cites, gold)[2]
    return out


def abstention_scores(rows: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    """From (answerable, abstained) pairs: ``abstain_unanswerable`` = share of unanswerable
    questions the system declined; ``answer_answerable`` = share of answerable ones it answered."""
    unans = [abst for ans, abst in rows if not ans]
    ans = [not abst for a, abst in rows if a]
    return {
        "n_unanswerable": len(unans), "n_answerable": len(ans),
        "abstain_unanswerable": sum(unans) / len(unans) if unans else None,
        "answer_answerable": sum(ans) / len(ans) if ans else None,
    }


# ---------------------------------------------------------------------------------------------
# Variants and twins


def by_group(records: Sequence[Mapping[str, Any]], scores: Mapping[str, Mapping[str, float]],
             field: str = "variant") -> dict[str, dict[str, float | None]]:
    """Aggregate per-question scores (``{question id: score row}``) by a record field, e.g.
    ``variant`` (accented / no_diacritics / abbreviation). Records without a score row are skipped."""
    groups: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    for r in records:
        if r["id"] in scores:
            groups[str(r.get(field))].append(scores[r["id"]])
    return {g: aggregate(rows) for g, rows in sorted(groups.items())}


def twin_pairs(records: Sequence[Mapping[str, Any]], scores: Mapping[str, Mapping[str, float]],
               metric: str = "art_hit@5") -> dict[str, dict[str, Any]]:
    """Compare each variant with its accented original (``twin``) on ``metric``.

    Per variant kind: ``pairs``; ``original`` and ``variant`` = mean metric over the pairs (same
    questions on both sides, so the gap is the cost of the variant); ``both``, ``only_original``,
    ``only_variant``, ``neither`` = counts with the metric > 0.5 read as "right".
    """
    by_id = {r["id"]: r for r in records}
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        twin = r.get("twin")
        if not twin or r["id"] not in scores or twin not in scores or twin not in by_id:
            continue
        o, v = scores[twin][metric], scores[r["id"]][metric]
        d = out.setdefault(str(r.get("variant")), {"pairs": 0, "original": 0.0, "variant": 0.0, "both": 0,
                                                    "only_original": 0, "only_variant": 0, "neither": 0})
        d["pairs"] += 1
        d["original"] += o
        d["variant"] += v
        ro, rv = o > 0.5, v > 0.5
        d["both" if ro and rv else "only_original" if ro else "only_variant" if rv else "neither"] += 1
    for d in out.values():
        d["original"] /= d["pairs"]
        d["variant"] /= d["pairs"]
        d["metric"] = metric
    return out


# ---------------------------------------------------------------------------------------------
# Latency


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100), linear interpolation between closest ranks (numpy's default)."""
    vals = sorted(values)
    if not vals:
        return None
    if len(vals) == 1:
        return float(vals[0])
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo))


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50 / p95 / mean in milliseconds, and the count."""
    ms = [s * 1000.0 for s in seconds]
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "mean_ms": (sum(ms) / len(ms)) if ms else None}
