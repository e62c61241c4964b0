"""Legacy Word 97–2003 (.doc) through Debian's antiword, falling back to catdoc.

Many agencies still publish .doc. antiword keeps paragraphs but refuses some files ("is not a
Word Document" for files saved by newer Word versions); catdoc reads those. Both are asked for
UTF-8 with no line wrapping so one output line is one paragraph.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ingest.model import Extracted, IngestError, Paragraph
from ingest.readers.encoding import check_not_legacy

_RULE = re.compile(r"^\s*(?:[-_*—–=]\s*){3,}\s*$")


def _run(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.decode("utf-8", errors="replace")
    if proc.returncode != 0 or len(out.strip()) < 20:
        return None
    return out


def read_doc(path: Path) -> Extracted:
    if path.read_bytes()[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError(f"{path.name}: not a Word 97–2003 document (no OLE2 signature); corrupt or misnamed")
    tools = [t for t in ("antiword", "catdoc") if shutil.which(t)]
    if not tools:
        raise IngestError(f"{path.name}: reading .doc needs antiword or catdoc (apt-get install antiword catdoc)")
    text = None
    for tool in tools:
        if tool == "antiword":
            text = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)])
        else:
            text = _run(["catdoc", "-w", "-d", "utf-8", str(path)])
        if text:
            break
    if not text:
        raise IngestError(f"{path.name}: corrupt or unreadable .doc ({' and '.join(tools)} failed)")
    paragraphs = []
    for line in text.split("\n"):
        # catdoc separates table cells with tabs: the header row "Số: …<TAB>CỘNG HÒA …".
        for cell in line.split("\t"):
            cell = re.sub(r"[ \u00a0]+", " ", cell).strip()
            if cell and not _RULE.match(cell):
                paragraphs.append(Paragraph(cell, in_table="\t" in line))
    check_not_legacy(text, path.name)
    return Extracted(str(path), "doc", paragraphs)
