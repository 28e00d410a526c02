"""Bulk import (CSV/XLSX): row-by-row errors, all-or-nothing, idempotent re-import, 100,000 rows; export."""
import csv
import io
import time
from datetime import date, timedelta

import openpyxl
import pytest

from gongkai.catalog import importer, services
from gongkai.catalog.importer import ImportFileError, import_catalog
from gongkai.catalog.models import Item, PrivacyHit

from .conftest import VALID_ID

HEADER = ["索引号", "标题", "文号", "发布机构", "成文日期", "发布日期", "分类", "主题词", "摘要", "正文", "有效性",
          "废止或失效日期", "文件类型", "制发日期"]


def row(i, **kw):
    made = date(2024, 1, 1) + timedelta(days=i % 360)
    values = {"标题": f"行政许可结果公示第{i}号", "文号": "", "成文日期": made.isoformat(),
              "发布日期": (made + timedelta(days=2)).isoformat(), "分类": "管理和服务公开", "有效性": "有效"}
    values.update(kw)
    return [values.get(h, "") for h in HEADER]


def csv_file(rows, encoding="utf-8-sig") -> io.BytesIO:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    return io.BytesIO(buf.getvalue().encode(encoding))


@pytest.fixture
def seeded(agency):
    services.seed_categories(agency)
    return agency


def test_errors_reported_by_row_and_column_nothing_imported(seeded, people):
    rows = [row(1), row(2, 成文日期="2024-02-30"), row(3, 标题=""), row(4, 分类="不存在的分类"),
            row(5, 有效性="作废"), row(6, 有效性="废止"), row(7), row(8, 标题="行政许可结果公示第7号",
                                                                     成文日期=row(7)[4]),
            row(9, 发布日期="2023-01-01"), row(10, 文件类型="通知")]
    result = import_catalog(seeded, csv_file(rows), "目录.csv", people["reviewer"])
    assert not result.ok
    got = [(e.row, e.column, e.reason) for e in result.errors]
    assert got == [
        (3, "成文日期", "日期不存在：“2024-02-30”"),
        (4, "标题", "必填，不能为空"),
        (5, "分类", "分类“不存在的分类”不存在，请先在分类管理中添加或改用已有分类"),
        (6, "有效性", "应为“有效”“废止”或“失效”"),
        (7, "废止或失效日期", "废止或失效的信息必须填写废止或失效日期"),
        (9, "", "与第8行重复（标题、文号、成文日期均相同）"),
        (10, "发布日期", "发布日期早于成文日期"),
        (11, "文件类型", "应为“规章”“行政规范性文件”或“其他”（可留空）"),
    ]
    assert str(result.errors[0]) == "第3行“成文日期”列：日期不存在：“2024-02-30”"
    assert Item.objects.count() == 0


def test_import_then_reimport_is_idempotent_gbk_and_privacy_held(seeded, people):
    rows = [row(i) for i in range(1, 6)]
    rows.append(row(6, 标题="关于某规范性文件的通知", 文号="临审批发〔2024〕3号", 文件类型="行政规范性文件",
                    有效性="废止", 废止或失效日期="2024-11-01"))
    rows.append(row(7, 标题="公示（含个人信息）", 摘要=f"申请人身份证{VALID_ID}"))
    result = import_catalog(seeded, csv_file(rows, "gb18030"), "目录.csv", people["reviewer"])
    assert result.ok and (result.created, result.skipped, result.held) == (7, 0, 1)
    assert Item.objects.filter(state="published").count() == 6
    held = Item.objects.get(state="secrecy")
    assert held.privacy_hits.get().masked.startswith("3703****")
    doc = Item.objects.get(doc_kind="normative_document")
    assert doc.issued_on == doc.date_made and doc.repealed_on == date(2024, 11, 1)
    numbers = sorted(Item.objects.values_list("index_number", flat=True))
    assert numbers[0] == f"{seeded.credit_code}/2024-00001" and len(set(numbers)) == 7
    again = import_catalog(seeded, csv_file(rows), "目录.csv", people["reviewer"])
    assert (again.created, again.skipped) == (0, 7) and Item.objects.count() == 7
    assert PrivacyHit.objects.count() == 1


def test_given_index_numbers_kept_and_checked(seeded, people, other_agency):
    code = seeded.credit_code
    rows = [row(1, 索引号=f"{code}/2024-00500"), row(2)]
    assert import_catalog(seeded, csv_file(rows), "a.csv", people["reviewer"]).ok
    assert Item.objects.get(title="行政许可结果公示第1号").index_number == f"{code}/2024-00500"
    assert Item.objects.get(title="行政许可结果公示第2号").index_number == f"{code}/2024-00501"
    clash = import_catalog(seeded, csv_file([row(3, 索引号=f"{code}/2024-00500")]), "a.csv", people["reviewer"])
    assert [(e.row, e.reason) for e in clash.errors] == [(2, "索引号已被本机关其他信息使用")]


def test_xlsx_import_with_real_dates(seeded, people):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([h + ("*" if h in ("标题", "成文日期", "发布日期", "分类") else "") for h in HEADER])
    ws.append(["", "年度报告", "", "", date(2024, 1, 20), date(2024, 1, 22), "政府信息公开年度报告"])
    ws.append(["", "坏日期", "", "", "2024年13月1日", "2024-01-22", "其他"])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_catalog(seeded, io.BytesIO(buf.getvalue()), "目录.xlsx", people["reviewer"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "成文日期")]
    ws.delete_rows(3)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_catalog(seeded, io.BytesIO(buf.getvalue()), "目录.xlsx", people["reviewer"])
    assert result.ok and Item.objects.get().date_made == date(2024, 1, 20)


