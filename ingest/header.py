"""Header facts from the document itself: số hiệu, type, issuer, place and date, title.

The số hiệu comes from the document's own "Số:" line, never from the "Căn cứ …" preamble, which
cites other documents' numbers. A Văn bản hợp nhất carries its "Số:" line at the end, in the
authentication block ("XÁC THỰC VĂN BẢN HỢP NHẤT"), so the tail is searched when the head has none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from corpus.catalog import type_of_doc
from ingest.model import DocumentInfo, Paragraph

# "Số: 152/2025/NĐ-CP", "Luật số: 06/2022/QH15", "CHÍNH PHỦ___ Số: 170/2025/NĐ-CP | …": the colon
# separates the document's own number from "Căn cứ Nghị định số 91/2017/NĐ-CP" citations.
_SO = re.compile(r"(?:^|[\s|_*(])[Ss]ố\s*:\s*([0-9][0-9A-Za-zĐđ/\-.]*[0-9A-Za-zĐđ])")
_PLACE_DATE = re.compile(r"^(?P<place>[^,;:]{2,40}?),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
_START_BODY = re.compile(r"^(?:Điều|ĐIỀU)\s+1\b|^(?:Chương|CHƯƠNG|Phần|PHẦN)\s+(?:I|1|thứ|THỨ)\b|^I\.\s")
_NATIONAL = re.compile(r"CỘNG H(?:ÒA|OÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do", re.I)

# Type words as they open the document's name line, longest first.
TYPE_WORDS = [
    ("VĂN BẢN HỢP NHẤT", "Văn bản hợp nhất"),
    ("BỘ LUẬT", "Bộ luật"),
    ("LUẬT", "Luật"),
    ("PHÁP LỆNH", "Pháp lệnh"),
    ("NGHỊ ĐỊNH", "Nghị định"),
    ("NGHỊ QUYẾT", "Nghị quyết"),
    ("THÔNG TƯ LIÊN TỊCH", "Thông tư liên tịch"),
    ("THÔNG TƯ", "Thông tư"),
    ("QUYẾT ĐỊNH", "Quyết định"),
    ("CHỈ THỊ", "Chỉ thị"),
    ("KẾ HOẠCH", "Kế hoạch"),
    ("HƯỚNG DẪN", "Hướng dẫn"),
    ("QUY ĐỊNH", "Quy định"),
    ("QUY CHẾ", "Quy chế"),
    ("THÔNG BÁO", "Thông báo"),
    ("CÔNG VĂN", "Công văn"),
]

_TITLE_STOP = re.compile(
    r"^(?:Căn cứ|Thực hiện|Theo đề nghị|Trên cơ sở|Để |Nhằm |Chính phủ ban hành|Quốc hội ban hành|"
    r"Luật này|Bộ trưởng|\(Ban hành|\(Kèm theo|Ủy ban nhân dân|ỦY BAN NHÂN DÂN|Điều|Chương|I\.\s)"
)


@dataclass
class Header:
    info: DocumentInfo
    body_start: int  # index of the first paragraph after the header block and title


def _iso(d: str, m: str, y: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def type_from_number(doc: str) -> str | None:
    """The type the số hiệu's code implies (when the name line is missing or misleading)."""
    return type_of_doc(doc)


def _match_type(text: str) -> tuple[str, str] | None:
    upper = text.upper()
    for word, name in TYPE_WORDS:
        if upper.startswith(word) and (len(upper) == len(word) or not upper[len(word)].isalpha()):
            if text[: len(word)].isupper():  # the name line is in capitals; "Luật này …" is not
                return word, name
    return None


def parse_header(paragraphs: list[Paragraph], fallback_name: str) -> Header:
    texts = [p.text.strip() for p in paragraphs]
    n = len(texts)
    # The header zone ends where the body starts (first Điều 1 / Chương I / plan section I.).
    body_at = next((i for i, t in enumerate(texts) if _START_BODY.match(t)), min(n, 60))
    zone = range(0, min(body_at, 80))

    number = None
    number_at = None
    for i in zone:
        t = texts[i]
        if t.startswith(("Căn cứ", "Thực hiện", "Theo")):
            continue
        m = _SO.search(t)
        if m and "/" in m.group(1):
            number, number_at = m.group(1).rstrip(".-"), i
            break
    if number is None:
        # Consolidated texts: "Số: 16/VBHN-VPQH" in the authentication block at the end.
        for i in range(n - 1, max(body_at, n - 40) - 1, -1):
            m = _SO.search(texts[i])
            if m and "/" in m.group(1):
                number, number_at = m.group(1).rstrip(".-"), i
                break

    # Place and date: near the số hiệu line first, then anywhere in the header zone.
    place = issued = None
    candidates = []
    if number_at is not None:
        candidates += list(range(max(0, number_at - 3), min(n, number_at + 4)))
    candidates += list(zone)
    for i in candidates:
        m = _PLACE_DATE.search(texts[i]) or _PLACE_DATE.search(re.sub(r"^.*?Số:\s*\S+\s*", "", texts[i]))
        if m:
            place = m.group("place").strip(" *_")
            issued = _iso(m.group("d"), m.group("m"), m.group("y"))
            break

    # Issuer: the header cells before the national motto (or the authentication block's first line).
    issuer_parts: list[str] = []
    in_tail = number_at is not None and number_at >= body_at
    # In a consolidated text's authentication block the issuer is the capitalised line just above "Số:".
    scan = list(zone) if not in_tail else [k for k in range(max(0, number_at - 2), number_at) if texts[k].isupper()]
    for i in scan:
        t = texts[i]
        if _NATIONAL.search(t):
            head = _NATIONAL.split(t)[0].strip()
            if head:
                issuer_parts.append(head)
            if issuer_parts:
                break
            continue
        if _SO.search(t) or _PLACE_DATE.search(t) or _match_type(t) or t.startswith(("XÁC THỰC", "Ký bởi", "Email", "CÔNG BÁO")):
            if issuer_parts:
                break
            continue
        if (t.isupper() or (not issuer_parts and i == 0)) and len(t) < 80:
            issuer_parts.append(t)
        elif issuer_parts:
            break
        if len(issuer_parts) >= 2:
            break
    issuer = re.sub(r"\s+", " ", " ".join(issuer_parts)).strip() or None

    # Type and title: the capitalised name line ("NGHỊ ĐỊNH", "KẾ HOẠCH") and what follows it.
    doc_type = None
    title_parts: list[str] = []
    title_end = 0
    for i in zone:
        t = texts[i]
        found = _match_type(t)
        if not found:
            continue
        word, doc_type = found
        rest = t[len(word):].strip(" :.-")
        if rest:
            title_parts.append(rest)
        j = i + 1
        while j < body_at and len(title_parts) < 4:
            u = texts[j]
            if _TITLE_STOP.match(u) or (len(u) > 250 and not u.isupper()) or u.endswith(";"):
                break
            if u.startswith("(") and not title_parts:
                break
            title_parts.append(u)
            j += 1
        title_end = j
        break
    number_type = type_from_number(number) if number else None
    if number_type in ("Văn bản hợp nhất",) or doc_type is None:
        doc_type = number_type or doc_type or "Văn bản"
    title = re.sub(r"\s+", " ", " ".join(title_parts)).strip()

    info = DocumentInfo(
        doc=number or fallback_name,
        type=doc_type,
        title=title,
        issuer=issuer or "",
        place=place,
        issued=issued,
    )
    body_start = max(title_end, 0) if title_end and title_end <= body_at else body_at
    return Header(info=info, body_start=body_start)
