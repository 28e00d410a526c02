"""Demo agencies and one demo user per role. Idempotent: only creates what is missing, and audits
what it creates (actor: none, the system), like every other change of state.

The credit codes below are FICTITIOUS: made-up organisation codes under the Linzi district prefix
(1 = organ, 1 = government body, 370305 = 临淄区), with a correct GB 32100-2015 check character.
"""
from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from . import audit, services
from .models import Agency, Staff

DEMO_PASSWORD = "Gongkai-Demo-2024"  # printed by load_demo; change it before any real use

AGENCIES = [
    # (slug, name, short_name, credit_code, level, parent slug)
    ("linzi", "淄博市临淄区人民政府", "临淄区政府", "11370305004301517F", Agency.Level.GOVERNMENT, None),
    ("linzi-xzsp", "淄博市临淄区行政审批服务局", "区行政审批服务局", "11370305MB01234560", Agency.Level.DEPARTMENT, "linzi"),
    ("linzi-zrzy", "淄博市临淄区自然资源局", "区自然资源局", "11370305MB0234567B", Agency.Level.DEPARTMENT, "linzi"),
]
SEED_AGENCY = "linzi-xzsp"

OFFICE = {
    "linzi-xzsp": dict(office_name="淄博市临淄区行政审批服务局办公室", address="山东省淄博市临淄区（演示地址）",
                       postcode="255400", phone="0533-0000001（演示）", hours="工作日 9:00–12:00，13:30–17:00"),
}

# (username, full name, role, agency slug)
USERS = [
    ("registrar", "演示登记员", Staff.Role.REGISTRAR, SEED_AGENCY),
    ("handler", "演示承办人", Staff.Role.HANDLER, SEED_AGENCY),
    ("reviewer", "演示审核人", Staff.Role.REVIEWER, SEED_AGENCY),
    ("head", "演示负责人", Staff.Role.HEAD, SEED_AGENCY),
    ("admin", "演示管理员", Staff.Role.ADMIN, SEED_AGENCY),
    ("auditor", "演示审计员", Staff.Role.AUDITOR, SEED_AGENCY),
    ("supervisor", "演示监督员", Staff.Role.SUPERVISOR, "linzi"),
    # Site-wide administrator (working-day calendar): admin of the top-level agency.
    ("siteadmin", "演示系统管理员", Staff.Role.ADMIN, "linzi"),
    ("zrzy-handler", "演示承办人（自然资源局）", Staff.Role.HANDLER, "linzi-zrzy"),
]
# Django's own /admin/ (all tables, outside the role matrix): a superuser with a password made here,
# printed once when the account is created.
SUPERUSER = "superadmin"


@transaction.atomic
def load() -> list[str]:
    by_slug: dict[str, Agency] = {}
    for slug, name, short, code, level, parent in AGENCIES:
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            agency = Agency(slug=slug, name=name, short_name=short, credit_code=code, level=level,
                            parent=by_slug.get(parent), **OFFICE.get(slug, {}))
            agency.full_clean()
            agency.save()
            audit.record(actor=None, action="agency.create", agency=agency, target=agency,
                         summary=f"载入演示数据：新建机关 {agency.name}")
        by_slug[slug] = agency

    User = get_user_model()
    validate_password(DEMO_PASSWORD)
    created = []
    for username, full_name, role, slug in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=full_name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            audit.record(actor=None, action="user.create", agency=by_slug[slug], target=user,
                         summary=f"载入演示数据：新建账号 {username}（{full_name}）", data={"user": username})
            created.append(username)
        services.grant_role(actor=None, user=user, agency=by_slug[slug], role=role)  # audited when new

    lines = [f"机关：{'、'.join(a.name for a in by_slug.values())}",
             f"演示账号（工作台 /staff/），密码均为 {DEMO_PASSWORD}（仅新建的账号使用此密码，请勿用于正式环境）："]
    labels = dict(Staff.Role.choices)
    width = max(len(u) for u, *_ in USERS)
    for username, full_name, role, slug in USERS:
        lines.append(f"  {username.ljust(width)}  {labels[role]}  {by_slug[slug].name}")
    if created:
        lines.append(f"本次新建账号：{'、'.join(created)}")
    lines.append(_superuser())
    return lines


def _superuser() -> str:
    User = get_user_model()
    if User.objects.filter(username=SUPERUSER).exists():
        return (f"平台超级用户（Django 管理后台 /admin/）：{SUPERUSER}，已存在，密码见首次载入时的输出；"
                f"可用 gongkai manage changepassword {SUPERUSER} 重设")
    password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(SUPERUSER, email="", password=password, first_name="平台超级用户")
    audit.record(actor=None, action="user.create", target=user, summary=f"载入演示数据：新建平台超级用户 {SUPERUSER}",
                 data={"user": SUPERUSER, "superuser": True})
    return f"平台超级用户（Django 管理后台 /admin/）：{SUPERUSER}，密码 {password}（仅显示这一次，请妥善保存）"
