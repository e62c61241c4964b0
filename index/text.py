"""Query and passage text for retrieval: Vietnamese syllable tokens, folding, abbreviations,
and diacritic restoration for questions typed without tone marks.

- ``lex_tokens`` / ``fold_tokens``: the two BM25 token streams (syllables as written, and the
  same syllables folded: no diacritics, đ → d). One-letter syllables are kept, nothing is
  stemmed, no stopword list. Numbers lose their leading zeros ("03 lần" = "3 lần").
- ``has_diacritics``: does a question carry Vietnamese marks (ignoring the abbreviations)?
- ``expand_abbreviations``: "CSTĐCS" → "chiến sĩ thi đua cơ sở", also typed "cstdcs".
- ``Restorer``: puts the tone marks back on an unaccented question from the corpus's own
  syllable unigrams and bigrams (Viterbi), so the dense model, which is useless on unaccented
  text, sees Vietnamese again.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from ingest.vietnamese import canonical_tone_marks, fold, nfc

# ---------------------------------------------------------------------------------------------
# Abbreviations users type (shared/notes/domain.md). Keys are folded (no marks, đ → d); the
# longest abbreviation wins because tokens are whole words ("cstdcs" is one token).

ABBREVIATIONS: dict[str, str] = {
    "tdkt": "thi đua, khen thưởng",
    "cstd": "chiến sĩ thi đua",
    "cstdcs": "chiến sĩ thi đua cơ sở",
    "cstdtq": "chiến sĩ thi đua toàn quốc",
    "ldtt": "lao động tiên tiến",
    "cstt": "chiến sĩ tiên tiến",
    "ttldxs": "tập thể lao động xuất sắc",
    "ttldtt": "tập thể lao động tiên tiến",
    "htxsnv": "hoàn thành xuất sắc nhiệm vụ",
    "httnv": "hoàn thành tốt nhiệm vụ",
    "htnv": "hoàn thành nhiệm vụ",
    "bk": "bằng khen",
    "bkttcp": "bằng khen của Thủ tướng Chính phủ",
    "bkttg": "bằng khen của Thủ tướng Chính phủ",
    "hcld": "huân chương lao động",
    "hc": "huân chương",
    "gk": "giấy khen",
    "hdtdkt": "hội đồng thi đua - khen thưởng",
    "ubnd": "ủy ban nhân dân",
    "hdnd": "hội đồng nhân dân",
    "nd": "nghị định",
    "tt": "thông tư",
    "qd": "quyết định",
    "kh": "kế hoạch",
    "hd": "hướng dẫn",
    "bnv": "Bộ Nội vụ",
    "snv": "Sở Nội vụ",
    "skkn": "sáng kiến kinh nghiệm",
    "bc": "báo cáo",
    "bctt": "báo cáo thành tích",
    "ttg": "Thủ tướng",
    "ttcp": "Thủ tướng Chính phủ",
    "cp": "Chính phủ",
    "kt": "khen thưởng",
    "td": "thi đua",
    "btv": "Ban Thường vụ",
    "cbccvc": "cán bộ, công chức, viên chức",
    "ccvc": "công chức, viên chức",
    "nld": "người lao động",
    "dvsn": "đơn vị sự nghiệp",
    "dvsncl": "đơn vị sự nghiệp công lập",
    "vbhn": "văn bản hợp nhất",
    # Administrative shorthand of officers' notes (general usage, not from any question set).
    "cbcc": "cán bộ, công chức",
    "cbcnv": "cán bộ, công nhân viên",
    "nn": "Nhà nước",
    "tp": "thành phố",
    "vphc": "vi phạm hành chính",
    "vdv": "vận động viên",
    "hcv": "huy chương vàng",
    "hcb": "huy chương bạc",
    "ahld": "anh hùng lao động",
    "ahllvtnd": "anh hùng lực lượng vũ trang nhân dân",
    "bmvnah": "bà mẹ Việt Nam anh hùng",
    "nsnd": "nghệ sĩ nhân dân",
    "nsut": "nghệ sĩ ưu tú",
    "ngnd": "nhà giáo nhân dân",
    "ngut": "nhà giáo ưu tú",
    "hđ": "hội đồng",  # typed with đ; "HD" is hướng dẫn
    "pgđ": "phó giám đốc",  # typed with đ ("GD" is giáo dục); "GĐ" alone is also gia đình: see the pairs
    "sncl": "sự nghiệp công lập",
    # Further shorthand of the domain's titles and bodies (general usage, not from any question set).
    "ctd": "cờ thi đua",
    "ctdcp": "cờ thi đua của Chính phủ",
    "dvtt": "đơn vị tiên tiến",
    "dvqt": "đơn vị quyết thắng",
    "hcsv": "huân chương sao vàng",
    "hchcm": "huân chương Hồ Chí Minh",
    "hcdl": "huân chương độc lập",
    "hcqc": "huân chương quân công",
    "hcbvtq": "huân chương bảo vệ Tổ quốc",
    "knc": "kỷ niệm chương",
    "ttnd": "thầy thuốc nhân dân",
    "ttut": "thầy thuốc ưu tú",
    "nnnd": "nghệ nhân nhân dân",
    "nnut": "nghệ nhân ưu tú",
    "gthcm": "giải thưởng Hồ Chí Minh",
    "gtnn": "giải thưởng Nhà nước",
    "llvt": "lực lượng vũ trang",
    "mttq": "Mặt trận Tổ quốc",
    "htx": "hợp tác xã",
    "dn": "doanh nghiệp",
    "cb": "cán bộ",
    "vc": "viên chức",
    "cc": "công chức",  # as in CBCC, CCVC
    "lcs": "lương cơ sở",  # "bao nhiêu lần LCS"
    "mlcs": "mức lương cơ sở",
}
# Two-word abbreviations ("CT UBND" = Chủ tịch Ủy ban nhân dân; alone "CT" is ambiguous).
ABBREVIATION_PAIRS: dict[tuple[str, str], str] = {
    ("ct", "ubnd"): "chủ tịch ủy ban nhân dân",
    ("ct", "tinh"): "chủ tịch tỉnh",
    ("ct", "xa"): "chủ tịch xã",
    ("ct", "nuoc"): "chủ tịch nước",
    ("p", "gđ"): "phó giám đốc",  # "P.GĐ"
    ("ho", "gđ"): "hộ gia đình",  # "hộ GĐ"
}
# Keys typed with đ, which must not be matched folded ("hđ" hội đồng, not "hd" hướng dẫn).
_D_KEYS = {k for k in ABBREVIATIONS if "đ" in k} | {w for pair in ABBREVIATION_PAIRS for w in pair if "đ" in w}
# Chat shorthand seen in fast typing.
SHORTHAND: dict[str, str] = {"ko": "không", "k": "không", "j": "gì", "dc": "được", "đc": "được", "vs": "với",
                             "bn": "bao nhiêu", "bnh": "bao nhiêu", "dk": "điều kiện", "đk": "điều kiện",
                             "dv": "đơn vị", "đv": "đơn vị", "ng": "người"}

_TOKEN = re.compile(r"[^\W_]+")
_MARKED = re.compile(r"[^\x00-\x7f]")
_LETTERS = re.compile(r"[^\W\d_]+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


@lru_cache(maxsize=400_000)
def _retone(word: str) -> str:
    return canonical_tone_marks(word)


@lru_cache(maxsize=400_000)
def _fold_word(word: str) -> str:
    return fold(word)


def fast_normalize(text: str) -> str:
    """Same result as :func:`ingest.vietnamese.normalize`, with a per-word cache (the index
    normalizes every provision and every question). Texts up to 10,000 characters are also
    memoized whole: answering a question normalizes ~20 retrieved provisions, the same ones
    question after question."""
    if len(text) <= 10_000:
        return _normalize_cached(text)
    return _normalize(text)


@lru_cache(maxsize=4096)
def _normalize_cached(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = nfc(text).translate(_ZERO_WIDTH)
    text = _ODD_SPACES.sub(" ", text)
    return _LETTERS.sub(lambda m: _retone(m.group(0)), text)


def _num(tok: str) -> str:
    return tok.lstrip("0") or "0" if tok.isdigit() else tok


def lex_tokens(text: str) -> list[str]:
    """Lower-case syllable tokens of (normalized) text, numbers without leading zeros."""
    text = nfc(text).translate(_ZERO_WIDTH).lower()
    return [_num(_retone(t)) for t in _TOKEN.findall(text)]


def fold_tokens(text: str) -> list[str]:
    """The folded twin of :func:`lex_tokens` (same positions)."""
    return [_fold_word(t) for t in lex_tokens(text)]


# How officers say it → how the texts say it (general usage, not taken from any question set).
# The legal words are added to the lexical queries only (BM25 on syllables and folded syllables):
# "xin phép" finds "được … đồng ý", "bao lâu" finds "thời hạn", "giáo viên" finds "nhà giáo".
# Keys are folded phrases matched on word boundaries, so questions typed without marks match too.
PARAPHRASES: dict[str, str] = {
    "xin phep": "đồng ý cho phép",
    "bao lau": "thời hạn thời gian",
    "may ngay": "thời hạn ngày làm việc",
    "bao nhieu ngay": "thời hạn ngày làm việc",
    "han chot": "thời hạn",
    "han cuoi": "thời hạn",
    "ai ky": "thẩm quyền quyết định ký",
    "giay to": "hồ sơ",
    "nop": "gửi",
    "giao vien": "nhà giáo",
    "thay giao": "nhà giáo",
    "co giao": "nhà giáo",
    "bac si": "thầy thuốc",
    "cong an": "lực lượng vũ trang công an nhân dân",
    "quan doi": "lực lượng vũ trang quân đội nhân dân",
    "bo doi": "lực lượng vũ trang quân đội nhân dân",
    "da mat": "truy tặng",
    "da chet": "truy tặng",
    "qua doi": "truy tặng",
    "thu hoi": "hủy bỏ tước thu hồi",
    "lam gia": "gian dối khai man",
    "khai gian": "gian dối khai man",
    "lanh dao": "người đứng đầu",
    "thu truong": "người đứng đầu",
    "de xuat": "đề nghị",
    "truong hoc": "cơ sở giáo dục",
    "benh vien": "cơ sở y tế",
    "nuoc ngoai tang": "nhận hình thức khen thưởng của nước ngoài",
    "bao nhieu tien": "mức tiền thưởng",
    "may bo": "số lượng hồ sơ",
    # "được nhận tiền thưởng cả hai danh hiệu hay chỉ một?" (NĐ 152 Điều 49 k5)
    "hai danh hieu": "nhiều danh hiệu thi đua cùng một thời điểm",
    "bao nhieu bo": "số lượng hồ sơ",
}
_PARAPHRASE_RX = re.compile(r"(?<![a-z0-9])(" + "|".join(sorted(map(re.escape, PARAPHRASES), key=len, reverse=True))
                            + r")(?![a-z0-9])")


def paraphrases(folded: str) -> list[str]:
    """The texts' words for the officers' phrases found in a folded, lower-case question."""
    return list(dict.fromkeys(PARAPHRASES[m.group(1)] for m in _PARAPHRASE_RX.finditer(folded)))


def has_diacritics(text: str) -> bool:
    """True when the question's words carry Vietnamese marks (abbreviations like CSTĐ and
    document codes like NĐ-CP do not count: "tieu chuan CSTĐCS" has none)."""
    for tok in _TOKEN.findall(fast_normalize(text)):
        if not _MARKED.search(tok):
            continue
        f = _key(tok)
        if f in ABBREVIATIONS or tok.isupper() and len(tok) <= 8:
            continue
        return True
    return False


def expand_abbreviations(text: str) -> tuple[str, list[str]]:
    """Replace the abbreviations of `text` by their long forms.

    Returns (expanded text, the long forms used). Tokens are matched folded, so "CSTĐCS",
    "cstđcs" and "cstdcs" all expand; a word that is a real syllable is never touched.
    """
    text = fast_normalize(text)
    out: list[str] = []
    used: list[str] = []
    pos = 0
    matches = list(_TOKEN.finditer(text))
    skip = -1
    for i, m in enumerate(matches):
        if i <= skip:
            continue
        f = _key(m.group(0))
        rep = None
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before in "/-" or after in "/-":
            continue  # part of a số hiệu ("03/2018/TT-BNG", "NĐ-CP")
        if i + 1 < len(matches) and text[m.end():matches[i + 1].start()].strip() in ("", ".") and \
                (f, _key(matches[i + 1].group(0))) in ABBREVIATION_PAIRS:
            rep = ABBREVIATION_PAIRS[(f, _key(matches[i + 1].group(0)))]
            end = matches[i + 1].end()
            skip = i + 1
        elif f in ABBREVIATIONS and not _is_word(m.group(0)):
            rep = ABBREVIATIONS[f]
            end = m.end()
        elif f in SHORTHAND and m.group(0).islower():
            rep = SHORTHAND[f]
            end = m.end()
        if rep is None:
            continue
        out.append(text[pos:m.start()])
        out.append(rep)
        used.append(rep)
        pos = end
    out.append(text[pos:])
    return "".join(out), used


def _key(tok: str) -> str:
    """How a token is looked up among the abbreviations: folded, except the keys typed with đ."""
    low = tok.lower()
    return low if low in _D_KEYS else fold(tok)


def _is_word(tok: str) -> bool:
    # "hc", "kt", "td" are not syllables; guard anyway against real words (e.g. "kh" never is).
    from ingest.vietnamese import is_syllable

    return is_syllable(tok) and len(tok) > 2


# ---------------------------------------------------------------------------------------------
# Diacritic restoration

# How people ask (general Vietnamese, not taken from any question set): seeds the restorer's
# statistics, which otherwise come from the regulations themselves.
QUESTION_PHRASES = (
    "bao nhiêu", "bao nhiêu lần", "bao nhiêu năm", "bao nhiêu tiền", "bao nhiêu phần trăm", "bao lâu",
    "mấy", "mấy lần", "mấy năm", "mấy bộ", "là gì", "là bao nhiêu", "gồm những gì", "gồm những ai",
    "những gì", "những ai", "những nào", "nào", "ai", "ai có thẩm quyền", "do ai", "cho ai",
    "khi nào", "từ khi nào", "đến khi nào", "ở đâu", "nộp ở đâu", "như thế nào", "thế nào", "ra sao",
    "có được không", "có phải không", "có cần không", "thì có cần", "có cần", "cần gì", "cần những gì",
    "cần có", "phải có", "có phải", "được không", "không ạ", "vậy ạ", "nhé", "hay không", "hoặc",
    "nếu", "thì", "muốn", "làm sao", "bị", "đã", "sẽ", "còn", "mới", "cũ", "luật cũ", "luật mới",
    "trước", "sau", "tối đa", "tối thiểu", "liên tục", "hạn nộp", "thời hạn", "qua", "gửi qua",
    "trong bao lâu", "mấy ngày", "bao nhiêu ngày", "năm nay", "hằng năm", "hàng năm", "một", "hai",
    "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "thưởng bao nhiêu", "được thưởng",
    "tiêu chuẩn", "điều kiện", "hồ sơ", "thủ tục", "thẩm quyền", "quy định", "theo quy định",
)


class Restorer:
    """Restore tone marks on an unaccented question using the corpus's syllable statistics.

    For each folded token the candidates are the written forms seen in the corpus with the same
    fold ("thuong" → thường, thưởng, thương, …); a Viterbi pass over interpolated bigram /
    unigram probabilities picks the sequence. Tokens the corpus never saw stay as typed.
    """

    def __init__(self, unigrams: Counter, bigrams: Counter):
        self.uni = unigrams
        self.bi = bigrams
        self.total = max(1, sum(unigrams.values()))
        self.cands: dict[str, list[str]] = defaultdict(list)
        for w in unigrams:
            self.cands[fold(w)].append(w)
        self.left_count: Counter = Counter()
        for (a, _b), c in bigrams.items():
            self.left_count[a] += c

    @classmethod
    def from_texts(cls, texts: Iterable[str], prior_weight: int = 5) -> "Restorer":
        uni: Counter = Counter()
        bi: Counter = Counter()
        # Legal text rarely asks questions: seed the words questions are made of.
        for t in QUESTION_PHRASES:
            toks = lex_tokens(t)
            for _ in range(prior_weight):
                uni.update(toks)
                bi.update(zip(toks, toks[1:]))
        for t in texts:
            toks = [x for x in lex_tokens(t)]
            uni.update(toks)
            bi.update(zip(toks, toks[1:]))
        # Drop bigrams seen once: they are mostly noise and cost memory.
        bi = Counter({k: v for k, v in bi.items() if v > 1})
        return cls(uni, bi)

    def to_json(self) -> dict:
        return {"uni": dict(self.uni), "bi": [[a, b, c] for (a, b), c in self.bi.items()]}

    @classmethod
    def from_json(cls, d: dict) -> "Restorer":
        return cls(Counter(d["uni"]), Counter({(a, b): c for a, b, c in d["bi"]}))

    def _p_uni(self, w: str) -> float:
        return (self.uni.get(w, 0) + 0.1) / (self.total + 0.1 * len(self.uni))

    def _p(self, prev: str | None, w: str) -> float:
        pu = self._p_uni(w)
        if prev is None:
            return pu
        lc = self.left_count.get(prev, 0)
        if not lc:
            return pu
        return 0.8 * self.bi.get((prev, w), 0) / lc + 0.2 * pu

    def restore(self, text: str) -> str:
        """The question with tone marks restored (tokens joined by spaces, lower case)."""
        toks = lex_tokens(text)
        if not toks:
            return ""
        lattice: list[list[str]] = []
        for t in toks:
            f = fold(t)
            c = self.cands.get(f)
            if f in ABBREVIATIONS and not c:
                lattice.append([t])
            elif c and t == f:
                lattice.append(sorted(c, key=lambda w: -self.uni[w])[:8])
            else:
                lattice.append([t])
        # Viterbi
        best: dict[str, tuple[float, list[str]]] = {w: (math.log(self._p(None, w)), [w]) for w in lattice[0]}
        for col in lattice[1:]:
            nxt: dict[str, tuple[float, list[str]]] = {}
            for w in col:
                nxt[w] = max(((s + math.log(self._p(p, w)), path + [w]) for p, (s, path) in best.items()),
                             key=lambda x: x[0])
            best = nxt
        return " ".join(max(best.values(), key=lambda x: x[0])[1])
