"""Text in spreadsheets (XLSX and CSV) never runs as a formula: the one place for formula injection.

Every CSV or XLSX the platform writes (catalogue export, report XLSX, batch audit) puts its text through
here. A cell whose text starts with = + - @ (or a tab / carriage return a spreadsheet skips before
them) would be evaluated by Excel, WPS or LibreOffice: ``=HYPERLINK("http://x")`` becomes a live link,
``=cmd|…`` a DDE call. In XLSX the text is stored with the string type, so it is shown exactly as typed
and read back unchanged. CSV has no types: such a cell is written with a leading ``'`` (what
spreadsheets themselves use to mark text), and ``csv_value`` removes that mark again on import.
"""
from __future__ import annotations

import re
from typing import Any

from .grid import printable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
# Text a spreadsheet would run, also behind marks already there ("'=x" is written "''=x"), so that
# ``csv_value`` can always remove exactly the one mark ``csv_text`` added.
_MARKED = re.compile("'*[=+\\-@\t\r]")


def csv_text(value: Any) -> str:
    """One CSV cell: ``value`` as text, marked as text when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return TEXT_MARK + text if _MARKED.match(text) else text


def csv_value(text: str) -> str:
    """The inverse of ``csv_text`` for a cell read from a CSV file."""
    return text[1:] if text.startswith(TEXT_MARK) and _MARKED.match(text, 1) else text


def set_cell(cell, value: Any) -> None:
    """Set an openpyxl cell: text is stored as text (never a formula) without the control characters an
    XLSX cannot hold; numbers, dates and None as they are."""
    if isinstance(value, str):
        cell.value = printable(value)
        cell.data_type = "s"
    else:
        cell.value = value


def text_row(ws, values) -> list:
    """A row for ``ws.append`` of a write-only worksheet, every text cell stored as text."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        cell = WriteOnlyCell(ws)
        set_cell(cell, value)
        row.append(cell)
    return row
