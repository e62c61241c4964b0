"""Answers: quoted, numbered citations from retrieved provisions only, validity warnings, and
abstention where the corpus has no basis. Runs on the real corpus with the real index."""
from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(shared_tdkt_index, monkeypatch_module):
    from service.answer import Assistant

    monkeypatch_module.setenv("TDKT_TODAY", "2026-11-22")
    return Assistant(shared_tdkt_index)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_answer_quotes_the_governing_clause(assistant):
    r = assistant.ask("Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?")
    assert not r["abstained"]
    first = r["citations"][0]
    assert (first["doc"], first["article"]) == ("06/2022/QH15", 23)
    assert r["answer"].startswith(f"Theo {first['label']} [1]:")
    assert first["quote"] in r["answer"]
    assert first["status"].startswith("còn hiệu lực")
    assert first["url"].startswith("/?p=06%2F2022%2FQH15%23d23")
    assert first["title"] == "Luật Thi đua, khen thưởng"
    # The law is amended by a text the corpus lacks: the answer says so.
    assert any("06/2026/QH16" in w and "chưa có trong kho" in w for w in r["warnings"])


def test_citations_only_from_retrieved_provisions(assistant):
    for q in ["Hồ sơ đề nghị xét tặng Bằng khen của Thủ tướng Chính phủ gồm những gì?",
              "muc tien thuong danh hieu chien si thi dua co so",
              "Quỹ thi đua, khen thưởng được trích lập từ đâu?"]:
        r = assistant.ask(q)
        assert r["citations"], q
        cited = {c["provision_id"] for c in r["citations"]}
        retrieved = set(r["retrieved"])
        # A cited article may stand for clauses of it that were retrieved.
        assert all(c in retrieved or any(x.startswith(c + ".") for x in retrieved) for c in cited), q
        assert [c["n"] for c in r["citations"]] == list(range(1, len(r["citations"]) + 1))


def test_superseded_text_is_flagged(assistant):
    r = assistant.ask("Theo Luật Thi đua khen thưởng 2003, tiêu chuẩn Chiến sĩ thi đua cơ sở là gì?",
                      as_of=date(2026, 11, 22))
    old = [c for c in r["citations"] if c["doc"] == "16/VBHN-VPQH"]
    assert old, r["citations"]
    assert old[0]["status"].startswith("hết hiệu lực")
    assert any("hết hiệu lực" in w for w in r["warnings"])


def test_expiring_decree_is_flagged(assistant):
    r = assistant.ask("Mức tiền thưởng danh hiệu Cờ thi đua của Chính phủ theo Nghị định 152/2025 là bao nhiêu?")
    assert any(c["doc"] == "152/2025/NĐ-CP" for c in r["citations"])
    assert any("01/03/2027" in w for w in r["warnings"])


@pytest.mark.parametrize("question", [
    "Luật 06/2026/QH16 sửa đổi những điều nào của Luật Thi đua, khen thưởng?",
    "Văn bản xác nhận sáng kiến theo Mẫu số 13 của Nghị định 152 có những nội dung gì?",
    "Mức phạt vi phạm nồng độ cồn khi lái xe máy là bao nhiêu?",
])
def test_abstains_without_a_basis(assistant, question):
    r = assistant.ask(question)
    assert r["abstained"] is True
    assert r["citations"] == []
    assert "Không tìm thấy căn cứ" in r["answer"]


# -- abstention: why the corpus has no basis, and no over-abstention -------------------------------

