"""XLSX → ``Report``: reads the workbook ``gongkai.report.render.xlsx`` writes, and hand-edited copies of it.

Rows are found by their labels rather than fixed positions, so inserted rows above a table, retyped
labels (full-width/half-width, spaces) and numbers typed as text still read. A cell that cannot be read
as its column's kind is marked unreadable ("?") with the reason; nothing is guessed.
"""
from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

from ..errors import ReportError
from ..limits import check_zip
from ..layouts import LAYOUTS, PROSE_SECTIONS, SECTION_TITLES
from ..model import UNREADABLE, Cell, Report, parse_decimal
from ..render.grid import TABLE_NAMES, Grid, GridCell, grids
from ..render.xlsx import AGENCY_LABEL, INFO_SHEET, LAYOUT_LABEL, YEAR_LABEL
from .core import COLLAPSED_OTHER_NOTE
from .normalize import norm

_INT = re.compile(r"^[-+]?\d+$")


def _norm(value: Any) -> str:
    """Label key, as every parser matches labels (NFKC, no punctuation or white space)."""
    return norm(str(value))


def _number_text(value: str) -> str:
    """A number typed as text: full-width digits folded, spaces and thousands separators dropped."""
    return re.sub(r"[\s,]+", "", unicodedata.normalize("NFKC", value))


def _open(data: bytes):
    from openpyxl import load_workbook

    check_zip(data, "XLSX").close()  # counts, sizes and no DTD, before openpyxl unpacks anything
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises KeyError, OSError, its InvalidFileException, … on broken files
        raise ReportError("不是有效的 XLSX 文件：文件已损坏或缺少工作簿的必需部分") from None


def _strings(ws) -> list[tuple[int, int, str]]:
    """(row, column, normalised text) of every text cell, top to bottom, 1-based."""
    return [(c.row, c.column, _norm(c.value)) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def _find_sheet(wb, name: str, marker: str):
    if name in wb.sheetnames:
        return wb[name]
    key = _norm(marker)
    for ws in wb.worksheets:  # renamed sheet: the one that holds the table's labels
        if any(text == key for _, _, text in _strings(ws)):
            return ws
    raise ReportError(f"XLSX 文件缺少工作表“{name}”")


def _info(wb) -> dict[str, Any]:
    """Column A label → column B value of the details sheet (normalised labels)."""
    ws = wb[INFO_SHEET] if INFO_SHEET in wb.sheetnames else None
    if ws is None:
        key = _norm(AGENCY_LABEL)
        ws = next((w for w in wb.worksheets if any(t == key for _, _, t in _strings(w))), None)
    if ws is None:
        return {}
    out: dict[str, Any] = {}
    for row in ws.iter_rows(max_col=2):
        if row[0].value is not None and _norm(row[0].value) not in out:
            out[_norm(row[0].value)] = row[1].value if len(row) > 1 else None
    return out


def _layout(info: dict[str, Any], wb) -> str:
    raw = info.get(_norm(LAYOUT_LABEL))
    found = re.search(r"(2019|2021)", str(raw)) if raw is not None else None
    if found:
        return found.group(1)
    # No stated layout: the column labels of table 二 differ between the two layouts.
    for name, spec in LAYOUTS.items():
        label = _norm(spec.proactive[0].columns[0].label)
        if any(text == label for ws in wb.worksheets for _, _, text in _strings(ws)):
            return name
    raise ReportError("XLSX 文件中找不到表格格式（2019 或 2021），也无法从表二的列名判断")


def _year(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    text = _number_text(str(raw))
    found = re.fullmatch(r"(\d{4})(?:\.0+)?年?(?:度)?", text)
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise ReportError(f"XLSX 中的报告年度“{raw}”不是年份")
    return int(found.group(1))


def _cell(report: Report, gc: GridCell, raw: Any, where: str) -> None:
    key, col = gc.key, gc.column
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        report.set(key, None)
        return
    if isinstance(raw, str) and raw.strip() in (UNREADABLE, "？"):
        report.mark_unreadable(key, f"XLSX 单元格 {where} 标为“?”")
        return
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        report.mark_unreadable(key, f"XLSX 单元格 {where} 的内容“{raw}”不是数字")
        return
    if col.kind == "text":
        value: Cell = raw.strip() if isinstance(raw, str) else (str(int(raw)) if float(raw).is_integer() else str(raw))
    elif col.kind == "decimal":
        try:
            value = parse_decimal(_number_text(raw) if isinstance(raw, str) else repr(raw), key)
        except ReportError:
            report.mark_unreadable(key, f"XLSX 单元格 {where} 的金额“{raw}”不是数字")
            return
    else:
        text = _number_text(raw) if isinstance(raw, str) else None
        if text is not None and _INT.match(text):
            value = int(text)
        elif isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            report.mark_unreadable(key, f"XLSX 单元格 {where} 的内容“{raw}”不是整数")
            return
    report.set(key, value)


def _read_grid(report: Report, grid: Grid, ws) -> None:
    """Each data row is located by its row label (table 四: by its top header) and read beside it."""
    from openpyxl.utils import get_column_letter

    texts = _strings(ws)
    head = next(c for c in grid.cells if c.kind == "head")
    last_row = 0
    for cells in grid.rows():
        data = [c for c in cells if c.kind == "data"]
        if not data:
            continue
        anchor = next((c for c in cells if c.scope == "row"), head)
        key = _norm(anchor.text)
        hit = next(((r, c) for r, c, t in texts if t == key and (r > last_row or anchor is head)), None)
        if hit is None:
            raise ReportError(f"XLSX 工作表“{ws.title}”中找不到“{anchor.text}”")
        dr, dc = hit[0] - anchor.row, hit[1] - anchor.col
        last_row = hit[0]
        for gc in data:
            r, c = gc.row + dr, gc.col + dc
            _cell(report, gc, ws.cell(r, c).value, f"{ws.title}!{get_column_letter(c)}{r}")


def read_xlsx(data: bytes) -> Report:
    """The report in a workbook written by ``render(report, "xlsx")`` (or a hand-edited copy)."""
    wb = _open(data)
    info = _info(wb)
    layout = _layout(info, wb)
    agency = info.get(_norm(AGENCY_LABEL))
    report = Report(layout=layout, year=_year(info.get(_norm(YEAR_LABEL))),
                    agency=str(agency).strip() or None if agency is not None else None)
    spec = LAYOUTS[layout]
    apps = _find_sheet(wb, TABLE_NAMES["applications"], spec.applications[0].label)
    if spec.other_subrows:
        labels = {_norm(spec.application_row(k).label) for k in spec.other_subrows}
        if not any(t in labels for _, _, t in _strings(apps)):
            report.applications["other"] = {}  # （六）其他处理 as one row; shape() follows it
            report.notes.append(COLLAPSED_OTHER_NOTE)
    for grid in grids(report):
        marker = next(c.text for c in grid.cells if c.kind == "head")
        ws = apps if grid.table == "applications" else _find_sheet(wb, grid.name, marker)
        _read_grid(report, grid, ws)
    for num in PROSE_SECTIONS:
        numeral = SECTION_TITLES[num].split("、")[0]
        # Agencies sometimes reword a heading (e.g. 五、政府信息公开工作存在的主要问题…): match its numeral.
        text = next((v for k, v in info.items() if k.startswith(numeral) and len(k) > len(numeral)), None)
        if text is not None and str(text).strip():
            report.sections[num] = str(text).replace("\r\n", "\n").strip()
    return report
