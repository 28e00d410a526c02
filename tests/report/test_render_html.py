"""HTML renderer: the official merged layout, accessible markup, print CSS, findings highlighting."""
from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings

from gongkai.report.errors import ReportError
from gongkai.report.layouts import (
    APPEAL_COLUMNS,
    APPLICANT_COLUMNS,
    BALANCE_NOTE,
    LAYOUTS,
    SECTION_TITLES,
)
from gongkai.report.model import Report, format_cell
from gongkai.report.render import render, render_tables_html

from .strategies import all_layout_variants, reports


@pytest.fixture(scope="module")
def seed(shared) -> Report:
    return Report.from_json((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


def soup_of(report: Report, findings=None) -> BeautifulSoup:
    return BeautifulSoup(render(report, "html", findings), "html.parser")


def expand(table) -> list[list]:
    """The table as a full grid (rowspan/colspan expanded); fails on overlaps or ragged rows."""
    grid: dict[tuple[int, int], object] = {}
    for r, tr in enumerate(table.find_all("tr")):
        c = 0
        for cell in tr.find_all(["th", "td"], recursive=False):
            while (r, c) in grid:
                c += 1
            for dr in range(int(cell.get("rowspan", 1))):
                for dc in range(int(cell.get("colspan", 1))):
                    assert (r + dr, c + dc) not in grid, f"overlap at {(r + dr, c + dc)}"
                    grid[(r + dr, c + dc)] = cell
            c += int(cell.get("colspan", 1))
    nrows = 1 + max(r for r, _ in grid)
    ncols = 1 + max(c for _, c in grid)
    assert len(grid) == nrows * ncols, "ragged table"
    return [[grid[(r, c)] for c in range(ncols)] for r in range(nrows)]


def text(cell) -> str:
    return cell.get_text(strip=True)


def test_page_title_and_six_sections_in_order(seed):
    soup = soup_of(seed)
    title = "淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告"
    assert soup.title.string == title
    assert text(soup.h1) == title
    assert [text(h) for h in soup.find_all("h2")] == list(SECTION_TITLES.values())
    assert soup.html["lang"] == "zh-CN"
    sections = soup.find_all("section")
    assert [s.get("id") for s in sections] == [f"section-{n}" for n in SECTION_TITLES]
    # Prose of 一, 五, 六 sits under its heading; the tables under 二, 三, 四.
    assert seed.sections["1"] in sections[0].get_text()
    assert seed.sections["5"] in sections[4].get_text()
    assert [bool(s.table) for s in sections] == [False, True, True, True, False, False]


def test_standalone_no_external_resources(seed):
    html = render(seed, "html").decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["link", "script", "img", "iframe"])
    assert not re.search(r"(src|href)\s*=", html)
    assert "url(" not in html and "@import" not in html
    assert "@page { size: A4" in html
    assert "break-inside: avoid" in html and "page-break-inside: avoid" in html


def test_table_two_subtables_per_article_20_item(seed):
    for report in all_layout_variants():
        table = soup_of(report).find("table", attrs={"data-table": "proactive"})
        assert text(table.caption) == "表二 主动公开"
        grid = expand(table)
        spec = report.spec
        subtables = list(dict.fromkeys(r.subtable for r in spec.proactive))
        banners = [text(row[0]) for row in grid if row[0] is row[-1]]
        assert banners == subtables
        for prow in spec.proactive:
            row = next(r for r in grid if text(r[0]) == prow.label)
            header = grid[grid.index(row) - 1 - [r for r in spec.proactive if r.subtable == prow.subtable].index(prow)]
            assert [text(c) for c in dict.fromkeys(header[1:])] == [c.label for c in prow.columns]
            assert [c["data-cell"] for c in dict.fromkeys(row[1:])] == [f"proactive.{prow.key}.{c.key}" for c in prow.columns]


def test_table_three_official_header_and_groups():
    for report in all_layout_variants():
        table = soup_of(report).find("table", attrs={"data-table": "applications"})
        grid = expand(table)
        assert len(grid[0]) == 3 + len(APPLICANT_COLUMNS)
        corner = grid[0][0]
        assert text(corner) == BALANCE_NOTE and corner["rowspan"] == "3" and corner["colspan"] == "3"
        assert text(grid[0][3]) == "申请人情况" and grid[0][3]["colspan"] == "7"
        assert text(grid[1][3]) == "自然人" and grid[1][3]["rowspan"] == "2"
        assert text(grid[1][4]) == "法人或其他组织" and grid[1][4]["colspan"] == "5"
        assert [text(c) for c in grid[2][3:]] == [c.label for c in APPLICANT_COLUMNS]
        assert len(table.thead.find_all("tr")) == 3
        body = grid[3:]
        rows = report.application_rows()
        assert len(body) == len(rows)
        for grid_row, arow in zip(body, rows):
            labels = [text(c) for c in dict.fromkeys(grid_row[:3])]
            assert labels == [*arow.groups, arow.label]
            assert [c["data-cell"] for c in grid_row[3:]] == [f"applications.{arow.key}.{c.key}" for c in APPLICANT_COLUMNS]
        outcome_group = next(c for c in table.find_all("th") if text(c) == "三、本年度办理结果")
        assert int(outcome_group["rowspan"]) == sum(1 for r in rows if r.groups[:1] == ("三、本年度办理结果",))
        assert outcome_group["scope"] == "rowgroup"


def test_table_four_two_level_header(seed):
    table = soup_of(seed).find("table", attrs={"data-table": "appeals"})
    grid = expand(table)
    assert [text(c) for c in dict.fromkeys(grid[0])] == ["行政复议", "行政诉讼"]
    assert [text(c) for c in dict.fromkeys(grid[1][5:])] == ["未经复议直接起诉", "复议后起诉"]
    labels = [c.label for c in APPEAL_COLUMNS]
    assert [text(c) for c in grid[2]] == labels * 3
    assert all(grid[1][i] is grid[2][i] for i in range(5))  # 行政复议's columns span two header rows
    assert [c["data-cell"].split(".", 1)[1] for c in grid[3]] == [
        f"{g}.{c.key}" for g in ("reconsideration", "litigation_direct", "litigation_after_reconsideration") for c in APPEAL_COLUMNS
    ]


def test_accessible_markup():
    for report in all_layout_variants():
        soup = soup_of(report)
        ids = {th["id"] for th in soup.find_all("th")}
        assert len(ids) == len(soup.find_all("th"))
        for th in soup.find_all("th"):
            assert th["scope"] in ("col", "colgroup", "row", "rowgroup")
        for td in soup.find_all("td", attrs={"data-cell": True}):
            headers = list(td["headers"])  # bs4 splits multi-valued attributes
            assert headers and set(headers) <= ids
        for table in soup.find_all("table"):
            assert text(table.caption)
        # 三's 予以公开 cell for 商业企业 is described by its row, the outcome group, and both column levels.
        cell = soup.find("td", attrs={"data-cell": "applications.granted.commercial"})
        named = [text(soup.find(id=h)) for h in cell["headers"]]
        assert set(named) == {"（一）予以公开", "三、本年度办理结果", "申请人情况", "法人或其他组织", "商业企业"}


@settings(max_examples=30, deadline=None)
@given(reports())
def test_every_cell_printed_in_its_place(report):
    soup = soup_of(report)
    cells = {td["data-cell"]: text(td) for td in soup.find_all("td", attrs={"data-cell": True})}
    assert cells == {key: format_cell(value) for key, _, value in report.cells()}
    assert text(soup.h1) == f"{report.agency}{report.year}年政府信息公开工作年度报告"
    for num in ("1", "5", "6"):
        section = soup.find(id=f"section-{num}")
        assert [text(p) for p in section.find_all("p")] == report.sections[num].split("\n")


def test_null_cell_is_empty_and_zero_is_zero(seed):
    seed.set("applications.granted.total", None)
    soup = soup_of(seed)
    assert text(soup.find("td", attrs={"data-cell": "applications.granted.total"})) == ""
    assert text(soup.find("td", attrs={"data-cell": "applications.granted.commercial"})) == "0"


def test_findings_highlight_cells(seed):
    findings = [
        {"rule": "row_total", "severity": "error", "cells": ["applications.new_received.total", "applications.new_received.natural_person"],
         "message": "“本年新收”行的总计与各列之和不符"},
        type("Finding", (), {"rule": "blank_cell", "severity": "warning", "cells": ["appeals.reconsideration.total"],
                             "message": "行政复议总计为空"})(),
    ]
    soup = soup_of(seed, findings)
    total = soup.find("td", attrs={"data-cell": "applications.new_received.total"})
    assert "finding-error" in total["class"] and total["data-findings"] == "row_total"
    assert total["title"] == "“本年新收”行的总计与各列之和不符"
    warn = soup.find("td", attrs={"data-cell": "appeals.reconsideration.total"})
    assert "finding-warning" in warn["class"] and warn["title"] == "行政复议总计为空"
    assert len(soup.select("td.finding")) == 3
    fragment = render_tables_html(seed, findings)
    assert "<html" not in fragment and "<h1" not in fragment
    frag = BeautifulSoup(fragment, "html.parser")
    assert len(frag.find_all("table")) == 3 and len(frag.select("td.finding")) == 3
    assert [text(h) for h in frag.find_all("h2")] == [SECTION_TITLES[n] for n in ("2", "3", "4")]


def test_labels_come_from_layouts():
    """Every label of both layouts appears verbatim in the page (escaped quotes included)."""
    for report in all_layout_variants():
        page = render(report, "html").decode("utf-8")
        spec = LAYOUTS[report.layout]
        for prow in spec.proactive:
            assert f">{prow.label}<" in page
            for col in prow.columns:
                assert f">{col.label}<" in page
        for arow in report.application_rows():
            assert f">{arow.label}<" in page


def test_json_and_unknown_format(seed):
    assert json.loads(render(seed, "json")) == seed.to_dict()
    with pytest.raises(ReportError, match="不支持的输出格式"):
        render(seed, "odt")


def test_real_check_findings_are_highlighted(seed):
    from gongkai.report.checks import check

    seed.set("applications.new_received.total", 5)  # the row's parts sum to 2
    findings = [f for f in check(seed) if f.cells]
    assert any(f.rule == "row_total" for f in findings)
    soup = soup_of(seed, findings)
    marked = {td["data-cell"] for td in soup.select("td.finding")}
    assert marked == {c for f in findings for c in f.cells}
    total = soup.find("td", attrs={"data-cell": "applications.new_received.total"})
    assert "row_total" in total["data-findings"].split()


@pytest.mark.browser
def test_layout_in_a_real_browser(page, seed):
    """Chromium lays the merged cells out as the official form: spans line up with the columns below."""
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.set_content(render(seed, "html").decode("utf-8"))
    assert requests == []  # standalone: nothing fetched

    def box(selector):
        return page.locator(selector).first.bounding_box()

    note = box("table.gk-applications td.note")
    row_label = box("th:text-is('一、本年新收政府信息公开申请数量')")
    assert abs(note["x"] - row_label["x"]) < 1 and abs(note["width"] - row_label["width"]) < 1
    applicants = box("th:text-is('申请人情况')")
    first = box("td[data-cell='applications.new_received.natural_person']")
    last = box("td[data-cell='applications.new_received.total']")
    assert abs(applicants["x"] - first["x"]) < 1 and abs(applicants["x"] + applicants["width"] - last["x"] - last["width"]) < 1
    group = box("th:text-is('三、本年度办理结果')")
    granted = box("th:text-is('（一）予以公开')")
    forward = box("th:text-is('（七）总计')")
    assert abs(group["y"] - granted["y"]) < 1 and abs(group["y"] + group["height"] - forward["y"] - forward["height"]) < 1
    litigation = box("th:text-is('行政诉讼')")
    direct = box("td[data-cell='appeals.litigation_direct.upheld']")
    after = box("td[data-cell='appeals.litigation_after_reconsideration.total']")
    assert abs(litigation["x"] - direct["x"]) < 1 and abs(litigation["x"] + litigation["width"] - after["x"] - after["width"]) < 1


def test_id_prefix_for_pages_with_several_reports(seed):
    plain = BeautifulSoup(render_tables_html(seed), "html.parser")
    assert not plain.find("td", id=True)  # without a prefix only headers carry ids
    a = BeautifulSoup(render_tables_html(seed, id_prefix="r1-"), "html.parser")
    b = BeautifulSoup(render_tables_html(seed, id_prefix="r2-"), "html.parser")
    ids_a = {t["id"] for t in a.find_all(id=True)}
    ids_b = {t["id"] for t in b.find_all(id=True)}
    assert ids_a and not ids_a & ids_b
    cell = a.find(id="r1-cell-applications.granted.total")
    assert cell["data-cell"] == "applications.granted.total"
    assert all(h in ids_a for h in cell["headers"])
    assert {th["id"].removeprefix("r1-") for th in a.find_all("th")} == {th["id"] for th in plain.find_all("th")}
