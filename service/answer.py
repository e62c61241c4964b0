"""Extractive answers with verifiable citations.

An answer quotes the provisions retrieval found, in order, each with its label, its document and
its validity on the answer date; it never cites a provision it did not retrieve. When the corpus
has no basis it says so and cites nothing. Warnings say when a cited text is superseded, amended
by a text the corpus lacks, or about to expire, and when the question needs a document the corpus
lacks.

Whether there is a basis is judged from the words: the share of the question's content words
(diacritics folded, question words and generic legal words removed) that the best provisions
contain. The threshold is tuned on the dev split of eval/questions/tdkt.jsonl only.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from urllib.parse import quote as urlquote

from corpus.refs import find_doc_mentions, parse_ref
from ingest.model import Provision
from ingest.vietnamese import fold, tokens
from service.library import Library

# Tuned on the dev split (see eval/): below this share of content words found, abstain.
MIN_COVERAGE = 0.5
# Other hits join the lead provision when their score is at least this share of the best one.
COMPANION_SCORE_SHARE = 0.75
MAX_CITATIONS = 3
QUOTE_CHARS = 1200

# Words that carry no subject: question words, connectives, and the legal vocabulary every
# provision shares. Folded (no diacritics), as the comparison is.
_STOP = set("""
la gi nao bao nhieu co duoc khong cua cho va thi ai nhu the nhung cac theo quy dinh ve voi trong
tai de den tu khi neu hay hoac phai can nay do mot hai ba o tren duoi sau truoc da se dang bi boi
ra vao len xuong lam viec nguoi minh toi ban chung em anh chi hoi xin cam on vay sao dau nhe a
muc dieu khoan diem so nam thang ngay van ban hien hanh hien nay moi cu nhat luc bay gio
can cu theo quy dinh phap luat luat nghi dinh thong tu quyet ke hoach
""".split())


def content_words(text: str) -> list[str]:
    from index.text import expand_abbreviations

    text, _ = expand_abbreviations(text)  # "CSTĐCS" is "chiến sĩ thi đua cơ sở" in the provisions
    words = [fold(t) for t in tokens(text)]
    return [w for w in words if w not in _STOP and not w.isdigit() and len(w) > 1]


def coverage(question: str, texts: list[str]) -> float:
    """Share of the question's content syllables and syllable pairs found in the texts."""
    q = content_words(question)
    if not q:
        return 0.0
    hay = set()
    pairs = set()
    for t in texts:
        w = [fold(x) for x in tokens(t)]
        hay.update(w)
        pairs.update(zip(w, w[1:]))
    qpairs = list(zip(q, q[1:]))
    single = sum(w in hay for w in q) / len(q)
    if not qpairs:
        return single
    double = sum(p in pairs for p in qpairs) / len(qpairs)
    return 0.5 * single + 0.5 * double


_FORM = re.compile(r"\b[Mm]ẫu(?: số)?\s*0?(\d{1,2})\b")


def _field(hit, name):
    return hit.get(name) if isinstance(hit, dict) else getattr(hit, name, None)


