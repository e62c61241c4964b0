"""How clean is the PDF reader's text? Raw pypdf output vs `read_pdf`, against pdftotext.

    python -m eval.pdf_quality [PDF] [REFERENCE_TXT]

Defaults: the Công báo copy of 16/VBHN-VPQH and its pdftotext conversion in ../shared/corpus.

Words are maximal runs of letters (NFC, split on digits and punctuation). Two figures for
(a) the raw `extract_text()` of every page, joined, and (b) the body paragraphs of `read_pdf`
(footnotes excluded; a third column adds them back):

- non-syllable share: words that are not a well-formed Vietnamese syllable
  (`ingest.vietnamese.is_syllable`). Ignored, i.e. not counted at all: all-caps words of up to
  6 letters (QH, VBHN, UBND: abbreviations), Roman numerals (Chương IV) and point labels (the
  "b" of "b)").
- not-in-reference share: bag-of-words (multiset) difference. Each lower-cased word of the text
  is matched against the reference's words, each reference occurrence used at most once;
  the share is unmatched / all words of the text. The reference (pdftotext) has page headers,
  footnotes and the watermark too, so dropping those never counts as a difference; words
  pypdf breaks apart ("th ưởng") or glues to a footnote number do.

The reduction is (raw share − cleaned share) / raw share. The target: ≥ 90 % for the
non-syllable share.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from ingest.readers.pdf import read_pdf
from ingest.vietnamese import is_syllable, nfc

_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PDF = _ROOT.parent / "shared/corpus/tdkt/vbhn-16-VBHN-VPQH-2013-luat-thi-dua-khen-thuong.pdf"
DEFAULT_REF = _ROOT.parent / "shared/corpus/reference-text/vbhn-16-VBHN-VPQH-2013.pdftotext.txt"

_WORD = re.compile(r"[^\W\d_]+")
_ROMAN = re.compile(r"[IVXLCDM]+")


def words(text: str) -> list[str]:
    """Letter runs of `text`, minus abbreviations, Roman numerals and point labels."""
    text = nfc(text)
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w.isupper() and len(w) <= 6:
            continue  # abbreviations (and all-caps Roman numerals)
        if _ROMAN.fullmatch(w):
            continue
        if len(w) == 1 and text[m.end():m.end() + 1] == ")":
            continue  # point label "a)", "đ)"
        out.append(w)
    return out


def _shares(ws: list[str], ref_bag: Counter[str]) -> dict[str, float | int]:
    n = len(ws)
    bad = sum(1 for w in ws if not is_syllable(w))
    bag = Counter(w.lower() for w in ws)
    unmatched = sum((bag - ref_bag).values())
    return {
        "words": n,
        "non_syllable": bad,
        "non_syllable_share": bad / n if n else 0.0,
        "not_in_reference": unmatched,
        "not_in_reference_share": unmatched / n if n else 0.0,
    }


def _reduction(raw: float, clean: float) -> float:
    return (raw - clean) / raw if raw else 0.0


def measure(pdf: str | Path = DEFAULT_PDF, ref: str | Path = DEFAULT_REF) -> dict:
    """Figures for raw pypdf text and for `read_pdf` (body; body + notes) vs the reference."""
    import pypdf

    reader = pypdf.PdfReader(str(pdf))
    raw_text = "\n".join(page.extract_text() or "" for page in reader.pages)
    ex = read_pdf(pdf)
    body = "\n".join(p.text for p in ex.paragraphs)
    notes = "\n".join(p.text for p in ex.notes)
    ref_bag = Counter(w.lower() for w in words(Path(ref).read_text(encoding="utf-8")))
    raw = _shares(words(raw_text), ref_bag)
    cleaned = _shares(words(body), ref_bag)
    with_notes = _shares(words(body + "\n" + notes), ref_bag)
    return {
        "pdf": str(pdf),
        "reference": str(ref),
        "raw": raw,
        "cleaned": cleaned,
        "cleaned_with_notes": with_notes,
        "reduction": {
            "non_syllable_share": _reduction(raw["non_syllable_share"], cleaned["non_syllable_share"]),
            "not_in_reference_share": _reduction(raw["not_in_reference_share"], cleaned["not_in_reference_share"]),
        },
    }


def format_table(res: dict) -> str:
    raw, cl, cn, red = res["raw"], res["cleaned"], res["cleaned_with_notes"], res["reduction"]
    rows = [
        f"{'':28}{'raw pypdf':>16}{'read_pdf body':>16}{'body + notes':>16}{'reduction':>11}",
        f"{'words':28}{raw['words']:>16}{cl['words']:>16}{cn['words']:>16}",
    ]
    for key, label in (("non_syllable", "not a syllable"), ("not_in_reference", "not in reference (bag)")):
        share = key + "_share"
        cells = [f"{d[key]} ({d[share]:.2%})" for d in (raw, cl, cn)]
        rows.append(f"{label:28}{cells[0]:>16}{cells[1]:>16}{cells[2]:>16}{red[share]:>11.1%}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pdf = argv[0] if len(argv) > 0 else DEFAULT_PDF
    ref = argv[1] if len(argv) > 1 else DEFAULT_REF
    res = measure(pdf, ref)
    print(f"PDF:       {res['pdf']}")
    print(f"reference: {res['reference']}")
    print(format_table(res))
    ok = res["reduction"]["non_syllable_share"] >= 0.9
    print(f"target (non-syllable share falls by >= 90%): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
