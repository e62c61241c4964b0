"""ingest.vietnamese: normalization, folding, tokens, the syllable model and the two repairs."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from ingest.vietnamese import (
    canonical_tone_marks,
    fold,
    is_syllable,
    nfc,
    normalize,
    rejoin_split_syllables,
    repair_glued,
    tokens,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ND152 = CORPUS / "tdkt" / "nd-152-2025-ND-CP.md"


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# ------------------------------------------------------------------ nfc / tone marks / normalize


def test_nfc_composes():
    assert nfc(nfd("Điều khoản")) == "Điều khoản"
    assert len(nfc(nfd("ườ"))) == 2


@pytest.mark.parametrize(
    "old,new",
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("Uỷ", "Ủy"),
        ("uỷ", "ủy"),
        ("khoẻ", "khỏe"),
        ("hoá", "hóa"),
        ("Hoà bình", "Hòa bình"),
        ("HOÀ", "HÒA"),
        ("THUỶ", "THỦY"),
        ("loè", "lòe"),
        ("xoã", "xõa"),
        ("tuỳ", "tùy"),
        ("luỹ", "lũy"),
    ],
)
def test_canonical_tone_marks_moves_old_style(old, new):
    assert canonical_tone_marks(old) == new


@pytest.mark.parametrize(
    "word",
    ["quý", "hoàng", "hoạch", "toán", "thuyền", "khuyết", "hoài", "xoáy", "người", "giữa", "gì",
     "gìn", "giường", "quốc", "của", "mía", "múa", "mưa", "khỏe", "hòa", "Quỳnh", "tuấn", "khuỷu",
     "thuở", "Nguyễn", "nghiêng", "yêu", "ước"],
)
def test_canonical_tone_marks_keeps_modern_and_unambiguous(word):
    assert canonical_tone_marks(word) == word


def test_canonical_tone_marks_handles_nfd_and_sentences():
    text = "Uỷ ban nhân dân tỉnh Thanh Hoá; sức khoẻ, thuỷ lợi, hoà bình; quý vị; Hoàng Sa."
    expected = "Ủy ban nhân dân tỉnh Thanh Hóa; sức khỏe, thủy lợi, hòa bình; quý vị; Hoàng Sa."
    assert canonical_tone_marks(nfd(text)) == expected
    assert canonical_tone_marks(text) == expected
    assert unicodedata.is_normalized("NFC", canonical_tone_marks(nfd(text)))


def test_canonical_tone_marks_leaves_non_syllables_and_numbers():
    s = "UBND 152/2025/NĐ-CP email iPhone TĐKT"
    assert canonical_tone_marks(s) == s


def test_normalize_spaces_and_tones():
    raw = "Uỷ\u00a0ban\u200b nhân\u2009dân\ufeff\nhoà\u202fbình\tx"
    assert normalize(raw) == "Ủy ban nhân dân\nhòa bình\tx"
    assert normalize(nfd("Thi đua, khen thưởng")) == "Thi đua, khen thưởng"


# ------------------------------------------------------------------ fold / tokens


def test_fold():
    assert fold("Điều 24. Khen THƯỞNG đột xuất") == "dieu 24. khen thuong dot xuat"
    assert fold(nfd("Ủy ban")) == "uy ban"
    assert fold("đĐ") == "dd"
    assert fold("Hòa") == fold("hoà") == "hoa"


def test_tokens():
    assert tokens("Số 152/2025/NĐ-CP, Điều 3.") == ["số", "152", "2025", "nđ", "cp", "điều", "3"]
    assert tokens("a) Cá nhân; b) tập thể") == ["a", "cá", "nhân", "b", "tập", "thể"]
    assert tokens(nfd("Khen thưởng")) == ["khen", "thưởng"]
    assert tokens("Luật số 39/2013/QH13") == ["luật", "số", "39", "2013", "qh13"]
    assert tokens("x_y – z…") == ["x", "y", "z"]


# ------------------------------------------------------------------ is_syllable


@pytest.mark.parametrize(
    "word",
    ["nước", "khuyết", "nghiêng", "quốc", "gì", "ý", "oái", "ước", "NƯỚC", "Quốc", "gia", "giữa",
     "giếng", "người", "khuỷu", "xoong", "thủy", "thuỷ", "hòa", "hoà", "quý", "a", "y", "ở", "ủy",
     "trường", "nghiệp", "khen", "thưởng", "đua", "ặt", "ằng", "luật", "chuyển", "oanh", "huých", "ngoằn"],
)
def test_is_syllable_positive(word):
    assert is_syllable(word)
    assert is_syllable(nfd(word))


@pytest.mark.parametrize(
    "word",
    ["cưở", "tếở", "tòaán", "lấyý", "trungương", "n", "th", "tr", "qu", "ngh", "", "152", "QH13",
     "email", "online", "Aspose", "TĐKT", "UBND", "coa", "kan", "ghan", "tyên", "ướ", "ngì",
     "hóaa", "việtnam", "àc", "ảp", "iên", "ươ", "fax", "w"],
)
def test_is_syllable_negative(word):
    assert not is_syllable(word)


def test_stop_finals_take_only_sac_or_nang():
    assert is_syllable("ật") and is_syllable("ắt") and is_syllable("át")
    assert not is_syllable("ầt") and not is_syllable("ảc") and not is_syllable("ãp")


# ------------------------------------------------------------------ repair_glued


@pytest.mark.parametrize(
    "glued,fixed",
    [
        ("định cưở nước ngoài", "định cư ở nước ngoài"),
        ("tổ chức quốc tếở Việt Nam", "tổ chức quốc tế ở Việt Nam"),
        ("Tòaán nhân dân", "Tòa án nhân dân"),
        ("lấyý kiến", "lấy ý kiến"),
        ("Chủ tịchỦy ban", "Chủ tịch Ủy ban"),
        ("cơ quan trungương", "cơ quan trung ương"),
        ("cóít nhất", "có ít nhất"),
        ("BAN CHẤP HÀNH TRUNGƯƠNG", "BAN CHẤP HÀNH TRUNG ƯƠNG"),
        ("Bí thư tỉnhủy", "Bí thư tỉnh ủy"),
    ],
)
def test_repair_glued_cases(glued, fixed):
    assert repair_glued(glued) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "Hồ sơ đề nghị khen thưởng gửi qua email hoặc online trên Internet.",
        "TĐKT, UBND, HĐND, CSTĐ, BCH, VPCP và QH13 theo Nghị định 152/2025/NĐ-CP.",
        "Chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh.",
        "Tòa án nhân dân, Ủy ban nhân dân, người Việt Nam định cư ở nước ngoài.",
        "hoàng, quốc, khuyết, nghiêng, ước, oái, gì, ý",
    ],
)
def test_repair_glued_leaves_good_text(text):
    assert repair_glued(text) == text


def test_repair_glued_on_real_sentences():
    s = ("cá nhân, tập thể người Việt Nam định cưở nước ngoài; cơ quan, tổ chức nước ngoài và "
         "các tổ chức quốc tếở Việt Nam")
    assert repair_glued(s) == ("cá nhân, tập thể người Việt Nam định cư ở nước ngoài; cơ quan, tổ "
                               "chức nước ngoài và các tổ chức quốc tế ở Việt Nam")
    s2 = "Phó Chánhán Toàán nhân dân tối cao; Bí thư Khuủy, Xứủy viên; có thời gian công tác tại Việt Namít nhất"
    assert repair_glued(s2) == ("Phó Chánh án Toà án nhân dân tối cao; Bí thư Khu ủy, Xứ ủy viên; "
                                "có thời gian công tác tại Việt Nam ít nhất")


@pytest.mark.skipif(not ND152.exists(), reason="corpus not available")
def test_repair_glued_on_nd152_markdown():
    text = nfc(ND152.read_text(encoding="utf-8"))
    fixed = repair_glued(text)
    before = re.findall(r"[^\W\d_]+", text)
    after = re.findall(r"[^\W\d_]+", fixed)
    # many real repairs, and the repaired text has no glued forms left
    assert len(after) - len(before) > 400
    for glued in ("cưở", "tếở", "Tòaán", "lấyý", "tịchỦy", "trungương", "cóít"):
        assert glued in text and glued not in fixed
    # every piece the repair produced is a syllable, and nothing else changed
    changed = [w for w in set(after) - set(before)]
    assert all(is_syllable(w) for w in changed)
    assert re.sub(r"\s", "", fixed) == re.sub(r"\s", "", text)
    # abbreviations and Latin words survive
    for keep in ("TĐKT", "UBND", "HĐND", "NĐ-CP", "file"):
        assert fixed.count(keep) == text.count(keep)


# ------------------------------------------------------------------ rejoin_split_syllables


@pytest.mark.parametrize(
    "split,whole",
    [
        ("Nhà n ước", "Nhà nước"),
        ("khen th ưởng", "khen thưởng"),
        ("Mặt tr ận T ổ qu ốc", "Mặt trận Tổ quốc"),
        ("c ủa Ngh ị quyết s ố 51", "của Nghị quyết số 51"),
        ("ngh ĩa v ụ", "nghĩa vụ"),
        ("C ộng hòa xã h ội ch ủ ngh ĩa", "Cộng hòa xã hội chủ nghĩa"),
    ],
)
def test_rejoin_split_syllables(split, whole):
    assert rejoin_split_syllables(split) == whole


def test_rejoin_does_not_join_two_syllables_on_shape():
    for s in ("cho ai", "cho ăn", "Lu ật", "hi ệu", "Nhà nước", "thi đua, khen thưởng"):
        assert rejoin_split_syllables(s) == s


def test_rejoin_two_syllables_when_the_text_attests_the_word():
    assert rejoin_split_syllables("Lu ật này; Luật số 39") == "Luật này; Luật số 39"
    assert rejoin_split_syllables("hi ệu lực", known_words={"hiệu"}) == "hiệu lực"
    assert rejoin_split_syllables("cho ai", known_words={"hiệu"}) == "cho ai"


def test_rejoin_keeps_punctuation_numbers_and_newlines():
    s = "khen th ưởng,\nNhà n ước 2014; Lu ật số 15/2003/QH11."
    assert rejoin_split_syllables(s, known_words={"luật"}) == "khen thưởng,\nNhà nước 2014; Luật số 15/2003/QH11."
    assert rejoin_split_syllables("n\nước") == "n\nước"  # only a single space is a pypdf gap
