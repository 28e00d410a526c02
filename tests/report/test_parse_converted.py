"""Issue 9 class 3: Markdown from PDF converters and OCR services. Values on rows apart from their
labels, notes inside cells, a row that lost a cell, page markers inside tables, generic or copied
headers: placed by the table's shape, else "?" with a reason — never a wrong number."""
from __future__ import annotations

import re

import pytest

from gongkai.report.parsers import parse_text

from .scans import assert_cells, seed_report
from .test_parse_samples import _md_row, markdown, sample_report


def _cells(line: str) -> list[str] | None:
    if not line.startswith("|"):
        return None
    return [c.strip().strip("*") for c in line.strip().strip("|").split("|")]


def _is_num(cell: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?|\d+万元", cell))


def values_on_their_own_rows(md: str) -> str:
    """Each data row split in two: the label with empty cells, then a row of the values alone."""
    out = []
    for line in md.split("\n"):
        cells = _cells(line)
        label_at = next((i for i, c in enumerate(cells or []) if c and not _is_num(c)), None)
        if cells and label_at is not None and any(_is_num(c) for c in cells) and all(
                _is_num(c) or not c for c in cells[label_at + 1:]):
            out.append(_md_row([c if i <= label_at else "" for i, c in enumerate(cells)]))
            out.append(_md_row(["" if i <= label_at else c for i, c in enumerate(cells)]))
        else:
            out.append(line)
    return "\n".join(out)


REPORTS = {
    "seed": lambda shared: seed_report(shared),
    "2021": lambda shared: sample_report("2021", 2023, seed=2),
    "2019": lambda shared: sample_report("2019", 2020, seed=3),
}


@pytest.fixture(params=sorted(REPORTS))
def report(request, shared):
    return REPORTS[request.param](shared)


def test_values_on_rows_apart_from_their_labels(report):
    text = values_on_their_own_rows(markdown(report))
    assert text != markdown(report)
    assert_cells(parse_text(text), report, max_unknown=0)


def test_notes_inside_cells_are_not_numbers():
    report = sample_report("2021", 2023, seed=2)
    issued, repealed = (report.get(f"proactive.normative_documents.{k}") for k in ("issued", "repealed"))
    md = markdown(report)
    row = next(line for line in md.split("\n") if line.startswith("| 行政规范性文件 |"))
    cells = _cells(row)
    cells[1], cells[2] = f"{issued}（其中修订 16 件）", f"{repealed}（含自然失效 29 件）"
    r = parse_text(md.replace(row, _md_row(cells)))
    assert_cells(r, report, max_unknown=0)
    assert any("其中修订" in n for n in r.notes) and any("含自然失效" in n for n in r.notes)


def test_a_row_that_lost_a_cell_is_unknown_not_shifted(report):
    md = markdown(report)
    row = next(line for line in md.split("\n") if "属于国家秘密" in line)
    cells = _cells(row)
    del cells[4]
    r = parse_text(md.replace(row, _md_row(cells)))
    assert_cells(r, report, max_unknown=7)
    reason = next(u["reason"] for u in r.unreadable if u["cell"] == "applications.withheld_state_secret.total")
    assert "只读到 6 个" in reason


@pytest.mark.parametrize("marker", ["— 4 —", "- 4 -", "第 4 页"])
def test_page_markers_inside_tables(report, marker):
    lines = markdown(report).split("\n")
    at = next(i for i, line in enumerate(lines) if "属于四类过程性信息" in line)
    as_row = lines[:at] + [_md_row([marker] + [""] * 8)] + lines[at:]
    as_line = lines[:at] + ["", marker, ""] + lines[at:]
    for variant in (as_row, as_line):
        assert_cells(parse_text("\n".join(variant)), report, max_unknown=0)


def test_generic_and_copied_headers(report):
    md = markdown(report)
    lines = md.split("\n")
    head3 = next(line for line in lines if "勾稽关系" in line)
    heads4 = [line for line in lines if line.startswith("| 行政复议 |") or "| 结果维持 | 结果纠正 |" in line]
    generic = md.replace(head3, _md_row(["项目", "", *(f"数据{i}" for i in range(1, 8))]))
    for h in heads4:
        generic = generic.replace(h, _md_row([f"数据{i}" for i in range(1, 16)]))
    assert_cells(parse_text(generic), report, max_unknown=0)
    copied = md.replace(head3, _md_row(["信息内容", "", "本年制发件数", "本年废止件数", "现行有效件数", "", "", "", ""]))
    assert_cells(parse_text(copied), report, max_unknown=0)
