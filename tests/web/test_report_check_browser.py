"""年报体检 in Debian chromium against the live server: upload, highlighted cell, finding link, DOCX download."""
from __future__ import annotations

import docx
import pytest

from .test_report_check import AGENCY, SEED, TOTAL_CELL, broken_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _files(shared):
    seed = (shared / SEED).read_bytes()
    return [
        {"name": "临淄2024.txt", "mimeType": "text/plain", "buffer": seed},
        {"name": "改错的报告.txt", "mimeType": "text/plain", "buffer": broken_seed(seed)},
    ]


def test_upload_highlight_and_download_docx(live_server, page, shared, tmp_path):
    page.goto(live_server.url + "/check/")
    page.get_by_label("年度报告文件（可多选）").set_input_files(_files(shared))
    page.get_by_role("button", name="开始体检").click()
    page.wait_for_url("**/#results")

    seed_result = page.locator('article[data-entry="1"]')
    broken = page.locator('article[data-entry="2"]')
    assert AGENCY in seed_result.locator("h3").inner_text()
    assert "未发现问题" in seed_result.locator("aside").inner_text()

    cell = broken.locator(f'td[data-cell="{TOTAL_CELL}"]')
    assert cell.inner_text() == "3"
    assert "finding-error" in cell.get_attribute("class").split()
    assert "finding" not in (seed_result.locator(f'td[data-cell="{TOTAL_CELL}"]').get_attribute("class") or "")
    # The highlight is visible: the cell is painted differently from an unmarked one.
    marked_bg = cell.evaluate("el => getComputedStyle(el).backgroundColor")
    plain_bg = broken.locator('td[data-cell="applications.granted.natural_person"]').evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert marked_bg != plain_bg

    # Clicking the finding's cell reference brings that very cell into view and flashes it.
    finding = broken.locator('li.finding-item[data-rule="row_total"]')
    assert "表三 “（七）总计”“总计”" in finding.inner_text()
    finding.locator("a.cell-link", has_text="“（七）总计”“总计”").click()
    page.wait_for_function(f"document.querySelector('article[data-entry=\"2\"] td[data-cell=\"{TOTAL_CELL}\"]').classList.contains('flash')")
    page.wait_for_function("el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
                           arg=cell.element_handle())  # the smooth scroll lands on the cell

    with page.expect_download() as info:
        broken.get_by_role("link", name="Word（DOCX）").click()
    download = info.value
    assert download.suggested_filename == f"{AGENCY}2024年政府信息公开工作年度报告.docx"
    path = tmp_path / "report.docx"
    download.save_as(path)
    document = docx.Document(str(path))
    assert AGENCY in "\n".join(p.text for p in document.paragraphs)
    cells = {c.text.strip() for t in document.tables for row in t.rows for c in row.cells}
    assert "（七）总计" in cells and "3" in cells


def test_works_without_javascript(live_server, chromium_browser, shared):
    context = chromium_browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(live_server.url + "/check/")
        page.get_by_role("link", name="大字模式").click()
        assert "large" in page.locator("html").get_attribute("class")
        # Page scripts are off; Playwright's evaluate still reads the computed style: 125 % of 16 px.
        assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 20
        page.get_by_label("年度报告文件（可多选）").set_input_files(_files(shared))
        page.keyboard.press("Tab")  # the submit button is reachable by keyboard
        page.get_by_role("button", name="开始体检").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/#results")
        broken = page.locator('article[data-entry="2"]')
        link = broken.locator('li.finding-item[data-rule="row_total"] a.cell-link', has_text="“（七）总计”“总计”")
        link.click()
        assert page.url.endswith("#" + broken.locator(f'td[data-cell="{TOTAL_CELL}"]').get_attribute("id"))
        page.get_by_role("link", name="标准字号").click()
        assert not page.locator("html").get_attribute("class")
    finally:
        context.close()


CONTRAST_JS = """
(selectors) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = {};
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) { out[sel] = null; continue; }
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
}
"""


def test_text_contrast_is_aa_and_print_hides_the_chrome(live_server, page, shared):
    page.goto(live_server.url + "/check/")
    page.get_by_label("年度报告文件（可多选）").set_input_files(
        _files(shared) + [{"name": "坏文件.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}])
    page.get_by_role("button", name="开始体检").click()
    page.wait_for_url("**/#results")
    selectors = [
        "p.lead", "p.hint", ".brand", ".site-nav a[aria-current]", ".site-nav a:not([aria-current])",
        ".display-toggle a", "table.summary a", ".badge-ok", ".badge-error", "nav.downloads a", ".finding-head",
        ".finding-message", ".ok-message", ".file-error p", "td.finding-error", "table.gk-table th", ".site-footer .wrap",
    ]
    ratios = page.evaluate(CONTRAST_JS, selectors)
    assert None not in ratios.values(), ratios
    low = {sel: round(r, 2) for sel, r in ratios.items() if r < 4.5}
    assert not low, f"below WCAG AA 4.5:1: {low}"

    page.emulate_media(media="print")
    for hidden in (".site-header", ".upload-form", "nav.downloads"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator('article[data-entry="2"] td.finding-error').first.is_visible()
