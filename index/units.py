"""From stored provisions to what the indexes hold.

- A :class:`Unit` is one provision as the search sees it: every article, clause, point, plan
  section, appendix and preamble. Its ``lex_text`` (for BM25) carries the article heading (and
  for a point the clause's lead-in line) so that "khoản 1" of "Điều 23. Danh hiệu Chiến sĩ thi
  đua cơ sở" is found by the title's words.
- Units are grouped: a clause and its points belong to their article's group (the benchmark
  and the user cite articles); a plan section, an appendix or a preamble is its own group.
- A :class:`Chunk` is one embedded piece: ``passage: `` + a short context (document name and
  article heading) + the unit's repaired text (``index_text``). Units longer than the model's
  512 tokens are cut at line, then sentence, then word boundaries so nothing is truncated; a
  hit on any piece reports the whole unit.

Points are not embedded (their clause is, and a point's words reach BM25); articles, clauses,
sections, appendices and preambles are.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

from ingest.model import ParsedDocument, Provision
from index.text import fast_normalize as normalize

# Bump when units or chunk texts change: the index is then rebuilt from scratch.
UNITS_VERSION = 4

# Token budget of one embedded chunk (prefix, <s>, </s> included); the model's limit is 512.
MAX_CHUNK_TOKENS = 480
# A clause is embedded as one chunk of at most this many tokens (its article's chunks carry the
# rest of a long clause): clause vectors pick the clause, article vectors find the article.
CLAUSE_MAX_TOKENS = 256
EMBED_KINDS = frozenset({"article", "clause", "section", "appendix", "preamble"})


@dataclass
class Unit:
    id: str
    doc: str
    kind: str
    label: str
    group: str  # id of the group (article, plan section, appendix, preamble)
    parent: str | None
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    part: str | None = None
    heading: str = ""
    lex_text: str = ""
    snippet: str = ""
    depth: int = 0  # 0 = group itself, 1 = clause, 2 = point (sections: 0)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Chunk:
    id: str  # "<unit id>::<piece>"
    unit: str
    doc: str
    piece: int  # -1: synthetic (a plan section with sub-sections: the mean of its children)
    text: str  # what is embedded (without the "passage: " prefix)
    meta: dict = field(default_factory=dict)
    tokens: int = 0
    children: list[str] = field(default_factory=list)  # synthetic: the child units averaged

    @property
    def synthetic(self) -> bool:
        return self.piece < 0

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _short(s: str, n: int) -> str:
    words = _squash(s).split(" ")
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def _sentence_case(s: str) -> str:
    letters = [c for c in s if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        return s[:1].upper() + s[1:].lower()
    return s


def doc_label(parsed: ParsedDocument, catalog=None) -> str:
    """"Nghị định 152/2025/NĐ-CP": type and số hiệu."""
    doc = parsed.info.doc
    entry = catalog.get_exact(doc) if catalog is not None else None
    return entry.label if entry is not None else f"{parsed.info.type} {doc}".strip()


_LOCAL_ISSUER = re.compile(r"(tỉnh|thành phố|Bộ )", re.I)


def doc_context(parsed: ParsedDocument, catalog=None) -> str:
    """A short name for a document: "Quyết định 86/2025/QĐ-UBND: ban hành Quy định về công tác thi
    đua, khen thưởng tỉnh Bắc Ninh" (type, số hiệu, a dozen words of the title, a local issuer).
    On the dev questions this context on every chunk, clauses included, is worth ~3 points of MRR
    over the bare số hiệu."""
    entry = catalog.get_exact(parsed.info.doc) if catalog is not None else None
    label = doc_label(parsed, catalog)
    title = (entry.title if entry is not None and entry.title else parsed.info.title) or ""
    title = _sentence_case(_squash(title))
    # "Kế hoạch phát động …": drop the type word that the label already says.
    t = parsed.info.type or (entry.type if entry is not None else "")
    if t and title.lower().startswith(t.lower()):
        title = title[len(t):].strip()
    title = _short(title, 14) if title else ""
    issuer = _squash((entry.issuer if entry is not None and entry.issuer else parsed.info.issuer) or "")
    issuer = _sentence_case(issuer)
    out = label + (f": {title}" if title else "")
    if issuer and _LOCAL_ISSUER.search(issuer) and issuer.split(" ")[-1].lower() not in out.lower():
        out += f" ({issuer})"
    return out


def doc_lex_text(parsed: ParsedDocument, catalog=None) -> str:
    """Words that name a document (title, issuer, type, aliases) for the document-level BM25."""
    entry = catalog.get_exact(parsed.info.doc) if catalog is not None else None
    bits = [parsed.info.type or "", parsed.info.title or "", parsed.info.issuer or ""]
    if entry is not None:
        bits += [entry.type, entry.title, entry.issuer, " ".join(a.lstrip("~") for a in entry.aliases)]
    return _squash(" ".join(b for b in bits if b))


_PLACE = re.compile(r"\b(?:tỉnh|thành phố)\s+((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][^\s,;.()]*\s*){1,3})")
_SECTOR = re.compile(r"(?:\bngành|\bBộ)\s+([A-ZĐ][^\s,;.()]*\s+[^\s,;.()]+)")


def doc_meta(parsed: ParsedDocument, catalog=None) -> dict:
    """Facts the search needs about a document: type, title, issuer and the places (province,
    city, ministry/sector) it belongs to, from its issuer and title ("Quảng Nam", "Ngoại giao")."""
    entry = catalog.get_exact(parsed.info.doc) if catalog is not None else None
    title = (entry.title if entry is not None and entry.title else parsed.info.title) or ""
    issuer = (entry.issuer if entry is not None and entry.issuer else parsed.info.issuer) or ""
    places = []
    for src in (_squash(issuer), _squash(title)):
        for m in _PLACE.finditer(src):
            words = [w for w in m.group(1).split() if w[:1].isupper()]
            name = " ".join(words)
            if len(name) > 3 and name not in places:
                places.append(name)
        for m in _SECTOR.finditer(src):
            name = m.group(1).strip()
            if name not in places:
                places.append(name)
    return {"type": (entry.type if entry is not None else parsed.info.type) or "", "title": _squash(title),
            "issuer": _squash(issuer), "places": places,
            "attached": bool(parsed.attached_articles)}


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


_BARE_ARTICLE = re.compile(r"Điều \d+[a-z]?\.?")
_NUMBERED = re.compile(r"\d+\.|[a-zđ]\)")


def _heading_line(text: str) -> str:
    """The line that says what an article is about: its title line ("Điều 23. Danh hiệu Chiến sĩ thi
    đua cơ sở"), or for an untitled article (the 2003 law's "Điều 23." alone on its line) that line
    with its lead-in sentence ("Danh hiệu “Chiến sĩ thi đua cơ sở” được xét tặng cho cá nhân đạt các
    tiêu chuẩn sau:"). Without it the clauses of an untitled article carry no word of their subject."""
    first, _, rest = text.partition("\n")
    if _BARE_ARTICLE.fullmatch(first.strip()):
        lead = _first_line(rest.strip())
        if lead and not _NUMBERED.match(lead):
            return f"{first.strip()} {lead}"
    return first


def build_units(parsed: ParsedDocument) -> list[Unit]:
    """The units of one document, in document order."""
    provs = parsed.provisions
    by_id: dict[str, Provision] = {p.id: p for p in provs}
    units: list[Unit] = []

    def ancestors(p: Provision) -> list[Provision]:
        out = []
        q = by_id.get(p.parent) if p.parent else None
        while q is not None and len(out) < 8:
            out.append(q)
            q = by_id.get(q.parent) if q.parent else None
        return out

    for p in provs:
        text = p.index_text or p.text
        anc = ancestors(p)
        if p.kind == "section":
            # A plan's top-level section plays the role of an article (I., II., …); its
            # sub-sections are its "clauses" (II.2) and "points" (II.2.a).
            secs = [a for a in anc if a.kind == "section"]
            group = secs[-1].id if secs else p.id
            depth = min(2, len(secs))
        elif p.kind in ("article", "appendix", "preamble") or not anc:
            group = p.id
            depth = 0
        else:
            arts = [a for a in anc if a.kind == "article"]
            group = arts[0].id if arts else anc[-1].id
            depth = 1 if p.kind == "clause" else 2
        # Lexical text: the unit's words plus the headings that say what it is about.
        if p.kind in ("clause", "point"):
            art = by_id.get(group)
            head = _heading_line(art.index_text or art.text) if art is not None else p.heading
            lead = ""
            if p.kind == "point":
                cl = next((a for a in anc if a.kind == "clause"), None)
                if cl is not None:
                    lead = _first_line(cl.index_text or cl.text)
            lex = "\n".join(x for x in (head, lead, text) if x)
        elif p.kind == "section":
            heads = [_first_line(a.index_text or a.text) for a in reversed(anc) if a.kind == "section"]
            lex = "\n".join(heads + [text])
        else:
            lex = text
        units.append(Unit(
            id=p.id, doc=p.doc, kind=p.kind, label=p.label, group=group, parent=p.parent,
            article=p.article, clause=p.clause, point=p.point, section=p.section, part=p.part,
            heading=p.heading, lex_text=normalize(lex), snippet=_squash(p.text)[:300], depth=depth,
        ))
    return units


# ---------------------------------------------------------------------------------------------
# chunks


_SENT = re.compile(r"(?<=[.;:!?])\s+")


def _split_to_budget(body: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut `body` into consecutive pieces that each satisfy `fits` (lines, sentences, words)."""
    if fits(body):
        return [body]
    for splitter in (lambda s: s.split("\n"), lambda s: _SENT.split(s), lambda s: s.split(" ")):
        parts = [x for x in splitter(body) if x.strip()]
        if len(parts) <= 1:
            continue
        joiner = "\n" if "\n" in body else " "
        pieces: list[str] = []
        cur = ""
        for part in parts:
            cand = f"{cur}{joiner}{part}" if cur else part
            if fits(cand):
                cur = cand
                continue
            if cur:
                pieces.append(cur)
            if fits(part):
                cur = part
            else:  # a single line/sentence too long: cut it further
                sub = _split_to_budget(part, fits)
                pieces.extend(sub[:-1])
                cur = sub[-1]
        if cur:
            pieces.append(cur)
        return pieces
    # one enormous "word": hard cut by characters
    half = len(body) // 2
    return _split_to_budget(body[:half], fits) + _split_to_budget(body[half:], fits)


def build_chunks(units: Iterable[Unit], provisions: dict[str, Provision], context: str,
                 count_tokens: Callable[[str], int], max_tokens: int = MAX_CHUNK_TOKENS,
                 short_context: str | None = None, clause_tokens: int = CLAUSE_MAX_TOKENS) -> list[Chunk]:
    """Embedded pieces of the units whose kind is in EMBED_KINDS.

    Chunk text = context line(s) + body. Context is the document's short name (``short_context``
    for clauses, when given), plus the article heading for clauses
    and for every piece after the first of a long article (the first piece starts with "Điều N.
    …" itself). An article without clauses, an appendix or a leaf section is cut into as many
    pieces as it needs; a clause into pieces of at most ``clause_tokens``. An article with clauses
    gets one chunk of its opening words and one synthetic chunk whose vector is the mean of that
    and its clauses'; a plan section with sub-sections likewise the mean of its sub-sections'
    (nothing is embedded twice).
    """
    units = list(units)
    out: list[Chunk] = []
    child_sections: dict[str, list[str]] = {}
    article_clauses: dict[str, list[str]] = {}
    for u in units:
        if u.kind == "section" and u.parent:
            child_sections.setdefault(u.parent, []).append(u.id)
        elif u.kind == "clause" and u.group != u.id:
            article_clauses.setdefault(u.group, []).append(u.id)
    short_context = short_context or context
    for u in units:
        if u.kind not in EMBED_KINDS:
            continue
        p = provisions[u.id]
        body = normalize(p.index_text or p.text).strip()
        if not body:
            continue
        budget = max_tokens
        if u.kind == "clause":
            art = provisions.get(u.group)
            ctx = f"{short_context}\n{_heading_line(art.index_text or art.text)[:160] if art else u.heading}"
            budget = clause_tokens
        elif u.kind == "section" and u.parent and "." in (u.section or ""):
            # "II.2.a": name the enclosing sections.
            chain = []
            q = provisions.get(u.parent)
            while q is not None and len(chain) < 4:
                chain.append(_first_line(q.index_text or q.text)[:120])
                q = provisions.get(q.parent) if q.parent else None
            ctx = f"{context}\n" + " › ".join(reversed(chain))
        else:
            ctx = context
        head = _first_line(body)[:160]
        if u.kind == "section" and u.id in child_sections:
            text = f"{ctx}\n{head}"
            out.append(Chunk(id=f"{u.id}::syn", unit=u.id, doc=u.doc, piece=-1, text=text,
                             tokens=count_tokens(text), children=child_sections[u.id]))
            continue

        if u.kind == "article" and u.id in article_clauses:
            # An article with clauses: its clauses are embedded, so the article's own vector is
            # their mean plus its opening words ("Điều 24. Tiêu chuẩn …" and any lead-in), and
            # no text is embedded twice (the whole article again cost ~40% of the build).
            clauses = article_clauses[u.id]
            first = normalize(provisions[clauses[0]].index_text or provisions[clauses[0]].text).strip()
            at = body.find(first[:60]) if first else -1
            intro = body[:at].strip() if at > 0 else head
            intro_pieces = _split_to_budget(intro, lambda piece, ctx=ctx: count_tokens(f"{ctx}\n{piece}") <= clause_tokens)
            text = f"{ctx}\n{intro_pieces[0]}"
            out.append(Chunk(id=f"{u.id}::0", unit=u.id, doc=u.doc, piece=0, text=text, tokens=count_tokens(text)))
            out.append(Chunk(id=f"{u.id}::syn", unit=u.id, doc=u.doc, piece=-1, text=f"{ctx}\n{head}",
                             tokens=0, children=[u.id + "::0", *clauses]))
            continue

        def fits(piece: str, ctx=ctx, budget=budget) -> bool:
            return count_tokens(f"{ctx}\n{piece}") <= budget

        pieces = _split_to_budget(body, fits)
        for i, piece in enumerate(pieces):
            c = ctx
            if i > 0 and u.kind in ("article", "appendix", "section") and not piece.startswith(head):
                c = f"{ctx}\n{head}"
                if count_tokens(f"{c}\n{piece}") > max_tokens:
                    c = ctx
            text = f"{c}\n{piece}"
            out.append(Chunk(id=f"{u.id}::{i}", unit=u.id, doc=u.doc, piece=i, text=text, tokens=count_tokens(text)))
    return out


def synthesize(chunks: list[Chunk], vectors: dict[str, "np.ndarray"]) -> dict[str, "np.ndarray"]:
    """Vectors of the synthetic chunks: the token-weighted mean of their children's chunks
    (children first, so a section's sub-sections may be synthetic themselves). `vectors` maps
    chunk id → vector for the embedded chunks; returns chunk id → vector for the synthetic ones."""
    import numpy as np

    by_unit: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_unit.setdefault(c.unit, []).append(c)
    for c in chunks:  # a child may also name one chunk ("<unit>::0": an article's opening words)
        if not c.synthetic:
            by_unit.setdefault(c.id, [c])
    out: dict[str, np.ndarray] = {}
    weight: dict[str, float] = {}

    def unit_sum(uid: str, seen: frozenset) -> tuple["np.ndarray | None", float]:
        acc, w = None, 0.0
        for c in by_unit.get(uid, []):
            if c.synthetic:
                v, cw = syn(c, seen)
                if v is None:
                    continue
                v = v * cw
            else:
                v0 = vectors.get(c.id)
                if v0 is None:
                    continue
                cw = float(max(1, c.tokens))
                v = v0 * cw
            acc = v if acc is None else acc + v
            w += cw
        return acc, w

    def syn(c: Chunk, seen: frozenset = frozenset()) -> tuple["np.ndarray | None", float]:
        if c.id in out:
            return out[c.id], weight[c.id]
        if c.unit in seen:
            return None, 0.0
        acc, w = None, 0.0
        for child in c.children:
            v, cw = unit_sum(child, seen | {c.unit})
            if v is not None:
                acc = v if acc is None else acc + v
                w += cw
        if acc is None:
            return None, 0.0
        n = float(np.linalg.norm(acc))
        out[c.id] = (acc / n).astype(np.float32) if n else acc.astype(np.float32)
        weight[c.id] = w
        return out[c.id], w

    for c in chunks:
        if c.synthetic:
            syn(c)
    return out
