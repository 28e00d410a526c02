"""DOCX (Word 2007+) → ``Document``: paragraphs and tables in body order, merged cells expanded.

python-docx repeats a merged cell's object at every grid position it covers (gridSpan across,
vMerge down); a position holding the same object as its left or upper neighbour is covered → ``None``.
"""
from __future__ import annotations

import io
import re
import zipfile

from ..errors import ReportError
from ..model import Report
from .core import Document, assemble

_WS = re.compile(r"[ \t\r\n\xa0\u2002-\u200b]+")


def parse_docx(data: bytes) -> Report:
    return assemble(docx_document(data))


def docx_document(data: bytes) -> Document:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReportError(f"DOCX 文件已损坏，无法读取：{exc}") from None
    except Exception as exc:  # python-docx raises assorted errors on malformed packages
        if type(exc).__module__.startswith(("docx", "lxml")):
            raise ReportError(f"DOCX 文件无法读取：{exc}") from None
        raise
    lines: list[str] = []
    tables: list[list[list[str | None]]] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text
            lines.extend(part.strip(" \u3000\xa0") for part in text.replace("\r", "\n").split("\n"))
        elif tag == "tbl":
            grid = table_grid(Table(child, document))
            if not any(cell for row in grid for cell in row):
                continue
            tables.append(grid)
            lines.append("")
            for row in grid:
                lines.extend("\t" + cell for cell in row if cell is not None)
                lines.append("")
    return Document(lines=lines, tables=tables, source="docx")


def _text(cell) -> str:
    return _WS.sub(" ", "".join(p.text for p in cell.paragraphs)).strip(" \u3000")


def table_grid(table) -> list[list[str | None]]:
    try:
        cells = table._cells  # flat, row-major, merged cells repeated (python-docx)
        ncols = len(table.columns)
    except (IndexError, ValueError):
        raise ReportError("DOCX 中的表格结构异常，无法读取") from None
    if not ncols:
        return []
    grid: list[list[str | None]] = []
    texts: dict[int, str] = {}
    for start in range(0, len(cells), ncols):
        row = cells[start:start + ncols]
        out: list[str | None] = []
        for c, cell in enumerate(row):
            left = row[c - 1] if c else None
            above = cells[start - ncols + c] if start else None
            if cell is left or (above is not None and cell._tc is above._tc):
                out.append(None)
                continue
            key = id(cell._tc)
            if key not in texts:
                texts[key] = _text(cell)
            out.append(texts[key])
        grid.append(out)
    return grid
