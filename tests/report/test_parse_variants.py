"""Cross-format consistency: one report in the many forms it takes on agencies' sites must parse the same.

References: the seed text (equal to fixtures/seed-2024.json), renumbered so that every table cell holds a
distinct number (a value read into the wrong cell shows), and the three corpus PDFs (whose parse
test_parse_pdf.py pins to published values). Variants are made here, at test time, in ``tmp_path``:
re-typed HTML pages, Markdown as PDF converters emit it, text copied from a PDF viewer, label variants,
and the outputs of poppler (pdftotext, pdftohtml) and LibreOffice. Each variant parses to the reference
on every cell, or — where the form genuinely loses information — leaves the lost cells "?" or fails with
a ``ReportError``: never a wrong number.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from html import escape

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.model import Report
from gongkai.report.parsers import parse_bytes, parse_file
from gongkai.report.parsers.core import find_headings

SEED = "seeds/000_0e482e19bd443c5d.txt"
CORPUS = ("09-huaian-city-2024", "10-hongze-district-2023", "11-hongze-district-2024")


# -- references ----------------------------------------------------------------------------------
def renumber(text: str) -> str:
    """The seed with its k-th number cell replaced by 1000 + k: every cell distinct."""
    count = iter(range(1000, 100000))
    return re.sub(r"(?m)^\t\d+$", lambda m: f"\t{next(count)}", text)


@pytest.fixture(scope="module")
def seed_text(shared) -> str:
    return renumber((shared / SEED).read_text("utf-8"))


@pytest.fixture(scope="module")
def seed_ref(seed_text) -> Report:
    r = parse_bytes(seed_text.encode("utf-8"), "seed.txt")
    values = [v for _, _, v in r.cells()]
    # The reference itself: every cell read, all distinct (so a shifted cell cannot compare equal).
    assert r.unreadable == [] and all(isinstance(v, int) for v in values)
    assert len(set(values)) == len(values) == 10 + 175 + 15  # 表二, 表三, 表四
    return r


def cells(r: Report) -> dict:
    return {k: v for k, _, v in r.cells()}


def assert_equal(parsed: Report, ref: Report) -> None:
    assert (parsed.layout, parsed.year, parsed.agency) == (ref.layout, ref.year, ref.agency)
    a, b = cells(parsed), cells(ref)
    diff = {k: (a.get(k), v) for k, v in b.items() if a.get(k) != v}
    assert not diff, diff
    assert parsed.unreadable == []


def assert_never_wrong(parsed: Report, ref: Report) -> int:
    """Every cell equals the reference or is "?" with a reason; returns how many are "?"."""
    assert (parsed.layout, parsed.year) == (ref.layout, ref.year)
    assert parsed.agency in (ref.agency, None)
    a, b = cells(parsed), cells(ref)
    wrong = {k: (a.get(k), v) for k, v in b.items() if a.get(k) not in (v, "?")}
    assert not wrong, wrong
    lost = {k for k, v in a.items() if v == "?"}
    assert lost == {u["cell"] for u in parsed.unreadable}
    assert all(u["reason"] for u in parsed.unreadable)
    return len(lost)


# -- the seed's structure: prose lines and table rows ---------------------------------------------
def blocks(text: str) -> list:
    """("line", text) for prose, ("table", rows) for each run of tab-indented rows; a row is its cells."""
    out: list = []
    rows: list[list[str]] | None = None
    row: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            row.append(line[1:])
            continue
        if row and line.strip():  # a label broken over lines inside its cell
            row[-1] += "\n" + line
            continue
        if row:
            if rows is None:
                rows = []
                out.append(("table", rows))
            rows.append(row)
            row = []
            continue
        if not line.strip():
            continue
        rows = None
        out.append(("line", line))
    return out


def br(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def html_cell(text: str, k: int) -> str:
    if not text.strip():
        return "<td>&nbsp;</td>"
    if len(text) > 6 and not text.isdigit() and k % 2:  # a label broken by <br>, as Word pages have
        half = len(text) // 2
        return f'<td style="width:80px"><p><span style="font-family:宋体">{br(text[:half])}<br/>' \
               f"{br(text[half:])}</span></p></td>"
    return f'<td valign="middle"><p align="center"><span lang="EN-US">{br(text)}</span></p></td>'


def html_page(text: str, charset: str = "utf-8") -> str:
    body = []
    for k, (kind, item) in enumerate(blocks(text)):
        if kind == "line":
            body.append(f'<p style="text-indent:2em"><span>{escape(item).replace(" ", "&nbsp;")}</span></p>')
        else:
            trs = "".join("<tr>" + "".join(html_cell(c, k + j) for j, c in enumerate(r)) + "</tr>\n" for r in item)
            body.append(f'<table border="1" cellspacing="0" width="600"><tbody>{trs}</tbody></table>')
    nav = "".join(f'<li><a href="/{i}">栏目{i}</a></li>' for i in range(8))
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>政府信息公开年报</title><script>var a='<table>';</script></head><body>"
            f'<div class="nav"><ul>{nav}</ul></div><div>首页 &gt; 政府信息公开 &gt; 年报</div>'
            f'<table width="100%"><tr><td width="20%">&nbsp;</td><td><table><tr><td>'
            f'<div class="article">{"".join(body)}</div></td></tr></table></td></tr></table>'
            f'<div class="footer">主办：某某人民政府办公室 | 备案号</div></body></html>')


def markdown(text: str) -> str:
    """As PDF-to-Markdown converters emit it: ## headings, pipe tables padded by repeating the merged cell
    to the left, <br> inside long labels, every table split by a page break with its page number."""
    out = []
    page = 3
    for kind, item in blocks(text):
        if kind == "line":
            out.append(("## " if re.match(r"^[一二三四五六]、", item) else "") + item)
            out.append("")
            continue
        width = max(len(r) for r in item)
        rows = []
        prev: list[str] = []
        for r in item:
            cells = list(r)
            while len(cells) < width:  # merged cells repeated from the row above (or the cell to the right)
                cells.insert(0, prev[width - len(cells) - 1] if len(prev) >= width else "")
            cells = [c.replace("|", "\\|").replace("\n", "<br>") for c in cells]
            cells = [c[:8] + "<br>" + c[8:] if len(c) > 14 else c for c in cells]
            prev = [c.replace("<br>", "") for c in cells]
            rows.append("| " + " | ".join(cells) + " |")
        rule = "|" + "---|" * width
        half = len(rows) // 2
        out += [rows[0], rule, *rows[1:half], "", f"- {page} -", "", "| " + " | ".join([""] * width) + " |", rule,
                *rows[half:], ""]
        page += 1
    return "\n".join(out)


def viewer_copy(text: str) -> str:
    """Copied from a PDF viewer: every cell on its own line, no tabs, no blank lines, page numbers between rows."""
    out = []
    n = 0
    for kind, item in blocks(text):
        if kind == "line":
            out.append(item)
            continue
        for r in item:
            out.extend(part for c in r for part in c.split("\n") if part.strip())
            n += 1
            if n % 12 == 0:
                out.append(f"- {n // 12 + 2} -")
    return "\n".join(out)


# -- HTML, Markdown, viewer copy ------------------------------------------------------------------
def test_gov_site_html_page(tmp_path, seed_text, seed_ref):
    path = tmp_path / "report.html"
    path.write_text(html_page(seed_text), "utf-8")
    assert_equal(parse_file(path), seed_ref)


def test_gbk_page_with_a_lying_meta_charset(tmp_path, seed_text, seed_ref):
    path = tmp_path / "report.htm"
    path.write_bytes(html_page(seed_text, charset="utf-8").encode("gbk"))
    assert_equal(parse_file(path), seed_ref)
    path.write_bytes(html_page(seed_text, charset="gb2312").encode("utf-8"))
    assert_equal(parse_file(path), seed_ref)


def test_markdown_from_a_pdf_converter(tmp_path, seed_text, seed_ref):
    path = tmp_path / "report.md"
    path.write_text(markdown(seed_text), "utf-8")
    assert_equal(parse_file(path), seed_ref)


def test_text_copied_from_a_pdf_viewer(tmp_path, seed_text, seed_ref):
    path = tmp_path / "report.txt"
    path.write_text(viewer_copy(seed_text), "utf-8")
    parsed = parse_file(path)
    assert_equal(parsed, seed_ref)
    assert not any(re.search(r"- \d+ -", text) for text in parsed.sections.values())


# -- label variants -------------------------------------------------------------------------------
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
VARIANTS = {
    "half-width brackets": [("（", "("), ("）", ")")],
    "1、 numbering": [(f"\t{d}.", f"\t{d}、") for d in range(1, 9)],
    "1． numbering": [(f"\t{d}.", f"\t{d}．") for d in range(1, 9)],
    "full-width digits in labels": [(f"\t{d}.", f"\t{d}.".translate(FULLWIDTH)) for d in range(1, 9)],
    "straight quotes": [("“三安全一稳定”", '"三安全一稳定"')],
    "corner quotes": [("“三安全一稳定”", "「三安全一稳定」")],
    "no quotes": [("“三安全一稳定”", "三安全一稳定")],
    "spaces inside labels": [("予以公开", "予 以 公 开"), ("本机关不掌握", "本机关 不掌握"), ("行政许可", "行政\u3000许可")],
    "合计 for 总计": [("（七）总计", "（七）合计")],
    "法人或者其他组织": [("法人或其他组织", "法人或者其他组织")],
    "结转下一年度": [("结转下年度继续办理", "结转下一年度继续办理")],
    "traditional punctuation": [("，", "﹐"), ("、", "､")],
}


@pytest.mark.parametrize("name", VARIANTS)
def test_label_variants(tmp_path, seed_text, seed_ref, name):
    text = seed_text
    for old, new in VARIANTS[name]:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "report.txt"
    path.write_text(text, "utf-8")
    assert_equal(parse_file(path), seed_ref)


def test_full_width_digits_in_cells(tmp_path, seed_text, seed_ref):
    text = re.sub(r"(?m)^\t(\d+)$", lambda m: "\t" + m.group(1).translate(FULLWIDTH), seed_text)
    path = tmp_path / "report.txt"
    path.write_text(text, "utf-8")
    assert_equal(parse_file(path), seed_ref)


# -- headings -----------------------------------------------------------------------------------
def test_section_one_subheading_is_not_heading_two():
    lines = ["一、总体情况", "（一）主动公开。全年主动公开政府信息120条。", "（二）依申请公开",
             "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    assert find_headings(lines) == [(0, "1"), (3, "2"), (4, "3")]
    # Sub-headings that name a section by other words, numbered as sub-headings of 一.
    lines = ["一、总体情况", "（一）主动公开政府信息情况。全年主动公开政府信息。", "（三）行政复议、行政诉讼情况。无。",
             "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
    assert find_headings(lines) == [(0, "1"), (3, "2"), (4, "3"), (5, "4")]
    # Sections numbered "（一）" throughout are still sections.
    lines = ["（一）总体情况", "（二）主动公开政府信息情况", "（三）收到和处理政府信息公开申请情况"]
    assert find_headings(lines) == [(0, "1"), (1, "2"), (2, "3")]


# -- poppler and LibreOffice outputs of the corpus ------------------------------------------------
@pytest.fixture(scope="module")
def corpus_refs(shared) -> dict[str, Report]:
    return {name: parse_file(shared / "corpus" / f"{name}.pdf") for name in CORPUS}


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
@pytest.mark.parametrize("mode", ["-raw", "default", "-layout"])
@pytest.mark.parametrize("name", CORPUS)
def test_pdftotext_never_invents(tmp_path, shared, corpus_refs, name, mode):
    out = tmp_path / f"{name}.txt"
    _run(["pdftotext", *([mode] if mode != "default" else []), str(shared / "corpus" / f"{name}.pdf"), str(out)])
    if mode == "default":  # cells in column blocks, rows lost: nothing may be paired wrongly
        try:
            parsed = parse_file(out)
        except ReportError:
            return
        assert_never_wrong(parsed, corpus_refs[name])
        return
    parsed = parse_file(out)
    if mode == "-raw":  # the raw reading order keeps each row on a line
        assert_equal(parsed, corpus_refs[name])
    else:  # column-aligned: a label broken around a group label's fragment may be lost, nothing else
        assert assert_never_wrong(parsed, corpus_refs[name]) <= 7, parsed.unreadable


@pytest.mark.skipif(not shutil.which("pdftohtml"), reason="poppler-utils (pdftohtml) not installed")
@pytest.mark.parametrize("name", CORPUS)
def test_pdftohtml_never_invents(tmp_path, shared, corpus_refs, name):
    out = tmp_path / f"{name}.html"
    _run(["pdftohtml", "-s", "-i", "-noframes", str(shared / "corpus" / f"{name}.pdf"), str(out)])
    # Absolutely placed lines: rows rebuilt from their positions, a wrapped label's numbers set
    # between its lines found below its first line.
    assert_equal(parse_file(out), corpus_refs[name])


@pytest.fixture(scope="session")
def soffice_outputs(tmp_path_factory, shared):
    """The seed's HTML page converted once by LibreOffice to DOCX and to text."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip("LibreOffice (soffice) not installed: office conversions not checked")
    d = tmp_path_factory.mktemp("soffice")
    src = d / "report.html"
    src.write_text(html_page(renumber((shared / SEED).read_text("utf-8"))), "utf-8")
    profile = d / "profile"
    out = {}
    for target, ext in (("docx:MS Word 2007 XML", "docx"), ("txt:Text (encoded):UTF8", "txt")):
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                        "--outdir", str(d / ext), str(src)], check=True, capture_output=True, timeout=180)
        out[ext] = d / ext / f"report.{ext}"
    return out


