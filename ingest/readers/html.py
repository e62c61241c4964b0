"""HTML pages from legal portals: block-level elements in order become paragraphs."""
from __future__ import annotations

import re
from pathlib import Path

from ingest.model import Extracted, IngestError, Paragraph
from ingest.readers.encoding import check_not_legacy

_BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "td", "th", "pre", "blockquote"]


def read_html(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "html.parser")  # honours <meta charset>, else detects
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "form"]):
        tag.decompose()
    body = soup.body or soup
    paragraphs: list[Paragraph] = []
    for table in body.find_all("table"):
        rows = []
        for tr in table.find_all("tr"):
            cells = [re.sub(r"\s+", " ", td.get_text(" ")).strip() for td in tr.find_all(["td", "th"])]
            rows.append(" | ".join(c for c in cells if c))
        table.replace_with(soup.new_string("\n@@TABLE@@" + "\n".join(r for r in rows if r) + "@@END@@\n"))
    # Put a line break after every block element, then read the text line by line.
    for tag in body.find_all(_BLOCKS + ["br"]):
        tag.insert_after(soup.new_string("\n"))
    text = body.get_text()
    for chunk in re.split(r"(@@TABLE@@.*?@@END@@)", text, flags=re.S):
        if chunk.startswith("@@TABLE@@"):
            whole = chunk[len("@@TABLE@@"):-len("@@END@@")].strip()
            if whole:
                paragraphs.append(Paragraph(whole, in_table=True))
            continue
        for line in chunk.split("\n"):
            line = re.sub(r"[ \t\u00a0]+", " ", line).strip()
            if line:
                paragraphs.append(Paragraph(line))
    if not paragraphs:
        raise IngestError(f"{path.name}: no text in the HTML page")
    check_not_legacy("\n".join(p.text for p in paragraphs), path.name)
    return Extracted(str(path), "html", paragraphs)
