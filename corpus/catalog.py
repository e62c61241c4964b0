"""The catalog: the documents the project knows, held in the corpus or not, and their validity.

The bundled ``catalog.yaml`` (schema documented at its top) records each document's dates and
relations (thay thế, sửa đổi bổ sung, bãi bỏ, hợp nhất, hướng dẫn). Users add or override entries
with their own YAML files (``Catalog.load(extra=[...])`` or the ``TDKT_CATALOG`` environment
variable, paths separated by ``os.pathsep``).

Validity is computed only from these facts (``Catalog.status``), never guessed from a year:
when a date is unknown the status says so ("không rõ hiệu lực").

The catalog cannot know which documents are held in a given corpus folder: callers pass
``held`` (a set of số hiệu) to ``status`` and the status flags every related document that is
not held (an amending law whose text the corpus lacks, for instance).
"""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

__all__ = [
    "CatalogError",
    "Relation",
    "Entry",
    "Related",
    "Status",
    "Catalog",
    "to_json",
    "fold",
    "prepare",
    "doc_key",
    "normalize_doc",
    "type_of_doc",
    "IN_FORCE",
    "NOT_YET",
    "EXPIRED",
    "UNKNOWN",
]

ENV_VAR = "TDKT_CATALOG"

IN_FORCE = "còn hiệu lực"
NOT_YET = "chưa có hiệu lực"
EXPIRED = "hết hiệu lực"
UNKNOWN = "không rõ hiệu lực"

# Documents whose status runs from the issue date (no separate effective date).
PLAN_TYPES = frozenset({"Kế hoạch", "Hướng dẫn", "Công văn", "Chỉ thị", "Thông báo"})

EXPIRES_BASES = ("stated", "scheduled", "inferred")


class CatalogError(ValueError):
    """A catalog file that cannot be read. The message names the file and the field."""


# ───────────────────────────────────────── text folding ─────────────────────────────────────────

_COMBINING = re.compile(r"[\u0300-\u036f]")


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00)]
    for r in ranges:
        for cp in r:
            c = chr(cp)
            if c in "đĐ":
                table[cp] = "d"
                continue
            base = unicodedata.normalize("NFD", c)[0].lower()
            if len(base) == 1 and base != c:
                table[cp] = base
    table[ord("Ð")] = "d"  # U+00D0 (Icelandic eth), sometimes typed for Đ
    table[ord("ð")] = "d"
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(dash)] = "-"
    return table


def prepare(text: str) -> str:
    """NFC-normalise and drop stray combining marks. `fold` of the result has the same length."""
    text = unicodedata.normalize("NFC", text)
    if _COMBINING.search(text):
        text = _COMBINING.sub("", text)
    return text


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d, dashes → "-"; one output character per character of
    ``prepare(text)`` so offsets found in the folded text point into the prepared text."""
    return prepare(text).translate(_fold_table())


# ──────────────────────────────────────── số hiệu helpers ───────────────────────────────────────

# Type codes that carry a Đ, restored when a user typed them without diacritics.
_D_CODES = {
    "ND": "NĐ",
    "QD": "QĐ",
    "BGDDT": "BGDĐT",
    "HDND": "HĐND",
    "DCS": "ĐCS",
    "TLD": "TLĐ",
    "DHQG": "ĐHQG",
}


def doc_key(doc: str) -> str:
    """Spelling-tolerant key of a số hiệu: NFC/NFD, case, ND/NĐ, spaces, leading zeros."""
    s = fold(doc).strip()
    s = re.sub(r"^(?:so|số)\s*:?\s*", "", s)
    s = re.sub(r"\s+", "", s).strip(".,;")
    s = re.sub(r"^0+(?=\d)", "", s)
    return s.upper()


def normalize_doc(doc: str) -> str:
    """A số hiệu in its printed form: "152/2025/nd-cp" → "152/2025/NĐ-CP"."""
    s = prepare(doc).strip()
    s = re.sub(r"^(?:[Ss][ốoÔO]\s*:?\s*)", "", s)
    s = re.sub(r"\s+", "", s).strip(".,;")
    s = s.translate({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
    out = []
    for part in re.split(r"([/-])", s):
        if part in ("/", "-") or part.isdigit():
            out.append(part)
            continue
        up = part.upper()
        folded = fold(up).upper()
        out.append(_D_CODES.get(folded, up))
    return "".join(out)


# The type a số hiệu's code implies (checked in this order on the printed form, so "ND-CP" is
# read as "NĐ-CP"): the consolidated text of a law opens with "LUẬT" but is a Văn bản hợp nhất,
# and a Nghị quyết of the Quốc hội ends in /QH like a Luật (hence after it, by its "NQ").
_TYPE_BY_CODE = [
    (re.compile(r"VBHN"), "Văn bản hợp nhất"),
    (re.compile(r"/QH\d*$"), "Luật"),
    (re.compile(r"NĐ-CP$|/NĐ-"), "Nghị định"),
    (re.compile(r"NQ-"), "Nghị quyết"),
    (re.compile(r"TTLT-"), "Thông tư liên tịch"),
    (re.compile(r"/TT-"), "Thông tư"),
    (re.compile(r"QĐ-|-QĐ/|QĐ/"), "Quyết định"),
    (re.compile(r"/CT-|CT-TTg|-CT/"), "Chỉ thị"),
    (re.compile(r"KH-"), "Kế hoạch"),
    (re.compile(r"HD-"), "Hướng dẫn"),
]


def type_of_doc(doc: str) -> str | None:
    """The document type implied by a số hiệu's code, or None."""
    d = normalize_doc(doc)
    for rx, t in _TYPE_BY_CODE:
        if rx.search(d):
            return t
    return None


