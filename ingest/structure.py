"""Split a document's paragraphs into its real units.

Legal documents: Phần / Chương / Mục / Điều / Khoản ("1.") / Điểm ("a)" … "đ)" …). A Quyết định
that promulgates a Quy định or Quy chế has a second article sequence (Điều 1 … again) which is
kept apart as `part="quy-dinh"` / `"quy-che"`.
Plans and guidance (Kế hoạch, Hướng dẫn): I. / 1. (/ 1.1.) / a) sections, cited "mục II.2.a".
Appendices and forms (Phụ lục, Mẫu số) become their own units; tables stay whole paragraphs.

Numbering is trusted only when it continues the expected sequence: a "1." inside a point's list,
a date such as "01.01.2020", or a footnote number glued to an article number ("Điều 216" for
Điều 21 with footnote 6) must not create units. A genuine gap (Điều 5 followed by Điều 7, both
confirmed by what follows) is accepted and reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.model import Paragraph, Provision
from ingest.vietnamese import fold

LETTERS = list("abcdđeghiklmnopqrstuvxy")  # Vietnamese point letters: no f, j, w, z

_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+)([a-z]?)(?:\s*[.:]\s*(.*)|\s*)$", re.S)
_CHAPTER = re.compile(r"^(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b\.?\s*(.*)$", re.S)
_SECTION_LEGAL = re.compile(r"^(?:Mục|MỤC)\s+(\d+|[IVXLC]+)\b\.?\s*(.*)$", re.S)
_PART = re.compile(r"^(?:Phần|PHẦN)\s+(thứ\s+\S+|THỨ\s+\S+|[IVXLC]+|\d+)\b\.?\s*(.*)$", re.S)
_CLAUSE = re.compile(r"^(\d+)\.(?!\d)\s*(.*)$", re.S)
_POINT = re.compile(r"^([a-zđ])\)\s*(.*)$", re.S)
_ROMAN = re.compile(r"^([IVXLC]+)[.)]\s*(\S.*)$", re.S)
_SUBSECTION = re.compile(r"^(\d+)\.(\d+)\.?\s+(\S.*)$", re.S)
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục|PHỤ LUC)(?:\s+(?:số\s+)?([IVXLC]+|\d+[a-z]?))?\b|^(?:Mẫu số|MẪU SỐ|Mẫu)\s*(\d+[a-zA-Z]?)\b")
# Where the body ends: the distribution list, the signature block, or the authentication block
# of a consolidated text ("VĂN PHÒNG QUỐC HỘI / Số: 16/VBHN-VPQH / XÁC THỰC VĂN BẢN HỢP NHẤT").
_END_BODY = re.compile(
    r"^(?:Nơi nhận|NƠI NHẬN)\s*:?"
    r"|^(?:TM|KT|Q|TL|TUQ)\.\s+[A-ZĐÀ-Ỹ]"
    r"|^(?:CHỦ TỊCH|PHÓ CHỦ TỊCH|BỘ TRƯỞNG|THỨ TRƯỞNG|THỦ TƯỚNG|PHÓ THỦ TƯỚNG|CHỦ NHIỆM|GIÁM ĐỐC)(?:\s|$)"
    r"|^VĂN PHÒNG QUỐC HỘI\s*$|^XÁC THỰC VĂN BẢN HỢP NHẤT"
)
_ATTACHED = re.compile(r"^(QUY ĐỊNH|QUY CHẾ|ĐIỀU LỆ|QUY TRÌNH|HƯỚNG DẪN)\b")
_KEM_THEO = re.compile(r"\((?:Ban hành )?[Kk]èm theo")

_PART_NAMES = {"quy-dinh": "Quy định", "quy-che": "Quy chế", "dieu-le": "Điều lệ", "quy-trinh": "Quy trình",
               "huong-dan": "Hướng dẫn"}
_PART_KEYS = {"QUY ĐỊNH": "quy-dinh", "QUY CHẾ": "quy-che", "ĐIỀU LỆ": "dieu-le", "QUY TRÌNH": "quy-trinh",
              "HƯỚNG DẪN": "huong-dan"}


def roman_to_int(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        total += -v if i + 1 < len(s) and values[s[i + 1]] > v else v
    return total


def _letter_index(letter: str) -> int:
    return LETTERS.index(letter) if letter in LETTERS else -1


@dataclass
class _Unit:
    kind: str
    start: int  # paragraph index of its first paragraph
    end: int = -1  # exclusive
    article: str | None = None
    clause: str | None = None
    point: str | None = None
    section: str | None = None
    part: str | None = None
    heading: str = ""
    chapter: str = ""
    appendix: str | None = None
    parent: "_Unit | None" = None


@dataclass
class Structure:
    units: list[_Unit] = field(default_factory=list)
    articles: int = 0
    attached_articles: int | None = None
    attached_part: str | None = None
    sections: int | None = None
    mode: str = "legal"
    chapters: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _article_candidates(texts: list[str], start: int) -> list[tuple[int, int, str]]:
    out = []
    for i in range(start, len(texts)):
        m = _ARTICLE.match(texts[i])
        if m:
            out.append((i, int(m.group(1)), m.group(2)))
    return out


def detect_mode(texts: list[str], start: int) -> str:
    cands = _article_candidates(texts, start)
    numbers = [n for _, n, suffix in cands if not suffix]
    # At least "Điều 1" and "Điều 2" in order: a legal text. Plans mention "Điều" only inside sentences.
    if 1 in numbers and 2 in numbers[numbers.index(1):]:
        return "legal"
    return "plan"


class _Builder:
    """Keeps the open units (article > clause > point, or section levels) and closes them."""

    def __init__(self) -> None:
        self.units: list[_Unit] = []
        self.stack: list[_Unit] = []

    def close_to(self, depth: int, at: int) -> None:
        while len(self.stack) > depth:
            unit = self.stack.pop()
            unit.end = at

    def open(self, unit: _Unit, depth: int, at: int) -> _Unit:
        self.close_to(depth, at)
        unit.parent = self.stack[-1] if self.stack else None
        self.stack.append(unit)
        self.units.append(unit)
        return unit


def _attached_heading_before(texts: list[str], i: int) -> str | None:
    """The attached text's kind when a "QUY ĐỊNH"/"QUY CHẾ" heading or "(Ban hành kèm theo …)"
    stands shortly before paragraph i."""
    found = None
    for k in range(i - 1, max(-1, i - 12), -1):
        m = _ATTACHED.match(texts[k])
        if m and texts[k].isupper():
            return _PART_KEYS.get(m.group(1), "quy-dinh")
        if _KEM_THEO.search(texts[k]):
            found = "quy-dinh"
    return found


def parse_legal(texts: list[str], start: int, doc_name: str, trust_numbering: bool = False) -> Structure:
    s = Structure(mode="legal")
    b = _Builder()
    cands = _article_candidates(texts, start)
    cand_at = {i: k for k, (i, _, _) in enumerate(cands)}
    part: str | None = None
    last_article: tuple[int, str] | None = None  # (number, suffix)
    chapter = ""
    section_legal = ""
    in_tail = False  # after "Nơi nhận" / signature, before an attached text or appendix
    pending_part: str | None = None  # a "QUY ĐỊNH" / "QUY CHẾ" heading seen in the tail
    counts = {None: 0}
    appendix_count = 0
    i = start
    n = len(texts)

    def article_number_ok(num: int, suffix: str, k: int) -> tuple[bool, int, str, str | None]:
        """Decide whether candidate k (Điều num+suffix) is the next article. Returns
        (accept, number, suffix, warning)."""
        expected = 1 if last_article is None else last_article[0] + 1
        if suffix:
            # Inserted article "58a" right after Điều 58.
            ok = last_article is not None and num == last_article[0] and (
                not last_article[1] or ord(suffix) == ord(last_article[1]) + 1)
            return ok, num, suffix, None
        if num == expected:
            return True, num, "", None
        # Footnote number glued to the article number: "Điều 216" = Điều 21 + footnote 6.
        digits, exp = str(num), str(expected)
        if digits.startswith(exp) and len(digits) > len(exp):
            return True, expected, "", None
        if last_article is not None and num > expected and num <= expected + 20:
            # A gap is real only if what follows continues from num.
            nxt = [c for c in cands[k + 1:k + 3]]
            if nxt and nxt[0][1] == num + 1 and not nxt[0][2]:
                missing = f"Điều {expected}" if num == expected + 1 else f"Điều {expected}–{num - 1}"
                return True, num, "", f"{doc_name}: numbering gap: {missing} missing before Điều {num}"
        return False, num, suffix, None

    while i < n:
        t = texts[i]
        if in_tail:
            m_att = _ATTACHED.match(t)
            if m_att and t.isupper() or _KEM_THEO.search(t):
                if m_att and pending_part is None:  # not the "QUY ĐỊNH CHUNG" chapter title after it
                    pending_part = _PART_KEYS.get(m_att.group(1), "quy-dinh")
            m = _ARTICLE.match(t)
            if m and int(m.group(1)) == 1 and not m.group(2) and part is None:
                part = pending_part or "quy-dinh"
                last_article = None
                counts[part] = 0
                in_tail = False
                continue  # re-handle this paragraph as an article of the attached text
            m_ch = _CHAPTER.match(t)
            if m_ch and pending_part:
                title = m_ch.group(2).strip()
                if not title and i + 1 < n and texts[i + 1].isupper():
                    title = texts[i + 1]
                chapter = f"Chương {m_ch.group(1)}" + (f". {title}" if title else "")
                i += 1
                continue
            m_app = _APPENDIX.match(t)
            if m_app and len(t) < 120:
                in_tail = False  # fall through to the appendix handling below
            else:
                i += 1
                continue

        m_app = _APPENDIX.match(t)
        if m_app and len(t) < 120 and (last_article is not None) and (t.isupper() or m_app.group(2) or len(t) < 25):
            key = m_app.group(2) or m_app.group(1) or ""
            b.close_to(0, i)
            appendix_count += 1
            label_key = (f"Mẫu số {key}" if m_app.group(2) else (f"Phụ lục {key}" if key else "Phụ lục"))
            b.open(_Unit("appendix", i, heading=t, appendix=label_key, part=None), 0, i)
            i += 1
            continue
        if b.stack and b.stack[0].kind == "appendix":
            i += 1  # everything up to the next appendix belongs to this one
            continue

        if _END_BODY.match(t) and last_article is not None:
            b.close_to(0, i)
            in_tail = True
            pending_part = None
            chapter = section_legal = ""  # an attached text starts its own chapters
            i += 1
            continue

        m = _ARTICLE.match(t)
        if (m and int(m.group(1)) == 1 and not m.group(2) and part is None and last_article is not None
                and (attached := _attached_heading_before(texts, i))):
            # A Quyết định's own articles end without a "Nơi nhận" we could see: the attached text starts.
            b.close_to(0, i)
            part, last_article, counts[attached] = attached, None, 0
            chapter = section_legal = ""
        if m and i in cand_at:
            if trust_numbering:
                ok, num, suffix, warning = True, int(m.group(1)), m.group(2), None
            else:
                ok, num, suffix, warning = article_number_ok(int(m.group(1)), m.group(2), cand_at[i])
            if ok:
                if warning:
                    s.warnings.append(warning)
                label = f"{num}{suffix}"
                if m.group(1) != str(num):  # glued footnote digits removed from the display copy
                    texts[i] = re.sub(r"^(Điều|ĐIỀU)\s+\d+", rf"\g<1> {num}", t)
                heading = (m.group(3) or "").strip()
                b.open(_Unit("article", i, article=label, part=part, heading=heading,
                             chapter=" — ".join(x for x in (chapter, section_legal) if x)), 0, i)
                last_article = (num, suffix)
                counts[part] = counts.get(part, 0) + 1
                i += 1
                continue
            if m.group(1) and last_article and int(m.group(1)) == last_article[0] and not m.group(2):
                s.warnings.append(f"{doc_name}: duplicate heading 'Điều {m.group(1)}' kept as text")

        m_ch = _CHAPTER.match(t)
        if m_ch and len(t) < 200:
            title = m_ch.group(2).strip()
            if not title and i + 1 < n and texts[i + 1].isupper() and not _ARTICLE.match(texts[i + 1]):
                title = texts[i + 1]
                b.close_to(0, i)
                chapter = f"Chương {m_ch.group(1)}. {title}"
                section_legal = ""
                s.chapters.append((part, chapter))
                i += 2
                continue
            b.close_to(0, i)
            chapter = f"Chương {m_ch.group(1)}" + (f". {title}" if title else "")
            section_legal = ""
            s.chapters.append((part, chapter))
            i += 1
            continue
        m_sec = _SECTION_LEGAL.match(t)
        if m_sec and len(t) < 200:
            title = m_sec.group(2).strip()
            step = 1
            if not title and i + 1 < n and texts[i + 1].isupper() and not _ARTICLE.match(texts[i + 1]):
                title, step = texts[i + 1], 2
            b.close_to(0, i)
            section_legal = f"Mục {m_sec.group(1)}" + (f". {title}" if title else "")
            i += step
            continue
        if _PART.match(t) and len(t) < 200:
            b.close_to(0, i)
            i += 1
            continue

        # Clauses and points only inside an article, only in sequence.
        if b.stack and b.stack[0].kind == "article":
            article = b.stack[0]
            clause = next((u for u in b.stack if u.kind == "clause"), None)
            point = next((u for u in b.stack if u.kind == "point"), None)
            m_cl = _CLAUSE.match(t)
            if m_cl:
                num = int(m_cl.group(1))
                expected = int(clause.clause) + 1 if clause else 1
                if num == expected:
                    b.open(_Unit("clause", i, article=article.article, clause=str(num), part=part,
                                 chapter=article.chapter, heading=article.heading), 1, i)
                    i += 1
                    continue
            m_pt = _POINT.match(t)
            if m_pt:
                letter = m_pt.group(1)
                idx = _letter_index(letter)
                last_idx = _letter_index(point.point) if point else -1
                if idx >= 0 and (idx == last_idx + 1 or (idx == last_idx + 2 and LETTERS[last_idx + 1] == "đ")):
                    depth = 2 if clause else 1
                    b.open(_Unit("point", i, article=article.article, clause=clause.clause if clause else None,
                                 point=letter, part=part, chapter=article.chapter, heading=article.heading),
                           depth, i)
                    i += 1
                    continue
        i += 1

    b.close_to(0, n)
    s.units = b.units
    s.articles = counts.get(None, 0)
    attached = {k: v for k, v in counts.items() if k is not None}
    if attached:
        s.attached_part, s.attached_articles = next(iter(attached.items()))
    return s


def parse_plan(texts: list[str], start: int, doc_name: str) -> Structure:
    s = Structure(mode="plan")
    b = _Builder()
    n = len(texts)
    top: int | None = None  # current roman number
    i = start
    first = next((k for k in range(start, n) if (m := _ROMAN.match(texts[k])) and m.group(1) == "I"), None)
    if first is None:
        s.warnings.append(f"{doc_name}: no Điều and no plan sections (I., II., …) found; kept as one unit")
        if start < n:
            b.open(_Unit("section", start, section=None, heading=texts[start][:120]), 0, start)
        b.close_to(0, n)
        s.units = b.units
        s.sections = 0
        return s
    if first > start:
        b.open(_Unit("preamble", start, heading="phần mở đầu"), 0, start)
        b.close_to(0, first)
    i = first
    in_tail = False
    while i < n:
        t = texts[i]
        m_app = _APPENDIX.match(t)
        if m_app and len(t) < 120 and (t.isupper() or m_app.group(2) or len(t) < 25):
            key = m_app.group(2) or m_app.group(1) or ""
            label_key = f"Mẫu số {key}" if m_app.group(2) else (f"Phụ lục {key}" if key else "Phụ lục")
            b.close_to(0, i)
            b.open(_Unit("appendix", i, heading=t, appendix=label_key), 0, i)
            in_tail = False
            i += 1
            continue
        if b.stack and b.stack[0].kind == "appendix":
            i += 1
            continue
        if in_tail:
            i += 1
            continue
        if _END_BODY.match(t):
            b.close_to(0, i)
            in_tail = True
            i += 1
            continue
        m = _ROMAN.match(t)
        if m and len(t) < 300:
            num = roman_to_int(m.group(1))
            if num == (top or 0) + 1:
                top = num
                b.open(_Unit("section", i, section=m.group(1), heading=m.group(2).strip()), 0, i)
                i += 1
                continue
        if b.stack:
            path = [u for u in b.stack]
            level2 = next((u for u in path if u.kind == "section" and u.section and u.section.count(".") == 1), None)
            level2b = next((u for u in path if u.kind == "section" and u.section and u.section.count(".") == 2
                            and u.section.split(".")[2].isdigit()), None)
            top_unit = path[0]
            m_sub = _SUBSECTION.match(t)
            if m_sub and level2 and m_sub.group(1) == level2.section.split(".")[1]:
                expected = int(level2b.section.split(".")[2]) + 1 if level2b else 1
                if int(m_sub.group(2)) == expected:
                    b.open(_Unit("section", i, section=f"{level2.section}.{expected}",
                                 heading=m_sub.group(3).strip()[:200]), 2, i)
                    i += 1
                    continue
            m_cl = _CLAUSE.match(t)
            if m_cl:
                num = int(m_cl.group(1))
                expected = int(level2.section.split(".")[1]) + 1 if level2 else 1
                if num == expected:
                    b.open(_Unit("section", i, section=f"{top_unit.section}.{num}",
                                 heading=m_cl.group(2).strip()[:200]), 1, i)
                    i += 1
                    continue
            m_pt = _POINT.match(t)
            if m_pt:
                parent = level2b or level2 or top_unit
                depth = b.stack.index(parent) + 1
                current = b.stack[depth] if len(b.stack) > depth else None
                last_idx = _letter_index(current.section.rsplit(".", 1)[1]) if current else -1
                idx = _letter_index(m_pt.group(1))
                if idx >= 0 and (idx == last_idx + 1 or (idx == last_idx + 2 and LETTERS[last_idx + 1] == "đ")):
                    b.open(_Unit("section", i, section=f"{parent.section}.{m_pt.group(1)}",
                                 heading=m_pt.group(2).strip()[:200]), depth, i)
                    i += 1
                    continue
        i += 1
    b.close_to(0, n)
    s.units = b.units
    s.sections = top or 0
    return s


def _doc_name(doc_type: str, doc: str, title: str) -> str:
    if doc_type == "Luật" and title and len(title) < 60:
        return f"Luật {title[:1].upper() + title[1:].lower()} số {doc}"
    return f"{doc_type} số {doc}"


def build_provisions(structure: Structure, paragraphs: list[Paragraph], doc: str, doc_type: str,
                     title: str) -> list[Provision]:
    """Render units into Provision records: ids, citation labels, texts, offsets, parents."""
    name = _doc_name(doc_type, doc, title)
    texts = [p.text for p in paragraphs]
    provisions: list[Provision] = []
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    for unit in structure.units:
        if unit.end <= unit.start:
            unit.end = unit.start + 1
        # A unit's text never includes trailing signature or table-cell paragraphs of the header.
        body = [k for k in range(unit.start, unit.end) if texts[k].strip()]
        if not body:
            continue
        text = "\n".join(texts[k] for k in body)
        part_name = _PART_NAMES.get(unit.part or "", "")
        attached = f" {part_name} ban hành kèm theo {name}" if unit.part else f" {name}"
        if unit.kind in ("article", "clause", "point"):
            pieces = []
            if unit.point:
                pieces.append(f"điểm {unit.point}")
            if unit.clause:
                pieces.append(f"khoản {unit.clause}")
            pieces.append(f"Điều {unit.article}")
            label = " ".join(pieces) + attached
            path = f"d{unit.article}" + (f".k{unit.clause}" if unit.clause else "") + (f".{unit.point}" if unit.point else "")
            pid = f"{doc}#{unit.part + '/' if unit.part else ''}{path}"
        elif unit.kind == "section":
            label = f"mục {unit.section}{attached}" if unit.section else f"toàn văn{attached}"
            pid = f"{doc}#s:{unit.section or 'all'}"
        elif unit.kind == "preamble":
            label = f"phần mở đầu{attached}"
            pid = f"{doc}#preamble"
        else:  # appendix
            label = f"{unit.appendix}{attached}"
            slug = re.sub(r"[^a-z0-9]+", "-", fold(unit.appendix or "phu luc")).strip("-")
            pid = f"{doc}#pl:{slug}"
        if pid in seen:
            # Forms listed in an appendix's table of contents, then given in full: keep the longer.
            previous = provisions[seen[pid]]
            if len(text) <= len(previous.text):
                ids[id(unit)] = pid
                continue
            provisions.pop(seen[pid])
            seen = {p.id: k for k, p in enumerate(provisions)}
        first, last = paragraphs[body[0]], paragraphs[body[-1]]
        provisions.append(Provision(
            id=pid, doc=doc, kind=unit.kind, label=label, text=text, part=unit.part,
            article=unit.article, clause=unit.clause, point=unit.point, section=unit.section,
            heading=unit.heading, chapter=unit.chapter,
            parent=ids.get(id(unit.parent)) if unit.parent else None,
            start=first.start, end=last.end, page=first.page,
        ))
        seen[pid] = len(provisions) - 1
        ids[id(unit)] = pid
    return provisions
