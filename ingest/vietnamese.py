"""Vietnamese text utilities: normalization, folding, tokens, a syllable model and two repairs.

Pure Python (``unicodedata`` + ``re``), no word lists: every decision is made by rules over
syllables (onset + rhyme + at most one tone mark).

- ``nfc``, ``canonical_tone_marks``, ``normalize``: Unicode NFC, one tone-mark placement
  ("hoà" → "hòa", "thuỷ" → "thủy", "Uỷ" → "Ủy", "khoẻ" → "khỏe"), odd spaces.
- ``fold``: diacritic-insensitive form (lower case, no marks, đ → d).
- ``tokens``: lower-cased tokens for matching.
- ``is_syllable``: is a token a well-formed Vietnamese syllable?
- ``repair_glued``: restore the space a legal portal lost before an accented word
  ("định cưở nước ngoài" → "định cư ở nước ngoài").
- ``rejoin_split_syllables``: undo pypdf's spaces inside syllables ("Nhà n ước" → "Nhà nước").
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from functools import lru_cache

__all__ = [
    "nfc",
    "canonical_tone_marks",
    "normalize",
    "fold",
    "tokens",
    "is_syllable",
    "repair_glued",
    "rejoin_split_syllables",
]

# --------------------------------------------------------------------------------------------
# Unicode basics

# The five tone marks (combining, as they appear after NFD). Vowel-quality marks (circumflex
# U+0302, breve U+0306, horn U+031B) are part of the letter, not the tone.
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
TONE_MARKS = frozenset((_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT))

VOWELS = frozenset("aăâeêioôơuưy")

# Spaces that are not U+0020 (kept: \n, \r, \t) and invisible characters that are dropped.
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# A run of letters (no digits, no underscore) in NFC text.
_LETTERS = re.compile(r"[^\W\d_]+")
# A token: letters and digits (Unicode-aware), never underscore or punctuation.
_TOKEN = re.compile(r"[^\W_]+")


def nfc(text: str) -> str:
    """Unicode NFC (composed) form: what every other function here expects and returns."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip every diacritic, đ → d: "Điều 24 Khen thưởng" → "dieu 24 khen thuong"."""
    if text.isascii():  # nothing to strip (typed without diacritics, numbers, codes)
        return text.lower()
    # Memoized: answering one question folds ~2,000 words, mostly the same ones, and the texts
    # of the provisions it retrieved, the same ones question after question.
    if len(text) <= 32:
        return _fold_word(text)
    if len(text) <= 10_000:
        return _fold_text(text)
    return _fold(text)


@lru_cache(maxsize=1 << 16)
def _fold_word(text: str) -> str:
    return _fold(text)


