"""HTML (agency web pages, Word "save as web page", our own renderer) → ``Document``.

Most work stays inside lxml (C): parse, drop scripts/styles, mark block ends, take the text in one
call. Python touches only the data tables (those without a nested table; pages often lay the whole
article out in an outer table), whose cells become the grid and the tab-indented lines of ``core``.
"""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from ..errors import ReportError
from .core import Document

# Markers (private-use characters, valid in XML) that survive white-space folding: a line break and
# a cell indentation of our own.
_BR = "\ue000"
_TAB = "\ue001"
_BLOCKS = (
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "title",
    "section", "article", "header", "footer", "main", "aside", "nav", "blockquote", "pre", "center",
    "address", "figure", "figcaption", "form", "fieldset", "table", "caption", "hr", "body",
)
# Raw line breaks between two CJK characters are source wrapping (Word wraps at ~76 columns): drop them.
_CJK_WRAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef])[ \t]*[\r\n]+[ \t]*(?=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef])")
_WS = re.compile(r"[ \t\r\n\f\v\xa0\u2002-\u200b]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
MAX_SPAN = 60
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, default_doctype=False)  # a rowspan/colspan beyond this is junk markup, not a report table


def _cell_text(el) -> str:
    # Inline children are joined as they are; <br>/<p>/<div> ends got a space in table_grid, which
    # label matching ignores and which keeps "1<br>2" from reading as 12.
    text = (el.text or "") if len(el) == 0 else etree.tostring(el, method="text", encoding="unicode", with_tail=False)
    if not text.isprintable():  # white space other than plain spaces: fold it
        text = _WS.sub(" ", _CJK_WRAP.sub("", text))
    return text.strip(" \u3000")


def table_grid(table) -> list[list[str | None]]:
    """Rows of ``table`` (a table without nested tables) with rowspan/colspan expanded: the text at
    a merged cell's first position, ``None`` at the positions it covers, ``""`` for an empty cell."""
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], bool] = {}  # positions covered from rows above
    for br in table.iter("br", "p", "div"):  # "1<br>2" in a cell is not the number 12
        br.tail = " " + (br.tail or "")
    for r, tr in enumerate(table.iter("tr")):
        out: list[str | None] = []
        c = 0
        for cell in tr.iterchildren("td", "th"):
            if pending:
                while pending.pop((r, c), False):
                    out.append(None)
                    c += 1
            rs = _span(cell.get("rowspan"))
            cs = _span(cell.get("colspan"))
            out.append(_cell_text(cell))
            if cs > 1:
                out.extend([None] * (cs - 1))
            for dr in range(1, rs):
                for dc in range(cs):
                    pending[(r + dr, c + dc)] = True
            c += cs
        while pending.pop((r, c), False):
            out.append(None)
            c += 1
        grid.append(out)
    return grid


def _span(value: str | None) -> int:
    if value is None:
        return 1
    digits = "".join(ch for ch in value if ch.isdigit())
    return max(1, min(int(digits), MAX_SPAN)) if digits and digits.isascii() else 1


def grid_lines(grid: list[list[str | None]]) -> str:
    """The grid as the copied-web-page form: one tab-indented cell per line, a blank line per row end."""
    out = []
    for row in grid:
        out.extend(_TAB + (cell or "") for cell in row if cell is not None)
        out.append("")
    return _BR.join(out) + _BR


