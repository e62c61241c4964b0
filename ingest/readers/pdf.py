"""PDF reader (pypdf): body paragraphs in reading order with their page, footnotes apart.

Built for official Công báo copies such as the consolidated Luật Thi đua, khen thưởng
(16/VBHN-VPQH), whose text layer has these faults, all handled here:

- running page headers "CÔNG BÁO/Số 31 + 32/Ngày 06-01-2014" with the page number before or
  after, an "Evaluation Only. Created with Aspose.Pdf…" watermark line on every page;
- footnotes at the bottom of the page, below a separator line made of spaces; each starts with
  its number (numbered 1, 2, 3… through the document) and may run on to the next page;
- footnote reference numbers glued to the body: to a word ("thưởng1."), to a clause number
  ("2.4 Nguyên tắc" = khoản 2 + footnote 4), to an all-caps heading ("THI HÀNH72") and to an
  article number ("Điều 216" = Điều 21 + footnote 6, "Điều 58a39" = Điều 58a + footnote 39);
- spaces inside syllables ("Nhà n ước", "khen th ưởng").

Article headings of that law carry no title ("Điều 21" alone on its line); they are emitted
as "Điều 21." so that every article heading reads "Điều N." at the start of its own paragraph.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.model import Extracted, IngestError, Paragraph
from ingest.vietnamese import is_syllable, normalize, rejoin_split_syllables, tokens

__all__ = ["read_pdf"]

# --------------------------------------------------------------------------------------------
# Line classes

_HEADER = re.compile(
    r"(?:\b\d{1,4}\s+)?CÔNG\s*BÁO\s*/\s*Số\s*[\d\s+]+/\s*Ngày\s*\d{1,2}\s*-\s*\d{1,2}\s*-\s*\d{4}(?:\s+\d{1,4}\b)?"
)
_WATERMARK = re.compile(r"Evaluation Only\.\s*Created with Aspose\.[A-Za-z]+\.?(?:\s*Copyright[^\n]*)?")
_PAGE_NUMBER = re.compile(r"\s*\d{1,4}\s*")
_SEPARATOR = re.compile(r"[ \t\u00a0]{20,}|[_\u2014\u2013-]{20,}\s*")
_RULE = re.compile(r"[_\-–—=*.·]{3,}")
_FOOTNOTE_START = re.compile(r"\s*(\d{1,3})\s+(\S.*)")

# Article heading as printed: "Điều 21", "Điều 216" (21 + footnote 6), "Điều 58a39",
# or "Điều 5. Title" in documents whose articles have titles.
_ARTICLE_BARE = re.compile(r"\s*Điều\s+(\d+)([a-zđ]?)(\d*)\s*\.?\s*")
_ARTICLE_TITLED = re.compile(r"\s*Điều\s+(\d+[a-zđ]?)\s*\.\s*(\S.*)")
_CHAPTER = re.compile(r"\s*(Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b.*")
_SECTION = re.compile(r"\s*(Mục|MỤC)\s+(\d+|[IVXLC]+)\b.*")
_PART = re.compile(r"\s*(Phần|PHẦN)\s+(thứ\s+\S+|THỨ\s+\S+|[IVXLC]+|\d+)\b.*")
_CLAUSE = re.compile(r"\s*\d{1,3}\.\s")
_CLAUSE_REF = re.compile(r"(\s*)(\d{1,3})\.(\d{1,3})(\s)")
_POINT = re.compile(r"\s*[a-zđ]\)\s")
_BULLET = re.compile(r"\s*[-+–•]\s")
_SENTENCE_END = re.compile(r"[.;:!?][”\"’)]*\s*$|[”\"’]\s*[.;:]?\s*$")
# A footnote reference glued to the end of a word, or after a closing quote.
_WORD_REF = re.compile(r"([^\W\d_]+)(\d{1,3})(?=$|[\s.,;:!?”\"’)\]])")
_QUOTE_REF = re.compile(r"([”\"’])(\d{1,3})(?=$|[\s.,;:])")


def _is_caps_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and any(
        is_syllable(w) for w in re.findall(r"[^\W\d_]+", line)
    )


def _fail(path: Path, reason: str) -> IngestError:
    return IngestError(f"{path.name}: {reason}")


# --------------------------------------------------------------------------------------------


def _open(path: Path):
    import pypdf

    if not path.exists():
        raise _fail(path, "file not found")
    if path.stat().st_size == 0:
        raise _fail(path, "empty file (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise _fail(path, "corrupt or unreadable PDF (no %PDF header)")
    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # missing crypto backend, unknown algorithm
                raise _fail(path, f"encrypted PDF, cannot be opened ({exc})") from exc
            if not ok:
                raise _fail(path, "encrypted PDF (password required)")
        n = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, PdfStreamError, ValueError, … on broken files
        raise _fail(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if n == 0:
        raise _fail(path, "corrupt or unreadable PDF (no pages)")
    return reader


def _page_texts(path: Path, reader) -> list[str]:
    texts = []
    for i, page in enumerate(reader.pages):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:
            raise _fail(path, f"corrupt or unreadable PDF (page {i + 1}: {type(exc).__name__}: {exc})") from exc
    return texts


class _Footnotes:
    """Splits each page into body lines and footnote lines; collects the footnotes."""

    def __init__(self) -> None:
        self.next_number = 1
        self.notes: list[tuple[int, list[str]]] = []  # (page, lines) — first line starts "N "
        self.on_page: dict[int, set[int]] = {}

    def _is_separator(self, lines: list[str], i: int) -> bool:
        """A separator line followed by a footnote: the next number, numbering restarting at 1,
        or (after a blank-looking rule, not a drawn one) the run-on of the previous footnote."""
        if not _SEPARATOR.fullmatch(lines[i]):
            return False
        nxt = next((ln for ln in lines[i + 1:] if ln.strip()), None)
        if nxt is None:
            return False
        m = _FOOTNOTE_START.fullmatch(nxt)
        if m and int(m.group(1)) in (self.next_number, 1):
            return True
        return bool(self.notes) and not lines[i].strip()

    def split(self, page: int, lines: list[str], warnings: list[str]) -> list[str]:
        numbers = self.on_page.setdefault(page, set())
        sep = next((i for i in range(len(lines)) if self._is_separator(lines, i)), None)
        if sep is None:
            return lines
        body, foot = lines[:sep], lines[sep + 1:]
        first = True
        for ln in foot:
            if not ln.strip():
                continue
            m = _FOOTNOTE_START.fullmatch(ln)
            if m and first and int(m.group(1)) == 1 and self.next_number > 1:
                self.next_number = 1  # footnotes numbered per page
            first = False
            if m and int(m.group(1)) == self.next_number:
                numbers.add(self.next_number)
                self.notes.append((page, [f"{m.group(1)} {m.group(2).strip()}"]))
                self.next_number += 1
            elif self.notes:
                self.notes[-1][1].append(ln.strip())  # continuation (also from the previous page)
            else:
                self.notes.append((page, [ln.strip()]))
                warnings.append(f"page {page}: footnote text without a number: {ln.strip()[:60]!r}")
        return body


def _resolve_article(digits: str, letter: str, tail: str, prev: int, page_refs: set[int]) -> tuple[str, int | None]:
    """The article label and the footnote number glued to it (None when there is none).

    A glued number is split off only when a footnote with that number starts on the page; among
    the possible splits the one giving the expected next article (prev + 1) wins, then a
    restart at Điều 1 (a second article sequence), then any number above the previous one.
    """
    if letter:
        if tail and int(tail) in page_refs:
            return digits + letter, int(tail)
        return digits + letter + tail, None
    whole = int(digits)
    if whole == prev + 1 or (whole > prev and len(digits) == 1) or whole == 1:
        return digits, None
    splits = []
    for i in range(1, len(digits)):
        head, rest = digits[:i], digits[i:]
        if not rest.startswith("0") and int(rest) in page_refs:
            splits.append((int(head), head, int(rest)))
    for accept in (lambda a: a == prev + 1, lambda a: a == 1, lambda a: a > prev):
        for art, head, ref in splits:
            if accept(art):
                return head, ref
    return digits, None


def _clean_refs(line: str, refs: set[int]) -> str:
    """Remove footnote numbers glued to words, quotes and clause numbers."""
    if not refs:
        return line

    def word(m: re.Match) -> str:
        w, n = m.group(1), int(m.group(2))
        if n in refs and is_syllable(w):
            return w
        return m.group(0)

    line = _WORD_REF.sub(word, line)
    line = _QUOTE_REF.sub(lambda m: m.group(1) if int(m.group(2)) in refs else m.group(0), line)
    m = _CLAUSE_REF.match(line)
    if m and int(m.group(3)) in refs:
        line = f"{m.group(1)}{m.group(2)}.{m.group(4)}{line[m.end():]}"
    return line


def _structural(line: str) -> bool:
    return bool(
        _CHAPTER.fullmatch(line)
        or _SECTION.fullmatch(line)
        or _PART.fullmatch(line)
        or _CLAUSE.match(line)
        or _POINT.match(line)
        or _BULLET.match(line)
        or line.startswith("Điều ")
        and (_ARTICLE_TITLED.fullmatch(line) or _ARTICLE_BARE.fullmatch(line))
    )


def read_pdf(path: str | Path) -> Extracted:
    """Read a PDF's text layer into body paragraphs (with 1-based pages) and footnotes.

    Raises IngestError (message starting with the file name) for a missing or empty file, a
    corrupt or unreadable PDF, an encrypted PDF that needs a password, and a PDF without a
    text layer (a scan: needs OCR).
    """
    path = Path(path)
    reader = _open(path)
    texts = _page_texts(path, reader)
    if not any(any(c.isalpha() for c in t) for t in texts):
        raise _fail(path, "scanned PDF without a text layer (needs OCR)")

    warnings: list[str] = []
    known = set(tokens("\n".join(texts)))  # whole words attested anywhere: for rejoining
    footnotes = _Footnotes()
    watermark_pages = 0
    header_pages = 0
    empty_pages = []

    # (page, line, kind) where kind is "heading" for lines that stand alone as a paragraph.
    lines_out: list[tuple[int, str, str]] = []
    prev_article = 0
    for pno, raw in enumerate(texts, start=1):
        if not any(c.isalpha() for c in raw):
            empty_pages.append(pno)
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        if _WATERMARK.search(raw):
            watermark_pages += 1
            raw = _WATERMARK.sub("", raw)
        lines = raw.split("\n")
        body = footnotes.split(pno, lines, warnings)
        refs = footnotes.on_page.get(pno, set())
        cleaned: list[str] = []
        for ln in body:
            if _HEADER.search(ln):
                header_pages += 1
                ln = _HEADER.sub(" ", ln)
            if not ln.strip():
                cleaned.append("")
                continue
            cleaned.append(ln)
        # page numbers alone on a line at the top or the bottom of the page
        nonblank = [i for i, ln in enumerate(cleaned) if ln.strip()]
        for i in nonblank[:2] + nonblank[-1:]:
            if _PAGE_NUMBER.fullmatch(cleaned[i]):
                cleaned[i] = ""
        nonblank = [i for i, ln in enumerate(cleaned) if ln.strip()]
        # blank lines at the top and the bottom of a page are layout, not paragraph breaks
        cleaned = cleaned[nonblank[0]: nonblank[-1] + 1] if nonblank else []
        for ln in cleaned:
            ln = re.sub(r"\s+", " ", ln).strip()
            if not ln or _RULE.fullmatch(ln):
                lines_out.append((pno, "", "blank"))  # drawn rules ("______") carry no text
                continue
            m = _ARTICLE_BARE.fullmatch(ln)
            if m:
                label, ref = _resolve_article(m.group(1), m.group(2), m.group(3), prev_article, refs)
                if ref is None and label.isdigit() and int(label) not in (prev_article + 1, 1):
                    warnings.append(f"page {pno}: unexpected article number in {ln!r} (previous: Điều {prev_article})")
                prev_article = int(re.match(r"\d+", label).group(0))
                lines_out.append((pno, f"Điều {label}.", "heading"))
                continue
            m = _ARTICLE_TITLED.fullmatch(ln)
            if m:
                prev_article = int(re.match(r"\d+", m.group(1)).group(0))
                lines_out.append((pno, _clean_refs(ln, refs), "article"))
                continue
            ln = _clean_refs(ln, refs)
            if _CHAPTER.fullmatch(ln) or _SECTION.fullmatch(ln) or _PART.fullmatch(ln):
                kind = "heading"
            elif _is_caps_heading(ln):
                kind = "caps"
            else:
                kind = "text"
            lines_out.append((pno, ln, kind))

    # Join hard-wrapped lines into paragraphs.
    paras: list[list] = []  # [page, text, kind]
    for pno, ln, kind in lines_out:
        if kind == "blank":
            if paras:
                paras[-1][2] = "closed"
            continue
        if paras:
            last = paras[-1]
            lkind = last[2]
            cont = False
            if kind == "caps" and lkind == "caps":
                cont = True  # an all-caps heading wrapped over lines
            elif kind == "text" and lkind == "article" and not _structural(ln):
                cont = ln[:1].islower()  # a wrapped article title; the body starts a sentence
            elif kind == "text" and lkind == "text" and not _structural(ln):
                # a wrapped line continues unless the previous one ended a sentence and this
                # one starts like a new sentence
                ends = bool(_SENTENCE_END.search(last[1]))
                starts_new = ln[:1].isupper() or ln[:1] in "“\"("
                cont = not (ends and starts_new)
            if cont:
                last[1] = f"{last[1]} {ln}"
                continue
        paras.append([pno, ln, kind])

    paragraphs: list[Paragraph] = []
    for pno, text, _ in paras:
        text = normalize(rejoin_split_syllables(text, known)).strip()
        if text:
            paragraphs.append(Paragraph(text=text, page=pno))

    notes: list[Paragraph] = []
    for pno, nlines in footnotes.notes:
        joined: list[str] = []
        for ln in nlines:
            ln = re.sub(r"\s+", " ", ln).strip()
            if not ln:
                continue
            new_line = _structural(ln.lstrip("“\"")) or (
                joined and _SENTENCE_END.search(joined[-1]) and (ln[:1].isupper() or ln[:1] in "“\"")
            )
            if joined and not new_line:
                joined[-1] += " " + ln
            else:
                joined.append(ln)
        text = normalize(rejoin_split_syllables("\n".join(joined), known)).strip()
        notes.append(Paragraph(text=text, page=pno))

    if watermark_pages:
        warnings.append(f"removed an Aspose evaluation watermark line on {watermark_pages} page(s)")
    if empty_pages and len(empty_pages) < len(texts):
        warnings.append(f"page(s) without a text layer (need OCR): {empty_pages}")

    ex = Extracted(str(path), "pdf", paragraphs, warnings, notes)
    ex.assign_offsets()
    return ex