@pytest.mark.parametrize("question, reason, named", [
    # A document the corpus lacks, by số hiệu, by catalog alias, and typed without its year.
    ("Theo Thông tư 15/2025/TT-BNV, mẫu báo cáo thành tích cá nhân gồm những mục gì?",
     "missing-document", "15/2025/TT-BNV"),
    ("Nghị định 91/2017 quy định hồ sơ đề nghị khen thưởng thế nào?", "missing-document", "91/2017"),
    ("Hướng dẫn 7886 quy định tỷ lệ khen thưởng công tác bầu cử ra sao?", "missing-document", "7886"),
    # The amending law of 2026, named as officers say it.
    ("Luật TĐKT sửa đổi 2026 thay đổi thẩm quyền tặng Giấy khen thế nào?", "missing-document", "06/2026/QH16"),
    # A form the corpus lacks, although the named decree is held.
    ("Báo cáo thành tích theo Mẫu số 02 của NĐ 152 viết thế nào?", "missing-form", "Mẫu số 02"),
    # A rule made by a body none of whose texts is held.
    ("Kích thước khung Bằng khen do Thủ tướng quy định là bao nhiêu?", "outside-issuer", "Thủ tướng"),
    # The provisions only hand the matter to another text ("theo hướng dẫn của Bộ Tài chính").
    ("Mức chi cụ thể cho việc in giấy khen là bao nhiêu?", "delegated", "Bộ Tài chính"),
    # The article hands its own details to a decree not held ("Chính phủ quy định chi tiết Điều
    # này" under Nghệ sĩ ưu tú; NĐ 152's scope does not list Điều 66), and the council and the
    # votes asked are not in it.
    ("Xét danh hiệu Nghệ sĩ ưu tú phải qua mấy cấp Hội đồng, tỷ lệ phiếu đồng ý bao nhiêu?", "delegated",
     "Điều 66"),
    # "gồm những ai" asks who sits on the council, not who regulates it.
    ("Hội đồng xét tặng danh hiệu Thầy thuốc ưu tú cấp Bộ gồm những ai, tỷ lệ phiếu đồng ý cần bao nhiêu?",
     "delegated", "Điều 65"),
    # …also when the best hit is a general rule of councils and votes (NĐ 152 Điều 33): the title
    # the question names has its own article, whose details go to a decree not held.
    ("Hồ sơ xét Nhà giáo ưu tú phải được Hội đồng cấp tỉnh bỏ phiếu đồng ý đạt tỷ lệ bao nhiêu?", "delegated",
     "Điều 64"),
    # The article's clause that NĐ 152 hands on names the aspect asked ("trình tự"; Luật Điều 96 k3).
    ("Truy tặng Huy chương Thanh niên xung phong vẻ vang cho người đã mất cần hồ sơ, trình tự thế nào?",
     "delegated", "Điều 96"),
    # The best hit hands the matter on, and NĐ 152 hands it on again ("phân quyền" to the Prime
    # Minister: Luật Điều 12 k2 on the size and cloth of a Cờ thi đua).
    ("Cờ thi đua của UBND tỉnh có kích thước bao nhiêu, chất liệu vải gì?", "delegated", "Điều 12"),
    # The rules of a body none of whose texts is held, named as the question's subject.
    ("Bộ Công an quy định tiêu chuẩn danh hiệu Chiến sĩ thi đua trong Công an nhân dân thế nào?", "outside-issuer",
     "Bộ Công an"),
    # A matter of another branch of law that no retrieved provision speaks of.
    ("Tiền thưởng khen thưởng có bị tính thuế không?", "other-field", "thuế"),
    ("Thời gian được tặng Huân chương có được tính để hưởng lương hưu cao hơn không?", "other-field", "lương hưu"),
    # A province's or a sector's own text that the corpus does not hold.
    ("Quy định thi đua, khen thưởng của tỉnh Thanh Hóa về Cờ thi đua thế nào?", "outside-place", "Thanh Hóa"),
    ("Thông tư về thi đua, khen thưởng ngành Tài chính quy định gì?", "outside-place", "Tài chính"),
    # A form asked by its kind, of a province whose texts annex no such form.
    ("Mẫu báo cáo thành tích đề nghị Bằng khen của tỉnh Đắk Lắk gồm những mục nào?", "missing-form",
     "Mẫu báo cáo thành tích"),
    # …typed in shorthand ("BC" is báo cáo).
    ("Mẫu BC thành tích đề nghị khen thưởng cho hộ gia đình kèm NĐ 152 gồm những mục gì?", "missing-form",
     "Mẫu báo cáo thành tích"),
    # The annual awards of a province whose held texts are campaign plans only (KH 982 of Nghệ An).
    ("Ở Nghệ An, hồ sơ đề nghị khen thưởng tổng kết năm gửi Sở Nội vụ trước ngày nào?", "outside-place", "Nghệ An"),
    # A plan of another year than the held plans.
    ("Kế hoạch thi đua bầu cử của Đắk Lắk năm 2021 đặt chỉ tiêu gì?", "other-period", "2021"),
    # Labour law and contact details, which no TĐKT text settles.
    ("Được Bằng khen thì có được thêm mấy ngày nghỉ phép không?", "other-field", "nghỉ phép"),
    ("Văn phòng Ban Thi đua - Khen thưởng tỉnh có số điện thoại nào?", "practical", "số điện thoại"),
    # Records of awards made, not rules.
    ("Năm 2023 tỉnh đã tặng Bằng khen cho những tập thể nào?", "records", "kết quả khen thưởng"),
    # The award of an organisation with rules of its own.
    ("Tiêu chuẩn Huy hiệu của Hội Cựu chiến binh là gì?", "outside-issuer", "Hội Cựu chiến binh"),
    # A plan of a year of a province none of whose plans is held (Bắc Ninh's text is a Quy định).
    ("Kế hoạch thi đua năm 2027 của tỉnh Bắc Ninh có những chỉ tiêu gì?", "outside-place", "Bắc Ninh"),
    # A plan of another term than the held plans' titles say.
    ("Kế hoạch thi đua bầu cử Đắk Lắk nhiệm kỳ 2016 - 2021 đặt chỉ tiêu gì?", "other-period", "2016-2021"),
    # A figure asked by its unit that no retrieved provision states.
    ("Huân chương Lao động hạng Nhì có đường kính bao nhiêu cm?", "no-figure", "cm"),
    # A size asked without its unit is a measurement too.
    ("Khung Bằng khen của Chủ tịch UBND tỉnh có kích thước bao nhiêu?", "no-figure", "cm"),
    # …asked as "thế nào" too.
    ("Phôi Giấy khen của Chủ tịch UBND xã có kích thước ra sao?", "no-figure", "cm"),
    # A quota of awards, or a budget in billions, that no held text sets.
    ("Năm 2026 Sở Y tế Bắc Ninh được phân bổ bao nhiêu suất Bằng khen của Chủ tịch UBND tỉnh?", "no-figure", "suất"),
    ("Kinh phí khen thưởng năm 2026 của tỉnh Đắk Lắk được giao bao nhiêu tỷ đồng?", "no-figure", "tỷ đồng"),
    # An award no held text names, by kind and proper name.
    ("Tiêu chuẩn xét tặng Giải thưởng Tạ Quang Bửu là gì?", "unknown-award", "Giải thưởng Tạ Quang Bửu"),
    ("Tiêu chuẩn tặng Huy hiệu tỉnh Thanh Hóa là gì?", "unknown-award", "Huy hiệu tỉnh Thanh Hóa"),
    # A name that is a purpose ("Vì …") is looked up whole: "Vì an ninh Tổ quốc" is held, this is not.
    ("Tiêu chuẩn xét tặng Huy chương Vì thế hệ trẻ là gì?", "unknown-award", "Huy chương Vì thế hệ trẻ"),
    # A form asked by its kind without a sector: TT 03/2018's forms are the Foreign Ministry's own.
    ("Mẫu báo cáo thành tích đề nghị Bằng khen của Thủ tướng Chính phủ gồm những mục nào?", "missing-form",
     "Mẫu báo cáo thành tích"),
    # The base salary's amount is set by the pay texts; the corpus only counts in multiples of it.
    ("Mức lương cơ sở hiện nay là bao nhiêu đồng?", "other-field", "mức lương cơ sở"),
    ("Danh sách các cá nhân được tặng Bằng khen của Chủ tịch UBND tỉnh năm 2024?", "records", "kết quả khen thưởng"),
    # A Quy chế named by its subject that the corpus lacks (only Quảng Nam's is held).
    ("Theo Quy chế hoạt động của Hội đồng Thi đua - Khen thưởng Trung ương, hồ sơ gửi Ủy viên trước mấy ngày?",
     "missing-document", "Quy chế hoạt động"),
    # Asked of công chức, found only in NĐ 233, whose title limits it to viên chức.
    ("Tỷ lệ công chức được xếp loại hoàn thành xuất sắc nhiệm vụ tối đa là bao nhiêu phần trăm?", "other-field",
     "viên chức"),
    # …also when the question sets viên chức aside in words.
    ("Năm 2026 công chức (không phải viên chức) được đánh giá, xếp loại theo tỷ lệ nào?", "other-field",
     "viên chức"),
    # A provision that only sends the matter to another law ("theo quy định của pháp luật về bảo
    # hiểm xã hội") does not speak of it.
    ("Cán bộ nghỉ ốm dài ngày thì được hưởng chế độ ốm đau bảo hiểm xã hội bằng bao nhiêu phần trăm lương?",
     "other-field", "bảo hiểm xã hội"),
    # Opinions and history are not in the texts.
    ("Theo anh chị, quy định tỷ lệ Chiến sĩ thi đua cơ sở có bất cập gì?", "opinion", "ý kiến"),
    ("Huân chương Hồ Chí Minh có nguồn gốc từ đâu?", "records", "lịch sử"),
    # Probation is labour law; an office's document system is a practicality.
    ("Nhân viên đang thử việc có được bình xét Lao động tiên tiến không?", "other-field", "thử việc"),
    ("Gửi hồ sơ qua iDesk thì file tối đa bao nhiêu MB?", "practical", "iDesk"),
    # How long archived papers are kept is the archives law's; what replaces a text no held text says.
    ("Hồ sơ khen thưởng đã giải quyết xong thì thời hạn bảo quản tại đơn vị là mấy năm?", "other-field",
     "thời hạn bảo quản"),
    ("Sau khi Nghị định 152/2025/NĐ-CP hết hiệu lực, văn bản nào sẽ thay thế?", "no-successor", "thay thế"),
    ("Nghị định mới thay thế Nghị định 152/2025/NĐ-CP đã được ban hành chưa?", "no-successor", "thay thế"),
    ("Hồ sơ khen thưởng phải lưu trữ tại cơ quan bao nhiêu năm?", "other-field", "thời hạn lưu trữ"),
    # …though a retrieved provision names the organisation for another matter (its chairman sits on
    # the Central Council, NĐ 152 Điều 45 k2 b), or names another of its ranks ("Bằng khen của quân khu").
    ("Tiêu chuẩn Bằng khen của Tổng Liên đoàn Lao động Việt Nam đối với đoàn viên là gì?", "outside-issuer",
     "Tổng Liên đoàn"),
    ("Tiêu chuẩn tặng Bằng khen của Tư lệnh quân khu là gì?", "outside-issuer", "Tư lệnh"),
    # The money of an organisation's own award is set by its own rules.
    ("Tiền thưởng kèm Giấy khen của Thành đoàn là bao nhiêu?", "outside-issuer", "Thành đoàn"),
    # …nor its limitation periods ("thời hiệu").
    ("Thời hiệu khiếu nại quyết định khen thưởng là bao lâu?", "other-field", "thời hiệu"),
    # The complaints law's own procedure ("giải quyết lần đầu") is not in the TĐKT texts.
    ("Khiếu nại về khen thưởng thì giải quyết lần đầu trong bao lâu?", "other-field", "giải quyết lần đầu"),
    # The same questions typed fast, without diacritics (and so in lower case): a form by its number
    # or kind, an award by its name.
    ("bao cao thanh tich theo mau so 02 cua nd 152 viet the nao", "missing-form", "Mẫu số 02"),
    ("mau bao cao thanh tich de nghi bang khen cua tinh dak lak gom nhung muc nao", "missing-form",
     "bao cao thanh tich"),
    ("tieu chuan xet tang giai thuong ta quang buu la gi", "unknown-award", "giai thuong ta quang buu"),
    ("ky niem chuong vi su nghiep giao duc: can bo quan ly giao duc phai cong tac bao nhieu nam moi duoc xet tang",
     "unknown-award", "ky niem chuong vi su nghiep giao duc"),
    # …or in lower case with diacritics.
    ("giải thưởng võ trường toản dành cho nhà giáo xét theo tiêu chuẩn nào", "unknown-award",
     "giải thưởng võ trường toản"),
    # …and in shorthand: a successor asked as "TT nào", an organisation's "BK", the base salary as
    # "MLCS", a title by its initials.
    ("TT 03/2018/TT-BNG đã được thay bằng TT nào?", "no-successor", "thay thế"),
    ("BK của Tỉnh đoàn kèm tiền thưởng bao nhiêu?", "outside-issuer", "Tỉnh đoàn"),
    ("MLCS hiện nay là bao nhiêu đồng?", "other-field", "mức lương cơ sở"),
    ("Hồ sơ xét NGƯT phải được Hội đồng cấp tỉnh bỏ phiếu đồng ý đạt tỷ lệ bao nhiêu?", "delegated", "Điều 64"),
    # A text named by its subject, not its number, that is none of the held ones of its kind, or a
    # kind of text none of which is held.
    ("Nghị định của Chính phủ về xét tặng Nghệ sĩ nhân dân quy định hồ sơ gồm gì?", "missing-document",
     "Nghệ sĩ nhân dân"),
    ("Pháp lệnh Bà mẹ Việt Nam anh hùng quy định tiêu chuẩn thế nào?", "missing-document", "Pháp lệnh"),
    # A ministry's circular, named by the ministry or by the force it governs.
    ("Theo Thông tư của Bộ Giáo dục và Đào tạo, giáo viên đạt Chiến sĩ thi đua cơ sở cần tiêu chuẩn gì?",
     "outside-place", "Giáo dục và Đào tạo"),
    ("Thông tư hướng dẫn thi đua, khen thưởng trong Công an nhân dân quy định Chiến sĩ thi đua thế nào?",
     "outside-place", "Công an"),
    # A size in millimetres, a fine, digital signatures, admissions.
    ("Huân chương Sao vàng có đường kính bao nhiêu mm?", "no-figure", "mm"),
    ("Mức phạt khi kê khai không trung thực thành tích để được khen thưởng là bao nhiêu tiền?", "other-field",
     "mức phạt"),
    ("Hồ sơ đề nghị khen thưởng điện tử phải ký số bằng chứng thư số nào?", "practical", "ký số"),
    ("Người được tặng Huân chương Lao động có được ưu tiên cho con vào đại học không?", "other-field",
     "vào đại học"),
    # Records of a given year: what was awarded, to how many, where an anniversary is held.
    ("Giải thưởng Nhà nước về khoa học công nghệ năm 2025 trao cho những công trình nào?", "records",
     "kết quả khen thưởng"),
    ("Danh hiệu Anh hùng Lao động năm 2024 được phong tặng cho bao nhiêu người?", "records", "kết quả khen thưởng"),
    ("Ngày Thi đua yêu nước năm 2026 tổ chức kỷ niệm ở đâu?", "records", "kết quả khen thưởng"),
    # A matter every text in force names only to hand it on, retrieved or not: re-issuing a lost or
    # damaged medal, a ribbon's stripes (NĐ 152 Điều 6 k1, to the Prime Minister).
    ("Huy chương Chiến sĩ vẻ vang bị hư hỏng thì xin cấp đổi hiện vật cần nộp giấy tờ gì?", "delegated", "cấp đổi"),
    ("huan chuong doc lap hang ba co may vach", "delegated", "vach"),
    # A held province's own medal or badge, whose criteria no text of that province sets.
    ("Cán bộ công tác ở Bắc Ninh bao nhiêu năm thì được xét tặng Kỷ niệm chương của tỉnh?", "outside-place",
     "kỷ niệm chương riêng của Bắc Ninh"),
    ("huy hieu tinh quang nam tang cho ai", "outside-place", "huy hiệu riêng của Quảng Nam"),
    # Records of a campaign; a ministry as the subject of the question's clause; a labour contract
    # and a death certificate (other fields of law).
    ("Qua phong trào thi đua Vì người nghèo, tỉnh Bắc Ninh đã có bao nhiêu cá nhân được khen thưởng?", "records",
     "kết quả khen thưởng"),
    ("Đối với các trường đại học, Bộ Giáo dục và Đào tạo quy định tiêu chuẩn Chiến sĩ thi đua thế nào?",
     "outside-issuer", "Bộ Giáo dục và Đào tạo"),
    ("Viên chức bị xếp loại không hoàn thành nhiệm vụ thì có bị chấm dứt hợp đồng làm việc không?", "other-field",
     "chấm dứt hợp đồng"),
    ("Người nhà nhận thay Huân chương truy tặng có phải nộp giấy chứng tử không?", "other-field", "chứng tử"),
    # A form asked by its number ("mẫu số mấy") or a rating sheet's form: NĐ 152's and NĐ 233's
    # annexed forms are not held.
    ("Báo cáo thành tích đề nghị Huân chương Lao động phải viết theo mẫu số mấy?", "missing-form",
     "Báo cáo thành tích"),
    ("Mẫu phiếu tự đánh giá của viên chức gồm những mục nào?", "missing-form", "phiếu tự đánh giá"),
    # Records asked as "which units were awarded" in a year; a ministry's own medal; the money of an
    # organisation's award named with its executive committee.
    ("Những cá nhân nào được tặng Bằng khen của Thủ tướng Chính phủ năm 2024?", "records", "kết quả khen thưởng"),
    ("Kỷ niệm chương của Bộ Y tế tặng cho ai?", "outside-issuer", "Bộ Y tế"),
    ("Bằng khen của Ban Chấp hành Hội Nông dân tỉnh kèm tiền thưởng bao nhiêu?", "outside-issuer", "Hội Nông dân"),
    # The best hit only sends the matter to a guidance not held (KH 0125 III.3.1: Hướng dẫn 7886).
    ("Theo KH 0125, cá nhân được đề nghị Bằng khen của Thủ tướng Chính phủ trong công tác bầu cử phải đạt tiêu "
     "chuẩn gì?", "delegated", "7886"),
    # A title whose whole award the Luật hands to another body (Điều 61 k2: Bà mẹ Việt Nam anh hùng,
    # by the Standing Committee's rules): its detailed criteria are not held.
    ("Bà mẹ có ba con là liệt sĩ có đủ tiêu chuẩn danh hiệu Bà mẹ Việt Nam anh hùng không?", "delegated", "Điều 61"),
    # A cap on a share asked, where the texts state only minimums ("ít nhất 70%").
    ("Theo Luật 2022, số người được công nhận Lao động tiên tiến tối đa bao nhiêu phần trăm số cán bộ của đơn vị?",
     "no-figure", "tỷ lệ tối đa"),
    # The amending law named without its year.
    ("Theo luật tđkt sửa đổi, Giấy khen cấp huyện còn không?", "missing-document", "06/2026/QH16"),
    # Far in meaning from everything held.
    ("Cách nấu phở bò ngon nhất là gì?", "far-from-corpus", "tương đồng"),
    ("Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu gồm những giấy tờ gì?", "other-field", "quyền sử dụng đất"),
])
def test_abstains_and_says_why(assistant, question, reason, named):
    r = assistant.ask(question)
    assert r["abstained"] is True, (question, r["why"], [c["provision_id"] for c in r["citations"]])
    assert r["citations"] == []
    assert r["reason"] == reason, r["why"]
    assert named in r["why"]
    assert r["answer"].startswith("Không tìm thấy căn cứ") and r["why"] in r["answer"]


