"""HTML: a standalone page (inline CSS, no external resources) in the official layout.

``render_tables_html`` gives just the three tables, for pages that embed them (the web check page
passes ``findings`` to highlight the cells a rule names).
"""
from __future__ import annotations

from html import escape as _escape
from typing import Any, Iterable, Mapping

from ..layouts import SECTION_TITLES, TABLE_SECTIONS
from ..model import UNREADABLE, Report, format_cell
from .grid import Grid, grids, printable, report_title



def escape(text: str) -> str:
    """HTML-escaped, without control characters (see ``grid.printable``)."""
    return _escape(printable(text))


# Screen and print styles. Fonts: Windows/WPS names first, then Noto/Source Han, so no web font is needed.
TABLE_CSS = """
table.gk-table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.2em; font-size: 10.5pt; }
table.gk-table th, table.gk-table td { border: 1px solid #000; padding: 2px 4px; text-align: center;
  vertical-align: middle; font-weight: normal; }
table.gk-table th[scope="row"], table.gk-table th[scope="rowgroup"] { text-align: left; }
table.gk-table td.num { font-variant-numeric: tabular-nums; }
table.gk-table td.note { font-size: 9pt; text-align: left; }
table.gk-table td.unreadable { background: #eee; }
table.gk-table td.finding-error { background: #fdd; outline: 2px solid #c00; outline-offset: -2px; }
table.gk-table td.finding-warning { background: #ffe9b3; outline: 2px dashed #b36b00; outline-offset: -2px; }
table.gk-table { table-layout: fixed; }
table.gk-applications { font-size: 9.5pt; }
table.gk-appeals { font-size: 9.5pt; }
/* The caption names the table for screen readers; the page shows the section heading instead. */
@media screen { table.gk-table caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; } }
@media print { table.gk-table caption { display: none; } }
table.gk-table thead { display: table-header-group; }
/* Keep each table on one page where it fits: a table cut by a page break is harder to read (and to parse). */
table.gk-table { break-inside: avoid; page-break-inside: avoid; }
table.gk-table tr { break-inside: avoid; page-break-inside: avoid; }
"""

PAGE_CSS = """
@page { size: A4; margin: 25mm 20mm 22mm 22mm; }
html { font-family: "仿宋", "FangSong", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC",
  "宋体", "SimSun", serif; font-size: 12pt; line-height: 1.6; color: #000; }
body { max-width: 170mm; margin: 1em auto; padding: 0 1em; }
h1 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 18pt;
  text-align: center; font-weight: bold; margin: 0.5em 0 1em; }
h2 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 14pt;
  font-weight: bold; margin: 1em 0 0.4em; break-after: avoid; page-break-after: avoid; }
p { text-indent: 2em; margin: 0.3em 0; text-align: justify; }
@media print { body { max-width: none; margin: 0; padding: 0; } }
"""


def _findings_by_cell(findings: Iterable[Any] | None) -> dict[str, list[dict[str, str]]]:
    """Findings are check results (objects or dicts with rule, severity, cells, message)."""
    out: dict[str, list[dict[str, str]]] = {}
    for f in findings or ():
        get = f.get if isinstance(f, dict) else lambda name, _f=f: getattr(_f, name, None)
        item = {"rule": str(get("rule") or ""), "severity": str(get("severity") or "error"), "message": str(get("message") or "")}
        for key in get("cells") or ():
            out.setdefault(str(key), []).append(item)
    return out


def _attrs(**attrs: Any) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None or value == "" or value == 1 and name in ("rowspan", "colspan"):
            continue
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
    return "".join(parts)


# Column widths (%) so long row labels get the room and the numbers stay on one line.
COLUMN_WIDTHS = {"proactive": (28, 24, 24, 24), "applications": (11, 12, 35, *(6,) * 7)}


