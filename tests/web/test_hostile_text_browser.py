"""The script payloads typed by staff, opened in a real browser (Debian chromium): no page runs them."""
import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.web.test_hostile_text import world  # noqa: F401 - the fixture that fills every staff field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_no_page_runs_staff_typed_script(live_server, page, world, payload):  # noqa: F811
    w = world(payload)
    slug, item = w["agency"].slug, w["item"]
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    public = [reverse("portal:home", args=[slug]), reverse("portal:items", args=[slug]),
              reverse("portal:item", args=[slug, item.pk]), reverse("portal:guide", args=[slug]),
              reverse("portal:rules", args=[slug]), reverse("portal:report", args=[slug, w["year"]]),
              reverse("portal:search", args=[slug]) + "?q=标题", reverse("portal:index"),
              reverse("portal:report_file", args=[slug, w["year"], "html"])]
    for url in public:
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
    assert dialogs == [], "a public page ran staff-typed script"
    # The title is on the page as the visitor typed it, as text.
    page.goto(live_server.url + reverse("portal:item", args=[slug, item.pk]))
    assert page.get_by_role("heading", level=1).inner_text() == w["v"]["标题"]

    page.goto(live_server.url + reverse("agencies:login"))
    page.get_by_label("用户名").fill("u-head")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/")
    staff_pages = [reverse("catalog:list", args=[slug]), reverse("catalog:detail", args=[slug, item.pk]),
                   reverse("catalog:categories", args=[slug]), reverse("appeals:detail", args=[slug, w["appeal"].pk]),
                   reverse("appeals:edit", args=[slug, w["appeal"].pk]),
                   reverse("applications:case", args=[w["app"].pk]), reverse("applications:dashboard")]
    for url in staff_pages:
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
    assert dialogs == [], "a staff page ran staff-typed script"
