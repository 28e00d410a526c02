"""Builders of real report documents in the forms agencies publish, from a ``Report`` and layouts.py.

The parser tests write these to files and parse them back; the expected values are the report the
document was built from, so nothing here spells a result by hand. The few tests at the end check the
builders themselves against the seed's own form.
"""
from __future__ import annotations

import io
import json
from html import escape

from gongkai.report.layouts import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    BALANCE_NOTE,
    SECTION_TITLES,
)
from gongkai.report.model import Report, format_cell

SECTIONS = {
    "1": "2023年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。\n（一）主动公开。全年主动公开政府信息120条。",
    "5": "（一）存在问题\n公开内容的及时性有待提高。\n（二）改进措施\n加强培训。",
    "6": "（一）收取信息处理费情况。本年度未收取信息处理费。",
}


def sample_report(layout: str = "2021", year: int = 2023, agency: str = "某市某区生态环境局", seed: int = 1,
                  collapsed: bool = False) -> Report:
    """A report with varied numbers (row totals hold) so a misplaced cell shows."""
    r = Report(layout=layout, year=year, agency=agency)
    if collapsed:
        r.applications["other"] = {}
    for i, (key, col, _) in enumerate(r.cells()):
        table, row, c = key.split(".")
        if col.kind == "text":
            r.set(key, f"{(i * 7 + seed) % 90 + 10}万元")
        elif col.kind == "decimal":
            r.set(key, 12.5)
        elif table == "applications" and c == "total":
            parts = [r.get(f"applications.{row}.{p.key}") for p in APPLICANT_COLUMNS[:-1]]
            r.set(key, sum(parts))
        elif table == "appeals" and c == "total":
            parts = [r.get(f"appeals.{row}.{p.key}") for p in APPEAL_COLUMNS[:-1]]
            r.set(key, sum(parts))
        elif col.kind == "signed":
            r.set(key, -((i + seed) % 4))
        else:
            r.set(key, (i * 5 + seed) % 13)
    r.sections = dict(SECTIONS)
    return r


def _cells_text(r: Report, table: str, row: str, columns) -> list[str]:
    return [format_cell(r.get(f"{table}.{row}.{c.key}")) for c in columns]


def web_text(r: Report, label=lambda s: s, title_on_one_line: bool = False) -> str:
    """The copied-web-page form of the seed: one cell per line, tab-indented, blank line per row."""
    out = []
    if title_on_one_line:
        out += [f"{r.agency}{r.year}年政府信息公开工作年度报告", ""]
    else:
        out += [r.agency, "", f"{r.year}年政府信息公开工作年度报告"]
    out.append(f"本年度报告中所列数据的统计期限自{r.year}年1月1日起，至{r.year}年12月31日止。")
    for num, title in SECTION_TITLES.items():
        out += ["", title]
        if num == "2":
            for prow in r.spec.proactive:
                out += [f"\t{prow.subtable}", "", "\t信息内容", *(f"\t{c.label}" for c in prow.columns), ""]
                out += [f"\t{label(prow.label)}", *(f"\t{v}" for v in _cells_text(r, 'proactive', prow.key, prow.columns)), ""]
        elif num == "3":
            out += [f"\t{BALANCE_NOTE}", "\t申请人情况", "", "\t自然人", "\t法人或其他组织", "\t总计", ""]
            out += [*(f"\t{c.label}" for c in APPLICANT_COLUMNS[1:-1]), ""]
            prev: tuple = ()
            for arow in r.application_rows():
                new_groups = [g for d, g in enumerate(arow.groups) if prev[: d + 1] != arow.groups[: d + 1]]
                out += ["\t" + g for g in new_groups] + ["\t"] * (len(arow.groups) - len(new_groups))
                out += [f"\t{label(arow.label)}", *(f"\t{v}" for v in _cells_text(r, 'applications', arow.key, APPLICANT_COLUMNS)), ""]
                prev = arow.groups
        elif num == "4":
            out += ["\t行政复议", "\t行政诉讼", "", "\t未经复议直接起诉", "\t复议后起诉", ""]
            out += [f"\t{c.label}" for _ in APPEAL_GROUPS for c in APPEAL_COLUMNS] + [""]
            for g, _ in APPEAL_GROUPS:
                out += [f"\t{v}" for v in _cells_text(r, "appeals", g, APPEAL_COLUMNS)]
            out.append("")
        else:
            out += r.sections.get(num, "").split("\n")
    return "\n".join(out) + "\n"