def html_document(text: str, resolve=None) -> Document:
    """``resolve(src) -> bytes | None`` reads an ``<img>`` that is a file beside the page (a saved page or
    a zip); data URIs need none. Images are read by OCR only when the text lacks the report's tables."""
    decl = _XML_DECL.match(text)
    if decl:
        text = text[decl.end():]
    # The plain libxml2 HTML parser: lxml.html's element classes would cost a Python call per element.
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ReportError(f"HTML 无法解析：{exc}") from None
    if root is None:
        raise ReportError("HTML 中没有内容")
    etree.strip_elements(root, "script", "style", "noscript", "template", etree.Comment, etree.ProcessingInstruction,
                         with_tail=False)
    images = _table_images(root, resolve)
    positioned = _POSITIONED(root)
    if len(positioned) >= 20 and not _ANY_TABLE(root):  # a page with table markup is read by it
        sizes = {name: (float(size), float(lh or 0) or 1.2 * float(size))
                 for name, size, lh in _FONT_CLASS.findall(text[:500_000])}
        return Document(lines=_positioned_lines(positioned, sizes), tables=[], source="html")
    tables: list[list[list[str | None]]] = []
    for table in root.xpath("//table[not(.//table)]"):
        grid = table_grid(table)
        if not any(cell for row in grid for cell in row):
            continue
        tables.append(grid)
        holder = etree.Element("div")
        holder.text = _BR + grid_lines(grid)
        holder.tail = table.tail
        table.getparent().replace(table, holder)
    for el in root.iter(_BLOCKS):
        el.tail = _BR + (el.tail or "")
        if el.text is None or not el.text.startswith(_BR):
            el.text = _BR + (el.text or "")
    for el in root.iter("br", "tr"):
        el.tail = _BR + (el.tail or "")
    for el in root.iter("td", "th"):  # cells of layout tables: keep them apart
        el.tail = _BR + (el.tail or "")
    body = etree.tostring(root, method="text", encoding="unicode")
    if "\n" in body or "\r" in body:
        body = _CJK_WRAP.sub("", body)
    body = _WS.sub(" ", body)

    def split(body: str) -> list[str]:
        return _squeeze(body.replace(_TAB + " ", "\t").replace(_TAB, "\t").replace(" " + _BR, _BR)
                        .replace(_BR + " ", _BR).split(_BR))

    if not images:
        return Document(lines=split(body), tables=tables, source="html")
    plain, masked = body, body
    for marker, (text_plain, text_masked) in images.items():
        plain, masked = plain.replace(marker, text_plain), masked.replace(marker, text_masked)
    doc = Document(lines=split(plain), tables=tables, source="html-ocr")
    if masked != plain:
        doc.masked = Document(lines=split(masked), tables=tables, source="html-ocr")
    return doc


# Images read by OCR: a table image is at least this big; a page holds at most this many of them.
_MIN_IMAGE = (200, 60)
_MAX_IMAGES = 12
_MAX_IMAGE_BYTES = 20 * 1024 * 1024
_DATA_URI = re.compile(r"^data:image/(?:png|jpe?g|gif|bmp|webp);base64,", re.I)
_TABLE_MARKS = ("本年新收", "复议后起诉", "第二十条")


def _table_images(root, resolve) -> dict[str, tuple[str, str]]:
    """``<img>`` in the page body → text read by OCR, in place of the image: marker → (lines as read,
    lines with low-confidence numbers as "?")."""
    imgs = [el for el in root.iter("img") if el.get("src")][: _MAX_IMAGES * 4]
    if not imgs:
        return {}
    text = re.sub(r"\s+", "", etree.tostring(root, method="text", encoding="unicode"))
    if all(m in text for m in _TABLE_MARKS):
        return {}  # the tables are there as text: pictures are photos and logos
    import base64
    import binascii

    from .ocr import document_from_boxes, has_low, ocr_image, open_image

    out: dict[str, tuple[str, str]] = {}
    for el in imgs:
        if len(out) >= _MAX_IMAGES:
            break
        src = el.get("src", "").strip()
        data = None
        if _DATA_URI.match(src):
            payload = src.split(",", 1)[1]
            if len(payload) > _MAX_IMAGE_BYTES * 4 // 3:
                continue
            try:
                data = base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                continue
        elif resolve is not None:
            data = resolve(src)
        if not data:
            continue
        try:
            image = open_image(data)
        except ReportError:
            continue  # a broken picture is not the report's text
        if image.width < _MIN_IMAGE[0] or image.height < _MIN_IMAGE[1]:
            continue
        boxes = ocr_image(image)
        if not boxes:
            continue
        pages = [(float(image.width), float(image.height), boxes)]

        def joined(doc: Document) -> str:
            return _BR + _BR.join(line.replace("\t", _TAB) for line in doc.lines) + _BR

        plain = joined(document_from_boxes(pages))
        masked = joined(document_from_boxes(pages, mask=True)) if has_low(pages) else plain
        marker = f"\ue002{len(out)}\ue002"
        out[marker] = (plain, masked)
        holder = etree.Element("div")
        holder.text = marker
        holder.tail = el.tail
        el.getparent().replace(el, holder)
    return out