def test_libreoffice_docx_of_the_web_page(soffice_outputs, seed_ref):
    assert_equal(parse_file(soffice_outputs["docx"]), seed_ref)


def test_libreoffice_text_of_the_web_page(soffice_outputs, seed_ref):
    # One cell per line, labels wrapped at the cell width, the page's navigation as bullets.
    assert_equal(parse_file(soffice_outputs["txt"]), seed_ref)


# -- PDF prose: a line broken one character early ------------------------------------------------
def test_pdf_prose_line_broken_early_before_a_full_stop():
    """"。" may not start a line, so a ragged line gives its last character to the next: the short line
    that results is not a paragraph end, and the paragraph comes out whole."""
    weasyprint = pytest.importorskip("weasyprint")
    from gongkai.report.parsers.pdf import extract_lines_and_tables

    paragraphs = [("甲" * k) + "本" * 20 + "。后续文字内容继续后续文字内容继续。" for k in range(12)]
    body = "".join(f'<p style="text-indent:2em;margin:0">{p}</p>' for p in paragraphs)
    html = ('<html><head><style>@page{size:A4;margin:2cm} body{font-family:"Noto Serif CJK SC";font-size:16pt}'
            f"p{{text-align:left}}</style></head><body><h1>一、总体情况</h1>{body}</body></html>")
    lines, _ = extract_lines_and_tables(weasyprint.HTML(string=html).write_pdf())
    assert [line for line in lines if line.strip()] == ["一、总体情况", *paragraphs]


