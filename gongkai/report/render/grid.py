"""The official merged-cell layout of tables 二, 三, 四 as an abstract grid.

One place decides where each label, header and number sits and what it spans; the HTML, DOCX and XLSX
renderers (and the XLSX reader) only translate this grid. Labels come from ``layouts.py``; the layouts
are those of Art. 50 of the Regulations (国办公开办函〔2019〕60号 / 〔2021〕30号).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from ..layouts import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    APPLICANT_PARTS,
    BALANCE_NOTE,
    LITIGATION_HEADER,
    ORGANISATION_HEADER,
    SECTION_TITLES,
    Column,
)
from ..model import Cell, Report

# Header of the label column of every sub-table of table 二, as printed in both official layouts.
CONTENT_HEADER = "信息内容"
# Short names of the three tables (XLSX sheet names, HTML captions).
TABLE_NAMES = {"proactive": "表二 主动公开", "applications": "表三 依申请公开", "appeals": "表四 复议诉讼"}
# Label columns to the left of the numbers in table 三: up to two group levels and the row label.
APPLICATION_LABEL_COLS = 3


@dataclass
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    # "head": column header; "label": row or row-group header; "data": a number; "note": the 勾稽关系 corner.
    kind: str = "data"
    scope: str | None = None  # HTML scope of a header: col, colgroup, row, rowgroup
    id: str | None = None
    headers: tuple[str, ...] = ()  # ids of the headers that describe a data cell
    key: str | None = None  # "table.row.column" of a data cell
    value: Cell = None
    column: Column | None = None


@dataclass
class Grid:
    table: str
    name: str
    title: str
    ncols: int
    head_rows: int  # leading rows that form the table head (repeated on each printed page)
    cells: list[GridCell] = field(default_factory=list)
    # Row ranges [start, end) that belong together (table 二's sub-tables), for <tbody> grouping.
    bodies: list[tuple[int, int]] = field(default_factory=list)

    @property
    def nrows(self) -> int:
        return max(c.row + c.rowspan for c in self.cells)

    def rows(self) -> list[list[GridCell]]:
        """Cells by the row they start in, left to right."""
        out: list[list[GridCell]] = [[] for _ in range(self.nrows)]
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[c.row].append(c)
        return out

    def data_cells(self) -> list[GridCell]:
        return [c for c in self.cells if c.kind == "data"]

    def add(self, text: str, row: int, col: int, **kw) -> GridCell:
        cell = GridCell(text, row, col, **kw)
        if cell.kind in ("head", "label"):
            cell.id = f"{self.table}-h{len(self.cells)}"
        self.cells.append(cell)
        return cell


def _data(grid: Grid, report: Report, table: str, row: str, col: Column, r: int, c: int,
          headers: list[GridCell], colspan: int = 1) -> None:
    key = f"{table}.{row}.{col.key}"
    grid.add("", r, c, colspan=colspan, kind="data", key=key, value=report.get(key), column=col,
             headers=tuple(h.id for h in headers if h.id))


def proactive_grid(report: Report) -> Grid:
    """Table 二: one sub-table per item of Art. 20, each with its own column header row."""
    rows = report.spec.proactive
    width = max(len(r.columns) for r in rows)
    grid = Grid("proactive", TABLE_NAMES["proactive"], SECTION_TITLES["2"], 1 + width, head_rows=0)
    r = 0
    for subtable, members in groupby(rows, key=lambda row: row.subtable):
        members = list(members)
        start = r
        sub = grid.add(subtable, r, 0, colspan=1 + width, kind="head", scope="colgroup")
        r += 1
        columns = members[0].columns
        grid.add(CONTENT_HEADER, r, 0, kind="head", scope="col")
        col_heads = []
        for i, col in enumerate(columns):
            span = width - i if i == len(columns) - 1 else 1
            col_heads.append(grid.add(col.label, r, 1 + i, colspan=span, kind="head", scope="col"))
        r += 1
        for prow in members:
            label = grid.add(prow.label, r, 0, kind="label", scope="row")
            for i, col in enumerate(prow.columns):
                span = width - i if i == len(prow.columns) - 1 else 1
                _data(grid, report, "proactive", prow.key, col, r, 1 + i, [label, sub, col_heads[i]], span)
            r += 1
        grid.bodies.append((start, r))
    return grid


def applications_grid(report: Report) -> Grid:
    """Table 三: 勾稽关系 note in the corner, two header levels, group labels merged down their rows."""
    n = APPLICATION_LABEL_COLS
    grid = Grid("applications", TABLE_NAMES["applications"], SECTION_TITLES["3"], n + len(APPLICANT_COLUMNS), head_rows=3)
    grid.add(BALANCE_NOTE, 0, 0, rowspan=3, colspan=n, kind="note")
    top = grid.add(APPLICANT_HEADER, 0, n, colspan=len(APPLICANT_COLUMNS), kind="head", scope="colgroup")
    col_heads: dict[str, list[GridCell]] = {}
    org = None
    for i, col in enumerate(APPLICANT_COLUMNS):
        if col.key in (APPLICANT_PARTS[0], "total"):
            col_heads[col.key] = [top, grid.add(col.label, 1, n + i, rowspan=2, kind="head", scope="col")]
        else:
            if org is None:
                org = grid.add(ORGANISATION_HEADER, 1, n + i, colspan=len(APPLICANT_PARTS) - 1, kind="head", scope="colgroup")
            col_heads[col.key] = [top, org, grid.add(col.label, 2, n + i, kind="head", scope="col")]

    rows = report.application_rows()
    first = 3
    open_groups: dict[int, GridCell] = {}
    for i, arow in enumerate(rows):
        r = first + i
        for depth, group in enumerate(arow.groups):
            prev = rows[i - 1].groups if i else ()
            if len(prev) > depth and prev[: depth + 1] == arow.groups[: depth + 1]:
                continue  # this group's merged label started above
            span = 1
            while i + span < len(rows) and rows[i + span].groups[: depth + 1] == arow.groups[: depth + 1]:
                span += 1
            open_groups[depth] = grid.add(group, r, depth, rowspan=span, kind="label", scope="rowgroup")
        depth = len(arow.groups)
        label = grid.add(arow.label, r, depth, colspan=n - depth, kind="label", scope="row")
        groups = [open_groups[d] for d in range(depth)]
        for j, col in enumerate(APPLICANT_COLUMNS):
            _data(grid, report, "applications", arow.key, col, r, n + j, [label, *groups, *col_heads[col.key]])
    grid.bodies.append((first, first + len(rows)))
    return grid


def appeals_grid(report: Report) -> Grid:
    """Table 四: 行政复议 | 行政诉讼 → 未经复议直接起诉 / 复议后起诉, then one row of numbers."""
    k = len(APPEAL_COLUMNS)
    grid = Grid("appeals", TABLE_NAMES["appeals"], SECTION_TITLES["4"], k * len(APPEAL_GROUPS), head_rows=3)
    litigation = None
    for g, (gkey, glabel) in enumerate(APPEAL_GROUPS):
        c0 = g * k
        if g == 0:
            group = grid.add(glabel, 0, c0, colspan=k, kind="head", scope="colgroup")
            parents, row, span = [group], 1, 2
        else:
            if litigation is None:
                litigation = grid.add(LITIGATION_HEADER, 0, c0, colspan=k * (len(APPEAL_GROUPS) - 1), kind="head", scope="colgroup")
            group = grid.add(glabel, 1, c0, colspan=k, kind="head", scope="colgroup")
            parents, row, span = [litigation, group], 2, 1
        for j, col in enumerate(APPEAL_COLUMNS):
            head = grid.add(col.label, row, c0 + j, rowspan=span, kind="head", scope="col")
            _data(grid, report, "appeals", gkey, col, 3, c0 + j, [*parents, head])
    grid.bodies.append((3, 4))
    return grid


def grids(report: Report) -> list[Grid]:
    return [proactive_grid(report), applications_grid(report), appeals_grid(report)]


def report_title(report: Report) -> str:
    """"<agency><year>年政府信息公开工作年度报告", the title every published report carries."""
    year = f"{report.year}年" if report.year is not None else ""
    return f"{report.agency or ''}{year}政府信息公开工作年度报告"


# Control characters XML 1.0 forbids (DOCX, XLSX) and HTML parsers drop: invisible, so removed, not refused.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def printable(text: str) -> str:
    """Text as every renderer prints it: without the control characters a document cannot hold."""
    return _XML_ILLEGAL.sub("", text)
