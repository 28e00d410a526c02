"""Login lockout and staff management (each change audited)."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from . import audit
from .models import Agency, LoginAttempt, Staff

MAX_FAILURES = 5
LOCKOUT_MINUTES = 15
LOCKOUT = timedelta(minutes=LOCKOUT_MINUTES)
# For the pages and messages that state the rule.
LOCKOUT_RULE = {"max_failures": MAX_FAILURES, "lockout_minutes": LOCKOUT_MINUTES}


def _key(username: str, ip: str | None) -> dict:
    return {"username": (username or "")[:150], "ip": ip or None}


def locked_until(username: str, ip: str | None) -> datetime | None:
    """When the lockout of ``username`` from ``ip`` ends, or None if not locked.

    Locked while there are ``MAX_FAILURES`` failures within the last ``LOCKOUT``; it ends ``LOCKOUT``
    after the failure that completed the count.
    """
    since = timezone.now() - LOCKOUT
    recent = list(
        LoginAttempt.objects.filter(**_key(username, ip), failed_at__gt=since)
        .order_by("-failed_at").values_list("failed_at", flat=True)[:MAX_FAILURES]
    )
    if len(recent) < MAX_FAILURES:
        return None
    return recent[0] + LOCKOUT


def failures_left(username: str, ip: str | None) -> int:
    since = timezone.now() - LOCKOUT
    n = LoginAttempt.objects.filter(**_key(username, ip), failed_at__gt=since).count()
    return max(0, MAX_FAILURES - n)


def record_failure(username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(**_key(username, ip), failed_at=timezone.now())
    # Old rows serve no purpose once outside the window.
    LoginAttempt.objects.filter(failed_at__lt=timezone.now() - 2 * LOCKOUT).delete()


def clear_failures(username: str, ip: str | None) -> None:
    LoginAttempt.objects.filter(**_key(username, ip)).delete()


def locked_usernames(usernames) -> list[str]:
    """Those of ``usernames`` locked out from at least one IP right now."""
    since = timezone.now() - LOCKOUT
    rows = (LoginAttempt.objects.filter(username__in=list(usernames), failed_at__gt=since)
            .values("username", "ip").annotate(n=Count("id")).filter(n__gte=MAX_FAILURES))
    return sorted({r["username"] for r in rows})


@transaction.atomic
def unlock(*, actor, username: str, agency: Agency | None = None, request=None) -> None:
    """Lift a lockout early (all IPs), e.g. after the administrator has checked with the person."""
    LoginAttempt.objects.filter(username=username).delete()
    audit.record(actor=actor, action="auth.unlock", agency=agency, request=request,
                 summary=f"解除 {username} 的登录锁定", data={"username": username})


@transaction.atomic
def grant_role(*, actor, user, agency: Agency, role: str, request=None) -> Staff:
    if role not in Staff.Role.values:
        raise ValidationError("没有这个角色。")
    staff, created = Staff.objects.get_or_create(user=user, agency=agency, role=role)
    if created:
        audit.record(
            actor=actor, action="staff.grant", agency=agency, target=staff, request=request,
            summary=f"授予 {user.get_username()} 在{agency.name}的“{staff.get_role_display()}”角色",
            data={"user": user.get_username(), "role": role},
        )
    return staff


@transaction.atomic
def revoke_role(*, actor, staff: Staff, request=None) -> None:
    audit.record(
        actor=actor, action="staff.revoke", agency=staff.agency, target=staff, request=request,
        summary=f"撤销 {staff.user.get_username()} 在{staff.agency.name}的“{staff.get_role_display()}”角色",
        data={"user": staff.user.get_username(), "role": staff.role},
    )
    staff.delete()


@transaction.atomic
def create_staff_user(*, actor, agency: Agency, username: str, full_name: str, role: str, password: str,
                      request=None):
    """A new account holding one role in ``agency`` (the agency administrator's job)."""
    user = get_user_model().objects.create_user(username=username, password=password, first_name=full_name)
    audit.record(actor=actor, action="user.create", agency=agency, target=user, request=request,
                 summary=f"新建账号 {username}（{full_name}）", data={"user": username})
    grant_role(actor=actor, user=user, agency=agency, role=role, request=request)
    return user


def find_user(username: str):
    return get_user_model().objects.filter(username=username.strip()).first()


@transaction.atomic
def update_contacts(*, actor, form, request=None) -> Agency:
    """Save the disclosure office contacts (published in the guide, Art. 12) and audit the change."""
    agency = form.save()
    changed = {name: str(form.cleaned_data[name]) for name in form.changed_data}
    if changed:
        audit.record(actor=actor, action="agency.update", agency=agency, target=agency, request=request,
                     summary=f"修改{agency.name}的政府信息公开工作机构信息", data=changed)
    return agency


# -- the agency tree (platform administrators; permissions "agency.tree") ---------------------------

def agency_tree() -> list[tuple[Agency, int]]:
    """(agency, depth) in display order: pre-order over the tree, siblings by name; one query."""
    rows = list(Agency.objects.select_related("parent").order_by("name"))
    children: dict[int | None, list[Agency]] = {}
    for a in rows:
        children.setdefault(a.parent_id, []).append(a)
    out: list[tuple[Agency, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for a in children.get(parent_id, ()):
            if a.pk not in seen:
                seen.add(a.pk)
                out.append((a, depth))
                walk(a.pk, depth + 1)

    walk(None, 0)
    return out


def _require_tree(actor) -> None:
    from django.core.exceptions import PermissionDenied

    from .permissions import can

    if not can(actor, "agency.tree"):
        raise PermissionDenied("只有平台管理员可以调整机关。")


def save_agency(*, actor, form, request=None) -> Agency:
    """Add an agency or change its name, level or place in the tree (no cycle: Agency.clean, run by the
    form). Audited under the agency itself, so its auditors see it."""
    _require_tree(actor)
    creating = form.instance.pk is None
    before = None if creating else Agency.objects.filter(pk=form.instance.pk).values_list("parent__name", flat=True).first()
    with transaction.atomic():
        agency = form.save()
        after = agency.parent.name if agency.parent else None
        if creating:
            summary = f"新增机关：{agency.name}（上级：{after or '无'}）"
        elif before != after:
            summary = f"调整机关隶属：{agency.name}，上级由“{before or '无'}”改为“{after or '无'}”"
        else:
            summary = f"修改机关信息：{agency.name}"
        audit.record(actor=actor, action="agency.create" if creating else "agency.edit", agency=agency, target=agency,
                     summary=summary, data={"fields": sorted(form.changed_data)}, request=request)
    return agency


def set_agency_active(*, actor, agency: Agency, active: bool, request=None) -> None:
    """Deactivate (or reactivate) an agency: its public pages and online form close; records stay."""
    _require_tree(actor)
    if agency.is_active == active:
        return
    if not active and agency.children.filter(is_active=True).exists():
        raise ValidationError("该机关还有启用中的下级机关，请先停用或调整下级机关。")
    with transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(is_active=active)
        agency.is_active = active
        audit.record(actor=actor, action="agency.activate" if active else "agency.deactivate", agency=agency,
                     target=agency, summary=f"{'启用' if active else '停用'}机关：{agency.name}", request=request)
