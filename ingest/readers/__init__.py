"""Readers turn one file into `Extracted` paragraphs; the structure parser does the rest.

Every reader raises `IngestError` with a message that starts with the file name, so a batch can
report the file and go on.
"""
from __future__ import annotations

from pathlib import Path

from ingest.model import Extracted, IngestError

# Bigger than any real regulation (the 1.7 MB Công báo PDF is the largest we know); protects the
# process from a stray archive or video dropped into the corpus folder.
MAX_FILE_BYTES = 50 * 1024 * 1024

SUFFIXES = {
    ".docx": "docx",
    ".doc": "doc",
    ".pdf": "pdf",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def read(path: str | Path) -> Extracted:
    """Read any supported file. JSON legal corpora are handled by `ingest.readers.jsoncorpus`."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{path.name}: unsupported file type '{path.suffix or '(none)'}' "
                          f"(supported: {', '.join(sorted(SUFFIXES))})")
    if not path.is_file():
        raise IngestError(f"{path.name}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path.name}: empty file")
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: file too large ({size // (1024 * 1024)} MB > "
                          f"{MAX_FILE_BYTES // (1024 * 1024)} MB)")
    if fmt == "docx":
        from ingest.readers.docx import read_docx as reader
    elif fmt == "doc":
        from ingest.readers.doc import read_doc as reader
    elif fmt == "pdf":
        from ingest.readers.pdf import read_pdf as reader
    elif fmt in ("md", "txt"):
        from ingest.readers.text import read_text as reader
    elif fmt == "html":
        from ingest.readers.html import read_html as reader
    else:
        raise IngestError(f"{path.name}: JSON files are legal corpora; use ingest.readers.jsoncorpus")
    extracted = reader(path)
    if not any(p.text.strip() for p in extracted.paragraphs):
        raise IngestError(f"{path.name}: no text could be extracted")
    extracted.assign_offsets()
    return extracted
