"""DOCX (Word 2007+) → ``Document``: paragraphs and tables in body order, merged cells expanded.

``word/document.xml`` is read with plain lxml (python-docx's element classes cost a Python call per
element): a paragraph's text is its ``w:t`` runs (deleted text is ``w:delText`` and stays out), a
table cell spans ``w:gridSpan`` columns, and a ``w:vMerge`` continuation is a position covered by
the cell above (``None``).
"""
from __future__ import annotations

import re
import zipfile
import zlib

from lxml import etree

from ..errors import ReportError
from ..limits import check_zip, xml_parser
from ..model import Report
from .core import Document, assemble

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _TBL, _SDT, _SDT_CONTENT = f"{{{W}}}p", f"{{{W}}}tbl", f"{{{W}}}sdt", f"{{{W}}}sdtContent"
_TR, _TC, _VAL = f"{{{W}}}tr", f"{{{W}}}tc", f"{{{W}}}val"
_T, _BR, _CR, _TAB = f"{{{W}}}t", f"{{{W}}}br", f"{{{W}}}cr", f"{{{W}}}tab"
_RUNS = etree.XPath(".//w:t|.//w:br|.//w:cr|.//w:tab", namespaces={"w": W})
# A cell's own paragraphs, not those of a table nested in it (the cell may itself sit in a layout table).
_CELL_PARAS = etree.XPath(".//w:p[count(ancestor::w:tc) = $depth]", namespaces={"w": W})
_TC_DEPTH = etree.XPath("count(ancestor-or-self::w:tc)", namespaces={"w": W})
_NESTED = etree.XPath("boolean(w:tr/w:tc/w:tbl)", namespaces={"w": W})
_GRID_SPAN = etree.XPath("string(w:tcPr/w:gridSpan/@w:val)", namespaces={"w": W})
_VMERGE = etree.XPath("w:tcPr/w:vMerge", namespaces={"w": W})
_GRID_BEFORE = etree.XPath("string(w:trPr/w:gridBefore/@w:val)", namespaces={"w": W})
_WS = re.compile(r"[ \t\r\n\xa0\u2002-\u200b]+")
_PARSER = xml_parser(huge_tree=True)  # no entity expansion, no network (limits.check_zip refuses DTDs too)
MAX_SPAN = 60
MAX_XML = 50 * 1024 * 1024  # a report's body is a few MB; lxml needs ~10x the text in memory


def parse_docx(data: bytes) -> Report:
    return assemble(docx_document(data))


def docx_document(data: bytes) -> Document:
    try:
        with check_zip(data, "DOCX") as zf:  # counts, sizes and no DTD, before anything is unpacked
            if zf.getinfo("word/document.xml").file_size > MAX_XML:
                raise ReportError(f"DOCX 正文解压后过大（超过 {MAX_XML // 1024 // 1024} MB），未读取")
            xml = zf.read("word/document.xml")
        root = etree.fromstring(xml, _PARSER)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise ReportError(f"DOCX 文件已损坏，无法读取：{exc}") from None
    except etree.XMLSyntaxError as exc:
        raise ReportError(f"DOCX 文件已损坏（document.xml 不是有效的 XML）：{exc}") from None
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise ReportError("DOCX 文件中没有正文")
    lines: list[str] = []
    tables: list[list[list[str | None]]] = []
    for el in _blocks(body):
        if el.tag == _P:
            lines.extend(part.strip(" \u3000\xa0") for part in paragraph_text(el).split("\n"))
        else:
            grid = table_grid(el)
            if not any(cell for row in grid for cell in row):
                continue
            tables.append(grid)
            lines.append("")
            for row in grid:
                lines.extend("\t" + cell for cell in row if cell is not None)
                lines.append("")
    return Document(lines=lines, tables=tables, source="docx")


def _blocks(parent):
    """Paragraphs and tables in order, looking inside content controls (w:sdt) and layout tables (a
    table whose cells hold tables: a web page's frame saved as Word), whose cells are read in order."""
    for el in parent:
        if el.tag == _TBL and _NESTED(el):
            for tr in el.iterchildren(_TR):
                for tc in tr.iterchildren(_TC):
                    yield from _blocks(tc)
        elif el.tag in (_P, _TBL):
            yield el
        elif el.tag == _SDT:
            content = el.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)


def paragraph_text(p) -> str:
    out = []
    for node in _RUNS(p):
        tag = node.tag
        if tag == _T:
            out.append(node.text or "")
        elif tag == _TAB:
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def _cell_text(tc) -> str:
    text = " ".join(paragraph_text(p) for p in _CELL_PARAS(tc, depth=_TC_DEPTH(tc)))
    return _WS.sub(" ", text).strip(" \u3000")


def _int(value: str, default: int = 1) -> int:
    try:
        return max(0, min(int(value), MAX_SPAN)) if value else default
    except ValueError:
        return default


def table_grid(tbl) -> list[list[str | None]]:
    """Rows of a w:tbl with merged cells expanded: text at a merged cell's first position, ``None`` at
    the positions it covers (gridSpan to the right, vMerge continuation below), ``""`` when empty."""
    grid: list[list[str | None]] = []
    for tr in tbl.iterchildren(_TR):
        row: list[str | None] = [None] * _int(_GRID_BEFORE(tr), 0)
        for tc in tr.iterchildren(_TC):
            span = max(1, _int(_GRID_SPAN(tc)))
            vmerge = _VMERGE(tc)
            continued = bool(vmerge) and vmerge[0].get(_VAL) in (None, "continue")
            row.append(None if continued else _cell_text(tc))
            row.extend([None] * (span - 1))
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    for r in grid:
        r.extend([None] * (width - len(r)))
    return grid