def _table_html(grid: Grid, marks: dict[str, list[dict[str, str]]], id_prefix: str | None = None,
                links: Mapping[str, str] | None = None) -> str:
    rows = grid.rows()
    prefix = id_prefix or ""
    out = [f'<table class="gk-table gk-{grid.table}" data-table="{grid.table}">',
           f"<caption>{escape(grid.name)}</caption>"]
    widths = COLUMN_WIDTHS.get(grid.table)
    if widths and len(widths) == grid.ncols:
        out.append("<colgroup>" + "".join(f'<col style="width: {w}%">' for w in widths) + "</colgroup>")

    def row_html(r: int) -> str:
        cells = []
        for c in rows[r]:
            if c.kind in ("head", "label"):
                cells.append(f"<th{_attrs(id=prefix + (c.id or ''), scope=c.scope, rowspan=c.rowspan, colspan=c.colspan)}>{escape(c.text)}</th>")
            elif c.kind == "note":
                cells.append(f'<td{_attrs(class_="note", rowspan=c.rowspan, colspan=c.colspan)}>{escape(c.text)}</td>')
            else:
                classes = ["num"]
                found = marks.get(c.key or "", [])
                if c.value == UNREADABLE:
                    classes.append("unreadable")
                if found:
                    severity = "error" if any(f["severity"] == "error" for f in found) else "warning"
                    classes += ["finding", f"finding-{severity}"]
                attrs = _attrs(
                    id=None if id_prefix is None else f"{prefix}cell-{c.key}",
                    class_=" ".join(classes),
                    colspan=c.colspan,
                    headers=" ".join(prefix + h for h in c.headers),
                    data_cell=c.key,
                    data_findings=" ".join(dict.fromkeys(f["rule"] for f in found)),
                    title="；".join(dict.fromkeys(f["message"] for f in found if f["message"])),
                )
                text = escape(format_cell(c.value))
                href = (links or {}).get(c.key or "")
                if href:
                    text = f'<a href="{escape(href)}">{text or "空白"}</a>'
                cells.append(f"<td{attrs}>{text}</td>")
        return "<tr>" + "".join(cells) + "</tr>\n"

    if grid.head_rows:
        out.append("<thead>" + "".join(row_html(r) for r in range(grid.head_rows)) + "</thead>")
    for start, end in grid.bodies:
        out.append("<tbody>" + "".join(row_html(r) for r in range(start, end)) + "</tbody>")
    out.append("</table>")
    return "\n".join(out)


def _table_section(grid: Grid, marks: dict[str, list[dict[str, str]]], id_prefix: str | None = None,
                   links: Mapping[str, str] | None = None) -> str:
    num = TABLE_SECTIONS[grid.table]
    return (f'<section class="gk-section" id="{id_prefix or ""}section-{num}">\n<h2>{escape(SECTION_TITLES[num])}</h2>\n'
            f"{_table_html(grid, marks, id_prefix, links)}\n</section>")


def render_tables_html(report: Report, findings: Iterable[Any] | None = None, id_prefix: str | None = None,
                       links: Mapping[str, str] | None = None) -> str:
    """The three tables (二, 三, 四), each under its section heading, as an HTML fragment; style with TABLE_CSS.

    ``id_prefix`` (e.g. "r1-") keeps ids unique on a page showing several reports and gives each data
    cell the id ``{id_prefix}cell-{table.row.column}``, so a finding can link to its cells. ``links``
    maps a cell key to a URL the cell's value links to (e.g. the records behind it).
    """
    marks = _findings_by_cell(findings)
    return "\n".join(_table_section(grid, marks, id_prefix, links) for grid in grids(report))


def _prose_html(report: Report, num: str) -> str:
    paragraphs = [p.strip() for p in printable(report.sections.get(num) or "").splitlines() if p.strip()]
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return f'<section class="gk-section" id="section-{num}">\n<h2>{escape(SECTION_TITLES[num])}</h2>\n{body}</section>'


def render_html(report: Report, findings: Iterable[Any] | None = None, extra_css: str = "") -> str:
    """The whole report as one self-contained page: title, six sections in order, tables in place."""
    title = report_title(report)
    marks = _findings_by_cell(findings)
    tables = {TABLE_SECTIONS[g.table]: _table_section(g, marks) for g in grids(report)}
    body = "\n".join(tables[n] if n in tables else _prose_html(report, n) for n in SECTION_TITLES)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{PAGE_CSS}{TABLE_CSS}{extra_css}</style>\n</head>\n"
        f'<body>\n<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n'
    )
