"""A citizen goes from the home page to the online form, submits, and prints the receipt (Debian chromium)."""
import subprocess

import pytest

from gongkai.applications.models import Application

from .conftest import RIC

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_citizen_applies_from_home_and_prints_receipt(live_server, page, agencies, tmp_path):
    base = live_server.url
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page.goto(base + "/")
    page.get_by_role("link", name="向测试区甲局申请").click()
    page.select_option("#id_applicant_type", "natural_person")
    page.fill("#id_applicant_name", "王五")
    page.select_option("#id_id_type", "ric")
    page.fill("#id_id_number", RIC)
    page.fill("#id_phone", "13700000000")
    page.fill("#id_title", "某路段改造工程批复")
    page.fill("#id_description", "请公开某路段改造工程的立项批复。")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/apply/receipt/?code=*")
    code = page.locator("#tracking-code").inner_text().strip()
    assert Application.objects.get(tracking_code=code).state == "submitted"
    assert "第三十一条" in page.locator("#deadline-rules").inner_text()

    page.get_by_role("button", name="打印回执").click()
    assert page.evaluate("window.__printed") == 1
    # What the printer gets: the receipt without the site's header, navigation and buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator(".no-print").is_visible()
    pdf = tmp_path / "receipt.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert code in text and "政府信息公开申请回执" in text and "第三十三条" in text
    assert "打印回执" not in text and "王五" not in text

    # The home page's status lookup finds it and says what the office is waiting for.
    page.emulate_media(media="screen")
    page.goto(base + "/")
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    assert "等待本机关与您确认收到申请" in page.locator("#waiting-for").inner_text()
    assert "第三十一条" in page.locator("#answer-due").inner_text()
