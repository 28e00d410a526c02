"""Markdown from PDF-to-Markdown converters → ``Document``.

Pipe tables become grids and tab-indented cell lines; everything else stays a line, with heading
marks and emphasis removed. A "shattered" table (labels in one table, the numbers in a run of lines
or another table) needs no special case here: ``core`` pairs loose numbers with label-only rows.
"""
from __future__ import annotations

import re

from lxml import etree

from .core import Document

_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_BR = re.compile(r"<br\s*/?>", re.I)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_HTML_PARSER = etree.HTMLParser(remove_comments=True, no_network=True)


_BR_DIGITS = re.compile(r"(?<=\d)\s*<br\s*/?>\s*(?=\d)", re.I)


def _clean(text: str) -> str:
    # A break inside a label is wrapping; between digits ("1<br>2") it parts two numbers, never one 12.
    text = _BR.sub("", _BR_DIGITS.sub(" ", text))
    text = _EMPHASIS.sub("", text)
    return text.replace("\\|", "|").strip(" \u3000\xa0")


def _cells(row: str) -> list[str]:
    inner = _ROW.match(row).group(1)
    return [_clean(c) for c in re.split(r"(?<!\\)\|", inner)]


def markdown_document(text: str) -> Document:
    """Markdown lines and pipe tables; HTML tables embedded in the Markdown (as PDF converters write
    merged cells) are read as HTML tables, the lines around them stay lines."""
    lines: list[str] = []
    tables: list[list[list[str | None]]] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pos = 0
    for m in _HTML_TABLE.finditer(text):
        _markdown_lines(text[pos:m.start()], lines, tables)
        pos = m.end()
        from .html import grid_lines, table_grid

        root = etree.fromstring(m.group(0), _HTML_PARSER)
        for table in (root.xpath("//table[not(.//table)]") if root is not None else []):
            grid = table_grid(table)
            if any(cell for row in grid for cell in row):
                tables.append(grid)
                lines.append("")
                lines.extend(grid_lines(grid).replace("\ue001", "\t").split("\ue000"))
    _markdown_lines(text[pos:], lines, tables)
    return Document(lines=lines, tables=tables, source="markdown")


def _markdown_lines(text: str, lines: list[str], tables: list) -> None:
    current: list[list[str | None]] | None = None
    for raw in text.split("\n"):
        if _ROW.match(raw):
            if _RULE.match(raw):
                continue
            if current is None:
                current = []
                tables.append(current)
                lines.append("")
            cells = _cells(raw)
            current.append(cells)
            lines.extend("\t" + c for c in cells)
            lines.append("")
            continue
        if _RULE.match(raw) and current is not None:
            continue
        current = None
        line = _HEADING.sub("", raw)
        lines.append(_clean(line))
