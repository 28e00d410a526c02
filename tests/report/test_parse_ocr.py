"""Issue 9 class 4: scans and table images through offline OCR (RapidOCR, models in its wheel).

OCR costs seconds a page on two cores, so ``make test`` reads one table image for real (a PNG of
表四 inside an HTML page); the whole scanned pages (Chromium- and WeasyPrint-printed, rotated, noisy)
run in ``make bench`` (bench/ocr.py), which checks every cell the same way. The confidence rule is
tested here on boxes taken from a PDF's text layer, so it needs no OCR run."""
from __future__ import annotations

import base64
import io
import re

import pdfplumber
import pytest

from gongkai.report.errors import ReportError
from gongkai.report.parsers import parse_bytes, parse_file, parse_text
from gongkai.report.parsers.ocr import LOW_REASON, Box, report_from_boxes
from gongkai.report.render.html import render_html

from .scans import assert_cells, compact_html, png, table_image, weasy_pdf
from .test_parse_samples import sample_report


@pytest.fixture(scope="module")
def report():
    return sample_report("2021", 2023, seed=2)


def _replace_section(html: str, section: str, body: str) -> str:
    out = re.sub(rf'(<section class="gk-section" id="section-{section}">\s*<h2>.*?</h2>).*?</section>',
                 lambda m: m.group(1) + body + "</section>", html, flags=re.S)
    assert out != html
    return out


def test_table_image_inside_html_is_read_by_ocr(report):
    """表四 published as a picture (data URI) in the page: OCR'd, rows rebuilt from the boxes' positions,
    every cell the reference or "?" with a reason."""
    uri = "data:image/png;base64," + base64.b64encode(png(table_image(report, "4"))).decode()
    html = _replace_section(render_html(report), "4", f'<p><img src="{uri}" alt="表四"></p>')
    r = parse_text(html)
    unknown = assert_cells(r, report)
    assert unknown <= 3
    values = [r.get(f"appeals.reconsideration.{c}") for c in ("upheld", "corrected", "other", "pending", "total")]
    assert values.count("?") <= 1 and values[-1] in (report.get("appeals.reconsideration.total"), "?")


def test_pictures_beside_text_tables_are_not_ocrd(report, monkeypatch):
    """A page whose tables are text: its images (logos, photos) are never sent to OCR."""
    import gongkai.report.parsers.ocr as ocr

    monkeypatch.setattr(ocr, "ocr_image", lambda image: pytest.fail("OCR ran on a page with text tables"))
    uri = "data:image/png;base64," + base64.b64encode(png(table_image(report, "4"))).decode()
    html = render_html(report).replace("</main>", f'<img src="{uri}"></main>')
    assert_cells(parse_text(html), report, max_unknown=0)


# -- the confidence rule, on boxes from a text layer -----------------------------------------------
def _boxes_from_pdf(pdf: bytes) -> list[tuple[float, float, list[Box]]]:
    """Words of each page as OCR boxes (padded as a detector pads them), all read with confidence 0.99."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            boxes = []
            for w in page.extract_words(keep_blank_chars=False, x_tolerance=1.5):
                pad = 0.2 * (w["bottom"] - w["top"])
                boxes.append(Box(w["x0"] * 2, (w["top"] - pad) * 2, w["x1"] * 2, (w["bottom"] + pad) * 2, w["text"], 0.99))
            pages.append((float(page.width) * 2, float(page.height) * 2, boxes))
    return pages


@pytest.fixture(scope="module")
def text_layer_boxes(report):
    return _boxes_from_pdf(weasy_pdf(compact_html(report)))


def test_boxes_read_with_high_confidence(report, text_layer_boxes):
    r = report_from_boxes(text_layer_boxes)
    assert_cells(r, report, max_unknown=0)


def test_low_confidence_numbers_need_their_row_identity(report, text_layer_boxes):
    """Every number read with low confidence: kept where the row's total holds (表三, 表四), "?" with
    "识别置信度低" where no identity checks it (表二) or where one was misread."""
    granted = [report.get(f"applications.granted.{c}") for c in
               ("natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org", "total")]
    wrong = str(granted[0] + 1)
    pages = []
    changed = False
    for w, h, boxes in text_layer_boxes:
        out = []
        y_granted = next((b.top for b in boxes if b.text.endswith("予以公开")), None)
        for b in boxes:
            if re.fullmatch(r"\d+(\.\d+)?", b.text):
                text = b.text
                if (not changed and y_granted is not None and abs(b.top - y_granted) < 4 and b.x0 > 600
                        and text == str(granted[0])):
                    text, changed = wrong, True  # the misread digit of 予以公开 / 自然人
                b = Box(b.x0, b.top, b.x1, b.bottom, text, 0.6)
            out.append(b)
        pages.append((w, h, out))
    assert changed
    r = report_from_boxes(pages)
    assert_cells(r, report)
    reasons = {u["cell"]: u["reason"] for u in r.unreadable}
    assert r.get("applications.granted.natural_person") == "?"
    assert reasons["applications.granted.natural_person"].startswith(LOW_REASON)
    assert r.get("applications.new_received.total") == report.get("applications.new_received.total")
    assert r.get("appeals.reconsideration.total") == report.get("appeals.reconsideration.total")
    assert r.get("proactive.regulations.issued") == "?"
    assert reasons["proactive.regulations.issued"].startswith(LOW_REASON)


# -- uploaded images -------------------------------------------------------------------------------
def test_uploaded_image_without_text_is_a_clear_error():
    from PIL import Image

    blank = Image.new("RGB", (600, 400), "white")
    with pytest.raises(ReportError, match="没有识别出文字"):
        parse_bytes(png(blank), "scan.png")
    out = io.BytesIO()
    blank.save(out, "JPEG")
    with pytest.raises(ReportError, match="没有识别出文字"):
        parse_bytes(out.getvalue(), "scan.jpg")


def test_broken_image_is_a_clear_error():
    with pytest.raises(ReportError, match="图片文件已损坏"):
        parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.png")


def test_saved_web_page_with_its_table_image_beside_it(report, tmp_path):
    """A page saved by a browser: the picture of 表四 in "报告_files/"; read from the page's folder only."""
    files = tmp_path / "报告_files"
    files.mkdir()
    (files / "t4.png").write_bytes(png(table_image(report, "4")))
    page = tmp_path / "报告.html"
    page.write_text(_replace_section(render_html(report), "4", '<p><img src="%E6%8A%A5%E5%91%8A_files/t4.png"></p>'),
                    encoding="utf-8")
    assert_cells(parse_file(page), report, max_unknown=3)
    # A picture outside the page's folder is never read: the table is then missing, said plainly.
    (tmp_path / "outside.png").write_bytes((files / "t4.png").read_bytes())
    inner = tmp_path / "sub"
    inner.mkdir()
    escaped = inner / "报告.html"
    escaped.write_text(_replace_section(render_html(report), "4", '<p><img src="../outside.png"></p>'), encoding="utf-8")
    with pytest.raises(ReportError, match="未找到表四"):
        parse_file(escaped)