def _vn_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "?"


# ──────────────────────────────────────────── records ───────────────────────────────────────────


@dataclass
class Relation:
    """One relation to another document. `effective`: the date it takes effect (None = that
    document's own effective date, or unknown)."""

    doc: str
    effective: date | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "effective": self.effective.isoformat() if self.effective else None,
            "note": self.note,
        }


RELATION_FIELDS = (
    "replaces",
    "replaced_by",
    "amends",
    "amended_by",
    "repeals",
    "repealed_by",
    "consolidates",
    "guides",
)
_INVERSE = {
    "replaces": "replaced_by",
    "replaced_by": "replaces",
    "amends": "amended_by",
    "amended_by": "amends",
    "repeals": "repealed_by",
    "repealed_by": "repeals",
}


@dataclass
class Entry:
    """One document of the catalog (fields as in catalog.yaml)."""

    doc: str
    type: str
    title: str = ""
    issuer: str = ""
    issued: date | None = None
    effective: date | None = None
    expires: date | None = None
    expires_basis: str = "stated"
    effective_source: str | None = None
    expires_source: str | None = None
    replaces: list[Relation] = field(default_factory=list)
    replaced_by: list[Relation] = field(default_factory=list)
    amends: list[Relation] = field(default_factory=list)
    amended_by: list[Relation] = field(default_factory=list)
    repeals: list[Relation] = field(default_factory=list)
    repealed_by: list[Relation] = field(default_factory=list)
    consolidates: list[Relation] = field(default_factory=list)
    guides: list[Relation] = field(default_factory=list)
    notes: str = ""
    aliases: list[str] = field(default_factory=list)
    file_hint: str | None = None
    attached: str | None = None
    decision_articles: int | None = None
    source: str = ""  # the catalog file the entry (or its last override) came from

    @property
    def key(self) -> str:
        return doc_key(self.doc)

    @property
    def number(self) -> int | None:
        m = re.match(r"\s*(\d+)", self.doc)
        return int(m.group(1)) if m else None

    @property
    def year(self) -> int | None:
        """The year in the số hiệu ("152/2025/NĐ-CP" → 2025), else the issue year."""
        m = re.match(r"\s*\d+/((?:19|20)\d\d)/", self.doc)
        if m:
            return int(m.group(1))
        return self.issued.year if self.issued else None

    @property
    def label(self) -> str:
        """Display name: "Nghị định 152/2025/NĐ-CP"."""
        return f"{self.type} {self.doc}" if self.type else self.doc

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, date):
                v = v.isoformat()
            elif f.name in RELATION_FIELDS:
                v = [r.to_dict() for r in v]
            elif isinstance(v, list):
                v = list(v)
            out[f.name] = v
        return out


