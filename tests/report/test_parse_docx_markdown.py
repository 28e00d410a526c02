"""DOCX (python-docx, real merged cells) and Markdown (pipe tables, shattered tables) reports."""
from __future__ import annotations

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.parsers import parse_file
from gongkai.report.parsers.docx import docx_document

from .test_parse_samples import assert_same, docx_bytes, markdown, sample_report


@pytest.mark.parametrize("layout,collapsed", [("2021", False), ("2021", True), ("2019", False)])
def test_docx_with_merged_cells(tmp_path, layout, collapsed):
    expected = sample_report(layout, 2023 if layout == "2021" else 2020, collapsed=collapsed)
    expected.applications["declined_duplicate"]["total"] = None
    path = tmp_path / "report.docx"
    path.write_bytes(docx_bytes(expected))
    parsed = parse_file(path)
    assert_same(parsed, expected)
    assert parsed.other_collapsed is collapsed


def test_docx_merged_cells_are_covered_positions():
    doc = docx_document(docx_bytes(sample_report()))
    table3 = next(g for g in doc.tables if g[0][0] and g[0][0].startswith("（本列数据"))
    assert table3[0][1] is None and table3[2][2] is None  # the 3×3 corner
    assert table3[1][3] == "自然人" and table3[2][3] is None  # vMerge continuation


def test_corrupt_docx_is_a_clear_error(tmp_path):
    data = bytearray(docx_bytes(sample_report()))
    path = tmp_path / "broken.docx"
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ReportError, match="损坏|无法读取"):
        parse_file(path)


@pytest.mark.parametrize("layout", ["2021", "2019"])
def test_markdown_pipe_tables(tmp_path, layout):
    expected = sample_report(layout, 2023 if layout == "2021" else 2020)
    path = tmp_path / "report.md"
    path.write_text(markdown(expected), "utf-8")
    parsed = parse_file(path)
    assert_same(parsed, expected)
    assert not parsed.notes


def test_markdown_shattered_tables(tmp_path):
    """Converters print a table of labels, then the numbers in a run of lines: pair them in order."""
    expected = sample_report()
    path = tmp_path / "report.md"
    path.write_text(markdown(expected, shattered=True), "utf-8")
    parsed = parse_file(path)
    assert_same(parsed, expected)
    assert sum("分开排列" in n for n in parsed.notes) == 2


def test_markdown_shattered_with_a_number_missing_is_not_guessed(tmp_path):
    expected = sample_report()
    text = markdown(expected, shattered=True)
    numbers = " ".join(str(v) for v in expected.applications["carried_forward"].values())
    assert numbers in text
    path = tmp_path / "report.md"
    path.write_text(text.replace(numbers, numbers.rsplit(" ", 1)[0]), "utf-8")  # one number lost
    parsed = parse_file(path)
    assert parsed.applications["carried_forward"]["total"] in ("?", None)
    assert parsed.applications["new_received"]["natural_person"] in ("?", None)
    assert parsed.applications != expected.applications


# -- the Document contract the PDF reader relies on ---------------------------------------------
def _pdf_style_grids(report):
    """The official grids (render.grid) as a PDF reader hands them over: merged text at its first
    position, ``None`` at covered positions — and ``None`` for empty value cells too."""
    from gongkai.report.model import format_cell
    from gongkai.report.render.grid import grids

    out = []
    for g in grids(report):
        m = [[None] * g.ncols for _ in range(g.nrows)]
        for c in g.cells:
            text = format_cell(c.value) if c.kind == "data" else c.text
            m[c.row][c.col] = text or None
        out.append(m)
    return out


@pytest.mark.parametrize("layout", ["2021", "2019"])
def test_assemble_reads_grids_with_none_for_blank_cells(layout):
    from gongkai.report.layouts import SECTION_TITLES
    from gongkai.report.parsers.core import Document, assemble

    expected = sample_report(layout, 2023 if layout == "2021" else 2020)
    for row in ("new_received", "granted"):
        expected.applications[row]["natural_person"] = None
    expected.appeals["reconsideration"]["upheld"] = None
    first, last = expected.spec.proactive[0], expected.spec.proactive[-1]
    expected.proactive[first.key][first.columns[0].key] = None  # blank first value
    expected.proactive[last.key][last.columns[-1].key] = None  # blank last value, its cell spanning columns
    lines = [f"{expected.agency}{expected.year}年政府信息公开工作年度报告"]
    for num, title in SECTION_TITLES.items():
        lines += [title, *expected.sections.get(num, "").split("\n")]
    parsed = assemble(Document(lines=lines, tables=_pdf_style_grids(expected), source="pdf"))
    assert_same(parsed, expected)
    assert not parsed.unreadable
