"""Demo appeals. The seed bureau's 2024 table 四 is all zeros, so nothing here touches 2024: one
reconsideration filed and decided (upheld) in 2025 about one of its demo applications, and one pending
lawsuit against the sibling 自然资源局. Idempotent: an appeal already present (same case number) is kept.
"""
from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from gongkai.agencies.demo import SEED_AGENCY
from gongkai.agencies.models import Agency
from gongkai.applications.models import Application

from .models import Appeal
from .services import save_appeal

# (agency slug, actor username, application tracking code, fields)
PLAN = [
    (SEED_AGENCY, "head", "DEMO2024A002", dict(
        kind="reconsideration", case_number="临政复决字〔2025〕第3号（演示）", body="淄博市临淄区人民政府",
        filed_on=date(2025, 1, 6), result="upheld", decided_on=date(2025, 3, 5),
        notes="申请人称于2024年11月中旬收到答复书，对“本机关不掌握相关政府信息”的答复不服。复议机关决定维持。")),
    ("linzi-zrzy", "zrzy-handler", None, dict(
        kind="litigation_direct", case_number="（2025）鲁0305行初45号（演示）", body="淄博市临淄区人民法院",
        filed_on=date(2025, 9, 15), notes="原告要求公开某地块征收补偿方案，尚未开庭。")),
]


@transaction.atomic
def load() -> list[str]:
    User = get_user_model()
    created = []
    for slug, username, tracking_code, fields in PLAN:
        agency = Agency.objects.filter(slug=slug).first()
        actor = User.objects.filter(username=username).first()
        if agency is None or actor is None:
            continue
        if Appeal.objects.filter(agency=agency, case_number=fields["case_number"]).exists():
            continue
        application = None
        if tracking_code:
            application = Application.objects.filter(agency=agency, tracking_code=tracking_code).first()
        save_appeal(Appeal(agency=agency, application=application, **fields), actor)
        created.append(fields["case_number"])
    return [f"新建行政复议、诉讼案件：{'、'.join(created)}"] if created else []
