"""The item form in Debian chromium: a clerk writes the body with the toolbar (no HTML), a pasted script
is dropped, the stored HTML is sanitised; the category list is the tree; date errors stand on their field."""
import pytest

from gongkai.catalog import services
from gongkai.catalog.models import Item

from .test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_item(page, live_server, agency, title, made):
    services.seed_categories(agency)
    login(page, live_server.url, "clerk")
    page.goto(f"{live_server.url}/staff/catalog/{agency.slug}/new/")
    page.fill("#id_title", title)
    page.get_by_label("成文日期").fill(made)
    page.get_by_label("分类").select_option(label="管理和服务公开")


def test_clerk_writes_the_body_without_html(live_server, page, agency, people):
    new_item(page, live_server, agency, "关于某项工作的通知", "2024-09-25")
    assert not page.locator("#id_body").is_visible()  # the editor replaced the HTML field
    editor = page.get_by_role("textbox", name="正文")
    editor.click()
    page.get_by_role("button", name="二级标题").click()
    page.keyboard.type("一、工作目标")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="段落").click()
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("重点")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("是便民。")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="项目列表").click()
    page.keyboard.type("第一项")
    # A paste with a script and a style: the editor drops them before the server sees them.
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.setData('text/html', '<span style="color:red" onclick="x()">粘贴的文字</span><script>window.bad=1</script>');
        document.querySelector('.editor-area').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}));
    }""")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/staff/catalog/*/*/")
    body = Item.objects.get().body
    assert "<h2>一、工作目标</h2>" in body and ("<b>重点</b>" in body or "<strong>重点</strong>" in body)
    assert "<li>第一项粘贴的文字</li>" in body
    assert "script" not in body and "style" not in body and "onclick" not in body
    assert page.evaluate("window.bad") is None


def test_item_form_errors_on_their_fields(live_server, page, agency, people):
    new_item(page, live_server, agency, "某文件", "2030-01-05")
    page.get_by_label("有效性").select_option("repealed")
    page.get_by_label("废止或失效日期").fill("2020-01-01")
    page.get_by_role("button", name="保存").click()
    made = page.locator(".field", has=page.locator("#id_date_made"))
    assert "晚于今天" in made.locator(".error").inner_text()
    ended = page.locator(".field", has=page.locator("#id_validity_date"))
    assert "废止或失效日期不能早于成文日期" in ended.locator(".error").inner_text()
    assert not Item.objects.exists()
    # The entered values are kept for correction.
    assert page.locator("#id_date_made").input_value() == "2030-01-05"
