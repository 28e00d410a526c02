"""The privacy scanner (pure Python): true positives, false positives, masks, files, redaction."""
import io
from datetime import date

from hypothesis import given, settings as hsettings, strategies as st
from stdnum.cn import ric

from gongkai.catalog import privacy
from gongkai.catalog.privacy import luhn_ok, mask, redact_text, scan_text

from .conftest import VALID_CARD, VALID_ID, docx_bytes, make_id, pdf_bytes, wrong_check, xlsx_bytes


def kinds(text, **kw):
    return [(h.kind, h.value) for h in scan_text(text, **kw)]


def test_valid_resident_id_found_and_masked():
    hits = scan_text(f"申请人张某，身份证号{VALID_ID}，住址略。")
    assert [(h.kind, h.value) for h in hits] == [("resident_id", VALID_ID)]
    assert hits[0].masked == VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
    assert VALID_ID not in hits[0].masked


def test_id_with_x_check_character():
    body = next(b for b in (f"3703051985061{i:04d}" for i in range(1000)) if ric.calc_check_digit(b + "0") == "X")
    number = body + "X"
    assert kinds(f"证件号{number}。") == [("resident_id", number)]
    assert kinds(f"证件号{number.lower()}。") == [("resident_id", number.lower())]


def test_wrong_check_digit_is_not_an_id():
    assert kinds(f"编号{wrong_check(VALID_ID)}") == []


def test_impossible_or_implausible_birth_dates_are_not_ids():
    assert kinds(f"号码{make_id('37030519901301123')}") == []  # month 13
    assert kinds(f"号码{make_id('37030518500101123')}") == []  # born 1850
    future = make_id("37030520990101123")
    assert kinds(f"号码{future}") == []
    assert scan_text(f"号码{future}", today=date(2100, 1, 1))[0].kind == "resident_id"


def test_unknown_region_is_not_an_id():
    assert kinds(f"号码{make_id('00000019900101123')}") == []


def test_older_people_registered_in_a_newer_county_are_found():
    # 临淄区 (370305) exists since 1983; people born earlier carry its code too.
    number = make_id("37030519500101123")
    assert kinds(f"号码{number}") == [("resident_id", number)]


def test_id_inside_longer_runs_or_codes_is_not_found():
    assert kinds(f"流水号9{VALID_ID}") == []
    assert kinds(f"流水号{VALID_ID}7") == []
    assert kinds(f"编码AB{VALID_ID}") == []


@hsettings(max_examples=60, deadline=None)
@given(year=st.integers(1930, 2010), month=st.integers(1, 12), day=st.integers(1, 28), seq=st.integers(0, 999),
       pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_property_valid_ids_found_single_digit_errors_rejected(year, month, day, seq, pos, delta):
    number = make_id(f"370305{year:04d}{month:02d}{day:02d}{seq:03d}")
    assert kinds(f"身份证：{number}；") == [("resident_id", number)]
    digits = list(number)
    digits[pos] = str((int(digits[pos]) + delta) % 10)
    typo = "".join(digits)
    # ISO 7064 MOD 11-2 detects every single-digit error: the typo is never an ID.
    assert all(k != "resident_id" for k, _ in kinds(f"身份证：{typo}；"))


def test_mobile_numbers():
    assert kinds("联系人手机13812345678。") == [("mobile", "13812345678")]
    assert kinds("手机：+86 139-1234-5678") == [("mobile", "139-1234-5678")]
    assert kinds("手机 158 1234 5678") == [("mobile", "158 1234 5678")]
    assert kinds("号码12812345678") == []  # 12x is not a mobile prefix
    assert kinds("订单号138123456789") == []  # 12 digits
    assert kinds("单号913812345678") == []


def test_landlines():
    assert kinds("电话0531-86012345") == [("landline", "0531-86012345")]
    assert kinds("电话（010）62345678") == [("landline", "（010）62345678")]
    assert mask("landline", "0531-86012345") == "0531-****2345"
    assert kinds("电话0533-1234567") == []  # local numbers do not start with 1


def test_agency_own_number_is_allowed():
    assert kinds("咨询电话0533-7177006", allow=["0533-7177006（工作日）"]) == []
    assert kinds("咨询电话0533-7177007", allow=["0533-7177006"]) == [("landline", "0533-7177007")]


def test_bank_cards_need_luhn():
    assert luhn_ok(VALID_CARD) and not luhn_ok(wrong_check(VALID_CARD))
    assert kinds(f"收款账号{VALID_CARD}") == [("bank_card", VALID_CARD)]
    assert kinds(f"收款账号{wrong_check(VALID_CARD)}") == []
    grouped = "6222 0212 3456 7890 128"
    assert kinds(f"账号 {grouped} 。") == [("bank_card", grouped)]
    assert mask("bank_card", VALID_CARD) == "6222" + "*" * 11 + "0128"


def test_valid_id_that_also_passes_luhn_is_reported_once_as_id():
    # Find a valid ID that is also Luhn-valid: it must be reported as an ID only.
    number = next(n for n in (make_id(f"37030519900101{i:03d}") for i in range(1000))
                  if n[-1] != "X" and luhn_ok(n))
    assert kinds(f"号{number}") == [("resident_id", number)]


def test_no_false_alarms_on_catalogue_furniture():
    text = ("索引号：11370305MB01234560/2024-00123 文号：临审批发〔2024〕13号 日期：2024-03-15、20240315、"
            "2024年3月15日 统一社会信用代码 91370305MA3C123456 邮编 255400 金额 12345678.90 元 "
            "许可证编号 JY13703050012345 第2024001号 共28591件")
    assert scan_text(text) == []


def test_redact_text_masks_only_selected():
    text = f"身份证{VALID_ID}，手机13812345678。"
    hits = scan_text(text)
    new, n = redact_text(text, {hits[1].digest})
    assert n == 1 and VALID_ID in new and "138****5678" in new and "13812345678" not in new
    new, n = redact_text(text)
    assert n == 2 and scan_text(new) == []


def test_scan_docx_paragraphs_tables_and_split_runs():
    data = docx_bytes(paragraphs=["申请人名单如下", f"张三 {VALID_ID}"],
                      table=[["姓名", "电话"], ["李四", "13912345678"]],
                      split_runs=[["账号", VALID_CARD[:7], VALID_CARD[7:]]])
    found = privacy.scan_docx(io.BytesIO(data))
    assert [(f.where, f.hit.kind) for f in found] == [
        ("第2段", "resident_id"), ("第3段", "bank_card"), ("表格1 第2行第2列", "mobile")]
    out = io.BytesIO()
    assert privacy.redact_docx(io.BytesIO(data), out) == 3
    assert privacy.scan_docx(io.BytesIO(out.getvalue())) == []
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.getvalue())).paragraphs)
    assert mask("resident_id", VALID_ID) in text and "申请人名单如下" in text


