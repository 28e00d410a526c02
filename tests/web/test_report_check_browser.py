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
    page.goto(live_server.url + "/")
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
        page.goto(live_server.url + "/")
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
