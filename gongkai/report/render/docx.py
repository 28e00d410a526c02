"""DOCX (python-docx): A4, the official layout with real merged cells (gridSpan / vMerge).

Chinese text needs its font on ``w:eastAsia``: Word and WPS ignore ``w:ascii`` for Han characters, and
the default template's theme fonts would otherwise win. The font table gives each Chinese font its
Windows alternative name and GB2312 charset so a machine without it substitutes a Chinese face.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from lxml import etree

from ..layouts import SECTION_TITLES, TABLE_SECTIONS
from ..model import Report, format_cell
from .grid import Grid, grids, printable, report_title

LATIN_FONT = "Times New Roman"
BODY_FONT = "仿宋"  # text, as in official documents
TABLE_FONT = "宋体"
HEADING_FONT = "黑体"
# Font-table entries: (name, Windows alternative name, family class).
CHINESE_FONTS = (("仿宋", "FangSong", "modern"), ("宋体", "SimSun", "auto"), ("黑体", "SimHei", "modern"))

TEXT_WIDTH_MM = 210 - 28 - 26
# Column widths in mm per table (the rest of the text width is shared by the number columns).
LABEL_WIDTHS_MM = {"proactive": (44,), "applications": (14, 20, 48), "appeals": ()}


def set_fonts(owner, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    """Fonts of a style or run: Latin for digits, ``east_asia`` for Han characters, theme fonts removed.

    Goes through python-docx's ``Font`` and ``CT_RPr`` so child elements keep the schema order Word checks.
    """
    font = owner.font
    rpr = font.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    rpr._remove_color()  # the template's blue headings
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if rpr.find(qn("w:lang")) is None:
        lang = OxmlElement("w:lang", {qn("w:eastAsia"): "zh-CN"})
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")  # its schema successors


def add_font_table_entries(document) -> None:
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, alt, family in CHINESE_FONTS:
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        for tag, val in (("w:altName", alt), ("w:charset", "86"), ("w:family", family), ("w:pitch", "variable")):
            etree.SubElement(font, qn(tag), {qn("w:val"): val})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup(document, report: Report) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = document.styles
    set_fonts(styles["Normal"], BODY_FONT, size=12)
    for name in ("Heading 1", "Heading 2"):
        set_fonts(styles[name], HEADING_FONT, size=18 if name == "Heading 1" else 14, bold=True)
    styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["Heading 2"].paragraph_format.space_before = Pt(12)
    styles["Heading 2"].paragraph_format.space_after = Pt(6)
    add_font_table_entries(document)
    props = document.core_properties
    # Core properties are capped at 255 characters by python-docx; the page itself keeps the full name.
    props.title = printable(report_title(report))[:255]
    props.author = printable(report.agency or "")[:255]
    props.language = "zh-CN"


def _row_props(row, header: bool) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
    if header:
        trpr.append(OxmlElement("w:tblHeader"))  # repeated at the top of each page


def _add_table(document, grid: Grid) -> None:
    nrows = grid.nrows
    table = document.add_table(rows=nrows, cols=grid.ncols)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    labels = LABEL_WIDTHS_MM[grid.table]
    rest = (TEXT_WIDTH_MM - sum(labels)) / (grid.ncols - len(labels))
    widths = [*labels, *[rest] * (grid.ncols - len(labels))]
    for i, column in enumerate(table.columns):
        column.width = Mm(widths[i])
    for r, row in enumerate(table.rows):
        _row_props(row, r < grid.head_rows)
        for i, cell in enumerate(row.cells):
            cell.width = Mm(widths[i])
    # Cell objects taken before merging: ``table.cell()`` rescans the whole table on every call.
    tcs = [[_Cell(tc, table) for tc in row._tr.tc_lst] for row in table.rows]
    for gc in grid.cells:
        cell = tcs[gc.row][gc.col]
        if gc.rowspan > 1 or gc.colspan > 1:
            cell = cell.merge(tcs[gc.row + gc.rowspan - 1][gc.col + gc.colspan - 1])
        text = format_cell(gc.value) if gc.kind == "data" else gc.text
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        left = gc.kind == "note" or gc.scope in ("row", "rowgroup")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(printable(text))
        set_fonts(run, TABLE_FONT, size=9 if gc.kind == "note" or grid.table == "appeals" else 10.5)


def render_docx(report: Report) -> bytes:
    document = Document()
    _setup(document, report)
    document.add_heading(printable(report_title(report)), level=1)
    tables = {TABLE_SECTIONS[g.table]: g for g in grids(report)}
    for num, heading in SECTION_TITLES.items():
        document.add_heading(heading, level=2)
        if num in tables:
            _add_table(document, tables[num])
            continue
        for text in printable(report.sections.get(num) or "").splitlines():
            if text.strip():
                paragraph = document.add_paragraph(text.strip())
                paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