@dataclass
class Related:
    """A related document as seen from a status: is it held, in force on the date, known."""

    doc: str
    label: str
    effective: date | None
    held: bool | None  # None: the caller did not say what is held
    known: bool  # in the catalog
    in_force: bool | None = None  # for amendments: in force on the status date (None: unknown)
    note: str | None = None
    held_in: str | None = None  # a held Văn bản hợp nhất that contains its text (when not held)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "label": self.label,
            "effective": self.effective.isoformat() if self.effective else None,
            "held": self.held,
            "held_in": self.held_in,
            "known": self.known,
            "in_force": self.in_force,
            "note": self.note,
        }


@dataclass
class Status:
    """Validity of a document on a date, computed from the catalog's facts.

    code: "còn hiệu lực" | "chưa có hiệu lực" | "hết hiệu lực" | "không rõ hiệu lực".
    since/until: effective and end dates (until may be an upper bound: `until_exact` False).
    end_basis: "stated" | "scheduled" | "inferred" (the catalog's reasoned date, see notes) |
    "derived" (from a successor's date) | None.
    amendments: every amending document, with `in_force` on the date and `held`.
    scheduled_expiry/expiring_soon: an in-force document with a known future end date.
    """

    doc: str
    code: str
    text: str
    in_force: bool
    as_of: date
    since: date | None = None
    until: date | None = None
    until_exact: bool = True
    end_basis: str | None = None
    held: bool | None = None
    held_in: str | None = None  # not held itself, but a held Văn bản hợp nhất contains it
    replaced_by: list[Related] = field(default_factory=list)
    repealed_by: list[Related] = field(default_factory=list)
    amendments: list[Related] = field(default_factory=list)
    scheduled_expiry: date | None = None
    expiring_soon: bool = False
    notes: str = ""

    @property
    def amended_by_not_held(self) -> list[Related]:
        """Amendments in force on the date whose text the corpus lacks (neither the amending
        document nor a consolidated text containing it is held; the caller passed `held`)."""
        return [a for a in self.amendments if a.held is False and not a.held_in and a.in_force]

    @property
    def successors_not_held(self) -> list[Related]:
        return [r for r in self.replaced_by + self.repealed_by if r.held is False]

    def to_dict(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "doc": self.doc,
            "code": self.code,
            "text": self.text,
            "in_force": self.in_force,
            "as_of": iso(self.as_of),
            "since": iso(self.since),
            "until": iso(self.until),
            "until_exact": self.until_exact,
            "end_basis": self.end_basis,
            "held": self.held,
            "held_in": self.held_in,
            "replaced_by": [r.to_dict() for r in self.replaced_by],
            "repealed_by": [r.to_dict() for r in self.repealed_by],
            "amendments": [r.to_dict() for r in self.amendments],
            "amended_by_not_held": [r.doc for r in self.amended_by_not_held],
            "scheduled_expiry": iso(self.scheduled_expiry),
            "expiring_soon": self.expiring_soon,
        }


# ──────────────────────────────────────────── loading ───────────────────────────────────────────

_ENTRY_FIELDS = {f.name for f in fields(Entry)} - {"source"}
_STR_FIELDS = (
    "type",
    "title",
    "issuer",
    "effective_source",
    "expires_source",
    "notes",
    "file_hint",
    "attached",
)
_OPTIONAL_STR_FIELDS = ("effective_source", "expires_source", "file_hint", "attached")
_DATE_FIELDS = ("issued", "effective", "expires")