@pytest.mark.parametrize("question, doc, article", [
    # Names a document the corpus lacks beside a held one and asks which applies (NĐ 152 Điều 60).
    ("Hồ sơ gửi Bộ Nội vụ trước 01/7/2025 thì thẩm định theo NĐ 98/2023 hay NĐ 152?", "152/2025/NĐ-CP", 60),
    # Names a document the corpus lacks, but asks what a held text says of it (NĐ 152 Điều 59, 60).
    ("NĐ 98/2023 còn được áp dụng trong trường hợp nào?", "152/2025/NĐ-CP", None),
    # "quy định chi tiết" delegated to the province by the Luật; the named province's text has it.
    ("Bắc Ninh quy định chi tiết tiêu chuẩn Lao động tiên tiến như thế nào?", "86/2025/QĐ-UBND", None),
    # One word the corpus lacks ("chu kỳ") in an otherwise well covered question.
    ("Danh hiệu Nhà giáo nhân dân được xét tặng theo chu kỳ mấy năm?", None, None),
    # Controls of the checks above: a held medal named by its purpose, the sector's own form, and
    # the bonus as a multiple of the base salary.
    ("Huy chương Vì an ninh Tổ quốc xét tặng theo tiêu chuẩn nào?", "06/2022/QH15", None),
    ("Mẫu báo cáo thành tích đề nghị khen thưởng của Bộ Ngoại giao gồm những mục nào?", "03/2018/TT-BNG", None),
    ("Tiền thưởng Chiến sĩ thi đua cơ sở bằng bao nhiêu lần mức lương cơ sở?", "152/2025/NĐ-CP", 50),
    # Who may be awarded it posthumously is in Điều 96 itself.
    ("Thanh niên xung phong hy sinh thì có được truy tặng Huy chương Thanh niên xung phong vẻ vang không?",
     "06/2022/QH15", 96),
    # The campaign plan of that province answers what it does govern.
    ("Kế hoạch 982 của Nghệ An áp dụng những hình thức khen thưởng nào?", "982/KH-UBND", None),
    # …nor is the question's own referral the matter it asks (NĐ 152 Điều 4 k5 on thai sản).
    ("Thời gian nghỉ chế độ thai sản theo quy định của pháp luật về bảo hiểm xã hội có được tính để xét "
     "danh hiệu thi đua không?", "152/2025/NĐ-CP", 4),
    # Asking who regulates a matter handed on: NĐ 152 Điều 6 is the answer.
    ("Ai quy định mẫu, chất liệu, kích thước khung bằng khen, cờ thi đua?", "152/2025/NĐ-CP", 6),
    # Controls: the held Quy chế named by its province; the share asked of viên chức.
    ("Theo Quy chế của tỉnh Quảng Nam, hồ sơ đề nghị UBND tỉnh khen thưởng hằng năm gửi trước ngày nào?",
     "11/2021/QĐ-UBND", None),
    ("Tỷ lệ viên chức được xếp loại hoàn thành xuất sắc nhiệm vụ tối đa là bao nhiêu phần trăm?", "233/2026/NĐ-CP", None),
    # The article whose details go to another decree answers what it does say (Điều 65 k3: years).
    ("Thầy thuốc ưu tú cần bao nhiêu năm hành nghề?", "06/2022/QH15", 65),
    # Everyday verbs and the initials officers type are not reasons to decline.
    ("QN: quỹ TĐKT tỉnh tối đa bn % chi thường xuyên?", "11/2021/QĐ-UBND", None),
    ("Cán bộ đang bị xem xét kỷ luật thì có được đưa vào danh sách đề nghị khen thưởng không?", None, None),
    # "bao nhiêu tiền": the Luật's article on the award leads, the decree's amount is cited beside it.
    ("Bằng khen của Chủ tịch UBND cấp tỉnh kèm bao nhiêu tiền?", "152/2025/NĐ-CP", 54),
    # A province typed by its initials ("BN:") has its own text for what the Luật leaves to it.
    ("BN: hộ GĐ muốn được tặng Giấy khen thì cần tiêu chuẩn nào?", "86/2025/QĐ-UBND", 4),
    # A rule on who may be awarded, with a year: not a record.
    ("Năm 2023, tập thể được tặng Cờ thi đua của Chính phủ phải đạt tiêu chuẩn gì?", "06/2022/QH15", None),
    # The Government's rules, as the question's subject, are the held decree's.
    ("Chính phủ quy định những hình thức khen thưởng nào?", None, None),
    # Who sets an organisation's money is the Luật's to say; a point is read with its clause's
    # lead-in ("2. Hội đồng có 17 thành viên, gồm: …").
    ("Mức tiền thưởng kèm Bằng khen của Tỉnh đoàn do ai quy định?", None, None),
    ("Theo TT 03/2018, Hội đồng Thi đua - Khen thưởng Bộ Ngoại giao có bao nhiêu thành viên?", "03/2018/TT-BNG", 24),
    # The held decree's own provision on the title's money (NĐ 152 Điều 52) answers, though the
    # title's article hands its other details to a decree not held.
    ("Nhà giáo ưu tú được thưởng bao nhiêu tiền?", "152/2025/NĐ-CP", 52),
    # A date asked, stated by the held plan ("từ ngày 20 tháng 11 năm 2025 …").
    ("Ở Cần Thơ, phong trào chi trả trợ giúp xã hội không dùng tiền mặt có mấy đợt, đợt 01 bắt đầu ngày nào?",
     "157/KH-UBND", None),
    # A held plan asked with its own year.
    ("Kế hoạch 157 của Cần Thơ năm 2025 chấm điểm thế nào?", "157/KH-UBND", None),
    # A held province named with "quy định": its own text answers.
    ("Quy định của Bắc Ninh về tiêu chuẩn Cờ thi đua của UBND tỉnh thế nào?", "86/2025/QĐ-UBND", None),
    # Asking who regulates: the delegating provision is the answer.
    ("Danh hiệu xã, phường tiêu biểu do ai quy định chi tiết tiêu chuẩn?", "06/2022/QH15", 29),
    # A prize the corpus names; "xin ý kiến Ban Cán sự Đảng" is a step of the procedure, not an opinion.
    ("Tiêu chuẩn xét tặng Giải thưởng Hồ Chí Minh là gì?", "06/2022/QH15", None),
    ("Tiêu chuẩn danh hiệu Tỉnh Anh hùng là gì?", "06/2022/QH15", 60),
    # e5 reads it as far from everything (cosine 0.84), but the texts' words are there.
    ("Diễn viên múa muốn được xét Nghệ sĩ nhân dân thì cần hoạt động nghệ thuật bao nhiêu năm?", "06/2022/QH15", None),
    ("Đề nghị Huân chương Độc lập có phải xin ý kiến Ban Cán sự Đảng trước khi trình không?", None, None),
    # The 2003 law is held as its consolidated text (VBHN 16).
    ("Luật 2003 quy định tiêu chuẩn Lao động tiên tiến thế nào?", "16/VBHN-VPQH", None),
    # A name many texts say ("Bằng khen của Thủ tướng Chính phủ") is not the matter a delegating
    # sentence hands on (NĐ 152 Điều 35 k1 b: the time of submission, "theo hướng dẫn của Bộ Nội vụ").
    ("Đề nghị Bằng khen của Thủ tướng Chính phủ cho cá nhân có thành tích đột xuất cần hồ sơ gì?",
     "152/2025/NĐ-CP", 42),
    # …nor does a sentence handing on one aspect (the time of submission) settle another (the papers).
    ("Tỉnh trình hồ sơ đề nghị BKTTCP cho cá nhân thì gồm những giấy tờ gì?", "152/2025/NĐ-CP", 42),
    # An honour named like a place, found by its whole name in the old law (VBHN 16 Điều 58a).
    ("Danh hiệu \"Thành phố Anh hùng\" theo luật cũ được xét tặng theo tiêu chuẩn nào?", "16/VBHN-VPQH", "58a"),
    # Controls typed without diacritics: held awards whose names are in lower case, a held form.
    ("huy chuong vi an ninh to quoc xet tang theo tieu chuan nao", "06/2022/QH15", None),
    ("tieu chuan danh hieu chien si thi dua co so la gi", "06/2022/QH15", 23),
    ("huy chuong quan ky quyet thang tang cho ai", "06/2022/QH15", 55),
    ("huan chuong lao dong hang ba tang cho ca nhan dat tieu chuan gi", "06/2022/QH15", 44),
    ("tiêu chuẩn danh hiệu chiến sĩ thi đua cơ sở là gì", "06/2022/QH15", 23),
    ("huy chương quân kỳ quyết thắng tặng cho ai", "06/2022/QH15", 55),
    # Held texts named by their subject: the decree on rating viên chức, the Foreign Ministry's
    # circular, the TĐKT decree.
    ("Theo Nghị định về đánh giá viên chức, tỷ lệ hoàn thành xuất sắc nhiệm vụ tối đa bao nhiêu?",
     "233/2026/NĐ-CP", 12),
    ("Theo Thông tư về thi đua khen thưởng ngành Ngoại giao, hội đồng có bao nhiêu thành viên?", "03/2018/TT-BNG", 24),
    ("Thông tư hướng dẫn thi đua, khen thưởng trong ngành Ngoại giao quy định Cờ thi đua thế nào?", "03/2018/TT-BNG",
     None),
    ("Nghị định về thi đua, khen thưởng quy định tiền thưởng Lao động tiên tiến bao nhiêu?", "152/2025/NĐ-CP", None),
    # A held decree states the money of a military unit's Bằng khen (NĐ 152 Điều 54 k1 đ).
    ("Cá nhân được tặng Bằng khen của quân khu thì tiền thưởng bao nhiêu?", "152/2025/NĐ-CP", 54),
    # …and in shorthand: the bonus in multiples of the base salary, the years of an NGƯT.
    ("Tiền thưởng CSTĐCS bằng bao nhiêu lần MLCS?", "152/2025/NĐ-CP", 50),
    ("NGƯT cần bao nhiêu năm trực tiếp giảng dạy?", "06/2022/QH15", 64),
    ("mau bao cao thanh tich de nghi khen thuong cua bo ngoai giao gom nhung muc nao", "03/2018/TT-BNG", None),
    # Who gives the province's badge: its Quy chế says (QĐ 11/2021 Điều 10); a province's Bằng khen.
    ("Ai quyết định tặng Huy hiệu tỉnh Quảng Nam?", "11/2021/QĐ-UBND", 10),
    ("Tiêu chuẩn Bằng khen của Chủ tịch UBND tỉnh Bắc Ninh là gì?", "86/2025/QĐ-UBND", None),
    # "tiên tiến đối với" is no phrase of the Luật's "“Chiến sĩ tiên tiến” đối với dân quân" (handed to
    # the Ministry of Defence): a quote ends the name.
    ("Tiêu chuẩn danh hiệu Lao động tiên tiến đối với cán bộ, công chức, viên chức theo Luật 2022 là gì?",
     "06/2022/QH15", 24),
    # The Foreign Ministry's Kỷ niệm chương is its circular's (TT 03/2018 Điều 15).
    ("Kỷ niệm chương của Bộ Ngoại giao tặng cho đối tượng nào?", "03/2018/TT-BNG", None),
    # …which is the answer when the question asks which text to follow.
    ("KH 0125 Đắk Lắk: tiêu chuẩn Bằng khen của Thủ tướng trong khen thưởng bầu cử thực hiện theo văn bản nào?",
     "0125/KH-UBND", None),
    # …while its money (NĐ 152 Điều 52) and whom it is for (Luật Điều 61 k1) are held.
    ("Bà mẹ Việt Nam anh hùng được tặng kèm tiền thưởng bao nhiêu?", "152/2025/NĐ-CP", 52),
    ("Danh hiệu Bà mẹ Việt Nam anh hùng để tặng cho ai?", "06/2022/QH15", 61),
    # Caps the texts state (NĐ 233 Điều 12 k6; TT 03 Điều 9 k2 d, in the clause of a retrieved point),
    # and a minimum.
    ("Tỷ lệ viên chức được xếp loại hoàn thành xuất sắc nhiệm vụ không vượt quá bao nhiêu phần trăm?",
     "233/2026/NĐ-CP", 12),
    ("Trong ngành Ngoại giao, số Chiến sỹ thi đua cơ sở được bình xét tối đa bao nhiêu phần trăm?", "03/2018/TT-BNG", 9),
    ("Tập thể lao động xuất sắc phải có ít nhất bao nhiêu phần trăm cá nhân đạt Lao động tiên tiến?", "06/2022/QH15", 27),
    # A campaign's own rule, not its records.
    ("Trong đợt thi đua cao điểm, tập thể được tặng Bằng khen cần tiêu chuẩn gì?", None, None),
    # Who sets the re-issue procedure: the handing-on provision is the answer.
    ("Ai quy định thủ tục cấp lại hiện vật khen thưởng cấp Nhà nước?", "152/2025/NĐ-CP", None),
])
def test_answers_what_the_corpus_holds(assistant, question, doc, article):
    r = assistant.ask(question)
    assert r["abstained"] is False, (question, r["why"])
    assert r["citations"]
    if doc:
        assert any(c["doc"] == doc and (article is None or c["article"] == article) for c in r["citations"]), \
            [c["provision_id"] for c in r["citations"]]


