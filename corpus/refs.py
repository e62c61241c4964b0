"""Parse the references users type: "khoản 2 Điều 24 NĐ 152/2025", "dieu 7 luat tdkt 2022",
"mục II.2 KH 157", "Điều 5 Quy định kèm theo QĐ 86/2025", "Điều 58a VBHN 16".

Pure Python and fast (regexes compiled once; the alias regex once per catalog): it runs on
every query.

Matching works on a *folded* copy of the text (`corpus.catalog.fold`: lower case, no
diacritics, đ→d) that has exactly one character per character of the NFC text, so a match in
the folded copy can look back at the original letter. That is how the point letter is decided:

* "điểm đ" (typed with đ) → "đ"; "diem dd" → "đ" (Telex-style double d);
* "diem d" / "điểm d" → "d". A bare "d" is always the letter d, never đ.

Document names are found three ways, longest match first:

1. catalog aliases ("luật tđkt 2022", "quy chế quảng nam", "vbhn 16"), compared after folding
   with abbreviations unified (tđkt = thi đua khen thưởng, nđ = nghị định, qđ = quyết định,
   tt = thông tư, kh = kế hoạch, vbhn = văn bản hợp nhất) and punctuation treated as spaces;
   an alias starting with "~" is weak: used only when nothing else names a document;
2. a type word and a number: "NĐ 152", "nghị định số 152/2025/NĐ-CP", "KH 157", "luật 2022",
   "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022";
3. a bare số hiệu: "06/2022/QH15", "16/VBHN-VPQH".

A document the catalog does not know still yields a mention (``known=False``) when it has a
full số hiệu or a number with a year ("Nghị định 999/2030/NĐ-CP" → "999/2030/NĐ-CP"). A short
form that fits several catalogued documents ("luật 06": 06/2022/QH15 or 06/2026/QH16) names
none: the parser does not guess.

Part of a Quyết định: "Quy định/Quy chế (ban hành kèm theo) QĐ …" before the document name, an
alias that contains it ("quy chế Quảng Nam"), or an article number above the Quyết định's own
article count (catalog ``decision_articles``) selects the attached text; the value is the
catalog's ``attached`` ("quy-che" for QĐ 11/2021 even when the user wrote "Quy định").
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corpus.catalog import doc_key, fold, normalize_doc, prepare

if TYPE_CHECKING:  # pragma: no cover
    from corpus.catalog import Catalog, Entry

__all__ = [
    "Ref",
    "Mention",
    "parse_ref",
    "find_doc_mentions",
    "scan_mentions",
    "canonical_alias",
    "build_alias_index",
]


@dataclass
class Ref:
    """A reference a user typed. `doc` is the số hiệu (catalog form when `known`).

    part: None = the document's own body; "quy-dinh" / "quy-che" = the text a Quyết định
    promulgates. section: plan path "II.2.a" (or a law's Mục number).
    """

    doc: str | None = None
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    part: str | None = None
    known: bool = False  # doc is in the catalog
    doc_text: str | None = None  # the words that named the document, as typed

    def label(self, catalog: "Catalog | None" = None) -> str:
        """Vietnamese citation, smallest unit first: "điểm a khoản 1 Điều 24 Nghị định 152/2025/NĐ-CP"."""
        bits = []
        if self.point:
            bits.append(f"điểm {self.point}")
        if self.clause:
            bits.append(f"khoản {self.clause}")
        if self.article:
            bits.append(f"Điều {self.article}")
        if self.section:
            bits.append(f"mục {self.section}")
        if self.doc:
            name = catalog.label(self.doc) if catalog is not None else self.doc
            if self.part:
                kind = "Quy định" if self.part == "quy-dinh" else "Quy chế"
                name = f"{kind} ban hành kèm theo {name}"
            bits.append(name)
        return " ".join(bits)


@dataclass
class Mention:
    """A document named in a text. start/end: offsets in the NFC text."""

    doc: str
    known: bool
    start: int
    end: int
    text: str
    weak: bool = False
    how: str = ""  # "alias" | "typed" | "bare"


# ───────────────────────────────────────── alias matching ───────────────────────────────────────

# Abbreviation ⇄ long form (folded). Canonical form = the abbreviation.
_SYNONYMS = [
    ("tdkt", r"thi\s*dua[\s,\-–—]*khen\s*thuong", "thi dua khen thuong"),
    ("vbhn", r"van\s*ban\s*hop\s*nhat", "van ban hop nhat"),
    ("nd", r"nghi\s*dinh", "nghi dinh"),
    ("qd", r"quyet\s*dinh", "quyet dinh"),
    ("tt", r"thong\s*tu", "thong tu"),
    ("kh", r"ke\s*hoach", "ke hoach"),
    ("ubnd", r"uy\s*ban\s*nhan\s*dan", "uy ban nhan dan"),
]
_SEP = r"[\s,;:\-–—]+"
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _tokens(folded: str) -> list[str]:
    s = re.sub(r"[^a-z0-9/.]+", " ", folded).strip()
    s = re.sub(r"\bso\s+(?=\d)", "", s)  # "luật số 06" = "luật 06"
    s = re.sub(r"\bnam\s+(?=(?:19|20)\d\d\b)", "", s)  # "năm 2022" = "2022"
    for short, _rx, long in _SYNONYMS:
        s = re.sub(rf"\b{long}\b", short, s)
    s = re.sub(r"\s+", " ", s).strip()
    return s.split(" ") if s else []


def canonical_alias(text: str) -> str:
    """The form aliases are compared in: folded, abbreviations unified, punctuation = space."""
    return " ".join(_tokens(fold(text).lstrip("~")))


def _alias_regex(tokens: list[str]) -> str:
    syn = {s: rx for s, rx, _ in _SYNONYMS}
    parts = []
    for i, t in enumerate(tokens):
        if t in syn:
            piece = rf"(?:{re.escape(t)}|{syn[t]})"
        else:
            piece = re.escape(t)
        if _YEAR.match(t):
            piece = rf"(?:nam\s+)?{piece}"
        elif re.match(r"^\d", t) and i > 0:
            piece = rf"(?:so\s*:?\s*)?{piece}"
        parts.append(piece)
    return _SEP.join(parts)


def build_alias_index(catalog: "Catalog") -> tuple[dict[str, tuple[str, bool]], Any]:
    """(canonical alias → (entry key, weak)), one compiled regex over all aliases."""
    index: dict[str, tuple[str, bool]] = {}
    pieces: dict[str, str] = {}
    for e in catalog:
        for a in e.aliases:
            weak = a.startswith("~")
            toks = _tokens(fold(a.lstrip("~")))
            if not toks:
                continue
            canon = " ".join(toks)
            if canon in index and not index[canon][1]:
                continue  # first strong claim wins
            index[canon] = (e.key, weak)
            pieces[canon] = _alias_regex(toks)
    alts = [pieces[c] for c in sorted(pieces, key=len, reverse=True)]
    rx = None
    if alts:
        rx = re.compile(r"(?<![a-z0-9/])(?:" + "|".join(alts) + r")(?![a-z0-9]|/\d)")
    return index, rx


# ────────────────────────────────────── typed / bare numbers ────────────────────────────────────

_TYPE_WORDS = [
    (r"van\s*ban\s*hop\s*nhat|vbhn", "Văn bản hợp nhất"),
    (r"nghi\s*dinh|nd", "Nghị định"),
    (r"thong\s*tu|tt", "Thông tư"),
    (r"quyet\s*dinh|qd", "Quyết định"),
    (r"ke\s*hoach|kh", "Kế hoạch"),
    (r"chi\s*thi", "Chỉ thị"),
    (r"huong\s*dan", "Hướng dẫn"),
    (r"luat(?:\s+(?:thi\s*dua[\s,\-–—]*khen\s*thuong|tdkt))?", "Luật"),
]
_ABBR = {
    "Nghị định": "NĐ",
    "Thông tư": "TT",
    "Quyết định": "QĐ",
    "Kế hoạch": "KH",
    "Văn bản hợp nhất": "VBHN",
    "Chỉ thị": "CT",
    "Hướng dẫn": "HD",
    "Luật": "Luật",
}
_SUFFIX = r"[a-z][a-z0-9]*(?:\s*-\s*[a-z0-9]+)*"
_TYPED = re.compile(
    r"(?<![a-z0-9])(?P<type>"
    + "|".join(f"(?P<t{i}>{rx})" for i, (rx, _t) in enumerate(_TYPE_WORDS))
    + r")\.?(?:\s*(?:so|nam)\b\s*:?)?\s*(?P<num>\d{1,4})(?![\d])"
    r"(?:\s*/\s*(?P<year>(?:19|20)\d\d)(?!\d))?"
    rf"(?:\s*/\s*(?P<suffix>{_SUFFIX}))?"
    r"(?:\s+ngay\s+\d{1,2}\s*(?:thang\s*|/)\s*\d{1,2}\s*(?:nam\s*|/)\s*(?P<year2>(?:19|20)\d\d))?"
)
_BARE = re.compile(
    r"(?<![a-z0-9/.])(?P<num>\d{1,4})\s*/\s*(?:(?P<year>(?:19|20)\d\d)\s*/\s*)?"
    rf"(?P<suffix>[a-z]{{2,}}\d{{0,2}}(?:\s*-\s*[a-z0-9]+)*)(?![a-z0-9])"
)


def _typed_type(m: re.Match) -> str:
    for i, (_rx, t) in enumerate(_TYPE_WORDS):
        if m.group(f"t{i}") is not None:
            return t
    return ""  # pragma: no cover


def _code(doc: str) -> str:
    """The code part of a số hiệu: "152/2025/NĐ-CP" → "NĐ-CP", "06/2022/QH15" → "QH15"."""
    return re.sub(r"^\s*\d+\s*/\s*(?:(?:19|20)\d\d\s*/\s*)?", "", doc)


def _resolve(
    catalog: "Catalog", type_: str | None, num: str, year: str | None, suffix_text: str | None
) -> tuple[str | None, bool]:
    """(số hiệu, known) for a number the user typed; (None, False) when nothing usable."""
    n = int(num)
    y = int(year) if year else None
    if suffix_text:
        cand = f"{num}/{year}/{suffix_text}" if year else f"{num}/{suffix_text}"
        e = catalog.get_exact(cand)
        if e is not None:
            return e.doc, True
        # "152/NĐ-CP", "157/2025/KH-UBND": same number and code, year missing or extra
        code = doc_key(suffix_text)
        found = [
            x for x in catalog.find(number=n, year=y) if doc_key(_code(x.doc)) == code
        ]
        if len(found) == 1:
            return found[0].doc, True
        return normalize_doc(cand), False
    if type_ == "Luật" and y is None and _YEAR.match(num):
        # "luật 2022", "luật tđkt 2003": a law named by its year
        e = catalog.alias_lookup(f"luat tdkt {num}") or catalog.alias_lookup(f"luat {num}")
        if e is not None:
            return e.doc, True
        found = catalog.find(type="Luật", year=n)
        if found:
            return found[0].doc, True
        return None, False
    found = catalog.find(type=type_, number=n, year=y)
    if len(found) == 1:
        return found[0].doc, True
    if found:
        return None, False  # "luật 06": 06/2022/QH15 or 06/2026/QH16; do not guess
    if y is None:
        return None, False  # "NĐ 999": too little to name an unknown document
    if type_ == "Nghị định":
        return f"{num}/{y}/NĐ-CP", False
    return f"{_ABBR.get(type_ or '', type_ or '')} {num}/{y}".strip(), False


def _looks_like_code(suffix: str) -> bool:
    """An unknown số hiệu must look like one: "NĐ-CP", "QĐ-UBND", "QH15" (not "5/tháng")."""
    return "-" in suffix or re.fullmatch(r"qh\d{1,2}", suffix.strip()) is not None


def _scan(text: str, catalog: "Catalog") -> tuple[str, str, list[Mention]]:
    src = prepare(text)
    f = fold(src)
    cands: list[tuple[int, int, int, Mention]] = []  # (start, -len, priority, mention)

    index, arx = catalog._aliases()
    if arx is not None:
        for m in arx.finditer(f):
            hit = index.get(" ".join(_tokens(m.group(0))))
            if hit is None:
                continue
            e = catalog.get_exact(hit[0])
            if e is None:
                continue
            mm = Mention(e.doc, True, m.start(), m.end(), src[m.start() : m.end()], hit[1], "alias")
            cands.append((m.start(), -(m.end() - m.start()), 0, mm))

    for m in _TYPED.finditer(f):
        t = _typed_type(m)
        suffix = m.group("suffix")
        suffix_src = None
        if suffix:
            s0, s1 = m.span("suffix")
            suffix_src = src[s0:s1]
        year = m.group("year") or m.group("year2")
        doc, known = _resolve(catalog, t, m.group("num"), year, suffix_src)
        if doc is None or (suffix and not known and not _looks_like_code(suffix)):
            continue
        mm = Mention(doc, known, m.start(), m.end(), src[m.start() : m.end()], False, "typed")
        cands.append((m.start(), -(m.end() - m.start()), 1, mm))

    for m in _BARE.finditer(f):
        s0, s1 = m.span("suffix")
        doc, known = _resolve(catalog, None, m.group("num"), m.group("year"), src[s0:s1])
        if doc is None or not (known or _looks_like_code(m.group("suffix"))):
            continue
        mm = Mention(doc, known, m.start(), m.end(), src[m.start() : m.end()], False, "bare")
        cands.append((m.start(), -(m.end() - m.start()), 2, mm))

    cands.sort(key=lambda c: (c[0], c[1], c[2]))
    # longest first among overlapping candidates
    chosen: list[Mention] = []
    for _s, _negl, _p, mm in sorted(cands, key=lambda c: (c[1], c[0], c[2])):
        if any(not (mm.end <= c.start or mm.start >= c.end) for c in chosen):
            continue
        chosen.append(mm)
    chosen.sort(key=lambda m: m.start)
    if any(not m.weak for m in chosen):
        chosen = [m for m in chosen if not m.weak]
    return src, f, chosen


def scan_mentions(text: str, catalog: "Catalog") -> list[Mention]:
    """Every document named in `text`, in order (offsets into the NFC text)."""
    return _scan(text, catalog)[2]


def find_doc_mentions(text: str, catalog: "Catalog", include_unknown: bool = False) -> list[str]:
    """Số hiệu of the documents a free-text question names, in order, without repeats.
    Documents the catalog does not know are left out unless `include_unknown`."""
    out: list[str] = []
    seen: set[str] = set()
    for m in scan_mentions(text, catalog):
        if not m.known and not include_unknown:
            continue
        k = doc_key(m.doc)
        if k not in seen:
            seen.add(k)
            out.append(m.doc)
    return out


# ─────────────────────────────────────────── structure ──────────────────────────────────────────

_ARTICLE = re.compile(r"(?<![a-z])dieu\s*(?P<n>\d{1,3})(?P<l>[a-z])?(?![a-z0-9])")
_CLAUSE = re.compile(r"(?<![a-z])khoan\s*(?P<n>\d{1,3})(?!\d)")
_POINT = re.compile(r"(?<![a-z])diem\s*(?P<p>[a-z]{1,2})(?![a-z0-9])")
_SECTION = re.compile(
    r"(?<![a-z])muc\s*(?P<s>(?:[ivxlc]+|\d{1,2})(?:\s*\.\s*(?:\d{1,2}|[a-z]{1,2})(?![a-z]))*)\.?(?![a-z0-9])"
)
_PART = re.compile(r"(?<![a-z])quy\s*(?P<w>dinh|che)(?![a-z])")
_KEM_THEO = re.compile(r"^\W*(?:ban\s*hanh\s*)?kem\s*theo")
_NOT_PART_BEFORE = re.compile(r"(?<![a-z])(?:theo|co|duoc|nhu)\s*$")
_NOT_PART_AFTER = re.compile(r"\s*(?:tai|nhu|the\s*nao|gi)(?![a-z])")
_POINT_LETTERS = set("abcdeghiklmnopqrstuvxy")


def _letter(tok: str, src: str, pos: int) -> str | None:
    """A point letter: "dd" → "đ"; "d" → "đ" only when typed as đ; else the letter."""
    if tok == "dd":
        return "đ"
    if len(tok) != 1:
        return None
    if tok == "d" and src[pos] in "đĐ":
        return "đ"
    return tok if tok in _POINT_LETTERS else None


def _section(m: re.Match, src: str) -> str | None:
    raw = m.group("s")
    base = m.start("s")
    out = []
    pos = 0
    for i, tok in enumerate(re.split(r"(\s*\.\s*)", raw)):
        if i % 2 == 1:
            pos += len(tok)
            continue
        if i == 0:
            out.append(tok.upper() if not tok.isdigit() else tok)
        elif tok.isdigit():
            out.append(tok)
        else:
            letter = _letter(tok, src, base + pos)
            if letter is None:
                break
            out.append(letter)
        pos += len(tok)
    return ".".join(out) if out else None


def parse_ref(text: str, catalog: "Catalog") -> Ref | None:
    """The reference in `text`, or None when it names neither a document nor a provision."""
    src, f, mentions = _scan(text, catalog)
    doc_m = mentions[0] if mentions else None

    am = _ARTICLE.search(f)
    article = (am.group("n").lstrip("0") or "0") + (am.group("l") or "") if am else None
    cm = _CLAUSE.search(f)
    clause = cm.group("n").lstrip("0") or "0" if cm else None

    point = None
    for pm in _POINT.finditer(f):
        point = _letter(pm.group("p"), src, pm.start("p"))
        if point:
            break
    if point and not (clause or article or doc_m):
        point = None  # "điểm a" alone in free text is not a reference

    section = None
    sm = _SECTION.search(f)
    if sm:
        section = _section(sm, src)
        if section and "." not in section and not (doc_m or article or clause):
            section = None  # "mục vi …" in free text

    if not (doc_m or article or clause or point or section):
        return None

    ref = Ref(article=article, clause=clause, point=point, section=section)
    if doc_m is None:
        return ref
    ref.doc, ref.known, ref.doc_text = doc_m.doc, doc_m.known, doc_m.text
    entry = catalog.get_exact(doc_m.doc) if doc_m.known else None
    ref.part = _part(f, doc_m, entry, article)
    return ref


def _part(f: str, doc_m: Mention, entry: "Entry | None", article: str | None) -> str | None:
    """Which article sequence of a Quyết định: its own (None) or the attached text."""
    is_qd = (entry is not None and entry.type == "Quyết định") or (
        entry is None and re.search(r"/Q[ĐD]-", doc_m.doc, re.I) is not None
    )
    if not is_qd:
        return None
    attached = entry.attached if entry is not None else None
    said = None
    for pm in _PART.finditer(f):
        if _NOT_PART_BEFORE.search(f[: pm.start()]) or _NOT_PART_AFTER.match(f[pm.end() :]):
            continue  # "theo quy định tại Điều 5 …": the verb/noun, not the attached text
        inside = doc_m.start <= pm.start() < doc_m.end
        before = pm.end() <= doc_m.start
        after_kem_theo = bool(_KEM_THEO.match(f[pm.end() :]))
        if inside or before or after_kem_theo:
            said = "quy-dinh" if pm.group("w") == "dinh" else "quy-che"
            break
    if said:
        return attached or said
    if attached and article and entry is not None and entry.decision_articles:
        n = re.match(r"\d+", article)
        if n and int(n.group(0)) > entry.decision_articles:
            return attached  # "Điều 5 QĐ 86/2025": the Quyết định itself has only Điều 1–3
    return None
