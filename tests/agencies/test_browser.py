"""Login, lockout message and the auditor's pages in Debian chromium."""
import pytest

from gongkai.agencies import audit

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def _login(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_login_lockout_and_audit_log(live_server, page, tree, make_user, tmp_path):
    make_user("aud", (tree["own"], "auditor"))
    audit.record(actor=None, action="identity.view", agency=tree["own"], summary="查看申请人身份信息：演示")

    for _ in range(5):
        _login(page, live_server.url, "aud", "wrong-password")
    alert = page.get_by_role("alert")
    assert "已锁定 15 分钟" in alert.inner_text()

    from gongkai.agencies.models import LoginAttempt
    LoginAttempt.objects.all().delete()  # an operator clears the lock
    _login(page, live_server.url, "aud", PASSWORD)
    page.wait_for_url("**/staff/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    page.get_by_role("link", name="审计日志").click()
    page.wait_for_url("**/staff/audit/")
    page.get_by_label("操作").fill("identity.view")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.audit-log tbody tr")
    assert rows.count() == 1 and "查看申请人身份信息：演示" in rows.first.inner_text()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)

    page.get_by_role("link", name="工作台").first.click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")
    page.goto(live_server.url + "/staff/audit/")
    assert "/accounts/login/" in page.url  # logged out for real
