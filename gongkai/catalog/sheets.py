"""Rows of an uploaded catalogue workbook (XLSX), read in the bounded worker process. Pure: no Django,
so the child process of ``gongkai.report.worker`` can import it without settings."""
from __future__ import annotations

import io

from gongkai.report.errors import ReportError
from gongkai.report.limits import check_zip

# The import template has 14 columns; a cell far to the right (XFD) would pad every row to 16,384 values.
MAX_COLUMNS = 64
BROKEN = "文件已损坏或不是有效的 XLSX 工作簿，请在 Excel 中打开后重新保存。"


def xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    """(spreadsheet row number, values) of every row of the first sheet, header included. The stored
    ``<dimension>`` is not trusted (it can under-state the sheet and hide rows): rows are read as they are."""
    import openpyxl

    check_zip(data, "Excel").close()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises KeyError, OSError, InvalidFileException, … on broken files
        raise ReportError(BROKEN) from None
    try:
        # read_only parses the sheet lazily: a damaged sheet fails here, in the middle of the rows.
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        return [(n, list(row)) for n, row in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1)]
    except Exception:
        raise ReportError(BROKEN) from None
    finally:
        wb.close()