# -- the 2019 layout in the same forms ------------------------------------------------------------
@pytest.mark.parametrize("form", ["html", "gbk-html", "markdown", "viewer"])
def test_2019_layout_in_every_form(tmp_path, form):
    from .test_parse_samples import sample_report, web_text

    expected = sample_report(layout="2019", year=2020)
    text = web_text(expected)
    path = tmp_path / "report"
    if form == "html":
        path.write_text(html_page(text), "utf-8")
    elif form == "gbk-html":
        path.write_bytes(html_page(text, charset="utf-8").encode("gbk"))
    elif form == "markdown":
        path.write_text(markdown(text), "utf-8")
    else:
        path.write_text(viewer_copy(text), "utf-8")
    assert_equal(parse_file(path), expected)


# -- titles ---------------------------------------------------------------------------------------
TITLE = "淄博市临淄区行政审批服务局\n\n2024年政府信息公开工作年度报告"


@pytest.mark.parametrize("title", [
    "淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告",
    "2024年淄博市临淄区行政审批服务局政府信息公开工作年度报告",
    "淄博市临淄区行政审批服务局关于2024年度政府信息公开工作年度报告",
    "淄博市临淄区行政审批服务局\n２０２４年政府信息公开工作年度报告",
    "淄博市临淄区行政审批服务局\n2024 年政府信息公开工作年度报告",
    "淄博市临淄区行政审批服务局\n2024年政府信息公开\n工作年度报告",
    "淄 博 市 临 淄 区 行 政 审 批 服 务 局\n2024年政府信息公开工作年度报告",
    "【淄博市临淄区行政审批服务局】2024年政府信息公开工作年度报告",
])
def test_title_variants(seed_text, seed_ref, title):
    assert seed_text.startswith(TITLE)
    assert_equal(parse_bytes(seed_text.replace(TITLE, title, 1).encode("utf-8"), "report.txt"), seed_ref)


