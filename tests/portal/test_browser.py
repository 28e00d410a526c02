"""A visitor finds a published item by a two-character word and opens its attachment (Debian
chromium via Playwright, no JavaScript of ours involved)."""
import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_visitor_searches_and_downloads_attachment(live_server, page, agency, make_item, tmp_path):
    data = docx_bytes("行政复议申请书样本")
    make_item("关于规范行政复议答复工作的通知", summary="明确复议答复的期限和要求。",
              files=[("复议答复模板.docx", data)])
    make_item("食品经营许可信息公示", summary="本期许可名单。")
    page.goto(f"{live_server.url}/gk/")
    page.get_by_role("link", name=agency.name).click()
    # Keyboard only: the search box is reachable and submits with Enter.
    box = page.get_by_label("站内检索")
    box.focus()
    box.type("复议")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.get_by_role("status").first.inner_text() == "找到 1 条结果"
    marks = page.locator(".hit mark").all_inner_texts()
    assert marks and set(marks) == {"复议"}
    page.get_by_role("link", name="关于规范行政复议答复工作的通知").click()
    assert page.get_by_role("heading", level=1).inner_text() == "关于规范行政复议答复工作的通知"
    with page.expect_download() as info:
        page.get_by_role("link", name="复议答复模板.docx").click()
    download = info.value
    target = tmp_path / "got.docx"
    download.save_as(target)
    assert download.suggested_filename == "复议答复模板.docx"
    assert target.read_bytes() == data
    # The other item is found by its own two-character word, not by 复议.
    page.goto(f"{live_server.url}/gk/{agency.slug}/search/?q=许可")
    assert page.locator(".hit h3").all_inner_texts() == ["食品经营许可信息公示"]


def test_large_font_mode_and_focus(live_server, page, agency):
    page.goto(f"{live_server.url}/gk/{agency.slug}/guide/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    page.get_by_role("link", name="大字模式").click()
    page.wait_for_load_state()
    large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert "/guide/" in page.url and large > normal * 1.2
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "跳到正文"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
