"""Demo portal: guide settings and rules for the seed agency, the search index of the demo catalogue
(which is written with bulk_create, so no signals fired). Idempotent: settings are created once, the
index only gains missing items.
"""
from __future__ import annotations

from django.db import transaction

from gongkai.agencies.demo import SEED_AGENCY
from gongkai.agencies.models import Agency

from .models import PortalSettings
from .search import reindex

RULES = "\n".join([
    "政府信息公开审查制度：拟公开的政府信息先审后发，经保密审查和个人信息检查后方可发布（《条例》第十七条）",
    "政府信息主动公开制度：属于主动公开范围的信息自形成或变更之日起20个工作日内公开（《条例》第二十六条）",
    "依申请公开登记、审核、办理、答复、归档制度：每件申请全程留痕，按期答复（《条例》第四十五条）",
    "政府信息公开考核和责任追究制度：政府信息公开工作纳入年度考核（《条例》第四十七条、第五十三条）",
    "政府信息公开工作年度报告制度：每年1月31日前公布上一年度工作年度报告（《条例》第四十九条）",
])
DEMO_CONTACTS = {"fax": "0533-0000002（演示）", "email": "gongkai@linzi-xzsp.example"}


@transaction.atomic
def load() -> list[str]:
    agency = Agency.objects.filter(slug=SEED_AGENCY).first()
    if agency is None:
        return ["未找到演示机关，跳过政府信息公开专栏"]
    missing = {k: v for k, v in DEMO_CONTACTS.items() if not getattr(agency, k)}
    if missing:
        Agency.objects.filter(pk=agency.pk).update(**missing)
    PortalSettings.objects.get_or_create(agency=agency, defaults={"rules": RULES, "accepts_email": True,
                                                                  "accepts_fax": True})
    added, removed = reindex()
    # The annual report itself is compiled and published by gongkai.annual.demo (which runs first).
    return [f"全文检索索引：新增 {added} 条，移除 {removed} 条"]