def test_a_text_not_yet_in_force_hands_nothing_on(assistant):
    # In June 2023 the 2003 law governed Giấy khen; Luật 06/2022's "Bộ, ban, ngành, tỉnh … quy định
    # chi tiết … tiêu chuẩn xét tặng giấy khen" (in force from 2024) does not make it unanswerable.
    r = assistant.ask("Tháng 6/2023 xét tặng Giấy khen cho cá nhân theo những tiêu chuẩn nào?", as_of=date(2023, 6, 1))
    assert not r["abstained"], r["why"]
    assert any((c["doc"], c["article"]) == ("16/VBHN-VPQH", 75) for c in r["citations"]), r["citations"]
    # …while a delegation in force still declines what only the other text settles
    r = assistant.ask("Mức chi cụ thể cho hội nghị tổng kết phong trào thi đua là bao nhiêu?")
    assert r["abstained"] and r["reason"] == "delegated", r["why"]


def test_answer_cites_the_clause_asked_about(assistant):
    r = assistant.ask("Muốn được tặng Chiến sĩ thi đua cấp tỉnh thì cần mấy lần liên tục là Chiến sĩ thi đua cơ sở?")
    assert not r["abstained"], r["why"]
    assert any((c["doc"], c["article"]) == ("06/2022/QH15", 22) for c in r["citations"]), \
        [c["provision_id"] for c in r["citations"]]
    assert r["why"]


