"""XLSX (openpyxl): one sheet per table in the official merged layout, plus a sheet of report details.

Numbers are stored as numbers and a null cell as an empty cell, so the workbook can be summed in a
spreadsheet and read back exactly by ``gongkai.report.parsers.xlsx.read_xlsx``.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ..layouts import LAYOUTS, PROSE_SECTIONS, SECTION_TITLES, TABLE_SECTIONS
from ..model import Report
from .grid import Grid, grids, printable, report_title
from .spreadsheet import set_cell

INFO_SHEET = "报告信息"
# Labels of the rows of the details sheet (column A); the values are in column B.
AGENCY_LABEL = "机关名称"
YEAR_LABEL = "报告年度"
LAYOUT_LABEL = "表格格式"
TITLE_LABEL = "报告标题"
FONT_NAME = "宋体"
# The grid starts below a title row holding the section heading.
GRID_FIRST_ROW = 2

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _info_sheet(ws, report: Report) -> None:
    ws.title = INFO_SHEET
    spec = LAYOUTS[report.layout]
    rows = [
        (TITLE_LABEL, report_title(report)),
        (AGENCY_LABEL, report.agency),
        (YEAR_LABEL, report.year),
        (LAYOUT_LABEL, report.layout, f"{spec.issued_by}（《政府信息公开条例》第五十条）"),
        *((SECTION_TITLES[n], report.sections.get(n)) for n in PROSE_SECTIONS),
    ]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            set_cell(cell, value)
            cell.font = Font(name=FONT_NAME, bold=c == 1)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 40


def _table_sheet(ws, grid: Grid) -> None:
    ws.title = grid.name
    set_cell(ws.cell(1, 1), grid.title)
    ws.cell(1, 1).font = Font(name=FONT_NAME, bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=grid.ncols)
    top = GRID_FIRST_ROW
    for gc in grid.cells:
        r, c = top + gc.row, 1 + gc.col
        # Every cell of a merged range gets the border, or the merged box prints half-framed.
        for rr in range(r, r + gc.rowspan):
            for cc in range(c, c + gc.colspan):
                ws.cell(rr, cc).border = _BORDER
        cell = ws.cell(r, c)
        # A null cell stays empty; text (2019 采购总金额) stays text.
        set_cell(cell, gc.value if gc.kind == "data" else gc.text)
        left = gc.kind == "note" or gc.scope in ("row", "rowgroup")
        cell.alignment = Alignment(horizontal="left" if left else "center", vertical="center", wrap_text=True)
        cell.font = Font(name=FONT_NAME, size=9 if gc.kind == "note" else 10.5)
        if gc.rowspan > 1 or gc.colspan > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + gc.rowspan - 1, end_column=c + gc.colspan - 1)
    widths = {"proactive": [24] + [16] * (grid.ncols - 1), "applications": [12, 14, 40] + [9] * 7, "appeals": [8] * grid.ncols}
    for i, w in enumerate(widths[grid.table], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.print_options.horizontalCentered = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if grid.table == "appeals" else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    if grid.head_rows:
        ws.print_title_rows = f"{top}:{top + grid.head_rows - 1}"


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    _info_sheet(wb.active, report)
    for grid in sorted(grids(report), key=lambda g: TABLE_SECTIONS[g.table]):
        _table_sheet(wb.create_sheet(), grid)
    wb.properties.title = printable(report_title(report))
    wb.properties.creator = printable(report.agency or "")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
