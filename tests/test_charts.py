"""gongkai.charts: real matplotlib SVG output with the same numbers as a table."""
import xml.etree.ElementTree as ET

import pytest

from gongkai import charts

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_bar_chart_is_inline_svg_with_text_labels_and_table():
    c = charts.bar_chart("各月申请数", ["1月", "2月", "3月"], {"申请": [3, 0, 7]}, label_header="月份", unit="件")
    assert c.svg.startswith("<svg ") and 'role="img"' in c.svg and 'aria-label="各月申请数"' in c.svg
    assert "<?xml" not in c.svg and "<script" not in c.svg
    # No inline CSS: the production CSP allows no 'unsafe-inline' styles; colours are attributes.
    assert "style=" not in c.svg and "<style" not in c.svg
    assert 'fill="#0072b2"' in c.svg.lower()
    texts = _texts(c.svg)
    assert "1月" in texts and "3月" in texts and "件" in texts  # CJK kept as text, not paths
    assert c.headers == ("月份", "申请") and c.rows == (("1月", "3"), ("2月", "0"), ("3月", "7"))


def test_labels_are_escaped_in_svg_and_title():
    hostile = '<script>alert(1)</script>&"'
    c = charts.bar_chart(hostile, [hostile], {hostile: [1]}, horizontal=True)
    assert "<script" not in c.svg
    assert hostile in _texts(c.svg)  # the parser sees the text, the markup never had it live
    ET.fromstring(c.svg)  # well-formed despite the payload


def test_stacked_and_line_charts_and_fractional_values():
    c = charts.bar_chart("x", ["a", "b"], {"s1": [1, 2], "s2": [0.5, 1]}, stacked=True)
    assert c.rows == (("a", "1", "0.5"), ("b", "2", "1"))
    line = charts.line_chart("趋势", ["2023", "2024"], {"甲": [1, 2], "乙": [2, 1]})
    assert len(line.rows) == 2 and "2023" in _texts(line.svg)


def test_mismatched_series_and_too_many_points_refused():
    with pytest.raises(ValueError):
        charts.bar_chart("x", ["a", "b"], {"s": [1]})
    with pytest.raises(ValueError):
        charts.line_chart("x", [str(i) for i in range(1000)], {"s": [0] * 1000})