def test_rule_patterns():
    from service.answer import _DELEGATES, _RULE_BY
    from ingest.vietnamese import fold

    assert _DELEGATES.search(fold("Mức chi cụ thể thực hiện theo hướng dẫn của Bộ Tài chính;"))
    assert _DELEGATES.search(fold("a) Quy định chi tiết mẫu, màu sắc, số sao, số vạch cho từng loại"))
    assert not _DELEGATES.search(fold("Nghị định này quy định chi tiết một số điều của Luật"))
    assert not _DELEGATES.search(fold("Danh hiệu “Lao động tiên tiến” để tặng hằng năm cho cá nhân"))
    m = _RULE_BY.search(fold("Quy trình xét tôn vinh doanh nghiệp do Thủ tướng quy định gồm những bước nào?"))
    assert m and m.group("a") == "thu tuong"
    m = _RULE_BY.search(fold("Theo hướng dẫn của Bộ Nội vụ, hồ sơ gồm gì?"))
    assert m and m.group("b").startswith("bo noi vu")
    assert not _RULE_BY.search(fold("Tiêu chuẩn Bằng khen của Thủ tướng Chính phủ quy định thế nào?"))
    assert not _RULE_BY.search(fold("Cờ thi đua của Chính phủ do Thủ tướng quyết định tặng?"))