def test_markdown_break_between_digits_is_not_one_number(tmp_path, seed_text, seed_ref):
    text = markdown(seed_text).replace("| 1185 |", "| 1<br>185 |", 1)
    parsed = parse_bytes(text.encode("utf-8"), "report.md")
    assert parsed.get("appeals.reconsideration.upheld") == "?"
    assert assert_never_wrong(parsed, seed_ref) >= 1


# -- blank cells: kept where the form keeps positions, "?" where it drops them ----------------------
@pytest.mark.parametrize("form", ["html", "markdown", "tab-rows", "viewer", "space-rows"])
def test_blank_cells_in_every_form(tmp_path, seed_text, form):
    # One blank cell in each of 表二, 表三 and 表四 (the 4th, 111th and 191st number cells).
    text = seed_text.replace("\t1003\n", "\t\n").replace("\t1110\n", "\t\n").replace("\t1190\n", "\t\n")
    ref = parse_bytes(text.encode("utf-8"), "report.txt")
    assert [k for k, _, v in ref.cells() if v is None] == [
        "proactive.normative_documents.issued", "applications.unavailable_still_unclear.research",
        "appeals.litigation_direct.upheld"]
    if form == "html":
        data, name = html_page(text).encode("utf-8"), "report.html"
    elif form == "markdown":
        data, name = markdown(text).encode("utf-8"), "report.md"
    elif form == "viewer":
        data, name = viewer_copy(text).encode("utf-8"), "report.txt"
    else:
        sep = "\t" if form == "tab-rows" else "   "
        out = []
        for kind, item in blocks(text):
            if kind == "line":
                out.append(item)
                continue
            for r in item:
                out.append(sep.join(c.replace("\n", "") for c in r if sep == "\t" or c.strip()))
        data, name = "\n".join(out).encode("utf-8"), "report.txt"
    parsed = parse_bytes(data, name)
    if form in ("viewer", "space-rows"):  # a blank cell leaves no trace: its rows cannot be placed
        assert assert_never_wrong(parsed, ref) == 3 + 7 + 15
        assert {u["cell"].rsplit(".", 1)[0] for u in parsed.unreadable} == {
            "proactive.normative_documents", "applications.unavailable_still_unclear", "appeals.litigation_direct",
            "appeals.reconsideration", "appeals.litigation_after_reconsideration"}
    else:
        assert_equal(parsed, ref)