def test_scan_xlsx_string_and_numeric_cells():
    data = xlsx_bytes([["姓名", "身份证号", "手机"], ["张三", VALID_ID, 13812345678], ["合计", "", 2]])
    found = privacy.scan_xlsx(io.BytesIO(data))
    assert [(f.where, f.hit.kind) for f in found] == [("工作表“名单” B2", "resident_id"), ("工作表“名单” C2", "mobile")]
    out = io.BytesIO()
    assert privacy.redact_xlsx(io.BytesIO(data), out) == 2
    assert privacy.scan_xlsx(io.BytesIO(out.getvalue())) == []
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["B2"].value == mask("resident_id", VALID_ID) and ws["C2"].value == "138****5678"
    assert ws["C3"].value == 2


def test_scan_pdf_text():
    data = pdf_bytes("行政许可决定书", f"申请人身份证号：{VALID_ID}", f"错误号码：{wrong_check(VALID_ID)}")
    found = privacy.scan_pdf(io.BytesIO(data))
    assert [(f.where, f.hit.kind, f.hit.value) for f in found] == [("第1页", "resident_id", VALID_ID)]


def test_unreadable_files_raise_chinese_error():
    for scanner in (privacy.scan_pdf, privacy.scan_docx, privacy.scan_xlsx):
        try:
            scanner(io.BytesIO(b"not a real file"))
        except privacy.UnreadableFile as exc:
            assert "无法读取" in str(exc)
        else:
            raise AssertionError(f"{scanner.__name__} accepted garbage")


def test_privacy_module_is_django_free():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(privacy))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    # Only the pure report layer (file guards, bounded worker) may be used: it never imports Django.
    assert not any(n.startswith("django") or n.startswith("gongkai") and not n.startswith("gongkai.report")
                   for n in names)


def test_full_width_and_ime_dashes_are_found():
    # Typed with a Chinese input method: full-width digits, dashes and brackets.
    assert kinds("手机１３８１２３４５６７８") == [("mobile", "１３８１２３４５６７８")]
    assert kinds("电话0533－7177007") == [("landline", "0533－7177007")]
    assert kinds("电话0533—7177007") == [("landline", "0533—7177007")]
    hit = scan_text("手机１３８１２３４５６７８")[0]
    assert hit.masked == "138****5678" and hit.digest == scan_text("手机13812345678")[0].digest
    assert redact_text("手机１３８１２３４５６７８。")[0] == "手机138****5678。"
    assert kinds("电话０５３３－７１７７００６", allow=["0533-7177006"]) == []


def test_landline_with_extension_is_found():
    assert kinds("电话0533-7177007-8001") == [("landline", "0533-7177007")]
    assert kinds("编号0533-2345678-202401") == []  # a long dash run is some other code


def test_amounts_are_not_mobile_numbers():
    assert kinds("项目总投资15000000000元") == []
    assert kinds("总额15000000000.50元") == []
    assert kinds("联系人手机15000000000。") == [("mobile", "15000000000")]
