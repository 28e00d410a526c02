"""HTML reports: Word-exported markup, merged cells, GBK/GB18030 and lying charsets, our own renderer."""
from __future__ import annotations

import pytest

from gongkai.report.parsers import parse_bytes, parse_file
from gongkai.report.parsers.html import html_document

from .test_parse_samples import assert_same, sample_report, word_html


def test_word_exported_html_with_merged_cells(tmp_path):
    expected = sample_report()
    path = tmp_path / "report.htm"
    path.write_text(word_html(expected), "utf-8")
    parsed = parse_file(path)
    assert_same(parsed, expected)
    assert not parsed.unreadable and not parsed.notes


def test_rowspan_colspan_are_expanded_into_a_grid():
    doc = html_document(word_html(sample_report()))
    table3 = next(g for g in doc.tables if any(c and c.startswith("（本列数据") for c in g[0]))
    assert all(len(row) == 10 for row in table3)  # 3 label columns + 7 numbers on every row
    assert table3[0][1] is None and table3[1][0] is None  # covered by the 勾稽关系 corner
    group_row = next(i for i, row in enumerate(table3) if row[1] == "（三）不予公开")
    assert table3[group_row + 1][0] is None and table3[group_row + 1][1] is None


@pytest.mark.parametrize("encoding,declared", [("gbk", "gb2312"), ("gb18030", "gb18030"), ("gbk", "utf-8")])
def test_chinese_encodings_including_a_lying_meta_charset(tmp_path, encoding, declared):
    expected = sample_report(agency="某市自然资源和规划局")
    path = tmp_path / "report.html"
    path.write_bytes(word_html(expected, charset=declared).encode(encoding))
    assert_same(parse_file(path), expected)


def test_gb18030_only_characters(tmp_path):
    # "䶮" (U+4DAE) is outside GBK: only GB18030 encodes it.
    expected = sample_report(agency="某县䶮镇人民政府")
    data = word_html(expected, charset="gb18030").encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        expected.agency.encode("gbk")
    assert parse_bytes(data, "report.html").agency == "某县䶮镇人民政府"


def test_utf8_page_declaring_gb2312(tmp_path):
    expected = sample_report()
    data = word_html(expected, charset="gb2312").encode("utf-8")
    assert_same(parse_bytes(data, None), expected)


def test_layout_table_around_the_report_and_blank_cells():
    expected = sample_report()
    expected.applications["granted"]["total"] = None
    expected.proactive["fees"]["amount_10k_yuan"] = None
    inner = word_html(expected).split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>某市某区生态环境局2023年政府信息公开工作年度报告_某区政府</title>"
        "<script>var x = '<table><tr><td>1</td></tr></table>';</script></head><body>"
        "<div class=nav>首页 &gt; 政务公开 &gt; 年度报告</div>"
        f"<table width=100%><tr><td class=content>{inner}</td></tr></table></body></html>"
    )
    parsed = parse_bytes(page.encode("utf-8"), "page.html")
    assert_same(parsed, expected)


@pytest.mark.parametrize("layout,collapsed", [("2021", False), ("2021", True), ("2019", False)])
def test_renderer_html_reads_back_exactly(layout, collapsed):
    from gongkai.report.render import render

    expected = sample_report(layout, 2023 if layout == "2021" else 2020, collapsed=collapsed)
    expected.applications["carried_over"]["legal_services"] = None  # null cells survive the round trip
    parsed = parse_bytes(render(expected, "html"), "report.html")
    assert_same(parsed, expected)
    assert parsed.headings == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("layout,collapsed", [("2021", False), ("2021", True), ("2019", False)])
def test_renderer_docx_reads_back_exactly(layout, collapsed):
    from gongkai.report.render import render

    expected = sample_report(layout, 2023 if layout == "2021" else 2020, collapsed=collapsed)
    expected.appeals["reconsideration"]["pending"] = None
    parsed = parse_bytes(render(expected, "docx"), "report.docx")
    assert_same(parsed, expected)
    assert parsed.headings == ["1", "2", "3", "4", "5", "6"]


def test_page_declaring_latin1_served_in_gbk():
    expected = sample_report()
    data = word_html(expected, charset="iso-8859-1").encode("gbk")
    assert_same(parse_bytes(data, "report.html"), expected)


def test_a_cell_holding_two_numbers_is_not_guessed():
    expected = sample_report()
    expected.applications["granted"]["research"] = 987654  # a marker to find the cell by
    html = word_html(expected)
    assert html.count(">987654<") == 1
    parsed = parse_bytes(html.replace(">987654<", ">1 234<").encode("utf-8"), "x.html")
    assert parsed.applications["granted"]["research"] == "?"  # neither 1234 nor two cells
    assert parsed.applications["granted"]["nonprofit"] == expected.applications["granted"]["nonprofit"]
    assert any(u["cell"] == "applications.granted.research" and "1 234" in u["reason"] for u in parsed.unreadable)
