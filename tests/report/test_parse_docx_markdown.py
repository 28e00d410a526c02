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
