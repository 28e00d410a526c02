"""A letter as agencies print it: GB/T 9704-2012 (党政机关公文格式), to PDF (WeasyPrint) and DOCX (python-docx).

A4; 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (5.2); title 2号小标宋 (7.3.1); body 3号仿宋, 22 lines of
28 characters (5.2.2); 发文字号 代字〔年份〕序号 (7.2.4); 主送 flush left after the title (7.3.2); the agency's
name centred over the 成文日期, which is indented four characters from the right, at the seal (7.3.5.1);
page numbers "— 1 —" in 4号 half-width digits 7 mm below the type area, odd pages right and even pages left,
one character in from the edge (7.5).

Fonts are the agency's installed 仿宋_GB2312 / 方正小标宋简体 when fontconfig knows them (names configurable per
agency and in ``settings.GONGKAI_LETTER_FONTS``), otherwise Noto Serif CJK SC: never a font the machine lacks.
Text is escaped once, where it becomes markup: the print page is a Django template with autoescape on; DOCX
runs take plain text.
"""
from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

MM_PER_PT = 25.4 / 72
PAGE_MM = (210, 297)
TOP_MM, LEFT_MM = 37, 28
AREA_MM = (156, 225)
RIGHT_MM, BOTTOM_MM = PAGE_MM[0] - LEFT_MM - AREA_MM[0], PAGE_MM[1] - TOP_MM - AREA_MM[1]
LINES, CHARS = 22, 28
TITLE_PT, BODY_PT, PAGE_NUMBER_PT = 22, 16, 14  # 2号, 3号, 4号
LINE_PT = 28.95  # 225 mm / 22 lines = 28.99 pt: Word's customary "exactly 28.95 pt"
PITCH_PT = 15.79  # 156 mm / 28 characters = 15.793 pt, a hair less so the 28th never wraps
LETTER_SPACING_PT = round(PITCH_PT - BODY_PT, 2)
PAGE_NUMBER_GAP_MM = 7

FONT_NAME = re.compile(r"[\w .+\-]{1,60}")  # no quotes, braces or semicolons: it goes into CSS and XML


@dataclass(frozen=True)
class Letter:
    """What is printed, as plain text; ``paragraphs`` come from the agency's template."""

    title: str
    doc_number: str
    addressee: str
    paragraphs: tuple[str, ...]
    signature: str
    date: str

    @property
    def text(self) -> str:
        """The letter as stored with the issued version (and searched, and shown on the case page)."""
        head = [self.doc_number] if self.doc_number else []
        return "\n".join([*head, f"{self.addressee}：", *self.paragraphs, self.signature, self.date])


@dataclass(frozen=True)
class LetterFonts:
    body: str
    title: str
    number: str
    title_bold: bool  # the fallback serif stands in for 小标宋 in bold


def font_names(value: str) -> list[str]:
    """A comma-separated list of font names (Chinese or ASCII commas); invalid names raise ValueError."""
    names = [n.strip() for n in re.split(r"[,，、]", value or "") if n.strip()]
    bad = [n for n in names if not FONT_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"字体名称“{bad[0]}”含有不允许的字符（只能是文字、数字、空格、点、加号、连字符）。")
    return names


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    from gongkai.report.render.pdf import _installed_chinese_families

    return frozenset(_installed_chinese_families())


def resolve_fonts(agency) -> LetterFonts:
    """The first installed of the agency's names, then of settings.GONGKAI_LETTER_FONTS; else Noto Serif CJK."""
    from gongkai.report.render.pdf import NO_FONT_MESSAGE, find_cjk_fonts

    from ..services import WorkflowError

    fallback = find_cjk_fonts()
    if fallback is None:
        raise WorkflowError(NO_FONT_MESSAGE)
    installed = installed_families()
    own = getattr(agency, "letter_settings", None) if agency is not None else None
    configured = getattr(settings, "GONGKAI_LETTER_FONTS", {}) or {}

    def pick(role: str) -> str | None:
        mine = getattr(own, f"{role}_font", "") if own is not None else ""
        try:
            names = font_names(mine)
        except ValueError:
            names = []  # refused when saved; an old row never breaks a letter
        names += [n for n in configured.get(role, ()) if FONT_NAME.fullmatch(n)]
        return next((n for n in names if n in installed), None)

    title = pick("title")
    return LetterFonts(body=pick("body") or fallback.body, title=title or fallback.body,
                       number=pick("number") or fallback.body, title_bold=title is None)


def _width_chars(text: str) -> float:
    """Width in body characters: half-width (ASCII) characters count half."""
    return sum(0.5 if ord(c) < 128 else 1 for c in text)


def signature_indents(signature: str, date: str) -> tuple[float, float]:
    """Right indents in characters: the date four characters in from the right (7.3.5.1), the agency's name
    centred over it (or the date centred under a longer name)."""
    name_w, date_w = _width_chars(signature), _width_chars(date)
    date_indent = 4.0
    name_indent = date_indent + (date_w - name_w) / 2
    if name_indent < 0:  # a name longer than the line allows: flush right
        name_indent = 0.0
    return name_indent, date_indent


# -- PDF ---------------------------------------------------------------------------------------------