@functools.lru_cache(maxsize=1)
def _loader_class() -> Any:
    """A safe YAML loader that leaves dates as strings, so a bad date is reported by field."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    ts = "tag:yaml.org,2002:timestamp"
    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != ts] for k, v in base.yaml_implicit_resolvers.items()
    }
    return Loader


def _yaml_load(path: Path, text: str) -> Any:
    try:
        import yaml
    except ImportError as e:  # pragma: no cover - pyyaml is a dependency
        raise CatalogError(f"{path}: reading catalogs needs pyyaml ({e})") from e
    try:
        return yaml.load(text, Loader=_loader_class())
    except yaml.YAMLError as e:
        raise CatalogError(f"{path}: not valid YAML: {e}") from e


def _parse_date(v: Any, where: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        s = v.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError:
                pass
    raise CatalogError(f"{where}: expected a date YYYY-MM-DD (or dd/mm/yyyy) or null, got {v!r}")


def _parse_relations(v: Any, where: str) -> list[Relation]:
    if v is None:
        return []
    if isinstance(v, (str, dict)):
        v = [v]
    if not isinstance(v, list):
        raise CatalogError(f"{where}: expected a list of {{doc, effective}} or số hiệu strings, got {v!r}")
    out = []
    for i, item in enumerate(v):
        w = f"{where}[{i}]"
        if isinstance(item, str):
            if not item.strip():
                raise CatalogError(f"{w}: empty số hiệu")
            out.append(Relation(doc=normalize_doc(item)))
        elif isinstance(item, dict):
            unknown = set(item) - {"doc", "effective", "note"}
            if unknown:
                raise CatalogError(f"{w}: unknown key(s) {sorted(unknown)} (allowed: doc, effective, note)")
            d = item.get("doc")
            if not isinstance(d, str) or not d.strip():
                raise CatalogError(f"{w}.doc: missing or not a string")
            note = item.get("note")
            if note is not None and not isinstance(note, str):
                raise CatalogError(f"{w}.note: expected text, got {note!r}")
            out.append(
                Relation(
                    doc=normalize_doc(d),
                    effective=_parse_date(item.get("effective"), f"{w}.effective"),
                    note=note,
                )
            )
        else:
            raise CatalogError(f"{w}: expected {{doc, effective}} or a số hiệu string, got {item!r}")
    return out


def _parse_entry(raw: Any, path: Path, i: int) -> dict[str, Any]:
    """Validate one raw entry; return only the fields it states (so overrides can merge)."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: documents[{i}]: expected a mapping with at least 'doc', got {raw!r}")
    doc = raw.get("doc")
    if not isinstance(doc, (str, int)) or not str(doc).strip():
        raise CatalogError(f"{path}: documents[{i}]: field 'doc': missing or empty (the số hiệu)")
    doc = str(doc)
    where = f"{path}: documents[{i}] (doc {doc!r})"
    unknown = set(raw) - _ENTRY_FIELDS
    if unknown:
        raise CatalogError(
            f"{where}: unknown field(s) {', '.join(repr(u) for u in sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_ENTRY_FIELDS))}"
        )
    out: dict[str, Any] = {"doc": prepare(doc).strip()}
    for k, v in raw.items():
        w = f"{where}: field {k!r}"
        if k == "doc":
            continue
        if k in _STR_FIELDS:
            if v is not None and not isinstance(v, str):
                raise CatalogError(f"{w}: expected text, got {v!r}")
            if k == "type" and not (v or "").strip():
                raise CatalogError(f"{w}: must not be empty")
            if isinstance(v, str):
                out[k] = prepare(v).strip()
            else:
                out[k] = None if k in _OPTIONAL_STR_FIELDS else ""
            if k == "attached" and out[k] not in (None, "quy-dinh", "quy-che"):
                raise CatalogError(f"{w}: expected 'quy-dinh', 'quy-che' or null, got {v!r}")
        elif k in _DATE_FIELDS:
            out[k] = _parse_date(v, w)
        elif k == "expires_basis":
            if v is None:
                v = "stated"
            if v not in EXPIRES_BASES:
                raise CatalogError(f"{w}: expected one of {', '.join(EXPIRES_BASES)}, got {v!r}")
            out[k] = v
        elif k in RELATION_FIELDS:
            out[k] = _parse_relations(v, w)
        elif k == "aliases":
            if v is None:
                v = []
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(a, str) and a.strip() for a in v):
                raise CatalogError(f"{w}: expected a list of non-empty strings, got {v!r}")
            out[k] = [prepare(a).strip() for a in v]
        elif k == "decision_articles":
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise CatalogError(f"{w}: expected a whole number or null, got {v!r}")
            out[k] = v
    return out


