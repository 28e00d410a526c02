"""In Debian chromium: a clerk drafts an item whose attachment holds a valid resident ID number; the
reviewer finds publication blocked with the number shown masked, redacts it and publishes."""
import io

import pytest

from gongkai.catalog import privacy
from gongkai.catalog.models import Item

from .conftest import PASSWORD, VALID_ID, docx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/**")


def test_clerk_drafts_reviewer_redacts_and_publishes(live_server, page, agency, people, tmp_path):
    masked = VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
    attachment = tmp_path / "许可决定.docx"
    attachment.write_bytes(docx_bytes(paragraphs=["行政许可决定书", f"申请人：张某，公民身份号码：{VALID_ID}"]))
    base = live_server.url

    # The clerk drafts the item with the attachment and submits it for review.
    login(page, base, "clerk")
    page.goto(f"{base}/staff/catalog/{agency.slug}/new/")
    page.get_by_label("标题").fill("关于张某食品经营许可的决定")
    page.get_by_label("成文日期").fill("2024-09-25")
    page.get_by_label("分类").select_option(label="管理和服务公开")
    page.get_by_label("附件").set_input_files(str(attachment))
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/staff/catalog/*/*/")
    assert f"{agency.credit_code}/2024-00001" in page.content()
    page.get_by_role("button", name="提交审核").click()
    assert page.locator("#item-state").inner_text().startswith("一级审核")

    # The reviewer approves; the privacy scan of the attachment blocks publication.
    login(page, base, "reviewer")
    item = Item.objects.get()
    page.goto(f"{base}/staff/catalog/{agency.slug}/{item.pk}/")
    page.get_by_role("button", name="审核通过").click()
    assert page.locator("#item-state").inner_text().startswith("保密和隐私审查")
    blocked = page.locator("#privacy-blocked")
    assert blocked.is_visible() and "不能发布" in blocked.inner_text()
    hits = page.locator("#hits").inner_text()
    assert masked in hits and "居民身份证号码" in hits and "许可决定.docx" in hits
    assert VALID_ID not in page.content()
    page.get_by_label("已完成保密审查").check()
    page.get_by_role("button", name="发布", exact=True).click()
    assert "个人信息尚未处理" in page.locator(".messages").inner_text()
    assert Item.objects.get().state == "secrecy"

    # Redact (the DOCX is rewritten), then publish.
    page.get_by_role("button", name="脱敏", exact=True).click()
    assert page.locator("#privacy-ok").is_visible()
    assert "已脱敏" in page.locator("#hits").inner_text()
    page.get_by_label("已完成保密审查").check()
    page.get_by_role("button", name="发布", exact=True).click()
    assert page.locator("#item-state").inner_text().startswith("已发布")

    # The attachment as now stored and downloaded carries only the masked number.
    with page.expect_download() as info:
        page.get_by_role("link", name="许可决定.docx").click()
    data = open(info.value.path(), "rb").read()
    assert privacy.scan_docx(io.BytesIO(data)) == []
    import docx

    assert masked in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    item = Item.objects.get()
    assert item.state == "published" and item.attachments.get().redacted