def test_money_is_read_as_an_amount():
    from service.answer import _ASKS_AMOUNT, _STATES_FIGURE, _figure_words

    money = _STATES_FIGURE["tien"]
    assert money.search(_figure_words("được thưởng 1,5 lần mức lương cơ sở"))
    assert money.search(_figure_words("mức chi tối đa 500.000 đồng/người"))
    assert money.search(_figure_words("thưởng 5 triệu đồng"))
    # folded "đồng" is also "động" and "hội đồng": a clause number before them is no amount
    assert not money.search(_figure_words("4. Hoạt động của Hội đồng Thi đua - Khen thưởng"))
    assert not money.search(_figure_words("1. Hội đồng Thi đua - Khen thưởng tỉnh"))
    assert _ASKS_AMOUNT.search(_figure_words("Mức chi bồi dưỡng cho thành viên hội đồng một buổi họp là bao nhiêu?"))
    assert not _ASKS_AMOUNT.search(_figure_words("Mức chi khen thưởng tối đa bao nhiêu phần trăm quỹ?"))


def test_a_date_is_no_duration():
    from service.answer import _STATES_FIGURE, _figure_words

    years, months = _STATES_FIGURE["nam"], _STATES_FIGURE["thang"]
    assert years.search(_figure_words("phải có liên tục từ 05 năm trở lên"))
    assert months.search(_figure_words("trong thời hạn 06 tháng kể từ ngày"))
    # the day and month of a date are not years or months counted
    assert not years.search(_figure_words("gửi chậm nhất vào ngày 31 tháng 12 của năm liền kề"))
    assert not months.search(_figure_words("trước ngày 15 tháng 12 hằng năm"))


