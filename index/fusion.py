"""Fusion: from per-unit scores (dense, BM25 on syllables, BM25 on folded syllables) to a
ranked list of provisions.

Scores are first lifted to groups (an article with its clauses and points; a plan section;
an appendix): each component ranks the groups twice, by the group's own unit and by its best
sub-unit, and a weighted reciprocal-rank fusion of those lists ranks the groups. Validity and
document mentions then scale or lift a group's score. Inside each group the reported unit is
the best clause (then point) by the same components, so a hit is as specific as the evidence.

Pure numpy, no I/O: :class:`index.search.Searcher` feeds it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from index.units import Unit


@dataclass
class FusionParams:
    """Weights of the reciprocal-rank fusion (tuned on the dev split of eval/questions only)."""

    k: float = 40.0
    # accented questions: dense / syllable BM25 / folded BM25, group's own unit and best sub-unit
    w_dense: float = 1.0
    w_dense_sub: float = 1.5
    w_syl: float = 1.0
    w_syl_sub: float = 3.0
    w_fold: float = 0.25
    w_fold_sub: float = 0.25
    # questions typed without diacritics (dense and syllable BM25 see the restored question)
    u_dense: float = 0.25
    u_dense_sub: float = 1.0
    u_syl: float = 1.0
    u_syl_sub: float = 0.6
    u_fold: float = 0.5
    u_fold_sub: float = 1.0
    # unit choice inside a group
    unit_w_dense: float = 1.0
    unit_w_syl: float = 1.0
    unit_w_fold: float = 0.0
    # validity and documents
    invalid_factor: float = 0.6  # score factor for a document not in force on the date
    mention_boost: float = 0.02  # added for a document the question names (RRF units)
    docname_boost: float = 0.01  # added × normalized document-name BM25
    place_boost: float = 0.02  # added for a document of the province / sector the question names
    scope_factor: float = 0.7  # a provincial / sector document when the question names no place
    preamble_factor: float = 0.7  # a plan's or decree's opening words ("Căn cứ…", "Thực hiện…")
    promulgation_factor: float = 0.7  # Điều 1–3 of a Quyết định that promulgates a Quy định
    # a second clause of an already listed article, when its score is this close to the first
    second_ratio: float = 0.7
    max_per_group: int = 2

    def weights(self, accented: bool) -> tuple[float, ...]:
        if accented:
            return (self.w_dense, self.w_dense_sub, self.w_syl, self.w_syl_sub, self.w_fold, self.w_fold_sub)
        return (self.u_dense, self.u_dense_sub, self.u_syl, self.u_syl_sub, self.u_fold, self.u_fold_sub)

    def with_(self, **kw) -> "FusionParams":
        return replace(self, **kw)


@dataclass
class Scored:
    unit: int  # index into the unit table
    group: int
    score: float
    extra: dict = field(default_factory=dict)


class Structure:
    """Group layout of a unit table, precomputed once per index."""

    def __init__(self, units: list[Unit]):
        self.units = units
        n = len(units)
        gid: dict[str, int] = {}
        self.group_of = np.zeros(n, dtype=np.int64)
        for i, u in enumerate(units):
            if u.group not in gid:
                gid[u.group] = len(gid)
            self.group_of[i] = gid[u.group]
        self.n_groups = len(gid)
        self.group_ids = list(gid)
        pos = {u.id: i for i, u in enumerate(units)}
        self.group_unit = np.array([pos.get(g, -1) for g in self.group_ids], dtype=np.int64)
        for g, ui in enumerate(self.group_unit):
            if ui < 0:  # a group whose own provision is missing: use its first unit
                self.group_unit[g] = int(np.flatnonzero(self.group_of == g)[0])
        self.depth = np.array([u.depth for u in units], dtype=np.int64)
        self.is_sub = self.depth > 0
        # members of each group, in document order
        order = np.argsort(self.group_of, kind="stable")
        bounds = np.searchsorted(self.group_of[order], np.arange(self.n_groups + 1))
        self.members = [order[bounds[g]:bounds[g + 1]] for g in range(self.n_groups)]
        self.parent_idx = np.array([pos.get(u.parent, -1) if u.parent else -1 for u in units], dtype=np.int64)
        self.doc_of_group = [units[self.group_unit[g]].doc for g in range(self.n_groups)]
        docs = sorted(set(self.doc_of_group))
        self.doc_index = {d: i for i, d in enumerate(docs)}
        self.group_doc = np.array([self.doc_index[d] for d in self.doc_of_group], dtype=np.int64)
        self.has_sub = np.zeros(self.n_groups, dtype=bool)
        self.has_sub[self.group_of[self.is_sub]] = True


def _lift(struct: Structure, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(own score, best sub-unit score) per group; groups without sub-units use their own."""
    own = s[struct.group_unit]
    sub = np.full(struct.n_groups, -np.inf, dtype=np.float64)
    m = struct.is_sub & np.isfinite(s)
    np.maximum.at(sub, struct.group_of[m], s[m])
    sub = np.where(struct.has_sub & np.isfinite(sub), sub, own)
    return own, sub