# -- Word "save as web page" HTML ----------------------------------------------------------------
def _p(text: str) -> str:
    return (f'<p class=MsoNormal align=center style="text-align:center"><span style="font-size:10.5pt;'
            f"font-family:仿宋_GB2312;mso-hansi-font-family:'Times New Roman'\">{escape(text)}<o:p></o:p></span></p>")


def _td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    spans = (f" rowspan={rowspan}" if rowspan > 1 else "") + (f" colspan={colspan}" if colspan > 1 else "")
    return f'<td{spans} valign=middle style="border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt">{_p(text)}</td>'


def word_html(r: Report, charset: str = "utf-8", label=lambda s: s) -> str:
    """Word-exported HTML: mso styles, <o:p>, spans in cells, merged cells with rowspan/colspan."""
    b = [
        "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\">",
        f"<head><meta http-equiv=Content-Type content=\"text/html; charset={charset}\">",
        "<meta name=Generator content=\"Microsoft Word 15\"><style><!-- p.MsoNormal {margin:0cm;} --></style>",
        "<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>x</o:Author></o:DocumentProperties></xml><![endif]-->",
        "</head><body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1>",
        f"<p class=MsoNormal align=center><b><span style='font-size:22.0pt'>{escape(r.agency)}<o:p></o:p></span></b></p>",
        f"<p class=MsoNormal align=center><b><span style='font-size:22.0pt'>{r.year}年政府信息公开工作年度报告</span></b></p>",
    ]
    for num, title in SECTION_TITLES.items():
        b.append(f"<p class=MsoNormal style='text-indent:32.0pt'><b><span style='font-family:黑体'>{escape(title)}<o:p></o:p></span></b></p>")
        if num == "2":
            for prow in r.spec.proactive:
                width = 1 + max(len(p.columns) for p in r.spec.proactive)
                b.append("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>")
                b.append(f"<tr>{_td(prow.subtable, colspan=width)}</tr>")
                b.append("<tr>" + _td("信息内容") + "".join(
                    _td(c.label, colspan=(width - 1 - i if i == len(prow.columns) - 1 else 1)) for i, c in enumerate(prow.columns)) + "</tr>")
                vals = _cells_text(r, "proactive", prow.key, prow.columns)
                b.append("<tr>" + _td(label(prow.label)) + "".join(
                    _td(v, colspan=(width - 1 - i if i == len(vals) - 1 else 1)) for i, v in enumerate(vals)) + "</tr>")
                b.append("</table><p class=MsoNormal><o:p>&nbsp;</o:p></p>")
        elif num == "3":
            b.append("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>")
            b.append("<tr>" + _td(BALANCE_NOTE, rowspan=3, colspan=3) + _td("申请人情况", colspan=7) + "</tr>")
            b.append("<tr>" + _td("自然人", rowspan=2) + _td("法人或其他组织", colspan=5) + _td("总计", rowspan=2) + "</tr>")
            b.append("<tr>" + "".join(_td(c.label) for c in APPLICANT_COLUMNS[1:-1]) + "</tr>")
            rows = r.application_rows()
            for i, arow in enumerate(rows):
                cells = []
                for d, g in enumerate(arow.groups):
                    if i and rows[i - 1].groups[: d + 1] == arow.groups[: d + 1]:
                        continue
                    span = next((k for k, x in enumerate(rows[i:]) if x.groups[: d + 1] != arow.groups[: d + 1]), len(rows) - i)
                    cells.append(_td(g, rowspan=span))
                cells.append(_td(label(arow.label), colspan=3 - len(arow.groups)))
                cells += [_td(v) for v in _cells_text(r, "applications", arow.key, APPLICANT_COLUMNS)]
                b.append("<tr>" + "".join(cells) + "</tr>")
            b.append("</table>")
        elif num == "4":
            b.append("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>")
            b.append("<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>")
            b.append("<tr>" + "".join(_td(c.label, rowspan=2) for c in APPEAL_COLUMNS) + _td("未经复议直接起诉", colspan=5) + _td("复议后起诉", colspan=5) + "</tr>")
            b.append("<tr>" + "".join(_td(c.label) for _ in range(2) for c in APPEAL_COLUMNS) + "</tr>")
            b.append("<tr>" + "".join(_td(v) for g, _ in APPEAL_GROUPS for v in _cells_text(r, "appeals", g, APPEAL_COLUMNS)) + "</tr>")
            b.append("</table>")
        else:
            for para in r.sections.get(num, "").split("\n"):
                # Word wraps source lines inside a paragraph; the break is not part of the text.
                half = len(para) // 2
                b.append(f"<p class=MsoNormal style='text-indent:32.0pt'><span style='font-family:仿宋'>{escape(para[:half])}\r\n{escape(para[half:])}<o:p></o:p></span></p>")
    b.append("</div></body></html>")
    return "\n".join(b)


