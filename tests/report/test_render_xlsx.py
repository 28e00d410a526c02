"""XLSX renderer and reader: sheets, merged headers, typed cells, and hand-edited copies."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange

from gongkai.report.errors import ReportError
from gongkai.report.layouts import APPLICANT_COLUMNS, BALANCE_NOTE, SECTION_TITLES
from gongkai.report.model import UNREADABLE, Report
from gongkai.report.parsers import parse_bytes
from gongkai.report.parsers.xlsx import read_xlsx
from gongkai.report.render import render

from .strategies import all_layout_variants, canonical


@pytest.fixture
def seed(shared) -> Report:
    return Report.from_json((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


def workbook(report: Report):
    return load_workbook(io.BytesIO(render(report, "xlsx")))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def find(ws, text):
    return next(c for row in ws.iter_rows() for c in row if c.value == text)


def insert_rows_above(ws, n: int) -> None:
    """Insert rows at the top as Excel does, moving merged ranges too (openpyxl alone leaves them)."""
    ranges = [r.coord for r in ws.merged_cells.ranges]
    for coord in ranges:
        ws.unmerge_cells(coord)
    ws.insert_rows(1, n)
    for coord in ranges:
        rng = CellRange(coord)
        rng.shift(row_shift=n)
        ws.merge_cells(rng.coord)


def test_sheets_and_report_details(seed):
    wb = workbook(seed)
    assert wb.sheetnames == ["报告信息", "表二 主动公开", "表三 依申请公开", "表四 复议诉讼"]
    info = {row[0].value: row[1].value for row in wb["报告信息"].iter_rows()}
    assert info["机关名称"] == seed.agency and info["报告年度"] == 2024 and info["表格格式"] == "2021"
    assert info["报告标题"] == "淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告"
    for num in ("1", "5", "6"):
        assert info[SECTION_TITLES[num]] == seed.sections[num]


def test_merged_headers_and_verbatim_labels(seed):
    wb = workbook(seed)
    apps = wb["表三 依申请公开"]
    merged = {str(r) for r in apps.merged_cells.ranges}
    note = find(apps, BALANCE_NOTE)
    assert f"{note.coordinate}:C{note.row + 2}" in merged
    assert "D2:J2" in merged and find(apps, "申请人情况").coordinate == "D2"
    assert "D3:D4" in merged and "E3:I3" in merged and "J3:J4" in merged
    assert [apps.cell(4, c).value for c in range(5, 10)] == [c.label for c in APPLICANT_COLUMNS[1:6]]
    group = find(apps, "三、本年度办理结果")
    assert any(str(r).startswith(group.coordinate + ":") for r in apps.merged_cells.ranges)
    appeals = wb["表四 复议诉讼"]
    assert find(appeals, "行政复议").coordinate == "A2" and find(appeals, "行政诉讼").coordinate == "F2"
    assert {"A2:E2", "F2:O2", "F3:J3", "K3:O3", "A3:A4"} <= {str(r) for r in appeals.merged_cells.ranges}
    proactive = wb["表二 主动公开"]
    assert find(proactive, "第二十条第（一）项").coordinate == "A2"
    assert find(proactive, "本年收费金额（单位：万元）") is not None


def test_numbers_are_numbers_and_null_is_blank(seed):
    seed.set("applications.granted.total", None)
    seed.set("proactive.fees.amount_10k_yuan", 12.35)
    wb = workbook(seed)
    apps = wb["表三 依申请公开"]
    row = find(apps, "一、本年新收政府信息公开申请数量").row
    assert [apps.cell(row, c).value for c in range(4, 11)] == [2, 0, 0, 0, 0, 0, 2]
    assert all(type(apps.cell(row, c).value) is int for c in range(4, 11))
    granted = find(apps, "（一）予以公开").row
    assert apps.cell(granted, 10).value is None
    fees = find(wb["表二 主动公开"], "行政事业性收费")
    assert wb["表二 主动公开"].cell(fees.row, 2).value == 12.35
    assert canonical(read_xlsx(save(wb))) == canonical(seed)


def test_2019_signed_and_text_cells():
    report = next(r for r in all_layout_variants() if r.layout == "2019")
    report.set("proactive.licensing.change", -7)
    report.set("proactive.procurement.amount", "251000元")
    wb = workbook(report)
    ws = wb["表二 主动公开"]
    assert ws.cell(find(ws, "行政许可").row, 3).value == -7
    assert ws.cell(find(ws, "政府集中采购").row, 3).value == "251000元"
    back = read_xlsx(save(wb))
    assert back.get("proactive.licensing.change") == -7
    assert back.get("proactive.procurement.amount") == "251000元"
    assert canonical(back) == canonical(report)


def test_collapsed_other_variant_reads_back_collapsed():
    report = next(r for r in all_layout_variants() if r.other_collapsed)
    back = read_xlsx(render(report, "xlsx"))
    assert back.other_collapsed and canonical(back) == canonical(report)
    assert back.notes  # the reader says it saw the single-row variant


def test_hand_edited_copy(seed):
    wb = workbook(seed)
    apps = wb["表三 依申请公开"]
    row = find(apps, "（七）总计").row
    apps.cell(row, 4).value = " 12 "  # typed as text
    apps.cell(row, 5).value = "３"  # full-width digit
    apps.cell(row, 6).value = 4.0  # a float from a formula
    apps.cell(row, 7).value = "?"  # flagged by the clerk
    apps.cell(row, 8).value = "约5"  # not a number
    apps.cell(row, 9).value = ""  # cleared
    label = find(apps, "3.危及“三安全一稳定”")
    label.value = '3.危及"三安全一稳定"'  # straight quotes
    insert_rows_above(apps, 2)  # rows added above the table
    wb["报告信息"]["B3"] = "2024年"
    wb["报告信息"]["B4"] = 2021
    back = read_xlsx(save(wb))
    assert back.year == 2024 and back.layout == "2021"
    total = {c.key: back.get(f"applications.total_processed.{c.key}") for c in APPLICANT_COLUMNS}
    assert total["natural_person"] == 12 and total["commercial"] == 3 and total["research"] == 4
    assert total["nonprofit"] == UNREADABLE and total["legal_services"] == UNREADABLE
    assert total["other_org"] is None
    assert {u["cell"] for u in back.unreadable} == {"applications.total_processed.nonprofit", "applications.total_processed.legal_services"}
    assert "约5" in next(u["reason"] for u in back.unreadable if u["cell"].endswith("legal_services"))
    assert back.get("applications.withheld_security_stability.natural_person") == seed.get("applications.withheld_security_stability.natural_person")
    assert back.get("applications.carried_forward.total") == seed.get("applications.carried_forward.total")


def test_renamed_sheets_are_found_by_their_labels(seed):
    wb = workbook(seed)
    wb["表三 依申请公开"].title = "Sheet3"
    wb["表四 复议诉讼"].title = "复议诉讼"
    assert canonical(read_xlsx(save(wb))) == canonical(seed)


def test_layout_inferred_from_labels_when_details_lost(seed):
    wb = workbook(seed)
    wb["报告信息"]["B4"] = None
    back = read_xlsx(save(wb))
    assert back.layout == "2021" and canonical(back) == canonical(seed)


@pytest.mark.parametrize(
    "data, message",
    [(b"not a workbook", "不是有效的 XLSX 文件"), (b"PK\x03\x04broken", "XLSX")],
)
def test_not_a_workbook(data, message):
    with pytest.raises(ReportError, match=message):
        read_xlsx(data)


def test_missing_table_is_an_error_not_zeros(seed):
    wb = workbook(seed)
    del wb["表四 复议诉讼"]
    with pytest.raises(ReportError, match="表四 复议诉讼"):
        read_xlsx(save(wb))
    wb = workbook(seed)
    ws = wb["表三 依申请公开"]
    find(ws, "2.重复申请").value = "重复"
    with pytest.raises(ReportError, match="2.重复申请"):
        read_xlsx(save(wb))


def test_bad_year_is_an_error(seed):
    wb = workbook(seed)
    wb["报告信息"]["B3"] = "去年"
    with pytest.raises(ReportError, match="报告年度"):
        read_xlsx(save(wb))


def test_text_never_becomes_a_formula(seed):
    seed.agency = "=HYPERLINK(\"http://example.invalid\")局"
    seed.sections["5"] = "=1+1"
    report = next(r for r in all_layout_variants() if r.layout == "2019")
    report.set("proactive.procurement.amount", "=2*3")
    for r in (seed, report):
        wb = workbook(r)
        for ws in wb.worksheets:
            assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
        assert canonical(read_xlsx(render(r, "xlsx"))) == canonical(r)


def test_unknown_agency_and_year_stay_unknown():
    report = next(r for r in all_layout_variants() if r.layout == "2021")
    report.agency = None
    report.year = None
    back = read_xlsx(render(report, "xlsx"))
    assert back.agency is None and back.year is None and canonical(back) == canonical(report)


def test_workbook_without_sheets_is_a_chinese_error_without_class_names():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><sheets/></workbook>")
    with pytest.raises(ReportError) as err:
        parse_bytes(buf.getvalue(), "empty.xlsx")
    assert err.value.message == "不是有效的 XLSX 文件：文件已损坏或缺少工作簿的必需部分"
