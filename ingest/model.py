"""Records that carry a regulation from its file to a citation.

Data flows one way: a reader turns a file into `Extracted` (paragraphs with page numbers and
offsets), the structure parser turns that into a `ParsedDocument` holding `Provision`s, and the
index and the service only ever render citations from these records, never by re-parsing text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class IngestError(Exception):
    """A file that cannot be ingested. The message names the file and the reason."""


@dataclass
class Paragraph:
    """One paragraph of extracted text, in reading order.

    `start`/`end` are offsets into `Extracted.text` (paragraphs joined by "\n").
    `page` is the 1-based page for PDFs, else None. `in_table` marks table-cell text (header
    blocks of .docx files sit in a table; signature blocks too).
    """

    text: str
    page: int | None = None
    in_table: bool = False
    start: int = 0
    end: int = 0


@dataclass
class Extracted:
    """What a reader returns: the document's text as paragraphs, before any structure."""

    path: str
    fmt: str  # "docx", "doc", "pdf", "md", "txt", "html", "json"
    paragraphs: list[Paragraph]
    warnings: list[str] = field(default_factory=list)
    # Footnotes (Công báo PDFs mark each amendment with one): kept out of the body so they
    # never become part of an article, but preserved for display.
    notes: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    def assign_offsets(self) -> None:
        pos = 0
        for p in self.paragraphs:
            p.start = pos
            p.end = pos + len(p.text)
            pos = p.end + 1


@dataclass
class Provision:
    """A citable unit: an article (Điều), clause (khoản), point (điểm), plan section, appendix.

    `id` is stable across re-ingests of the same document: document key + structural path,
    e.g. "152/2025/NĐ-CP#d24.k2.a" or "86/2025/QĐ-UBND#qd.d5" (attached Quy định) or
    "157/KH-UBND#II.2.a".
    """

    id: str
    doc: str  # số hiệu of the document (or law id of a JSON corpus)
    kind: str  # "article" | "clause" | "point" | "section" | "appendix" | "preamble"
    label: str  # Vietnamese citation, smallest unit first
    text: str  # the unit's full text (with its sub-units), NFC, as stored (display copy)
    index_text: str = ""  # repaired copy used for matching (missing spaces restored, etc.)
    part: str | None = None  # None = the document's own body; "quy-dinh" / "quy-che" = attached text
    article: str | None = None  # "24", "58a"
    clause: str | None = None  # "2"
    point: str | None = None  # "a", "đ"
    section: str | None = None  # plan path "II.2.a"
    heading: str = ""  # the article's or section's title
    chapter: str = ""  # "Chương II. ĐỐI TƯỢNG, TIÊU CHUẨN …" context, for display
    parent: str | None = None  # id of the enclosing provision
    start: int = 0  # character offsets into the document's extracted text
    end: int = 0
    page: int | None = None  # first page (PDFs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Provision":
        return cls(**d)

    @property
    def article_number(self) -> int | str | None:
        """The Điều number as the interfaces want it: int, or a string for "58a"."""
        if self.article is None:
            return None
        return int(self.article) if self.article.isdigit() else self.article


@dataclass
class DocumentInfo:
    """Header facts read from the document itself (the catalog adds validity)."""

    doc: str  # số hiệu from the "Số:" line
    type: str  # "Luật", "Nghị định", "Thông tư", "Quyết định", "Kế hoạch", "Văn bản hợp nhất", …
    title: str
    issuer: str
    place: str | None = None
    issued: str | None = None  # ISO date from "…, ngày dd tháng mm năm yyyy"


@dataclass
class ParsedDocument:
    info: DocumentInfo
    path: str
    fmt: str
    sha256: str
    text: str  # extracted display text; Provision offsets point into it
    provisions: list[Provision]
    articles: int = 0  # Điều of the document's own body
    attached_articles: int | None = None  # Điều of the attached Quy định / Quy chế
    sections: int | None = None  # top-level sections of a plan
    warnings: list[str] = field(default_factory=list)