def test_markdown_with_html_tables(tmp_path, seed_text, seed_ref):
    """PDF-to-Markdown converters write tables with merged cells as HTML inside the Markdown: the table
    is read as a table, the headings and prose around it as lines."""
    out = []
    for kind, item in blocks(seed_text):
        if kind == "line":
            out += [("# " if re.match(r"^[一二三四五六]、", item) else "") + item, ""]
            continue
        rows = ["<tr>" + "".join(f"<td>{br(c)}</td>" for c in r) + "</tr>" for r in item]
        out += ["<table>" + "".join(rows) + "</table>", ""]
    for name in ("report.md", "report.txt"):
        path = tmp_path / name
        path.write_text("\n".join(out), "utf-8")
        parsed = parse_file(path)
        assert_equal(parsed, seed_ref)
        assert parsed.headings == ["1", "2", "3", "4", "5", "6"]
        assert parsed.sections["5"].startswith("（一）存在问题")


def test_label_rows_then_number_rows_pair_in_print_order(tmp_path, seed_text, seed_ref):
    """Labels each on a line of their own, then the lines of numbers (no blank lines, so the last label
    and the first numbers look like one row): the first numbers are the first label's, not the last's."""
    out, in_table_two = [], False
    for kind, item in blocks(seed_text):
        if kind == "line":
            in_table_two = item.startswith("二、")
            out.append(item)
            continue
        if not in_table_two:
            out += ["\t".join(c.replace("\n", "") for c in r) for r in item]
            continue
        labelled = [r for r in item if len(r) >= 2 and r[1].isdigit()]
        out += [r[0] for r in labelled] + ["\t".join(r[1:]) for r in labelled]
    parsed = parse_bytes("\n".join(out).encode("utf-8"), "report.txt")
    assert_equal(parsed, seed_ref)
    assert any("分开排列" in note for note in parsed.notes)


def test_absolutely_placed_menus_do_not_hide_the_report_table(tmp_path, seed_text, seed_ref):
    menu = "".join(f'<div style="position:absolute;top:{30 + i}px;left:{i * 60}px">栏目{i}</div>' for i in range(30))
    page = html_page(seed_text).replace('<div class="nav">', f'<div class="nav">{menu}', 1)
    assert_equal(parse_bytes(page.encode("utf-8"), "report.html"), seed_ref)
