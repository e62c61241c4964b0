"""Markdown and plain text as legal portals export them.

Two shapes occur in the corpus:
- vbpl.vn style: one paragraph per line, blank lines between, `**bold**` headings, `\\_` escapes,
  hard breaks (two trailing spaces), `## 1.` pseudo-headings on clause lines, tables as `| … |`.
- thuvienphapluat.vn crawls: paragraphs hard-wrapped at ~80 columns (a heading may be split
  as "**Điều\\n1. Phạm vi**"), tables written as one cell per run of lines between lone `|` lines.
Both become clean paragraphs: wrapped lines are rejoined, markup is removed, tables are kept whole.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.model import Extracted, IngestError, Paragraph
from ingest.readers.encoding import decode_text

# A line that starts a new paragraph even without a blank line before it.
_STRUCTURAL = re.compile(
    r"^(?:#{1,6}\s|\*{0,2}\s*(?:Điều|ĐIỀU)\s+\d+[a-z]?\s*[.:]|\*{0,2}\s*(?:Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN)\s+[IVXLC\d]+\b"
    r"|\*{0,2}(?:PHỤ LỤC|Phụ lục)\b)"
)
# List markers that start a new paragraph when the previous line closed a sentence or list item.
_LIST_START = re.compile(r"^\*{0,2}(?:\d+(?:\.\d+)*\.\s|[a-zđ]\)\s|[-+•]\s)")
_ARTICLE_HEADING = re.compile(r"^(?:Điều|ĐIỀU)\s+\d+[a-z]?\s*[.:]\s*\S")
_CLOSES = (".", ";", ":", "!", "?", "./.", "”", '"', ")")

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})")
_HEADING_HASHES = re.compile(r"^#{1,6}\s*")
_RULE = re.compile(r"^\s*(?:[-_*—–=]\s*){3,}\s*$")


def _clean_inline(line: str) -> str:
    line = _MD_ESCAPE.sub(r"\1", line)
    line = _EMPHASIS.sub("", line)
    line = _HEADING_HASHES.sub("", line)
    # Images and links keep their visible text only.
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    return line


def _is_table_row(line: str) -> bool:
    s = line.strip()
    return s.startswith("|") and s.endswith("|") and s.count("|") >= 2 and len(s) > 1


def _pipe_table(lines: list[str]) -> str:
    """A GitHub-style table (`| a | b |` rows) as one paragraph, rows on their own lines."""
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
            continue  # the |---|---| separator
        rows.append(" | ".join(_clean_inline(c) for c in cells if c))
    return "\n".join(r for r in rows if r.strip())


def _lone_pipe_table(cells: list[list[str]]) -> list[str]:
    """thuvienphapluat tables: each cell is a run of lines between lone `|` lines."""
    return [" ".join(_clean_inline(x).strip() for x in cell if x.strip() and not _RULE.match(x))
            for cell in cells]


def read_text(path: Path) -> Extracted:
    raw = path.read_bytes()
    text, warnings = decode_text(raw, path.name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_md = path.suffix.lower() in (".md", ".markdown")
    lines = text.split("\n")
    if is_md and lines and lines[0].strip() == "---":
        # YAML front-matter from a portal export: metadata, not document text.
        for i in range(1, min(len(lines), 200)):
            if lines[i].strip() in ("---", "..."):
                lines = lines[i + 1:]
                break

    paragraphs: list[Paragraph] = []
    current: list[str] = []
    raw_start = ""
    seen_body = False  # the first lone-pipe table is the header block (issuer | motto | Số | date)

    def flush() -> None:
        if current:
            joined = " ".join(s.strip() for s in current if s.strip())
            joined = re.sub(r"[ \t]+", " ", joined).strip()
            if joined:
                paragraphs.append(Paragraph(joined))
            current.clear()

    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if is_md and stripped == "|":
            # Lone-pipe table: collect cells until the table ends (a blank line after a lone pipe).
            flush()
            cells: list[list[str]] = []
            cell: list[str] = []
            j = i + 1
            aborted = False
            while j < n:
                s = lines[j].strip()
                if _STRUCTURAL.match(s) and not s.startswith(("**PHỤ", "PHỤ", "**Phụ", "Phụ")):
                    aborted = True  # a stray "|" (OCR noise), not a table: headings never sit in cells
                    break
                if s == "|":
                    cells.append(cell)
                    cell = []
                    if j + 1 < n and lines[j + 1].strip() == "":
                        j += 1
                        break
                elif s == "" and not cell:
                    pass
                else:
                    cell.append(lines[j])
                j += 1
            if aborted:
                i += 1
                continue
            if cell:
                cells.append(cell)
            texts = [c for c in _lone_pipe_table(cells)]
            if not seen_body:
                paragraphs.extend(Paragraph(t, in_table=True) for t in texts if t)
            else:
                whole = " | ".join(t for t in texts if t)
                if whole:
                    paragraphs.append(Paragraph(whole, in_table=True))
            i = j
            continue
        if is_md and _is_table_row(line):
            flush()
            j = i
            while j < n and _is_table_row(lines[j]):
                j += 1
            table = _pipe_table(lines[i:j])
            if table:
                paragraphs.append(Paragraph(table, in_table=True))
            i = j
            continue
        if not stripped or (is_md and _RULE.match(stripped)):
            flush()
            i += 1
            continue
        cleaned = _clean_inline(line) if is_md else line
        cs = cleaned.strip()
        if not cs:
            i += 1
            continue
        if current:
            prev = current[-1].rstrip()
            if _STRUCTURAL.match(line.strip()) or _STRUCTURAL.match(cs):
                # "**Điều\n1. …" : a bold heading split over two lines stays one paragraph.
                flush()
            elif _LIST_START.match(cs) and (prev.endswith(_CLOSES) or _ARTICLE_HEADING.match(prev)):
                flush()
            elif line.endswith("  ") and not is_md:
                flush()
        current.append(cs)
        if current and len(current) == 1:
            raw_start = stripped
        # A heading ends its paragraph: a Markdown "#" heading line, or a bold block
        # ("**Điều 3. …\n… thưởng**") whose closing "**" ends the line.
        if is_md and (stripped.startswith("#") or (raw_start.startswith("**") and stripped.endswith("**")
                                                   and stripped != "**")):
            flush()
        if re.match(r"^(?:Điều|ĐIỀU)\s+\d+[a-z]?\s*[.:]", cs) or re.match(r"^\s*(?:Chương|CHƯƠNG)\s+[IVXLC]+\s*$", cs):
            seen_body = True
        i += 1
    flush()
    if not paragraphs:
        raise IngestError(f"{path.name}: no text")
    return Extracted(str(path), "md" if is_md else "txt", paragraphs, warnings)