def _rrf(s: np.ndarray, k: float, positive_only: bool) -> np.ndarray:
    """1/(k + rank) with rank starting at 1; 0 for missing (nan / -inf) or, for BM25, zero scores."""
    out = np.zeros(len(s), dtype=np.float64)
    ok = np.isfinite(s)
    if positive_only:
        ok &= s > 0
    idx = np.flatnonzero(ok)
    if not len(idx):
        return out
    order = idx[np.argsort(-s[idx], kind="stable")]
    out[order] = 1.0 / (k + np.arange(1, len(order) + 1))
    return out


def rank_groups(struct: Structure, dense: np.ndarray, syl: np.ndarray, fol: np.ndarray,
                p: FusionParams, accented: bool, *, group_factor: np.ndarray | None = None,
                group_bonus: np.ndarray | None = None, allowed: np.ndarray | None = None) -> np.ndarray:
    """Fused score per group (higher is better; -inf for groups filtered out)."""
    w = p.weights(accented)
    total = np.zeros(struct.n_groups, dtype=np.float64)
    comps = ((dense, False), (syl, True), (fol, True))
    for ci, (s, pos_only) in enumerate(comps):
        own, sub = _lift(struct, s.astype(np.float64, copy=False))
        if w[2 * ci]:
            total += w[2 * ci] * _rrf(own, p.k, pos_only)
        if w[2 * ci + 1]:
            total += w[2 * ci + 1] * _rrf(sub, p.k, pos_only)
    if group_factor is not None:
        total *= group_factor
    if group_bonus is not None:
        total += group_bonus
    if allowed is not None:
        total = np.where(allowed, total, -np.inf)
    total = np.where(total > 0, total, -np.inf) if allowed is None else total
    return total


def _unit_rrf(idx: np.ndarray, comps: list[tuple[np.ndarray, float, bool]], k: float = 10.0) -> np.ndarray:
    """Weighted RRF of the candidate units `idx` among themselves. A BM25 score of 0 means the
    unit has none of the words: it gets no rank at all (ranking the zeros by position would let
    a unit without the word beat the one that has it on dense noise)."""
    out = np.zeros(len(idx), dtype=np.float64)
    for s, w, positive_only in comps:
        if not w:
            continue
        v = s[idx].astype(np.float64)
        ok = np.isfinite(v)
        if positive_only:
            ok &= v > 0
        sel = np.flatnonzero(ok)
        if not len(sel):
            continue
        order = sel[np.argsort(-v[sel], kind="stable")]
        out[order] += w / (k + np.arange(1, len(order) + 1))
    return out


def pick_units(struct: Structure, g: int, dense: np.ndarray, syl: np.ndarray, fol: np.ndarray,
               p: FusionParams) -> list[tuple[int, float]]:
    """Units to report for group g, best first: [(unit index, relative score)].

    The best clause of an article (by dense, syllable and folded BM25 among its clauses); inside
    it a point when the point carries most of the clause's lexical evidence. An article without
    clauses, a section, an appendix report themselves.
    """
    members = struct.members[g]
    clauses = members[struct.depth[members] == 1]
    if not len(clauses):
        points = members[struct.depth[members] == 2]
        if not len(points):
            return [(int(struct.group_unit[g]), 1.0)]
        clauses = points
    comps = [(dense, p.unit_w_dense, False), (syl, p.unit_w_syl, True), (fol, p.unit_w_fold, True)]
    sc = _unit_rrf(clauses, comps)
    order = np.argsort(-sc, kind="stable")
    best = [(int(clauses[order[0]]), 1.0)]
    if p.max_per_group > 1 and len(order) > 1 and p.second_ratio > 0:
        for j in order[1:p.max_per_group]:
            r = sc[j] / sc[order[0]] if sc[order[0]] > 0 else 0.0
            if r >= p.second_ratio:
                best.append((int(clauses[j]), float(r)))
    out = []
    for ui, r in best:
        out.append((_refine_point(struct, ui, members, syl, fol), r))
    return out


def _refine_point(struct: Structure, ui: int, members: np.ndarray, syl: np.ndarray, fol: np.ndarray) -> int:
    """A point of clause `ui` when its lexical score is at least the clause's own."""
    if struct.depth[ui] != 1:
        return ui
    pts = members[(struct.parent_idx[members] == ui)]
    if not len(pts):
        return ui
    s = syl[pts] + fol[pts]
    j = int(np.argmax(s))
    base = syl[ui] + fol[ui]
    if s[j] > 0 and s[j] >= base and (len(pts) == 1 or s[j] > 1.15 * np.partition(s, -2)[-2]):
        return int(pts[j])
    return ui
