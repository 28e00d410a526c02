"""Login bookkeeping: failures feed the lockout; logins, logouts and lockouts go to the audit log.

Each is recorded under every agency where the account holds a role, so those agencies' auditors see
it; an account with no role (a platform superuser) or an unknown username is a platform-level entry
(``audit.read_platform``: superusers and auditors of a top-level agency).
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit, services
from .models import Agency


def _record_auth(user, **fields) -> None:
    agencies = list(Agency.objects.filter(memberships__user=user).distinct()) if user is not None else []
    for agency in agencies or [None]:
        audit.record(agency=agency, **fields)


@receiver(user_login_failed, dispatch_uid="agencies.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or ""
    if request is None or not username:
        return
    ip = audit.client_ip(request)
    if services.locked_until(username, ip):
        return  # attempts during a lockout neither count nor extend it
    services.record_failure(username, ip)
    locked = services.locked_until(username, ip)
    user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    _record_auth(
        user, actor=None, action="auth.lockout" if locked else "auth.login_failed", request=request,
        summary=(f"账号 {username} 连续登录失败 {services.MAX_FAILURES} 次，锁定 {services.LOCKOUT_MINUTES} 分钟" if locked
                 else f"账号 {username} 登录失败"),
        data={"username": username[:150]},
    )


@receiver(user_logged_in, dispatch_uid="agencies.logged_in")
def on_logged_in(sender, request=None, user=None, **kwargs):
    if request is None or user is None:
        return
    services.clear_failures(user.get_username(), audit.client_ip(request))
    _record_auth(user, actor=user, action="auth.login", request=request, summary=f"{user.get_username()} 登录")


@receiver(user_logged_in, dispatch_uid="agencies.session_saved_at_login")
def note_session_saved(sender, request=None, **kwargs):
    """Login saves the session: the inactivity clock starts now (gongkai.middleware.SessionRefreshMiddleware)."""
    import time

    from gongkai.middleware import SessionRefreshMiddleware

    if request is not None and hasattr(request, "session"):
        request.session[SessionRefreshMiddleware.KEY] = int(time.time())


@receiver(user_logged_out, dispatch_uid="agencies.logged_out")
def on_logged_out(sender, request=None, user=None, **kwargs):
    if user is not None:
        _record_auth(user, actor=user, action="auth.logout", request=request, summary=f"{user.get_username()} 退出")


def reinstall_audit_guard(sender, using="default", **kwargs):
    """After every migrate: put the audit triggers back. SQLite rebuilds a table to alter it, which
    silently drops its triggers; installing is idempotent."""
    from django.db import connections

    audit.install_guard(connections[using])


def create_cache_tables(sender, using="default", **kwargs):
    """After every migrate: the database cache tables (rate-limit counters, 年报体检 results) exist,
    so `gongkai migrate` is all an install needs; a no-op for tables already there or a Redis cache."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
