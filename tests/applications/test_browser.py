"""The whole path of an online application in Debian chromium: citizen, registrar, handler, head."""
from datetime import timedelta

import pytest

from gongkai.applications import services
from gongkai.applications.models import Application

from .conftest import PASSWORD, RIC

pytestmark = pytest.mark.browser


def login(page, base, user):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/")


def status_text(page, base, code):
    page.goto(f"{base}/apply/status/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    return page.locator("#status").inner_text()


@pytest.mark.django_db(transaction=True)
def test_online_application_to_reply(live_server, page, agencies, staff, tmp_path):
    base = live_server.url
    # 1. A citizen submits the online form.
    page.goto(f"{base}/apply/t-own/")
    page.select_option("#id_applicant_type", "natural_person")
    page.fill("#id_applicant_name", "王五")
    page.select_option("#id_id_type", "ric")
    page.fill("#id_id_number", RIC)
    page.fill("#id_phone", "13700000000")
    page.fill("#id_title", "某路段改造工程批复")
    page.fill("#id_description", "请公开某路段改造工程的立项批复和施工单位信息。")
    page.get_by_role("button", name="提交申请").click()
    code = page.locator("#tracking-code").inner_text().strip()
    assert len(code) == 12
    assert "已提交，等待登记" in status_text(page, base, code)

    # 2. The registrar registers it (both sides confirmed today: Art. 31).
    login(page, base, staff["registrar"])
    page.goto(f"{base}/staff/applications/")
    page.locator("#box-to_register").get_by_role("link").click()
    page.get_by_role("link", name=code).click()
    page.locator("#do-register").get_by_role("button", name="登记受理").click()
    assert "已完成：登记受理" in page.locator(".messages").inner_text()
    app = Application.objects.get(tracking_code=code)
    assert app.state == "registered" and app.received_on == services.today()
    case_url = f"{base}/staff/applications/{app.pk}/"

    # 3. The handler asks for a supplement (Art. 30).
    login(page, base, staff["handler"])
    page.goto(case_url)
    form = page.locator("#do-request_supplement")
    form.locator("textarea[name=note]").fill("请写明改造工程所在路段名称")
    form.locator("input[name=deadline]").fill((services.today() + timedelta(days=10)).isoformat())
    form.get_by_role("button", name="告知补正").click()
    assert "已告知补正" in page.locator("#case-state").inner_text()

    # 4. The citizen's status page shows it.
    page.context.clear_cookies()
    text = status_text(page, base, code)
    assert "需要补正" in text and "补正期限" in text and "王五" not in text

    # 5. The supplement arrives; the handler decides 部分公开 with two items.
    login(page, base, staff["handler"])
    page.goto(case_url)
    page.locator("#do-receive_supplement").get_by_role("button", name="收到补正").click()
    form = page.locator("#do-decide")
    form.locator("select[name=outcome]").select_option("partially_granted")
    form.locator("textarea[name=note]").fill("施工单位人员个人信息不予公开。")
    form.locator("input[name=item1_description]").fill("立项批复")
    form.locator("select[name=item1_handling]").select_option("granted")
    form.locator("input[name=item2_description]").fill("施工人员名单")
    form.locator("select[name=item2_handling]").select_option("withheld_third_party")
    form.get_by_role("button", name="拟定答复").click()
    assert "待负责人审批" in page.locator("#case-state").inner_text()
    assert "部分公开" in page.locator("#case-outcome").inner_text()

    # 6. The head approves and issues the reply letter; it downloads as PDF.
    login(page, base, staff["head"])
    page.goto(case_url)
    page.locator("#do-approve").get_by_role("button", name="负责人审批同意").click()
    page.locator("#do-issue_reply").get_by_role("button", name="出具答复书").click()
    assert "已答复" in page.locator("#case-state").inner_text()
    with page.expect_download() as info:
        page.locator("#letters").get_by_role("link", name="PDF").click()
    path = tmp_path / "reply.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    timeline = page.locator("#timeline").inner_text()
    for step in ("网上提交申请", "登记受理", "告知补正", "收到补正", "拟定答复", "负责人审批同意", "出具答复书"):
        assert step in timeline
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)

    # 7. The citizen sees 已答复.
    page.context.clear_cookies()
    assert "已答复" in status_text(page, base, code)