def test_a_date_is_stated_as_a_day_or_a_month():
    from service.answer import _ASKS_DATE, _STATES_FIGURE, _figure_words

    assert _ASKS_DATE.search(_figure_words("Hồ sơ phải gửi Sở Nội vụ trước ngày nào?"))
    dates = _STATES_FIGURE["ngay nao"]
    for stated in ("chậm nhất vào ngày 31 tháng 12", "trước 15/10/2025", "từ tháng 10/2025"):
        assert dates.search(_figure_words(stated)), stated
    # a number of days is no date
    assert not dates.search(_figure_words("trong thời hạn 15 ngày làm việc kể từ khi nhận hồ sơ"))
    # nor is the date a cited text was issued
    from service.answer import _states_figure

    assert _states_figure("ngay nao", _figure_words("gửi về Sở Nội vụ trước ngày 31/3/2026 để tổng hợp"))
    for cited in ("theo Chỉ thị số 41-CT/TW ngày 26/12/2024 của Bộ Chính trị",
                  "theo Hướng dẫn 7886/HD-BNV ngày 14/9/2025 của Bộ Nội vụ"):
        assert not _states_figure("ngay nao", _figure_words(cited)), cited


def test_details_held_are_read_from_the_decrees_scope(assistant):
    """NĐ 152 Điều 1 lists the Luật provisions it details; those it hands on ("phân quyền" to the
    Prime Minister) and the articles it does not list are detailed by texts the corpus lacks."""
    lib = assistant.library
    luat = lib.provision("06/2022/QH15#d34")  # Huân chương Sao vàng: k7 detailed by NĐ 152
    nsut = lib.provision("06/2022/QH15#d66")  # Nghệ sĩ ưu tú: "5. Chính phủ quy định chi tiết Điều này."
    tnxp = lib.provision("06/2022/QH15#d96.k3")  # handed on to the Prime Minister (NĐ 152 Điều 6 k1 g)
    assert assistant._detailed_here(luat, "7. Chính phủ quy định chi tiết đối tượng, tiêu chuẩn …")
    assert not assistant._detailed_here(nsut, "5. Chính phủ quy định chi tiết Điều này.")
    assert not assistant._detailed_here(tnxp, tnxp.text)
    # read clause by clause: "4. Chính phủ quy định chi tiết Điều này." under Cờ thi đua của Chính phủ
    # is NĐ 152's (khoản 4 Điều 25 is in its scope), so words the article lacks are no reason to decline
    co = lib.provision("06/2022/QH15#d25")
    assert assistant._article_delegated("Cờ thi đua của Chính phủ có hạn chế số lượng đề nghị không?", co) is None
    assert assistant._article_delegated("Nghệ sĩ ưu tú qua mấy cấp hội đồng, tỷ lệ phiếu?", nsut) is not None