# -- DOCX with real merged cells -----------------------------------------------------------------
def docx_bytes(r: Report) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(r.agency)
    d.add_paragraph(f"{r.year}年政府信息公开工作年度报告")
    for num, title in SECTION_TITLES.items():
        d.add_paragraph(title)
        if num == "2":
            width = 1 + max(len(p.columns) for p in r.spec.proactive)
            rows = r.spec.proactive
            t = d.add_table(rows=3 * len(rows), cols=width)
            for i, prow in enumerate(rows):
                top = 3 * i
                t.cell(top, 0).merge(t.cell(top, width - 1)).text = prow.subtable
                t.cell(top + 1, 0).text = "信息内容"
                t.cell(top + 2, 0).text = prow.label
                vals = _cells_text(r, "proactive", prow.key, prow.columns)
                for j, (col, v) in enumerate(zip(prow.columns, vals)):
                    head, cell = t.cell(top + 1, 1 + j), t.cell(top + 2, 1 + j)
                    if j == len(vals) - 1 and 1 + j < width - 1:
                        head = head.merge(t.cell(top + 1, width - 1))
                        cell = cell.merge(t.cell(top + 2, width - 1))
                    head.text, cell.text = col.label, v
        elif num == "3":
            rows = r.application_rows()
            t = d.add_table(rows=3 + len(rows), cols=10)
            t.cell(0, 0).merge(t.cell(2, 2)).text = BALANCE_NOTE
            t.cell(0, 3).merge(t.cell(0, 9)).text = "申请人情况"
            t.cell(1, 3).merge(t.cell(2, 3)).text = "自然人"
            t.cell(1, 4).merge(t.cell(1, 8)).text = "法人或其他组织"
            t.cell(1, 9).merge(t.cell(2, 9)).text = "总计"
            for j, c in enumerate(APPLICANT_COLUMNS[1:-1]):
                t.cell(2, 4 + j).text = c.label
            for i, arow in enumerate(rows):
                rr = 3 + i
                for dpt, g in enumerate(arow.groups):
                    if i and rows[i - 1].groups[: dpt + 1] == arow.groups[: dpt + 1]:
                        continue
                    span = next((k for k, x in enumerate(rows[i:]) if x.groups[: dpt + 1] != arow.groups[: dpt + 1]), len(rows) - i)
                    cell = t.cell(rr, dpt)
                    if span > 1:
                        cell = cell.merge(t.cell(rr + span - 1, dpt))
                    cell.text = g
                depth = len(arow.groups)
                label = t.cell(rr, depth)
                if depth < 2:
                    label = label.merge(t.cell(rr, 2))
                label.text = arow.label
                for j, v in enumerate(_cells_text(r, "applications", arow.key, APPLICANT_COLUMNS)):
                    t.cell(rr, 3 + j).text = v
        elif num == "4":
            t = d.add_table(rows=4, cols=15)
            t.cell(0, 0).merge(t.cell(0, 4)).text = "行政复议"
            t.cell(0, 5).merge(t.cell(0, 14)).text = "行政诉讼"
            t.cell(1, 5).merge(t.cell(1, 9)).text = "未经复议直接起诉"
            t.cell(1, 10).merge(t.cell(1, 14)).text = "复议后起诉"
            for j, c in enumerate(APPEAL_COLUMNS):
                t.cell(1, j).merge(t.cell(2, j)).text = c.label
                t.cell(2, 5 + j).text = c.label
                t.cell(2, 10 + j).text = c.label
            vals = [v for g, _ in APPEAL_GROUPS for v in _cells_text(r, "appeals", g, APPEAL_COLUMNS)]
            for j, v in enumerate(vals):
                t.cell(3, j).text = v
        else:
            for para in r.sections.get(num, "").split("\n"):
                d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# -- Markdown (PDF-to-Markdown converters) -------------------------------------------------------
