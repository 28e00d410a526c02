"""PDF annual reports: the real corpus (淮安, 洪泽) and PDFs made here with weasyprint, pypdf and Pillow."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pdfplumber
import pytest

from gongkai.report.errors import ReportError
from gongkai.report.layouts import APPLICANT_COLUMNS, LAYOUT_2021, SECTION_TITLES
from gongkai.report.model import Report
from gongkai.report.parsers.pdf import extract_lines_and_tables, normalise_text, parse_pdf

COLUMNS = [c.key for c in APPLICANT_COLUMNS]
APPEAL = ("upheld", "corrected", "other", "pending", "total")


def corpus(shared: Path, name: str) -> bytes:
    return (shared / "corpus" / name).read_bytes()


def appeal(report: Report, group: str) -> tuple:
    return tuple(report.get(f"appeals.{group}.{k}") for k in APPEAL)


# -- 淮安市人民政府 2024 ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def huaian(shared) -> Report:
    return parse_pdf(corpus(shared, "09-huaian-city-2024.pdf"))


def test_huaian_agency_year_layout(huaian):
    assert huaian.agency == "淮安市人民政府"
    assert huaian.year == 2024
    assert huaian.layout == "2021"
    assert not huaian.other_collapsed


def test_huaian_published_totals(huaian):
    # Published in the report's own prose: 受理 3119 件，答复 3050 件（含上年度结转 34 件，另有 103 件顺延）.
    assert huaian.get("applications.new_received.total") == 3119
    assert huaian.get("applications.carried_over.total") == 34
    assert huaian.get("applications.total_processed.total") == 3050
    assert huaian.get("applications.carried_forward.total") == 103
    assert huaian.get("proactive.licensing.decisions") == 447228
    assert appeal(huaian, "reconsideration") == (72, 64, 178, 37, 351)
    assert appeal(huaian, "litigation_direct") == (13, 4, 8, 1, 26)
    assert appeal(huaian, "litigation_after_reconsideration") == (12, 1, 1, 6, 20)
    assert huaian.get("proactive.fees.amount_10k_yuan") == pytest.approx(96171.6)


def test_huaian_table_three_balances_every_column(huaian):
    """new_received + carried_over = total_processed + carried_forward, per column (the printed 勾稽关系)."""
    for col in COLUMNS:
        cells = [huaian.get(f"applications.{row}.{col}") for row in
                 ("new_received", "carried_over", "total_processed", "carried_forward")]
        assert all(isinstance(v, int) for v in cells), (col, cells)
        assert cells[0] + cells[1] == cells[2] + cells[3], (col, cells)
    # Every cell of every table was read: nothing unreadable, nothing missing.
    assert huaian.unreadable == []
    assert all(isinstance(v, (int, float)) for _, _, v in huaian.cells())


def test_huaian_rows_across_the_page_break(huaian):
    # （四）无法提供 starts at the foot of page 4 and goes on at the top of page 5.
    assert [huaian.get(f"applications.unavailable_not_held.{c}") for c in COLUMNS] == [746, 12, 0, 0, 10, 1, 769]
    assert [huaian.get(f"applications.unavailable_needs_creation.{c}") for c in COLUMNS] == [11, 0, 0, 0, 0, 0, 11]
    assert [huaian.get(f"applications.other_no_supplement.{c}") for c in COLUMNS] == [67, 3, 0, 0, 1, 0, 71]
    assert huaian.get("applications.other_misc.total") == 110


def test_huaian_document_is_clean(shared):
    lines, tables = extract_lines_and_tables(corpus(shared, "09-huaian-city-2024.pdf"))
    # Page numbers ("-4-") are gone, the split table is one grid with its merged group continued.
    assert not [line for line in lines if line.strip("-— 0123456789") == ""]
    grid = next(t for t in tables if any("一、本年新收政府信息公开申请数量" in (c or "") for c in t[3]))
    rows = {row[2]: row for row in grid if row[2]}
    # "（四）无" (page 4) + "法提供" (page 5) is one merged cell again: text in its first slot, the
    # slots it covers on the next page are None, not a second label "法提供".
    assert rows["1.本机关不掌握相关政府信息"][1] == "（四）无法提供"
    assert rows["2.没有现成信息需要另行制作"][:2] == [None, None]
    assert not [row for row in grid if "法提供" in row]
    assert rows["3.补正后申请内容仍不明确"][3:] == ["1", "0", "0", "0", "0", "0", "1"]
    # Prose keeps its full-width punctuation and loses no characters at a ruled frame's edge.
    assert "一、总体情况" in lines
    assert not [line for line in lines if line in ("。", "，")]
    assert any(line.startswith("六、其他需要报告的事项") for line in lines)


def strip_ruling_lines(data: bytes) -> bytes:
    """The same PDF with every drawn path removed: the tables lose their ruling lines, text stays."""
    import pypdf  # test dependency (pyproject [test])
    from pypdf.generic import ContentStream, NameObject

    path_ops = {b"m", b"l", b"c", b"v", b"y", b"h", b"re", b"S", b"s", b"f", b"F", b"f*", b"B", b"B*",
                b"b", b"b*", b"n", b"W", b"W*"}
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        content = ContentStream(page.get_contents(), reader)
        content.operations = [(operands, op) for operands, op in content.operations if op not in path_ops]
        page[NameObject("/Contents")] = writer._add_object(content)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_huaian_without_ruling_lines_reads_the_same(shared, huaian):
    """The real 淮安 layout with its rules gone: vertical "三、本年度办理结果", wrapped labels with the
    values between their lines, "（四）无" / "法提供" cut by the page break — all from text lines."""
    data = strip_ruling_lines(corpus(shared, "09-huaian-city-2024.pdf"))
    assert not any(p.rects or p.lines for p in pdfplumber.open(io.BytesIO(data)).pages)
    lines, tables = extract_lines_and_tables(data)
    assert tables == []
    assert "（四）无法提供" in lines and "三、本年度办理结果" in lines
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t447\t7\t0\t0\t0\t0\t454" in lines
    assert "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t67\t3\t0\t0\t1\t0\t71" in lines
    unruled = parse_pdf(data)
    assert unruled.unreadable == []
    for key, _, value in huaian.cells():
        assert unruled.get(key) == value, key
    assert (unruled.agency, unruled.year, unruled.sections) == (huaian.agency, huaian.year, huaian.sections)


# -- 洪泽区 2023: printed 0 totals, collapsed （六）其他处理 ----------------------------------------------

@pytest.fixture(scope="module")
def hongze_2023(shared) -> Report:
    return parse_pdf(corpus(shared, "10-hongze-district-2023.pdf"))


def test_hongze_2023_keeps_printed_zero_totals(hongze_2023):
    assert hongze_2023.agency and "洪泽区人民政府" in hongze_2023.agency
    assert hongze_2023.year == 2023
    # The report prints 总计 0 next to non-zero parts: the parser keeps what is printed.
    assert appeal(hongze_2023, "reconsideration") == (10, 1, 0, 0, 0)
    assert appeal(hongze_2023, "litigation_direct") == (0, 0, 0, 0, 0)
    assert appeal(hongze_2023, "litigation_after_reconsideration") == (5, 0, 0, 0, 0)


def test_hongze_2023_collapsed_other_row(hongze_2023):
    assert hongze_2023.layout == "2021"
    assert hongze_2023.other_collapsed
    assert [hongze_2023.get(f"applications.other.{c}") for c in COLUMNS] == [0] * 7
    assert "other_no_supplement" not in hongze_2023.applications
    assert hongze_2023.notes, "the collapsed row must be reported in the notes"
    assert [hongze_2023.get(f"applications.new_received.{c}") for c in COLUMNS] == [21, 0, 0, 0, 0, 0, 21]
    assert [hongze_2023.get(f"applications.total_processed.{c}") for c in COLUMNS] == [21, 0, 0, 0, 0, 0, 21]
    assert hongze_2023.get("applications.partially_granted.total") == 4
    assert hongze_2023.get("applications.unavailable_not_held.natural_person") == 10
    assert hongze_2023.get("proactive.licensing.decisions") == 550
    assert hongze_2023.get("proactive.fees.amount_10k_yuan") == pytest.approx(7730.28)


# -- 洪泽区 2024: cells read off the page images -------------------------------------------------

def test_hongze_2024_full_tables(shared):
    r = parse_pdf(corpus(shared, "11-hongze-district-2024.pdf"))
    assert r.year == 2024 and r.agency and "洪泽区人民政府" in r.agency
    assert r.unreadable == []
    assert [r.get(f"proactive.normative_documents.{k}") for k in ("issued", "repealed", "in_force")] == [3, 0, 8]
    assert r.get("proactive.licensing.decisions") == 9487
    assert r.get("proactive.punishment.decisions") == 2776
    assert r.get("proactive.coercion.decisions") == 84
    assert r.get("proactive.fees.amount_10k_yuan") == 7545
    assert [r.get(f"applications.new_received.{c}") for c in COLUMNS] == [95, 0, 0, 0, 0, 0, 95]
    assert r.get("applications.granted.natural_person") == 50
    assert r.get("applications.partially_granted.total") == 9
    assert r.get("applications.withheld_security_stability.total") == 1
    assert r.get("applications.withheld_enforcement_files.natural_person") == 1
    assert r.get("applications.unavailable_not_held.total") == 31
    assert r.get("applications.unavailable_needs_creation.total") == 1
    assert r.get("applications.declined_petition.total") == 1
    assert r.get("applications.total_processed.total") == 95
    assert appeal(r, "reconsideration") == (1, 1, 0, 0, 2)
    assert appeal(r, "litigation_direct") == (1, 0, 0, 0, 1)
    assert appeal(r, "litigation_after_reconsideration") == (2, 0, 1, 0, 3)


# -- PDFs made here ------------------------------------------------------------------------------

def value(i: int, j: int) -> int:
    """A distinct value per cell, so a value given to the wrong row or column shows."""
    return (i + 1) * 10 + j


def report_html(ruled: bool, radicals: bool = False, blank: tuple[int, int] | None = None,
                numbers_first: bool = False, footer: str = '"— " counter(page) " —"') -> str:
    """The 2021 layout as a real agency prints it: vertical merged group column, wrapped group
    labels, long labels in tall cells with vertically centred numbers, running header, page footer."""
    rows = LAYOUT_2021.applications
    border = "0.8pt solid #000" if ruled else "none"
    html = [f"""<html><head><style>