@dataclass
class Assistant:
    """The library and the searcher kept warm in one process (CLI, HTTP server, benchmark)."""

    index_dir: Path

    def __post_init__(self) -> None:
        self.index_dir = Path(self.index_dir)
        self._lock = threading.Lock()

    @cached_property
    def library(self) -> Library:
        return Library(self.index_dir)

    @cached_property
    def searcher(self):
        from index.search import Searcher

        return Searcher(self.index_dir)

    def warm(self) -> None:
        self.library.documents
        self.searcher.search("tiêu chuẩn chiến sĩ thi đua cơ sở", k=1)

    # -- search -------------------------------------------------------------------------
    def search(self, question: str, k: int = 10, as_of: date | None = None,
               docs: list[str] | None = None) -> list[dict]:
        from service import settings

        day = as_of or settings.today()
        with self._lock:  # the searcher's models and indexes are shared state
            hits = self.searcher.search(question, k=k, as_of=as_of, docs=docs)
        out = []
        for h in hits:
            doc = _field(h, "doc")
            out.append({
                "doc": doc, "article": _field(h, "article"), "clause": _field(h, "clause"),
                "point": _field(h, "point"), "section": _field(h, "section"), "part": _field(h, "part"),
                "label": _field(h, "label"), "score": _field(h, "score"), "id": _field(h, "id"),
                "kind": _field(h, "kind"), "status": self.library.status_text(doc, day),
            })
        return out

    # -- answers ------------------------------------------------------------------------
    def ask(self, question: str, as_of: date | None = None, docs: list[str] | None = None) -> dict:
        from service import settings

        day = as_of or settings.today()
        lib = self.library
        warnings: list[str] = []

        # Documents the question names that the corpus lacks: say so, never invent them.
        missing = []
        for doc in find_doc_mentions(question, lib.catalog):
            if doc not in lib.documents:
                entry = lib.catalog.get(doc)
                missing.append(doc)
                warnings.append(f"Câu hỏi cần {entry.label if entry else doc}, văn bản này chưa có trong kho; "
                                "không trích dẫn nội dung của nó.")

        # A form ("Mẫu số 13") whose text the corpus lacks: the annexed forms of NĐ 152/2025 are
        # not included, nor are those of TT 15/2025/TT-BNV.
        for m in _FORM.finditer(question):
            slug = f"mau-so-{int(m.group(1)):02d}"
            if not any(pid.split("#pl:")[-1].startswith(slug) for d in lib.documents.values()
                       for pid in (p.id for p in d.provisions if p.kind == "appendix")):
                missing.append(m.group(0))
                warnings.append(f"{m.group(0)} không có trong kho văn bản (các biểu mẫu kèm theo chưa được "
                                "thu thập); không trích dẫn nội dung của nó.")

        hits = self.search(question, k=10, as_of=as_of, docs=docs)
        retrieved = [h["id"] for h in hits]
        provisions = [p for p in (lib.provision(pid) for pid in retrieved) if p is not None]

        ref = parse_ref(question, lib.catalog)
        named = ref is not None and ref.doc in lib.documents and (ref.article or ref.section)
        basis = coverage(question, [self._context_text(p) for p in provisions[:3]]) if provisions else 0.0
        if not provisions or (not named and (basis < MIN_COVERAGE or (missing and basis < 0.8))):
            return {
                "answer": "Không tìm thấy căn cứ trong kho văn bản cho câu hỏi này."
                          + (" Văn bản cần thiết chưa có trong kho." if missing else ""),
                "citations": [], "warnings": warnings, "abstained": True, "as_of": day.isoformat(),
                "retrieved": retrieved, "basis": round(basis, 3),
            }

        chosen = self._choose(hits, provisions)
        citations = []
        lines = []
        for n, p in enumerate(chosen, start=1):
            status = lib.status(p.doc, day)
            status_text = lib.status_text(p.doc, day)
            quote = p.text if len(p.text) <= QUOTE_CHARS else p.text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
            citations.append({
                "n": n, "doc": p.doc, "title": self._title(p.doc), "article": p.article_number,
                "clause": int(p.clause) if p.clause else None, "point": p.point, "section": p.section,
                "part": p.part, "label": p.label, "quote": quote, "status": status_text,
                "in_force": bool(status.in_force) if status else None,
                "url": f"/?p={urlquote(p.id, safe='')}", "provision_id": p.id,
            })
            lead = "Theo" if n == 1 else "Đồng thời, theo"
            lines.append(f"{lead} {p.label} [{n}]:\n{quote}")
            warnings.extend(self._validity_warnings(p.doc, day, status))
        result = {
            "answer": "\n\n".join(lines), "citations": citations, "warnings": _unique(warnings),
            "abstained": False, "as_of": day.isoformat(), "retrieved": retrieved, "basis": round(basis, 3),
        }
        from service.generator import maybe_generate  # off (no HTTP call) unless TDKT_GENERATOR_URL is set

        return maybe_generate(question, result)

    def _context_text(self, p: Provision) -> str:
        """The provision in its article (a clause's words are read with its article's lead-in and
        title: "Điều 23. Danh hiệu Chiến sĩ thi đua cơ sở")."""
        if p.kind in ("clause", "point") and "#" in p.id:
            article = self.library.provision(p.id.split(".k", 1)[0].split(".", 1)[0] if ".k" in p.id else p.id)
            if article is not None:
                p = article
        return f"{p.heading}\n{p.index_text or p.text}"

    def _choose(self, hits: list[dict], provisions: list[Provision]) -> list[Provision]:
        """The lead provision, then the few others that complete it (other articles scoring close)."""
        by_id = {p.id: p for p in provisions}
        lead = by_id[hits[0]["id"]]
        if lead.kind in ("clause", "point"):
            # Several pieces of one article among the best hits: the article as a whole answers
            # (its lead-in sentence says what the clauses are for), when it is short enough to quote.
            article_id = lead.id.rsplit(".k", 1)[0] if ".k" in lead.id else lead.id
            siblings = [h for h in hits[:5] if h["id"] != lead.id and h["id"].startswith(article_id + ".")]
            article = self.library.provision(article_id)
            if siblings and article is not None and len(article.text) <= QUOTE_CHARS:
                lead = article
        chosen = [lead]
        top = hits[0]["score"] or 0
        for h in hits[1:]:
            p = by_id.get(h["id"])
            if p is None or len(chosen) >= MAX_CITATIONS:
                continue
            if top and (h["score"] or 0) < COMPANION_SCORE_SHARE * top:
                break
            # Not a piece of something already quoted, nor its container.
            if any(p.id.startswith(c.id + ".") or c.id.startswith(p.id + ".") or p.id == c.id for c in chosen):
                continue
            chosen.append(p)
        return chosen

    def _title(self, doc: str) -> str:
        entry = self.library.catalog.get(doc)
        if entry is not None:
            return entry.title
        parsed = self.library.documents.get(doc)
        return parsed.info.title if parsed else ""

    def _validity_warnings(self, doc: str, day: date, status) -> list[str]:
        if status is None:
            return [f"Chưa rõ hiệu lực của {doc}: văn bản không có trong danh mục."]
        out = []
        label = self.library.catalog.label(doc)
        if status.code == "hết hiệu lực":
            out.append(f"{label} {status.text}.")
        elif status.code == "chưa có hiệu lực":
            out.append(f"{label} {status.text} vào ngày {day.strftime('%d/%m/%Y')}.")
        for a in status.amendments:
            if a.held is False and (a.effective is None or a.effective <= day):
                when = f" từ {a.effective.strftime('%d/%m/%Y')}" if a.effective else ""
                out.append(f"{label} đã được sửa đổi, bổ sung bởi {a.label}{when}; văn bản sửa đổi chưa có "
                           "trong kho, nội dung trích dẫn có thể đã thay đổi.")
            elif a.held is False and a.effective and a.effective > day:
                out.append(f"{label} sẽ được sửa đổi, bổ sung bởi {a.label} từ {a.effective.strftime('%d/%m/%Y')} "
                           "(văn bản sửa đổi chưa có trong kho).")
        if status.scheduled_expiry and status.in_force:
            out.append(f"{label} sẽ hết hiệu lực từ {status.scheduled_expiry.strftime('%d/%m/%Y')}"
                       + (" (sắp hết hiệu lực)." if status.expiring_soon else "."))
        return out


def _unique(items: list[str]) -> list[str]:
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