@pytest.mark.parametrize("data,name,message", [
    (b"", "a.csv", "文件是空的"),
    ("标题,成文日期\n甲,2024-01-01\n".encode(), "a.csv", "缺少必需的列：发布日期、分类"),
    (b"PK\x03\x04garbage", "a.xlsx", "无法读取 Excel 文件"),
    (b"\xd0\xcf\x11\xe0old excel", "a.xls", "旧版 .xls"),
    (b"\xff\xfe\x00\xd8" * 10, "a.csv", "无法识别文件编码"),
    # A picture is a wrong kind of file, not a wrong encoding (whatever its name says).
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "目录.csv", "不是 CSV 或 XLSX 文件"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "截图.png", "不是 CSV 或 XLSX 文件"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a.jpg", "不是 CSV 或 XLSX 文件"),
])
def test_bad_files(seeded, people, data, name, message):
    with pytest.raises(ImportFileError, match=message):
        import_catalog(seeded, io.BytesIO(data), name, people["reviewer"])


def test_import_refuses_future_and_inverted_dates(seeded, people):
    csv = ("标题,成文日期,发布日期,分类,有效性,废止或失效日期\n"
           "甲,2099-01-01,2099-01-02,机构职能,有效,\n"
           "乙,2024-05-01,2024-05-02,机构职能,废止,2024-04-01\n").encode()
    result = import_catalog(seeded, io.BytesIO(csv), "a.csv", people["reviewer"])
    messages = " ".join(str(e) for e in result.errors)
    assert "成文日期（2099-01-01）晚于今天" in messages and "废止或失效日期不能早于成文日期" in messages
    assert not Item.objects.exists()


def test_import_needs_publish_permission(seeded, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_catalog(seeded, csv_file([row(1)]), "a.csv", people["clerk"])


def test_export_round_trip(seeded, people):
    rows = [row(i, 摘要=f"摘要,含逗号\n和换行{i}") for i in range(1, 4)]
    assert import_catalog(seeded, csv_file(rows), "a.csv", people["reviewer"]).ok
    text = "".join(importer.csv_lines(Item.objects.filter(agency=seeded).order_by("id")))
    assert text.startswith("\ufeff索引号,标题")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[1][8] == "摘要,含逗号\n和换行1" and parsed[1][-1] == "已发布"
    again = import_catalog(seeded, io.BytesIO(text.encode("utf-8")), "export.csv", people["reviewer"])
    assert (again.created, again.skipped) == (0, 3)
    xlsx = openpyxl.load_workbook(io.BytesIO(importer.xlsx_bytes(Item.objects.all())), read_only=True)
    values = list(xlsx.worksheets[0].iter_rows(values_only=True))
    assert values[0][:2] == ("索引号", "标题") and len(values) == 4


# 100k rows take ~40 s: make bench runs that size (pytest -m long); make test keeps 10k.
@pytest.mark.parametrize("n", [10_000, pytest.param(100_000, marks=pytest.mark.long)])
def test_100k_rows_report_exactly_the_bad_rows(seeded, people, tmp_path, n):
    """100,000 rows (and a quick 10,000) with five bad ones: exactly those are reported and nothing is
    imported; fixed, the file imports once; imported again, nothing is added. The 100,000 run takes
    about 30 s of CPU (bulk_create on SQLite writes ~32 rows per statement), hence ``slow``."""
    bad = {137: {"成文日期": "2024-13-01"}, n // 5 + 1: {"标题": ""}, n * 5 // 9: {"分类": "无此分类"},
           n * 7 // 9: {"有效性": "过期"}, n - 1: {"发布日期": "昨天"}}
    path = tmp_path / "big.csv"

    def write(with_bad):
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            for i in range(1, n + 1):
                w.writerow(row(i, **(bad.get(i, {}) if with_bad else {})))

    write(True)
    times = []
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        result = import_catalog(seeded, fh, "big.csv", people["reviewer"])
    times.append(time.perf_counter() - t0)
    assert sorted(e.row for e in result.errors) == sorted(i + 1 for i in bad)  # header is row 1
    assert Item.objects.count() == 0
    write(False)
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        result = import_catalog(seeded, fh, "big.csv", people["reviewer"])
    times.append(time.perf_counter() - t0)
    assert result.ok and result.created == n and Item.objects.count() == n
    assert Item.objects.values("index_number").distinct().count() == n
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        result = import_catalog(seeded, fh, "big.csv", people["reviewer"])
    times.append(time.perf_counter() - t0)
    assert (result.created, result.skipped) == (0, n) and Item.objects.count() == n
    print("import passes (bad file, import, re-import): " + ", ".join(f"{t:.1f} s" for t in times))


def test_damaged_sheet_is_refused_whole(seeded, people):
    """A workbook whose sheet XML is cut off fails while the rows are read (openpyxl reads lazily):
    a Chinese message, nothing imported."""
    import zipfile

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["标题", "成文日期", "发布日期", "分类"])
    for i in range(200):
        ws.append([f"信息{i}", "2024-01-02", "2024-01-03", "其他"])
    buf = io.BytesIO()
    wb.save(buf)
    src, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[:len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(ImportFileError, match="文件已损坏"):
        import_catalog(seeded, io.BytesIO(out.getvalue()), "目录.xlsx", people["reviewer"])
    assert Item.objects.count() == 0


def test_nul_character_is_a_row_error(seeded, people):
    """PostgreSQL text cannot hold NUL: it is reported for its row, not left to fail the write."""
    result = import_catalog(seeded, csv_file([row(1), row(2, 摘要="摘\x00要")]), "a.csv", people["reviewer"])
    assert [str(e) for e in result.errors] == ["第3行“摘要”列：含有空字符（NUL），请检查文件是否损坏"]
    assert Item.objects.count() == 0