def _read_file(path: Path) -> list[dict[str, Any]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise CatalogError(f"{path}: catalog file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogError(f"{path}: cannot read catalog file: {e}") from e
    return _parse_text(text, path)


def _parse_text(text: str, path: Path) -> list[dict[str, Any]]:
    data = _yaml_load(path, text)
    if data is None:
        return []
    if isinstance(data, dict):
        unknown = set(data) - {"schema", "documents"}
        if unknown:
            raise CatalogError(f"{path}: unknown top-level key(s) {sorted(unknown)} (expected 'schema', 'documents')")
        schema = data.get("schema", 1)
        if schema != 1:
            raise CatalogError(f"{path}: field 'schema': unsupported version {schema!r} (expected 1)")
        docs = data.get("documents") or []
    else:
        docs = data
    if not isinstance(docs, list):
        raise CatalogError(f"{path}: field 'documents': expected a list of entries, got {type(docs).__name__}")
    return [_parse_entry(raw, path, i) for i, raw in enumerate(docs)]


BUNDLED_NAME = "catalog.yaml"


def _bundled_path() -> Path:
    """Where the bundled catalog lives (for messages; read through importlib.resources)."""
    return Path(__file__).with_name(BUNDLED_NAME)


@functools.lru_cache(maxsize=1)
def _bundled_entries() -> tuple[tuple[tuple[str, Any], ...], ...]:
    from importlib.resources import files

    text = files("corpus").joinpath(BUNDLED_NAME).read_text(encoding="utf-8")
    parsed = _parse_text(text, _bundled_path())
    return tuple(tuple(d.items()) for d in parsed)


def _copy_field(v: Any) -> Any:
    if isinstance(v, list):
        return [replace(x) if isinstance(x, Relation) else x for x in v]
    return v


def env_catalog_paths() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


# ──────────────────────────────────────────── catalog ───────────────────────────────────────────


class Catalog:
    """The documents the project knows. Build with `Catalog.load()`."""

    def __init__(self, entries: Iterable[Entry] = ()):
        self._entries: list[Entry] = []
        self._by_key: dict[str, Entry] = {}
        for e in entries:
            self._put(e)
        self._complete_inverses()
        self._alias_cache: Any = None

    # construction ---------------------------------------------------------------------------

    def _put(self, e: Entry) -> None:
        k = e.key
        if k in self._by_key:
            old = self._by_key[k]
            self._entries[self._entries.index(old)] = e
        else:
            self._entries.append(e)
        self._by_key[k] = e

    @classmethod
    def load(cls, extra: Iterable[str | os.PathLike] = (), *, use_env: bool = True) -> "Catalog":
        """The bundled catalog, then the files in $TDKT_CATALOG, then `extra` (later files
        override earlier ones field by field, matched by số hiệu)."""
        bundled = _bundled_path()
        entries: dict[str, Entry] = {}
        order: list[str] = []

        def merge(parsed: list[dict[str, Any]], src: Path) -> None:
            for i, d in enumerate(parsed):
                k = doc_key(d["doc"])
                if k in entries:
                    old = entries[k]
                    changes = {n: _copy_field(v) for n, v in d.items() if n != "doc"}
                    entries[k] = replace(old, **changes, source=str(src))
                else:
                    if "type" not in d:
                        t = type_of_doc(d["doc"])
                        if t is None:
                            raise CatalogError(
                                f"{src}: documents[{i}] (doc {d['doc']!r}): field 'type': missing "
                                f"(required for a document the catalog does not know yet)"
                            )
                        d = {**d, "type": t}
                    entries[k] = Entry(**{n: _copy_field(v) for n, v in d.items()}, source=str(src))
                    order.append(k)

        merge([dict(t) for t in _bundled_entries()], bundled)
        paths = (env_catalog_paths() if use_env else []) + [Path(p) for p in extra]
        for p in paths:
            merge(_read_file(p), p)
        return cls(entries[k] for k in order)

    @classmethod
    def default(cls) -> "Catalog":
        """A cached `Catalog.load()` (re-read when $TDKT_CATALOG changes)."""
        return _default_catalog(os.environ.get(ENV_VAR, ""))

    def _complete_inverses(self) -> None:
        for e in list(self._entries):
            for rel_field, inv_field in _INVERSE.items():
                for rel in getattr(e, rel_field):
                    t = self._by_key.get(doc_key(rel.doc))
                    if t is None or t is e:
                        continue
                    inv: list[Relation] = getattr(t, inv_field)
                    if any(doc_key(r.doc) == e.key for r in inv):
                        continue
                    inv.append(Relation(doc=e.doc, effective=rel.effective, note=rel.note))

    # lookup ---------------------------------------------------------------------------------

    @property
    def entries(self) -> list[Entry]:
        return list(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, doc: object) -> bool:
        return isinstance(doc, str) and self.get(doc) is not None

    def get(self, doc: str) -> Entry | None:
        """The entry for a số hiệu, tolerant to NFC/NFD, case, ND/NĐ, QD/QĐ, spaces; also
        accepts an alias ("nđ 152", "luật tđkt 2022") or a short form ("Nghị định 152/2025")."""
        if not doc or not doc.strip():
            return None
        e = self._by_key.get(doc_key(doc))
        if e is not None:
            return e
        hit = self.alias_lookup(doc)
        if hit is not None:
            return hit
        from corpus.refs import scan_mentions  # local import: refs builds on this module

        ms = [m for m in scan_mentions(doc, self) if m.known]
        if len(ms) == 1 and (ms[0].end - ms[0].start) >= 0.6 * len(doc.strip()):
            return self._by_key.get(doc_key(ms[0].doc))
        return None

    def get_exact(self, doc: str) -> Entry | None:
        """Lookup by số hiệu key only (no aliases)."""
        return self._by_key.get(doc_key(doc))

    def alias_lookup(self, text: str) -> Entry | None:
        from corpus.refs import canonical_alias

        hit = self._aliases()[0].get(canonical_alias(text))
        return self._by_key.get(hit[0]) if hit else None

    def _aliases(self) -> tuple[dict[str, tuple[str, bool]], Any]:
        """(canonical alias → (entry key, weak)), compiled alias regex. Built once per catalog."""
        if self._alias_cache is None:
            from corpus.refs import build_alias_index

            self._alias_cache = build_alias_index(self)
        return self._alias_cache

    def find(self, type: str | None = None, number: int | None = None, year: int | None = None) -> list[Entry]:
        """Entries by type, number and year (short forms: "NĐ 152", "KH 157", "luật 2022")."""
        out = []
        for e in self._entries:
            if type is not None and e.type != type:
                continue
            if number is not None and e.number != number:
                continue
            if year is not None and e.year != year:
                continue
            out.append(e)
        out.sort(key=lambda e: e.issued or e.effective or date.min, reverse=True)
        return out

    def by_file(self, name: str | os.PathLike) -> Entry | None:
        """The entry whose `file_hint` is the file's stem."""
        stem = Path(name).name
        for suffix in (".docx", ".doc", ".pdf", ".md", ".txt", ".html", ".json"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        for e in self._entries:
            if e.file_hint and e.file_hint.lower() == stem.lower():
                return e
        return None

    def label(self, doc: str) -> str:
        """Display name "Luật 06/2022/QH15" (type inferred from the code when not catalogued)."""
        e = self.get_exact(doc)
        if e is not None:
            return e.label
        d = normalize_doc(doc)
        t = type_of_doc(d)
        return f"{t} {d}" if t else d

    def consolidated_in(self, doc: str) -> list[Entry]:
        """Văn bản hợp nhất that consolidate `doc` (15/2003/QH11 → 16/VBHN-VPQH)."""
        k = doc_key(doc)
        return [e for e in self._entries if any(doc_key(r.doc) == k for r in e.consolidates)]

    def guided_by(self, doc: str) -> list[Entry]:
        """Documents that detail / guide `doc`."""
        k = doc_key(doc)
        return [e for e in self._entries if any(doc_key(r.doc) == k for r in e.guides)]

    # validity -------------------------------------------------------------------------------

    def _successor_date(self, rel: Relation, seen: frozenset[str]) -> tuple[date | None, bool]:
        """When a successor took over: (date, exact). Upper bound from the successor's own end
        when its start is unknown (a replaced document ended no later than its replacement)."""
        if rel.effective:
            return rel.effective, True
        s = self._by_key.get(doc_key(rel.doc))
        if s is None:
            return None, False
        if s.effective:
            return s.effective, True
        end, _exact, _basis = self._end(s, seen)
        return end, False

    def _end(self, e: Entry, seen: frozenset[str] = frozenset()) -> tuple[date | None, bool, str | None]:
        """(end date, exact, basis) of an entry."""
        if e.expires:
            return e.expires, True, e.expires_basis
        if e.key in seen:
            return None, False, None
        seen = seen | {e.key}
        best: tuple[date | None, bool] = (None, False)
        for rel in e.replaced_by + e.repealed_by:
            d, exact = self._successor_date(rel, seen)
            if d is None:
                continue
            if best[0] is None or d < best[0] or (d == best[0] and exact):
                best = (d, exact)
        if best[0] is None:
            return None, False, None
        return best[0], best[1], "derived"

    def _related(self, rel: Relation, held_keys: set[str] | None, as_of: date | None = None) -> Related:
        t = self._by_key.get(doc_key(rel.doc))
        eff = rel.effective or (t.effective if t else None)
        held = None if held_keys is None else doc_key(rel.doc) in held_keys
        in_force = None
        if as_of is not None and eff is not None:
            in_force = as_of >= eff
        held_in = None
        if held is False:
            for v in self.consolidated_in(rel.doc):
                if v.key in held_keys:  # type: ignore[operator]
                    held_in = v.doc
                    break
        return Related(
            doc=t.doc if t else rel.doc,
            label=t.label if t else self.label(rel.doc),
            effective=eff,
            held=held,
            known=t is not None,
            in_force=in_force,
            note=rel.note,
            held_in=held_in,
        )

    def status(
        self,
        doc: str | Entry,
        as_of: date | None = None,
        held: Iterable[str] | None = None,
        soon_days: int = 180,
    ) -> Status:
        """Validity of `doc` on `as_of` (default: today), from the catalog's facts only.

        held: số hiệu of the documents the caller's corpus holds; when given, every related
        document (amendment, successor) carries `held` True/False and the text flags those not
        held ("(không có trong kho)"). soon_days: window for `expiring_soon`.
        """
        as_of = as_of or date.today()
        e = doc if isinstance(doc, Entry) else self.get(doc)
        held_keys = None if held is None else {doc_key(h) for h in held}
        if e is None:
            d = normalize_doc(doc) if isinstance(doc, str) else str(doc)
            return Status(
                doc=d,
                code=UNKNOWN,
                text=f"{UNKNOWN}: văn bản {d} không có trong danh mục",
                in_force=False,
                as_of=as_of,
                held=None if held_keys is None else doc_key(d) in held_keys,
            )

        def nh(r: Related) -> str:
            if r.held is False and r.held_in:
                return f" (nội dung có trong {self.label(r.held_in)})"
            return " (không có trong kho)" if r.held is False else ""

        since = e.effective
        from_issue = False
        if since is None and e.type in PLAN_TYPES and e.issued:
            since, from_issue = e.issued, True
        end, end_exact, end_basis = self._end(e)
        successors = [self._related(r, held_keys, as_of) for r in e.replaced_by]
        repealers = [self._related(r, held_keys, as_of) for r in e.repealed_by]
        amendments = [self._related(r, held_keys, as_of) for r in e.amended_by]

        def succ_text() -> str:
            parts = []
            if successors:
                parts.append("thay thế bởi " + ", ".join(s.label + nh(s) for s in successors))
            if repealers:
                parts.append("bãi bỏ bởi " + ", ".join(s.label + nh(s) for s in repealers))
            return "; ".join(parts)

        def end_phrase(future: bool) -> str:
            if end is None:
                return ""
            verb = "hết hiệu lực từ" if end_exact else "hết hiệu lực chậm nhất từ"
            s = f"{verb} {_vn_date(end)}"
            if end_basis == "inferred":
                s += " (ngày suy luận của danh mục, không có văn bản nào ghi ngày này; xem ghi chú)"
            elif end_basis == "scheduled":
                src = f" theo {e.expires_source}" if e.expires_source else ""
                s += src + (" (trừ trường hợp được kéo dài)" if future else " (nếu không được kéo dài)")
            return s

        st = Status(
            doc=e.doc,
            code=UNKNOWN,
            text="",
            in_force=False,
            as_of=as_of,
            since=since,
            until=end,
            until_exact=end_exact if end else True,
            end_basis=end_basis,
            held=None if held_keys is None else e.key in held_keys,
            replaced_by=successors,
            repealed_by=repealers,
            amendments=amendments,
            notes=e.notes,
        )
        if st.held is False:
            st.held_in = next((v.doc for v in self.consolidated_in(e.doc) if v.key in held_keys), None)  # type: ignore[operator]

        if end is not None and as_of >= end:
            st.code = EXPIRED
            text = end_phrase(future=False)
            if not end_exact:
                text += " (ngày thay thế không có trong dữ liệu)"
            sx = succ_text()
            st.text = text + (f" — {sx}" if sx else "")
            return st

        if since is not None and as_of < since:
            st.code = NOT_YET
            st.text = f"{NOT_YET} (có hiệu lực từ {_vn_date(since)})"
            return st

        if since is None:
            st.code = UNKNOWN
            bits = [UNKNOWN + ": ngày có hiệu lực không có trong dữ liệu"]
            if e.issued:
                bits.append(f"ban hành {_vn_date(e.issued)}")
            if end is not None:
                bits.append(end_phrase(future=True))
            sx = succ_text()
            if sx:
                bits.append(sx + ("" if end else " (ngày không có trong dữ liệu)"))
            st.text = "; ".join(bits)
            return st

        if (successors or repealers) and end is None:
            # Replaced at an unknown date: the catalog cannot say whether it was still in force.
            st.code = UNKNOWN
            st.text = (
                f"{UNKNOWN}: có hiệu lực từ {_vn_date(since)}; {succ_text()} "
                f"(ngày không có trong dữ liệu)"
            )
            return st

        st.code = IN_FORCE
        st.in_force = True
        if from_issue:
            text = f"{IN_FORCE} (kế hoạch đang thực hiện từ ngày ban hành {_vn_date(since)})"
        else:
            text = f"{IN_FORCE} (từ {_vn_date(since)})"
        current = [a for a in amendments if a.in_force]
        pending = [a for a in amendments if a.in_force is False]
        undated = [a for a in amendments if a.in_force is None]
        if current:
            text += "; được sửa đổi, bổ sung bởi " + ", ".join(
                f"{a.label} từ {_vn_date(a.effective)}{nh(a)}" for a in current
            )
        if pending:
            text += "; sẽ được sửa đổi, bổ sung bởi " + ", ".join(
                f"{a.label} từ {_vn_date(a.effective)}{nh(a)}" for a in pending
            )
        if undated:
            text += "; được sửa đổi, bổ sung bởi " + ", ".join(
                f"{a.label} (ngày hiệu lực không có trong dữ liệu){nh(a)}" for a in undated
            )
        if end is not None:
            st.scheduled_expiry = end
            st.expiring_soon = (end - as_of).days <= soon_days
            text += "; " + end_phrase(future=True)
            sx = succ_text()
            if sx:
                text += f" — {sx}"
        st.text = text
        return st

    def expiring(self, as_of: date | None = None, within_days: int = 180) -> list[tuple[Entry, date]]:
        """In-force documents whose known end date falls within `within_days` of `as_of`."""
        as_of = as_of or date.today()
        out = []
        for e in self._entries:
            st = self.status(e, as_of, soon_days=within_days)
            if st.in_force and st.expiring_soon and st.scheduled_expiry:
                out.append((e, st.scheduled_expiry))
        return sorted(out, key=lambda t: t[1])

    def to_json(self, doc: str | Entry, as_of: date | None = None, held: bool = False,
                counts: dict[str, Any] | None = None) -> dict[str, Any]:
        e = doc if isinstance(doc, Entry) else self.get(doc)
        if e is None:
            raise KeyError(doc)
        return to_json(e, as_of or date.today(), held, counts, catalog=self)


@functools.lru_cache(maxsize=4)
def _default_catalog(env_value: str) -> Catalog:
    return Catalog.load()


def to_json(
    entry: Entry,
    as_of: date,
    held: bool,
    counts: dict[str, Any] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The record `tdkt documents --json` prints for one document.

    counts: {"articles": int, "attached_articles": int|None, "sections": int|None} from the
    caller's parsed document (None when not held). catalog: for derived validity (defaults to
    `Catalog.default()`, or a catalog of this entry alone when it is not in the default).
    """
    if catalog is None:
        catalog = Catalog.default()
        if catalog.get_exact(entry.doc) is not entry and catalog.get_exact(entry.doc) is None:
            catalog = Catalog([entry])
    st = catalog.status(entry, as_of)
    counts = counts or {}
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "doc": entry.doc,
        "type": entry.type,
        "title": entry.title,
        "issuer": entry.issuer,
        "issued": iso(entry.issued),
        "effective": iso(entry.effective),
        "expires": iso(entry.expires),
        "status": st.code,
        "held": bool(held),
        "articles": counts.get("articles"),
        "attached_articles": counts.get("attached_articles"),
        "sections": counts.get("sections"),
        "replaced_by": [r.doc for r in entry.replaced_by],
        "amended_by": [r.doc for r in entry.amended_by],
    }