def _css(fonts: LetterFonts) -> str:
    number_box = (f'content: "— " counter(page) " —"; font-family: "{fonts.number}"; font-size: {PAGE_NUMBER_PT}pt; '
                  f"line-height: 1; vertical-align: top; padding-top: {PAGE_NUMBER_GAP_MM}mm; white-space: pre; "
                  "letter-spacing: 0; width: 40mm;")
    return (
        f"@page {{ size: {PAGE_MM[0]}mm {PAGE_MM[1]}mm; margin: {TOP_MM}mm {RIGHT_MM}mm {BOTTOM_MM}mm {LEFT_MM}mm; }}\n"
        f"@page :right {{ @bottom-right {{ {number_box} text-align: right; padding-right: {PAGE_NUMBER_PT}pt; }} }}\n"
        f"@page :left {{ @bottom-left {{ {number_box} text-align: left; padding-left: {PAGE_NUMBER_PT}pt; }} }}\n"
        f'html {{ font-family: "{fonts.body}"; font-size: {BODY_PT}pt; line-height: {LINE_PT}pt; '
        f"letter-spacing: {LETTER_SPACING_PT}pt; }}\n"
        "body { margin: 0; }\n"
        "p { margin: 0; overflow-wrap: anywhere; word-break: break-all; }\n"
        f'h1 {{ font-family: "{fonts.title}"; font-size: {TITLE_PT}pt; font-weight: '
        f'{"bold" if fonts.title_bold else "normal"}; line-height: {LINE_PT}pt; text-align: center; margin: 0; '
        "letter-spacing: 0; overflow-wrap: anywhere; }\n"
        ".doc-number { text-align: center; }\n"
        f".addressee {{ margin-top: {LINE_PT}pt; }}\n"
        f".body {{ text-indent: {2 * PITCH_PT}pt; text-align: justify; }}\n"
        f".sign {{ margin-top: {2 * LINE_PT}pt; text-align: right; break-before: avoid; break-inside: avoid; }}\n"
    )


def render_pdf(letter: Letter, fonts: LetterFonts) -> bytes:
    from weasyprint import HTML  # imported late: loading WeasyPrint costs ~0.3 s

    name_indent, date_indent = signature_indents(letter.signature, letter.date)
    html = render_to_string("applications/letter_print.html", {
        "letter": letter, "css": mark_safe(_css(fonts)),  # built from numbers and FONT_NAME-checked names
        "name_indent_pt": round(name_indent * PITCH_PT, 2), "date_indent_pt": round(date_indent * PITCH_PT, 2),
    })
    return HTML(string=html).write_pdf()


# -- DOCX --------------------------------------------------------------------------------------------

def _fonts(owner, east_asia: str, size: float, bold: bool | None = None) -> None:
    """Every script in ``east_asia`` (digits too, as in the PDF), with the eastAsia attribute Word needs."""
    from docx.oxml.ns import qn

    from gongkai.report.render.docx import set_fonts

    set_fonts(owner, east_asia, size=size, bold=bold)
    rfonts = owner.font.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), east_asia)


# CT_RPr's schema successors of w:spacing (Word checks child order).
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
                      "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                      "w:specVanish", "w:oMath")


def _page_number(paragraph, font: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run(text: str = ""):
        r = paragraph.add_run(text)
        _fonts(r, font, PAGE_NUMBER_PT)
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
        r = run("1" if (kind is None and instr is None) else "")
        if kind:
            r._r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))
        elif instr:
            el = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
            el.text = instr
            r._r.append(el)
    run(" —")


def render_docx(letter: Letter, fonts: LetterFonts) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from gongkai.report.render.docx import add_font_table_entries

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    # The number's top 7 mm below the type area; Word measures the footer from the page's bottom edge.
    section.footer_distance = Mm(BOTTOM_MM - PAGE_NUMBER_GAP_MM) - Pt(PAGE_NUMBER_PT)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))
    document.settings.odd_and_even_pages_header_footer = True

    normal = document.styles["Normal"]
    _fonts(normal, fonts.body, BODY_PT)
    rpr = normal.font.element.get_or_add_rPr()
    spacing = OxmlElement("w:spacing", {qn("w:val"): str(round(LETTER_SPACING_PT * 20))})
    rpr.insert_element_before(spacing, *_RPR_AFTER_SPACING)
    pf = normal.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = True
    add_font_table_entries(document)
    document.core_properties.title = letter.title[:255]
    document.core_properties.language = "zh-CN"

    def para(text: str, *, align=None, first_indent=None, right_indent=None, font=None, size=None, bold=None,
             space_before=None):
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if first_indent is not None:
            p.paragraph_format.first_line_indent = Pt(first_indent)
        if right_indent is not None:
            p.paragraph_format.right_indent = Pt(right_indent)
        if space_before is not None:
            p.paragraph_format.space_before = Pt(space_before)
        r = p.add_run(text)
        if font or size or bold is not None:
            _fonts(r, font or fonts.body, size or BODY_PT, bold)
        return p

    for line in letter.title.splitlines():
        para(line, align=WD_ALIGN_PARAGRAPH.CENTER, font=fonts.title, size=TITLE_PT, bold=fonts.title_bold)
    if letter.doc_number:
        para(letter.doc_number, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(f"{letter.addressee}：", space_before=LINE_PT)
    for text in letter.paragraphs:
        para(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_indent=2 * PITCH_PT)
    name_indent, date_indent = signature_indents(letter.signature, letter.date)
    sign = para(letter.signature, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=name_indent * PITCH_PT,
                space_before=2 * LINE_PT)
    sign.paragraph_format.keep_with_next = True
    para(letter.date, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=date_indent * PITCH_PT)

    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(PAGE_NUMBER_PT)
        setattr(fmt, f"{side}_indent", Pt(PAGE_NUMBER_PT))  # one character in from the outside edge
        _page_number(p, fonts.number)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