def _md_row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown(r: Report, shattered: bool = False) -> str:
    """Pipe tables; ``shattered``: every table printed as labels only, its numbers in lines after it."""
    out = [f"# {r.agency}{r.year}年政府信息公开工作年度报告", ""]
    for num, title in SECTION_TITLES.items():
        out += [f"## {title}", ""]
        if num == "2":
            numbers = []
            for prow in r.spec.proactive:
                vals = _cells_text(r, "proactive", prow.key, prow.columns)
                out += [_md_row([prow.subtable] + [""] * len(prow.columns)), _md_row(["---"] * (1 + len(prow.columns))),
                        _md_row(["信息内容", *(c.label for c in prow.columns)]),
                        _md_row([prow.label, *([""] * len(vals) if shattered else vals)]), ""]
                numbers.append(" ".join(vals))
            if shattered:
                out += numbers + [""]
        elif num == "3":
            out += [_md_row([BALANCE_NOTE, "", *(c.label for c in APPLICANT_COLUMNS)]), _md_row(["---"] * 9)]
            numbers = []
            for arow in r.application_rows():
                vals = _cells_text(r, "applications", arow.key, APPLICANT_COLUMNS)
                out.append(_md_row([arow.groups[-1] if arow.groups else "", f"**{arow.label}**", *([""] * 7 if shattered else vals)]))
                numbers.append(" ".join(vals))
            out += [""] + (numbers + [""] if shattered else [])
        elif num == "4":
            vals = [v for g, _ in APPEAL_GROUPS for v in _cells_text(r, "appeals", g, APPEAL_COLUMNS)]
            out += [_md_row(["行政复议"] * 5 + ["行政诉讼"] * 10), _md_row(["---"] * 15),
                    _md_row([""] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5),
                    _md_row([c.label for _ in range(3) for c in APPEAL_COLUMNS])]
            out += ([""] + [" ".join(vals)]) if shattered else [_md_row(vals)]
            out.append("")
        else:
            out += [p + "\n" for p in r.sections.get(num, "").split("\n")]
    return "\n".join(out) + "\n"


def assert_same(parsed: Report, expected: Report) -> None:
    """Every cell, the layout, year, agency and the three prose sections agree."""
    a, b = parsed.to_dict(), expected.to_dict()
    for key in ("layout", "year", "agency", "proactive", "applications", "appeals", "sections"):
        assert a[key] == b[key], f"{key}: {json.dumps(a[key], ensure_ascii=False)[:600]}"


# -- the builders themselves ---------------------------------------------------------------------
def test_web_text_has_the_seed_form(shared):
    """The builder writes what the seed looks like: a tab-indented cell per line, blank lines between rows."""
    seed = (shared / "seeds" / "000_0e482e19bd443c5d.txt").read_text("utf-8")
    built = web_text(sample_report())
    for fragment in ("\n\t自然人\n", "\n\t总计\n", "\n\t（一）予以公开\n", "\n\t行政许可\n", "\n\t第二十条第（一）项\n"):
        assert fragment in seed and fragment in built


def test_sample_report_totals_hold():
    r = sample_report()
    for row in r.applications.values():
        assert row["total"] == sum(v for k, v in row.items() if k != "total")
