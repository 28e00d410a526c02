"""DOCX renderer: A4, real merged cells, Chinese fonts on eastAsia, valid for Word/WPS/LibreOffice."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from hypothesis import given, settings
from lxml import etree

from gongkai.report.layouts import APPLICANT_COLUMNS, BALANCE_NOTE, SECTION_TITLES
from gongkai.report.model import Report, format_cell
from gongkai.report.render import render

from .strategies import all_layout_variants, reports

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def seed(shared) -> Report:
    return Report.from_json((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_a4_title_headings_and_prose(seed):
    document = open_docx(render(seed, "docx"))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0].text == "淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告"
    assert paragraphs[0].style.name == "Heading 1"
    headings = [p.text for p in paragraphs if p.style.name == "Heading 2"]
    assert headings == list(SECTION_TITLES.values())
    texts = [p.text for p in paragraphs]
    assert texts[texts.index(SECTION_TITLES["1"]) + 1] == seed.sections["1"]
    assert document.core_properties.title == paragraphs[0].text


def test_merged_header_cells_are_real_merges(seed):
    data = render(seed, "docx")
    document = open_docx(data)
    assert len(document.tables) == 3
    apps = document.tables[1]
    # python-docx reports a merged cell once per grid position it covers: the same underlying <w:tc>.
    assert apps.cell(0, 0)._tc is apps.cell(2, 2)._tc
    assert apps.cell(0, 0).text == BALANCE_NOTE
    assert apps.cell(0, 3)._tc is apps.cell(0, 9)._tc and apps.cell(0, 3).text == "申请人情况"
    assert apps.cell(1, 3)._tc is apps.cell(2, 3)._tc and apps.cell(1, 3).text == "自然人"
    assert [apps.cell(2, c).text for c in range(4, 9)] == [c.label for c in APPLICANT_COLUMNS[1:6]]
    tcs = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")).iter(f"{W}tc")
    spans = [tc.find(f"{W}tcPr/{W}gridSpan") for tc in tcs]
    assert any(s is not None and s.get(f"{W}val") == "3" for s in spans)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'w:vMerge w:val="restart"' in xml and "<w:vMerge/>" in xml
    appeals = document.tables[2]
    assert appeals.cell(0, 5)._tc is appeals.cell(0, 14)._tc and appeals.cell(0, 5).text == "行政诉讼"
    assert appeals.cell(1, 0)._tc is appeals.cell(2, 0)._tc and appeals.cell(1, 0).text == "结果维持"
    # Header rows repeat on each page; no row breaks across pages.
    assert sum(1 for _ in apps._tbl.iter(qn("w:tblHeader"))) == 3
    assert sum(1 for _ in apps._tbl.iter(qn("w:cantSplit"))) == len(apps.rows)


def test_group_labels_merge_down_their_rows():
    for report in all_layout_variants():
        apps = open_docx(render(report, "docx")).tables[1]
        rows = report.application_rows()
        first = 3
        outcome = [i for i, r in enumerate(rows) if r.groups[:1] == ("三、本年度办理结果",)]
        top, bottom = apps.cell(first + outcome[0], 0), apps.cell(first + outcome[-1], 0)
        assert top._tc is bottom._tc and top.text == "三、本年度办理结果"
        for i, arow in enumerate(rows):
            label = apps.cell(first + i, 2).text
            assert label == arow.label
            assert [apps.cell(first + i, 3 + j).text for j in range(7)] == [
                format_cell(report.get(f"applications.{arow.key}.{c.key}")) for c in APPLICANT_COLUMNS
            ]


def test_chinese_fonts_on_east_asia(seed):
    data = render(seed, "docx")
    styles = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml"))
    normal = styles.find(f"{W}style[@{W}styleId='Normal']/{W}rPr/{W}rFonts")
    assert normal.get(f"{W}eastAsia") == "仿宋"
    heading = styles.find(f"{W}style[@{W}styleId='Heading2']/{W}rPr/{W}rFonts")
    assert heading.get(f"{W}eastAsia") == "黑体" and not any(a.endswith("Theme") for a in heading.attrib)
    document = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    cell_fonts = {f.get(f"{W}eastAsia") for f in document.iter(f"{W}rFonts")}
    assert cell_fonts == {"宋体"}
    fonts = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml"))
    alt = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val") for f in fonts if f.find(f"{W}altName") is not None}
    assert alt == {"仿宋": "FangSong", "宋体": "SimSun", "黑体": "SimHei"}


def test_run_properties_in_schema_order(seed):
    """Word rejects a document whose w:rPr children are out of the schema's sequence."""
    order = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "color", "sz", "szCs", "u", "lang"]
    data = render(seed, "docx")
    for part in ("word/document.xml", "word/styles.xml"):
        root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))
        for rpr in root.iter(f"{W}rPr"):
            tags = [etree.QName(c).localname for c in rpr if etree.QName(c).localname in order]
            assert tags == sorted(tags, key=order.index), (part, tags)


@settings(max_examples=10, deadline=None)
@given(reports())
def test_every_cell_in_the_tables(report):
    document = open_docx(render(report, "docx"))
    texts = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    for key, _, value in report.cells():
        if value is not None:
            assert format_cell(value) in texts
    assert document.paragraphs[0].text == f"{report.agency}{report.year}年政府信息公开工作年度报告"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed (optional check)")
def test_libreoffice_opens_and_converts(tmp_path, seed):
    path = tmp_path / "report.docx"
    path.write_bytes(render(seed, "docx"))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for label in ("一、总体情况", "申请人情况", "法人或其他组织", "未经复议直接起诉", "第二十条第（八）项", "28591"):
        assert label in text


def test_very_long_agency_name_still_renders():
    """A JSON upload may name an agency of any length; Word's title property holds only 255 characters."""
    import io

    import docx as python_docx

    from gongkai.report.model import Report
    from gongkai.report.render import render

    report = Report.empty("2021", 2024, "某" * 400)
    document = python_docx.Document(io.BytesIO(render(report, "docx")))
    assert len(document.core_properties.title) == 255
    assert any("某" * 400 in p.text for p in document.paragraphs)