@page {{ size: A4; margin: 25mm 20mm;
  @top-center {{ content: "测试县人民政府2024年政府信息公开工作年度报告"; font-size: 9pt }}
  @bottom-center {{ content: {footer}; font-size: 10pt }} }}
body {{ font-family: "Noto Serif CJK SC", "Noto Sans CJK SC"; font-size: 10.5pt }}
table {{ border-collapse: collapse }}
td {{ border: {border}; vertical-align: middle; padding: 3pt 2pt }}
td.g {{ width: 1em; word-break: break-all }} td.h {{ width: 4em }} td.l {{ width: 11em }}
td.n {{ width: 3em; text-align: center }}
{"td.l { padding-top: 12pt } td.n { vertical-align: top }" if numbers_first else ""}
</style></head><body>
<h1 style="text-align:center;font-size:16pt">测试县人民政府<br>2024年政府信息公开工作年度报告</h1>
<h2>{SECTION_TITLES['1']}</h2><p>{'本县坚持以公开为常态、不公开为例外。' * 40}</p>
<h2>{SECTION_TITLES['2']}</h2><table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td class="n">1</td><td class="n">2</td><td class="n">3</td></tr>
<tr><td>行政规范性文件</td><td class="n">4</td><td class="n">5</td><td class="n">6</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3" class="n">7</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3" class="n">8</td></tr>
<tr><td>行政强制</td><td colspan="3" class="n">9</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3" class="n">10.5</td></tr>
</table>
<h2>{SECTION_TITLES['3']}</h2><table>
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"""]
    seen = set()
    for i, r in enumerate(rows):
        cells = "".join(
            f'<td class="n">{"" if blank == (i, j) else value(i, j)}</td>' for j in range(len(APPLICANT_COLUMNS))
        )
        tds = ""
        for depth, group in enumerate(r.groups):
            if group not in seen:
                seen.add(group)
                span = sum(1 for x in rows if len(x.groups) > depth and x.groups[depth] == group)
                tds += f'<td class="{"g" if depth == 0 else "h"}" rowspan="{span}">{group}</td>'
        colspan = 3 - len(r.groups)
        tds += f'<td class="l" colspan="{colspan}">{r.label}</td>'
        html.append(f"<tr>{tds}{cells}</tr>")
    html.append(f"""</table>
