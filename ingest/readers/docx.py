"""Word 2007+ (.docx) through python-docx, in document order (paragraphs and tables interleaved).

The header block of Vietnamese regulations (issuer | national motto / Số | place and date) sits
in a table: its cells become separate paragraphs so the header parser sees "Số: …" on its own.
Tables after the header are kept whole, one paragraph per table, rows on their own lines.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.model import Extracted, IngestError, Paragraph
from ingest.readers.encoding import check_not_legacy

_RULE = re.compile(r"^\s*(?:[-_*—–=]\s*){3,}\s*$")


def _lines(text: str) -> list[str]:
    out = []
    for line in text.replace("\r", "\n").replace("\x0b", "\n").split("\n"):
        line = re.sub(r"[ \t\u00a0]+", " ", line).strip()
        if line and not _RULE.match(line):
            out.append(line)
    return out


def read_docx(path: Path) -> Extracted:
    try:
        import docx  # python-docx
        from docx.table import Table

        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"{path.name}: corrupt or unreadable .docx ({exc.__class__.__name__}: {exc})") from None
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise IngestError(f"{path.name}: corrupt or unreadable .docx ({exc.__class__.__name__}: {exc})") from None

    paragraphs: list[Paragraph] = []
    seen_body = False
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = []
            cell_texts = []
            for row in block.rows:
                cells = []
                previous = None
                for cell in row.cells:
                    if cell._tc is previous:  # merged cells repeat the same element
                        continue
                    previous = cell._tc
                    cells.append(" ".join(_lines(cell.text)))
                    cell_texts.extend(_lines(cell.text))
                rows.append(" | ".join(c for c in cells if c))
            if not seen_body:
                paragraphs.extend(Paragraph(t, in_table=True) for t in cell_texts)
            else:
                whole = "\n".join(r for r in rows if r.strip())
                if whole:
                    paragraphs.append(Paragraph(whole, in_table=True))
            continue
        for line in _lines(block.text):
            paragraphs.append(Paragraph(line))
            if re.match(r"^(?:Điều|ĐIỀU)\s+\d+", line) or re.match(r"^(?:Chương|CHƯƠNG)\s+[IVXLC]+", line):
                seen_body = True
    check_not_legacy("\n".join(p.text for p in paragraphs), path.name)
    return Extracted(str(path), "docx", paragraphs)