@lru_cache(maxsize=2048)
def _fold_text(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return nfc(stripped.replace("đ", "d").replace("Đ", "d"))


def tokens(text: str) -> list[str]:
    """Lower-cased tokens: maximal runs of letters and digits (Unicode-aware, after NFC).

    Everything else (spaces, punctuation, "/", "-", "_") separates tokens; one-letter tokens
    are kept. "Số 152/2025/NĐ-CP, Điều 3." → ["số", "152", "2025", "nđ", "cp", "điều", "3"].
    A run mixing letters and digits stays one token ("QH13" → "qh13").
    """
    return _TOKEN.findall(nfc(text).lower())  # no groups in _TOKEN: the whole matches


# --------------------------------------------------------------------------------------------
# The syllable model

_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # longest first, so the first match is the longest onset


def _rhymes() -> frozenset[str]:
    """The rhyme inventory (toneless, NFC, lower case)."""
    r: set[str] = set()
    # nucleus → finals it combines with ("" = open).
    table = {
        "a": ["", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "o", "u", "y"],
        "ă": ["c", "m", "n", "ng", "p", "t"],
        "â": ["c", "m", "n", "ng", "p", "t", "u", "y"],
        "e": ["", "c", "ch", "m", "n", "ng", "p", "t", "o"],
        "ê": ["", "ch", "m", "n", "nh", "p", "t", "u"],
        "i": ["", "ch", "m", "n", "nh", "p", "t", "u", "a"],
        "y": [""],
        "o": ["", "c", "m", "n", "ng", "p", "t", "i"],
        "oo": ["c", "ng"],
        "ô": ["", "c", "m", "n", "ng", "p", "t", "i"],
        "ơ": ["", "m", "n", "p", "t", "i"],
        "u": ["", "c", "m", "n", "ng", "p", "t", "i", "a"],
        "ư": ["", "c", "m", "n", "ng", "t", "i", "u", "a"],
        "iê": ["c", "m", "n", "ng", "p", "t", "u"],
        "yê": ["m", "n", "t", "u"],
        "uô": ["c", "m", "n", "ng", "p", "t", "i"],
        "ươ": ["c", "m", "n", "ng", "p", "t", "i", "u"],
    }
    for nucleus, finals in table.items():
        for f in finals:
            r.add(nucleus + f)
    # medial o / u (written o before a, ă, e; u before â, ê, ơ, y)
    r |= {"oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay"}
    r |= {"oăc", "oăm", "oăn", "oăng", "oăt"}
    r |= {"oe", "oen", "oeo", "oet", "oem"}
    r |= {"uâ", "uân", "uâng", "uât", "uây"}
    r |= {"uê", "uêch", "uênh", "uên", "uêt"}
    r |= {"uơ"}
    r |= {"uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyt", "uyu", "uyn"}
    return frozenset(r)


RHYMES = _rhymes()
# Rhymes whose final is a stop: only the sắc and nặng tones (or none? no: always one of them).
_STOP_FINALS = ("c", "ch", "p", "t")


def _split_tone(word: str) -> tuple[str, list[str]] | None:
    """NFD-split a (lower-case) word into its toneless NFC letters and the tone marks found.

    Returns None when a tone mark does not follow a vowel.
    """
    out: list[str] = []
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONE_MARKS:
            if not out:
                return None
            tones.append(ch)
        else:
            out.append(ch)
    return nfc("".join(out)), tones


def _rhyme_ok(onset: str, rhyme: str) -> bool:
    """Is `rhyme` (toneless) a valid rhyme after `onset` (spelling rules included)?"""
    if onset == "qu":
        # "qu" carries the medial: quốc = qu + ôc (uôc), quý = qu + y, qua = qu + a (oa).
        if not rhyme or rhyme[0] in "uo":
            return False
        return ("u" + rhyme) in RHYMES or (rhyme[0] in "aăe" and ("o" + rhyme) in RHYMES)
    if onset == "gi":
        # gi + a (gia), gi + ưa (giữa), gi + ê… (giếng = gi + iêng); "gì"/"gìn" parse as g+i… below.
        if not rhyme:
            return False
        if rhyme in RHYMES and not rhyme.startswith(("i", "y")):
            return not rhyme.startswith("yê")
        return rhyme.startswith("ê") and ("i" + rhyme) in RHYMES
    if rhyme not in RHYMES:
        return False
    if onset == "":
        return not rhyme.startswith("iê")  # yên, yêu (not iên) without an onset
    if rhyme.startswith("yê"):
        return False  # tiên, not tyên
    front = rhyme.startswith(("i", "e", "ê", "y"))
    if onset in ("k", "gh", "ngh"):
        return front
    if onset in ("c", "g", "ng"):
        if front:
            return False
        if onset == "c" and rhyme.startswith(("oa", "oă", "oe", "uy", "uâ", "uê", "uơ")):
            return False  # written qu-
    return True


@lru_cache(maxsize=65536)
def _parse(word: str) -> tuple[str, str, str] | None:
    """Parse a lower-case NFC word into (onset, toneless rhyme, tone mark or "")."""
    split = _split_tone(word)
    if split is None:
        return None
    base, tones = split
    if len(tones) > 1 or not base or not base.isalpha():
        return None
    tone = tones[0] if tones else ""
    candidates = []
    if base.startswith("gi") and (len(base) == 2 or base[2] not in VOWELS):
        candidates.append(("g", base[1:]))  # gì, gìn, gịt: the i is the vowel
    for onset in _ONSETS:
        if base.startswith(onset):
            candidates.append((onset, base[len(onset):]))
            break
    if base.startswith("gi") and ("gi", base[2:]) not in candidates:
        candidates.append(("gi", base[2:]))
    for onset, rhyme in candidates:
        if onset == "g" and rhyme.startswith("i") and base.startswith("gi"):
            ok = (rhyme in RHYMES) and not rhyme.startswith("iê")
        else:
            ok = _rhyme_ok(onset, rhyme)
        if not ok:
            continue
        if rhyme.endswith(_STOP_FINALS) and tone not in (_ACUTE, _DOT):
            continue  # stop finals take only sắc or nặng
        return onset, rhyme, tone
    return None


def is_syllable(token: str) -> bool:
    """True if `token` is one well-formed Vietnamese syllable (case-insensitive, NFC or NFD).

    Onset + rhyme from the real inventory + at most one tone mark on a vowel; a rhyme with a
    stop final (c, ch, p, t) takes only sắc or nặng. "nước", "khuyết", "nghiêng", "quốc", "gì",
    "ý", "oái", "ước" are syllables; "cưở" (ươ needs a final), "tếở", "tòaán", "lấyý",
    "trungương", a bare "n", numbers and Latin words like "email" are not.
    """
    if not token:
        return False
    return _parse(nfc(token).lower()) is not None


# --------------------------------------------------------------------------------------------
# Tone-mark placement


def _tone_index(onset: str, rhyme: str) -> int:
    """Index, within the rhyme, of the vowel that carries the tone (the "hòa, thủy" style)."""
    vowel_idx = [i for i, ch in enumerate(rhyme) if ch in VOWELS]
    if not vowel_idx:
        return -1
    # A final is whatever follows the vowels; semivowel finals i/y/o/u count as vowels here.
    last_v = vowel_idx[-1]
    has_cons_final = last_v < len(rhyme) - 1
    marked = [i for i in vowel_idx if rhyme[i] in "ăâêôơư"]
    if marked:
        # ươ → ơ (the only nucleus with two marked vowels); otherwise the marked vowel.
        return marked[-1]
    if has_cons_final:
        return last_v  # hoàng, toán, quỳnh, khuých
    nv = len(vowel_idx)
    if nv == 1:
        return vowel_idx[0]
    if nv == 2:
        return vowel_idx[0]  # hòa, khỏe, thủy, mía, múa, hài, cháo, túi (the style asked for)
    return vowel_idx[1]  # oai, oay, uya, uyu, oeo: the middle vowel


def _retone_word(word: str) -> str:
    """Move the tone mark of one syllable (any case, NFC) to its canonical vowel."""
    parsed = _parse(word.lower())
    if parsed is None:
        return word
    onset, rhyme, tone = parsed
    if not tone:
        return word
    # Toneless letters with case kept.
    letters = [nfc("".join(c for c in unicodedata.normalize("NFD", ch) if c not in TONE_MARKS)) for ch in word]
    if onset == "g" and rhyme.startswith("i"):
        offset = 1  # gì: the i belongs to the rhyme
    else:
        offset = len(onset)
    idx = _tone_index(onset, rhyme)
    if idx < 0:
        return word
    target = offset + idx
    letters[target] = nfc(letters[target] + tone)
    new = "".join(letters)
    return new


def canonical_tone_marks(text: str) -> str:
    """Place tone marks the way most current documents do: "hoà" → "hòa", "thuỷ" → "thủy",
    "Uỷ" → "Ủy", "khoẻ" → "khỏe"; "quý", "hoàng", "thuyền", "hoài" stay. Case is kept.

    Works per syllable by rules (oa/oe/uy without a final take the tone on the first vowel,
    with a final on the last; a vowel with a quality mark takes it; ươ → ơ; triphthongs on the
    middle vowel; qu/gi onsets are not part of the rhyme). Input may be NFD; output is NFC.
    Tokens that are not syllables are left untouched.
    """
    text = nfc(text)
    return _LETTERS.sub(lambda m: _retone_word(m.group(0)), text)


def normalize(text: str) -> str:
    """NFC + canonical tone marks + odd spaces (NBSP, thin, ideographic…) to " ", zero-width
    characters and soft hyphens removed. Newlines and tabs are kept; runs of spaces are kept."""
    text = _ZERO_WIDTH.sub("", nfc(text))
    text = _ODD_SPACES.sub(" ", text)
    return canonical_tone_marks(text)


# --------------------------------------------------------------------------------------------
# Repairs


def _has_vietnamese_mark(s: str) -> bool:
    return any(ord(ch) > 0x7F for ch in s)


def _starts_with_vowel(s: str) -> bool:
    if not s:
        return False
    base = unicodedata.normalize("NFD", s[0].lower())[0]
    return base in "aeiouy"


def _split_glued(word: str, depth: int = 0) -> list[str] | None:
    """Split a non-syllable letter run into valid syllables glued before an accented-vowel-initial
    or capitalized syllable ("cưở" → ["cư", "ở"], "tịchỦy" → ["tịch", "Ủy"]). None if no split."""
    n = len(word)
    best: list[str] | None = None
    for i in range(n - 1, 0, -1):  # longest first piece first
        left, right = word[:i], word[i:]
        if len(left) < 2:
            continue  # "ươ", "iếp": fragments, not glued words
        inner_cap = right[0].isupper() and left[-1].islower()
        accented_vowel = _starts_with_vowel(right) and ord(right[0]) > 0x7F
        if not (accented_vowel or inner_cap):
            continue  # "Lênin" is not "Lên in": only accented vowels lost their space
        if len(right) == 1 and not any(c in TONE_MARKS for c in unicodedata.normalize("NFD", right)):
            continue  # a lone toneless vowel ("viê") is an OCR fragment, not a word
        if not is_syllable(left):
            continue
        if is_syllable(right):
            return [left, right]
        if depth < 2 and best is None:
            rest = _split_glued(right, depth + 1)
            if rest is not None:
                best = [left, *rest]
    return best


def _repair_word(word: str) -> str:
    if is_syllable(word):
        return word
    if len(word) < 2 or not _has_vietnamese_mark(word):
        return word  # single letters; Latin/English words (email, online, Internet)
    parts = _split_glued(word)
    if parts is None:
        return word
    if word.isupper() and min(len(p) for p in parts) < 2:
        return word  # all-caps abbreviations (TĐKT, UBND, HĐND, CSTĐ) stay; "TRUNGƯƠNG" splits
    return " ".join(parts)


def repair_glued(text: str) -> str:
    """Restore a space lost before a vowel-initial (usually accented) or capitalized word.

    A letter run that is not a syllable but splits into valid syllables, each later piece
    starting with a vowel or with a capital inside the run, is split: "định cưở nước ngoài" →
    "định cư ở nước ngoài", "quốc tếở" → "quốc tế ở", "Tòaán" → "Tòa án", "lấyý" → "lấy ý",
    "Chủ tịchỦy ban" → "Chủ tịch Ủy ban", "trungương" → "trung ương", "cóít" → "có ít".
    Valid syllables, numbers, all-caps abbreviations (TĐKT, UBND) and plain-ASCII (Latin or
    English) words are never touched. Returns NFC text.
    """
    text = nfc(text)
    return _LETTERS.sub(lambda m: _repair_word(m.group(0)), text)


_BARE_CLUSTERS = frozenset(o for o in _ONSETS if o) | {"ngh", "gh", "kh", "qu", "gi", "tr"}

# Letter pieces separated by exactly one space (pypdf's intra-word gap), or by nothing.
_PIECE = re.compile(r"[^\W\d_]+")


def _joinable(left: str, right: str, known: Collection[str] | None) -> bool:
    joined = left + right
    if not is_syllable(joined):
        return False
    # A lone upper-case letter before a lower-case piece ("T ổ") or same-case pieces only.
    if right[0].isupper() and not left.isupper():
        return False
    if left.isupper() and len(left) > 1 and right.islower():
        return False
    if not is_syllable(left) or left.lower() in _BARE_CLUSTERS:
        return True
    if not any(_starts_with_vowel(ch) for ch in right):
        return False  # a bare consonant ("n" in "Nhà n ước") belongs to the next piece
    if not is_syllable(right):
        return True
    # Both pieces are syllables ("Lu ật", "Hi ến", "kho ản"): join only when the text itself
    # attests the joined word ("Luật") as a whole token, never on shape alone ("cho ai").
    return known is not None and joined.lower() in known


def rejoin_split_syllables(text: str, known_words: Collection[str] | None = None) -> str:
    """Undo spaces that PDF text extraction put inside syllables.

    "Nhà n ước" → "Nhà nước", "khen th ưởng" → "khen thưởng", "Mặt tr ận T ổ qu ốc" →
    "Mặt trận Tổ quốc". Adjacent letter pieces separated by one space are joined when the join
    is a valid syllable and the left piece is not a syllable (or is a bare consonant cluster
    such as "n", "th", "tr", "qu", "ngh"), or the right piece is not a syllable. Two valid
    syllables are not joined on shape alone; they are joined only when the joined word is
    attested as a whole token in `known_words` (lower-case), which defaults to the tokens of
    `text` itself: "Lu ật" becomes "Luật" in a document that elsewhere spells "Luật", while
    "cho ai" never becomes "choai". Pass the tokens of a whole document to use its vocabulary.
    """
    text = nfc(text)
    if known_words is None:
        known_words = set(tokens(text))
    out: list[str] = []
    pos = 0
    matches = list(_PIECE.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        cur = m.group(0)
        start, end = m.start(), m.end()
        j = i
        while j + 1 < len(matches):
            nxt = matches[j + 1]
            gap = text[end:nxt.start()]
            if gap != " ":
                break
            if not _joinable(cur, nxt.group(0), known_words):
                break
            cur += nxt.group(0)
            end = nxt.end()
            j += 1
        out.append(text[pos:start])
        out.append(cur)
        pos = end
        i = j + 1
    out.append(text[pos:])
    return "".join(out)


def vocabulary(text: str) -> Counter[str]:
    """Token counts of `text` (lower case): handy as `known_words` for rejoin_split_syllables."""
    return Counter(tokens(text))
