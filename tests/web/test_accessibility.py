"""Accessibility in Debian chromium: axe-core (bundled by axe-playwright-python, no CDN) over every public
page and the main staff pages, in normal and 大字模式, with no serious or critical violation; keyboard-only
use: the skip link, visible focus, and a form filled and sent with the keyboard alone.
GB/T 37668-2019 and WCAG 2.1 AA."""
from datetime import date

import pytest

from gongkai.applications import services as app_services
from gongkai.applications.services import ApplicantData
from gongkai.catalog import services as cat_services
from gongkai.catalog.models import Category, Item
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD = ("serious", "critical")


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def a11y_page(chromium_browser):
    # bypass_csp: axe is injected by evaluate(), which a strict Content-Security-Policy would refuse.
    context = chromium_browser.new_context(locale="zh-CN", bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def data(agencies, staff):
    own = agencies["own"]
    cat_services.seed_categories(own)
    cat = Category.objects.get(agency=own, name="机构职能")
    item = Item.objects.create(agency=own, index_number=f"{own.credit_code}/2024-00001", title="关于机构职能的说明",
                               issuer=own.name, date_made=date(2024, 3, 1), date_published=date(2024, 3, 5),
                               category=cat, state="published", body="<p>正文</p>", summary="摘要")
    person = ApplicantData(applicant_type="natural_person", applicant_name="张三", id_type="ric",
                           id_number="11010519491231002X", title="某项目批复", description="请公开。", phone="13800000000")
    online = app_services.submit_online(own, person)
    case = app_services.register_application(own, person, channel="in_person", actor=staff["registrar"],
                                             submitted_on=date(2024, 9, 25))
    return {"item": item, "online": online, "case": case}


def violations(page, axe, url):
    page.goto(url)
    results = axe.run(page)
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in BAD]


def login(page, base, user):
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/")


def public_urls(data):
    code = data["online"].tracking_code
    pk = data["item"].pk
    return ["/", "/gk/", "/gk/t-own/", "/gk/t-own/guide/", "/gk/t-own/rules/", "/gk/t-own/items/",
            f"/gk/t-own/items/{pk}/", "/gk/t-own/search/?q=机构", "/gk/t-own/apply/", "/gk/t-own/reports/",
            "/apply/t-own/", "/apply/status/", f"/apply/status/?code={code}", f"/apply/receipt/?code={code}",
            "/apply/status/?code=NOPE", "/check/", "/accounts/login/"]


def test_axe_finds_what_it_should(a11y_page, axe):
    """The check itself works: a page with an unlabelled field and an image without text fails it."""
    a11y_page.set_content('<html lang="zh-CN"><title>t</title><main><img src="data:,"><input></main></html>')
    ids = {v["id"] for v in axe.run(a11y_page).response["violations"] if v["impact"] in BAD}
    assert {"image-alt", "label"} <= ids


def test_public_pages_pass_axe(live_server, a11y_page, axe, data):
    page, base = a11y_page, live_server.url
    found = {}
    for large in (False, True):
        if large:
            page.goto(base + "/display/font/?size=large&next=/")
            assert page.locator("html.large").count() == 1  # 大字模式 kept
        for url in public_urls(data):
            if v := violations(page, axe, base + url):
                found[(url, large)] = v
    # A form with errors (messages on the fields) too.
    page.goto(base + "/apply/t-own/")
    page.get_by_role("button", name="提交申请").click()
    assert page.locator(".error").count() > 0
    results = axe.run(page)
    if v := [x["id"] for x in results.response["violations"] if x["impact"] in BAD]:
        found[("/apply/t-own/ (errors)", True)] = v
    assert not found, found


def test_staff_pages_pass_axe(live_server, a11y_page, axe, data, staff):
    page, base = a11y_page, live_server.url
    login(page, base, staff["handler"])
    urls = ["/staff/", "/staff/applications/", "/staff/applications/list/open/",
            f"/staff/applications/{data['case'].pk}/", "/staff/catalog/t-own/new/",
            "/staff/applications/statistics/", "/staff/statistics/catalog/"]
    found = {url: v for url in urls if (v := violations(page, axe, base + url))}
    assert not found, found


def test_keyboard_only(live_server, page, data):
    base = live_server.url
    page.goto(base + "/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "跳到正文" and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every focusable element shows a focus indicator (outline) when reached with Tab.
    seen = 0
    for _ in range(40):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return [e.tagName, s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }""")
        if style[0] == "BODY":
            break
        assert style[1] != "none" and style[2] >= 2 or style[3] != "none", style
        seen += 1
    assert seen >= 8  # 专栏, three agencies, the code field and its button, 年报体检, login
    # The status lookup by keyboard alone: Tab to the field, type, Enter.
    page.goto(base + "/")
    page.locator("#home-code").focus()
    page.keyboard.type(data["online"].tracking_code)
    page.keyboard.press("Enter")
    page.wait_for_url("**/apply/status/?code=*")
    assert "等待本机关与您确认" in page.locator("#waiting-for").inner_text()