# A PDF converted to HTML (pdftohtml -s): every text line an absolutely placed <p>, in the PDF's content
# order, which is often column by column. Its lines are rebuilt from the positions: the pieces at one
# height, left to right and tab-separated, form a table row as a copied web page would.
_POSITIONED = etree.XPath("//*[self::p or self::div or self::span][contains(@style,'position:absolute')]"
                          "[contains(@style,'top:')][contains(@style,'left:')][not(.//table)]")
_ANY_TABLE = etree.XPath("boolean(//table)")
_TOP = re.compile(r"top:\s*(-?[\d.]+)px")
_LEFT = re.compile(r"left:\s*(-?[\d.]+)px")
_FONT_CLASS = re.compile(r"\.([\w-]+)\s*\{[^}]*?font-size:\s*([\d.]+)px(?:;\s*line-height:\s*([\d.]+)px)?")
_SAME_LINE_PX = 4.0  # when the font size is unknown


def _positioned_lines(elements, sizes: dict[str, tuple[float, float]]) -> list[str]:
    """One line per visual row: pieces whose vertical centres are within 0.4 of the smaller font size
    (a label and its numbers in different fonts sit a few pixels apart; two lines of text a whole line).
    A piece of several lines (<br>) is centred on its whole height, as a table cell centres it."""
    common = Counter(sizes.get(el.get("class", ""), (0.0, 0.0)) for el in elements).most_common(2)
    default = next((fs for fs, _ in common if fs[0]), (12.0, 14.4))  # a class pdftohtml left undefined
    pages: dict[object, list[tuple[float, float, float, str]]] = {}
    for el in elements:
        style = el.get("style", "")
        top, left = _TOP.search(style), _LEFT.search(style)
        if not (top and left):
            continue
        text = _WS.sub(" ", etree.tostring(el, method="text", encoding="unicode", with_tail=False)).strip()
        if text:
            size, line_height = sizes.get(el.get("class", ""), default)
            height = size + line_height * sum(1 for _ in el.iter("br"))
            pages.setdefault(el.getparent(), []).append(
                (float(top.group(1)) + height / 2, float(left.group(1)), size, text))
    lines: list[str] = []
    for items in pages.values():
        items.sort()
        row: list[tuple[float, str]] = []
        centre = size_min = 0.0
        for mid, left, size, text in items + [(float("inf"), 0.0, 0.0, "")]:
            if row:
                tol = 0.4 * min(size, size_min) if size and size_min else _SAME_LINE_PX
                if mid - centre > tol:
                    row.sort()
                    lines.append("\t".join(t for _, t in row) if len(row) > 1 else row[0][1])
                    lines.append("")  # each visual row is a row of its own
                    row = []
            if not row:
                centre, size_min = mid, size
            row.append((left, text))
            size_min = min(size_min, size) if size else size_min
    return lines


def _squeeze(lines: list[str]) -> list[str]:
    """Collapse runs of empty lines (block markers pile up) to one, which also ends a table row."""
    out: list[str] = []
    prev = "x"
    for line in lines:
        if line or prev:
            if line[:1] == " " or line[-1:] == " ":
                line = line.strip(" ")
            out.append(line)
        prev = line
    return out