<h2>{SECTION_TITLES['4']}</h2><table>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td>
<td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>{'<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>' * 2}</tr>
<tr>{''.join(f'<td class="n">{v}</td>' for v in range(1, 16))}</tr>
</table>
<h2>{SECTION_TITLES['5']}</h2><p>公开深度还需加强。</p>
<h2>{SECTION_TITLES['6']}</h2><p>本年度未收取信息处理费。</p>
</body></html>""")
    text = "".join(html)
    if radicals:
        # Some producers emit Kangxi radicals (U+2F00 …) for the ordinary ideographs.
        text = text.replace("一、", "\u2f00、").replace("（二）", "（\u2f06）").replace("人", "\u2f08")
    return text


def make_pdf(tmp_path: Path, name: str, html: str) -> bytes:
    import weasyprint

    path = tmp_path / name
    weasyprint.HTML(string=html).write_pdf(path)
    return path.read_bytes()


def assert_generated(report: Report, blank: tuple[int, int] | None = None) -> None:
    assert report.agency == "测试县人民政府"
    assert report.year == 2024
    for i, row in enumerate(LAYOUT_2021.applications):
        for j, col in enumerate(COLUMNS):
            expected = None if blank == (i, j) else value(i, j)
            assert report.get(f"applications.{row.key}.{col}") == expected, (row.key, col)
    assert [report.get(f"proactive.regulations.{k}") for k in ("issued", "repealed", "in_force")] == [1, 2, 3]
    assert report.get("proactive.licensing.decisions") == 7
    assert report.get("proactive.coercion.decisions") == 9
    assert report.get("proactive.fees.amount_10k_yuan") == pytest.approx(10.5)
    assert appeal(report, "reconsideration") == (1, 2, 3, 4, 5)
    assert appeal(report, "litigation_after_reconsideration") == (11, 12, 13, 14, 15)


def test_ruled_table_split_over_pages_with_header_and_footer(tmp_path):
    data = make_pdf(tmp_path, "ruled.pdf", report_html(ruled=True))
    assert len(pdfplumber.open(io.BytesIO(data)).pages) >= 3
    lines, tables = extract_lines_and_tables(data)
    assert not [line for line in lines if "—" in line], "page footers must be dropped"
    assert sum("测试县人民政府2024年政府信息公开工作年度报告" in line for line in lines) <= 1
    assert_generated(parse_pdf(data))


def test_unruled_tables_vertical_groups_and_centred_values(tmp_path):
    data = make_pdf(tmp_path, "unruled.pdf", report_html(ruled=False))
    lines, tables = extract_lines_and_tables(data)
    assert tables == []  # nothing ruled: everything comes through the line path
    partial = LAYOUT_2021.application_row("partially_granted").label
    # The label wraps over two lines and its numbers sit between them: one row again.
    assert partial + "\t" + "\t".join(str(value(3, j)) for j in range(7)) in lines
    # The vertical "三、本年度办理结果" (two characters a line) is lifted out of the rows.
    assert "三、本年度办理结果" in lines
    assert_generated(parse_pdf(data))


def test_unruled_values_printed_above_their_labels(tmp_path):
    """Values on the line before their label (label cells padded down), footer "第 N 页"."""
    data = make_pdf(tmp_path, "first.pdf", report_html(ruled=False, numbers_first=True, footer='"第 " counter(page) " 页"'))
    raw = [line for p in pdfplumber.open(io.BytesIO(data)).pages for line in p.extract_text().splitlines()]
    i = raw.index("3.其他")
    assert raw[i - 1].split() == [str(value(22, j)) for j in range(7)]  # really printed above the label
    lines, _ = extract_lines_and_tables(data)
    assert not [line for line in lines if "页" in line]
    assert "3.其他\t" + "\t".join(str(value(22, j)) for j in range(7)) in lines
    assert_generated(parse_pdf(data))


def test_blank_cell_stays_blank(tmp_path):
    data = make_pdf(tmp_path, "blank.pdf", report_html(ruled=True, blank=(4, 2)))
    assert_generated(parse_pdf(data), blank=(4, 2))


def test_kangxi_radicals_are_normalised(tmp_path):
    assert normalise_text("\u2f00、本年新收") == "一、本年新收"
    assert normalise_text("\u2ed3江") == "长江"
    assert normalise_text("（一）") == "（一）"  # full-width punctuation is kept
    assert normalise_text("１２３") == "123"
    assert normalise_text("1(cid:17)") == "1?"  # a glyph without Unicode is unreadable, not guessed
    data = make_pdf(tmp_path, "radicals.pdf", report_html(ruled=True, radicals=True))
    raw = "".join(c["text"] for p in pdfplumber.open(io.BytesIO(data)).pages for c in p.chars)
    assert "\u2f00" in raw  # the PDF really carries the radical code point
    assert_generated(parse_pdf(data))


# -- bad input -----------------------------------------------------------------------------------

def test_encrypted_pdf(tmp_path):
    import pypdf  # test dependency (pyproject [test])
    plain = make_pdf(tmp_path, "plain.pdf", report_html(ruled=True))
    for algorithm in ("AES-256", "RC4-128"):
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(plain)))
        writer.encrypt(user_password="secret", owner_password="owner", algorithm=algorithm)
        out = io.BytesIO()
        writer.write(out)
        with pytest.raises(ReportError, match="PDF 已加密"):
            parse_pdf(out.getvalue())
    # Only an owner password (printing/copying limits): the text is readable, so it parses.
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert_generated(parse_pdf(out.getvalue()))


def test_scanned_pdf_without_text_layer_is_read_by_ocr(tmp_path, shared):
    """A scan is no longer refused: it goes to OCR (tests/report/test_parse_ocr.py reads whole scans).
    One page of table 三 at 50 dpi is not a whole report, and says so; nothing is invented."""
    from PIL import Image

    png = tmp_path / "page.png"
    import subprocess

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "4", "-l", "4", "-singlefile",
                    str(shared / "corpus" / "09-huaian-city-2024.pdf"), str(tmp_path / "page")], check=True)
    Image.open(png).convert("RGB").save(tmp_path / "scan.pdf")
    with pytest.raises(ReportError) as exc:
        parse_pdf((tmp_path / "scan.pdf").read_bytes())
    assert "没有文字层" not in str(exc.value)
    assert "不是政府信息公开工作年度报告" in str(exc.value) or "未找到" in str(exc.value)


def test_pdf_that_is_not_a_report(tmp_path):
    data = make_pdf(tmp_path, "minutes.pdf", """<html><body style="font-family: 'Noto Serif CJK SC'">
        <h1>县政府常务会议纪要</h1><p>会议研究了城区道路改造工程的资金安排，决定由交通运输局牵头实施。</p>
        <table border="1"><tr><td>项目</td><td>金额</td></tr><tr><td>道路改造</td><td>120</td></tr></table>
        </body></html>""")
    with pytest.raises(ReportError, match="不是政府信息公开工作年度报告"):
        parse_pdf(data)


@pytest.mark.parametrize("data", [b"", b"hello world", b"%PDF-1.7\n%broken", b"PK\x03\x04 zip"])
def test_garbage_is_a_clear_error(data):
    with pytest.raises(ReportError):
        parse_pdf(data)


def test_truncated_pdf(shared):
    data = corpus(shared, "09-huaian-city-2024.pdf")
    with pytest.raises(ReportError):
        parse_pdf(data[: len(data) // 3])


# -- speed ---------------------------------------------------------------------------------------

def test_parse_time_close_to_bare_text_extraction(shared):
    """Each page is laid out once: parsing costs at most 1.5× pdfplumber's own text extraction."""
    data = corpus(shared, "09-huaian-city-2024.pdf")

    def bare() -> None:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_text()

    def best(fn) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    assert best(lambda: parse_pdf(data)) <= 1.5 * best(bare)
