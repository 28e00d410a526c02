from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.utils import timezone

from gongkai.agencies.models import AuditEntry, LoginAttempt

from .conftest import PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password, ip="192.0.2.10", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def alice(tree, make_user):
    return make_user("alice", (tree["own"], "handler"))


def test_password_is_hashed_with_argon2(alice):
    assert identify_hasher(alice.password).algorithm == "argon2"


def test_login_page_is_chinese(client, db):
    resp = client.get(LOGIN)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "工作人员登录" in html and "用户名" in html and "密码" in html
    # The rule shown is the one enforced (services.MAX_FAILURES / LOCKOUT, settings.SESSION_COOKIE_AGE).
    assert "连续 5 次密码错误，该账号将在本机锁定 15 分钟；30 分钟无操作将自动退出" in html


def test_login_success_goes_to_staff_home_and_is_audited(client, alice):
    resp = _login(client, "alice", PASSWORD)
    assert resp.status_code == 302 and resp["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200 and "测试区甲局" in home.content.decode() and "承办" in home.content.decode()
    assert AuditEntry.objects.filter(action="auth.login", actor=alice, ip="192.0.2.10").exists()


def test_lockout_after_five_failures_then_unlock(client, alice):
    for i in range(4):
        resp = _login(client, "alice", "wrong-password")
        assert resp.status_code == 200
        assert f"再失败 {4 - i} 次" in resp.content.decode()
    resp = _login(client, "alice", "wrong-password")  # fifth failure: locked now
    assert "已锁定 15 分钟" in resp.content.decode()
    assert AuditEntry.objects.filter(action="auth.lockout").count() == 1

    # Even the right password is refused while locked, without counting another failure.
    resp = _login(client, "alice", PASSWORD)
    assert resp.status_code == 200 and "已锁定 15 分钟" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username="alice").count() == 5

    # Another IP is not locked (lockout is per username + IP).
    other = client.__class__()
    assert _login(other, "alice", PASSWORD, ip="198.51.100.7").status_code == 302

    # Fourteen minutes later: still locked.
    LoginAttempt.objects.update(failed_at=timezone.now() - timedelta(minutes=14))
    assert "已锁定" in _login(client, "alice", PASSWORD).content.decode()
    # Past the 15-minute window: unlocked, and a success clears the counter.
    LoginAttempt.objects.update(failed_at=timezone.now() - timedelta(minutes=15, seconds=1))
    resp = _login(client, "alice", PASSWORD)
    assert resp.status_code == 302
    assert not LoginAttempt.objects.filter(username="alice", ip="192.0.2.10").exists()


def test_admin_login_is_locked_too(client, tree, make_user):
    make_user("root", is_superuser=True, is_staff=True)
    for _ in range(5):
        _login(client, "root", "wrong-password", url="/admin/login/")
    resp = _login(client, "root", PASSWORD, url="/admin/login/")
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    LoginAttempt.objects.update(failed_at=timezone.now() - timedelta(minutes=16))
    resp = _login(client, "root", PASSWORD, url="/admin/login/")
    assert resp.status_code == 302 and client.session["_auth_user_id"]


def test_unknown_username_counts_and_locks(client, db):
    for _ in range(5):
        _login(client, "nobody", "whatever-pass")
    assert "已锁定" in _login(client, "nobody", "whatever-pass").content.decode()


def test_session_times_out_after_30_minutes(client, alice, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    _login(client, "alice", PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    resp = client.get("/staff/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_logout_is_post_and_audited(client, alice):
    _login(client, "alice", PASSWORD)
    resp = client.post("/accounts/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/"
    assert client.get("/staff/").status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout", actor=alice).exists()


def test_inactive_user_cannot_log_in(client, alice):
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    resp = _login(client, "alice", PASSWORD)
    assert resp.status_code == 200 and "用户名或密码不正确" in resp.content.decode()


def test_activity_keeps_the_session_alive_without_a_write_per_request(client, alice, settings):
    """Before: the session row was rewritten on every request (SESSION_SAVE_EVERY_REQUEST)."""
    _login(client, "alice", PASSWORD)
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    for _ in range(3):  # within a minute of the last save: no write
        assert client.get("/staff/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before
    # A minute later the next request saves it: the 30 minutes count from this request.
    settings.SESSION_REFRESH_SECONDS = 0
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/staff/").status_code == 200
    assert timedelta(minutes=29) < Session.objects.get(session_key=key).expire_date - timezone.now()
    # Anonymous visitors still get no session row.
    from django.test import Client

    n = Session.objects.count()
    assert Client().get("/gk/").status_code in (200, 302) and Session.objects.count() == n
