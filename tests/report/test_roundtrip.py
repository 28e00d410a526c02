"""parse(render(r)) == r for every output format, over random valid reports of both layouts.

HTML, DOCX and PDF go through the general parser (``parse_bytes``), XLSX through ``read_xlsx``, JSON
through ``Report.from_json``. Notes and the headings a parser saw are not part of the comparison.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from gongkai.report.model import Report
from gongkai.report.parsers.xlsx import read_xlsx
from gongkai.report.render import render

from .strategies import all_layout_variants, canonical, reports

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_bytes(data: bytes, filename: str) -> Report:
    from gongkai.report.parsers import parse_bytes

    return parse_bytes(data, filename=filename)


def _assert_same(parsed: Report, original: Report) -> None:
    assert canonical(parsed) == canonical(original)
    assert not parsed.unreadable


@pytest.mark.parametrize("report", all_layout_variants(), ids=lambda r: f"{r.layout}-{'collapsed' if r.other_collapsed else 'full'}")
@pytest.mark.parametrize("fmt", ["json", "xlsx", "html", "docx", "pdf"])
def test_round_trip_each_layout_variant(fmt, report):
    data = render(report, fmt)
    if fmt == "json":
        parsed = Report.from_json(data)
    elif fmt == "xlsx":
        parsed = read_xlsx(data)
    else:
        parsed = _parse_bytes(data, f"report.{fmt}")
    _assert_same(parsed, report)
    if report.other_collapsed:
        assert parsed.other_collapsed


@settings(max_examples=50, **SETTINGS)
@given(reports())
def test_json_round_trip(report):
    _assert_same(Report.from_json(render(report, "json")), report)


@settings(max_examples=50, **SETTINGS)
@given(reports())
def test_xlsx_round_trip(report):
    _assert_same(read_xlsx(render(report, "xlsx")), report)


@settings(max_examples=50, **SETTINGS)
@given(reports())
def test_html_round_trip(report):
    _assert_same(_parse_bytes(render(report, "html"), "report.html"), report)


@settings(max_examples=50, **SETTINGS)
@given(reports())
def test_docx_round_trip(report):
    _assert_same(_parse_bytes(render(report, "docx"), "report.docx"), report)


@pytest.mark.slow
@settings(max_examples=10, **SETTINGS)
@given(reports())
def test_pdf_round_trip(report):
    _assert_same(_parse_bytes(render(report, "pdf"), "report.pdf"), report)


@pytest.mark.parametrize("fmt", ["html", "docx", "xlsx", "pdf"])
def test_control_characters_do_not_break_documents(fmt):
    """Text pasted from other programs may carry control characters that XML cannot hold."""
    report = all_layout_variants()[1]
    report.agency = "示例\x0b县人民政府"
    report.sections["6"] = "本年度\x01未收取\x0c信息处理费。"
    data = render(report, fmt)
    parsed = read_xlsx(data) if fmt == "xlsx" else _parse_bytes(data, f"report.{fmt}")
    assert parsed.agency == "示例县人民政府"
    assert parsed.sections["6"] == "本年度未收取信息处理费。"
