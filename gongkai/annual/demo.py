"""Demo inputs and reports for 2024 (idempotent: what exists is kept, nothing is published twice).

The seed bureau (淄博市临淄区行政审批服务局) gets everything its 2024 report (``shared/seeds/``) states that
the other apps do not record: table 二 statistics (28591 licensing decisions, no penalty, coercion or fee
income), the platform counts of section 一(四), two 政协提案 answered, its 整改台账 and the free-text items
of section 六; its report is then compiled and published. For the supervisor (区人民政府): 自然资源局 has a
report published with a warning that became a ledger entry, and 教育和体育局 has published nothing (逾期).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from gongkai.agencies import audit
from gongkai.agencies.demo import SEED_AGENCY
from gongkai.agencies.models import Agency

from . import compile as compiler
from .models import LedgerEntry, PlatformFacts, ProactiveStats, Proposal, ReportDraft

YEAR = 2024
LATE_AGENCY = ("linzi-jyty", "淄博市临淄区教育和体育局", "区教育和体育局", "11370305MB0345678")  # fictitious code body

OTHER_ITEMS = "\n".join([
    "年度政务公开工作创新情况。2024年，区行政审批服务局在政务公开工作中积极创新。依托现场勘验、政府开放日、便民服务进社区"
    "志愿服务活动等形式，开展常态化政务服务政策宣讲，将最新的政策向企业群众进行传达解读，及时回应企业群众关心的问题。",
    "年度工作要点落实情况。2024年，区行政审批服务局坚持把政务公开作为一项重点工作。一是高度关注涉密、涉敏和企业群众隐私等"
    "内容，坚持先审核、再发布。定期开展发布内容专项排查工作，发现问题及时反馈整改，全面提升政务公开水平。二是拓宽问题征集渠道，"
    "通过微信公众号发布征求意见，安排专人将问题进行汇总整理，按责任分工进行安排部署，及时将问题处理意见进行回复。",
])

LEDGER = [
    # source, found, problem, measure, due, closed
    ("supervisor", date(2024, 3, 15), "政务公开精细化水平有待提升，日常巡查工作不足，发现纰漏不及时",
     "政务公开工作力求精益求精。根据实际情况，能够知重知轻、有的放矢，做到公开要及时、更新不延误",
     date(2024, 6, 30), date(2024, 6, 20)),
    ("self", date(2024, 7, 1), "主动意识不强，政务公开工作多为配合上级调度，缺少主动谋划与自主创新，应对新形势、新变化的能力有待提升",
     "强化人员管理，落实常抓常严，不断提升工作创新的积极性", date(2024, 12, 31), date(2024, 12, 20)),
    ("self", date(2024, 7, 1), "宣传报道工作不足，对工作中的亮点、经验，提升能力有待加强",
     "推进人才队伍建设。围绕信息宣传、媒体创作、政务公开等方面，组建专业化人才队伍，开展学习培训，提升教育培训实效性",
     date(2024, 12, 31), date(2024, 12, 20)),
]

PROPOSALS = [("cppcc", "政协提案第2024-031号（演示）", "关于进一步优化企业开办服务的提案", date(2024, 3, 1), date(2024, 5, 20)),
             ("cppcc", "政协提案第2024-057号（演示）", "关于推进政务服务“一网通办”的提案", date(2024, 3, 1), date(2024, 6, 10))]


def _seed_inputs(agency) -> None:
    ProactiveStats.objects.get_or_create(agency=agency, year=YEAR, defaults=dict(
        licensing=28591, punishment=0, coercion=0, fees_10k_yuan=Decimal("0")))
    PlatformFacts.objects.get_or_create(agency=agency, year=YEAR, defaults=dict(
        print_count=16, print_outlets="《临淄信息》《政务要情》", new_media_count=30, new_media_outlets="市局微信公众号",
        media_count=40, media_outlets="淄博日报、大众网、鲁中网", other_items=OTHER_ITEMS))
    for kind, number, title, received, answered in PROPOSALS:
        Proposal.objects.get_or_create(agency=agency, kind=kind, number=number, defaults=dict(
            title=title, received_on=received, answered_on=answered, result="已办复，提案人满意"))
    if not LedgerEntry.objects.filter(agency=agency).exists():
        parent = agency.parent
        for source, found, problem, measure, due, closed in LEDGER:
            entry = LedgerEntry.objects.create(
                agency=agency, source=source, raised_by=parent if source == "supervisor" else None, found_on=found,
                problem=problem, measure=measure, responsible="办公室负责人（演示）", due_on=due, closed_on=closed,
                closing_note="已整改到位，对账销号。")
            audit.record(actor=None, action="ledger.create", agency=agency, target=entry,
                         summary=f"载入演示数据：整改台账 {problem[:20]}")


def _publish_once(agency, published_on: date) -> str | None:
    from gongkai.portal.models import PublishedReport

    if PublishedReport.objects.filter(agency=agency, year=YEAR).exists():
        return None
    obj = compiler.publish(agency, YEAR, None)
    # Dated as published in the reporting season (the demo is loaded later); the row is otherwise frozen.
    when = timezone.make_aware(datetime.combine(published_on, datetime.min.time()).replace(hour=10))
    PublishedReport.objects.filter(pk=obj.pk).update(published_at=when)
    return f"已发布 {agency.name} {YEAR} 年度报告第 {obj.version} 版（SHA-256 {obj.content_hash[:12]}…）"


def _late_agency(parent) -> Agency:
    slug, name, short, body = LATE_AGENCY
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        agency = Agency(slug=slug, name=name, short_name=short, credit_code=body + uscc.calc_check_digit(body),
                        level=Agency.Level.DEPARTMENT, parent=parent)
        agency.full_clean()
        agency.save()
        audit.record(actor=None, action="agency.create", agency=agency, target=agency,
                     summary=f"载入演示数据：新建机关 {agency.name}")
    return agency


@transaction.atomic
def load() -> list[str]:
    agency = Agency.objects.filter(slug=SEED_AGENCY).first()
    if agency is None:
        return ["未找到演示机关，跳过年度报告演示数据"]
    lines = []
    _seed_inputs(agency)
    line = _publish_once(agency, date(2025, 1, 20))
    if line:
        lines.append(line)

    zrzy = Agency.objects.filter(slug="linzi-zrzy").first()
    if zrzy is not None:
        ProactiveStats.objects.get_or_create(agency=zrzy, year=YEAR, defaults=dict(
            licensing=1264, punishment=37, coercion=2, fees_10k_yuan=Decimal("12.50")))
        if not ReportDraft.objects.filter(agency=zrzy, year=YEAR).exists():
            report, drafted = compiler.compile_report(zrzy, YEAR)
            # The clerk wrote a figure the tables do not support: a prose_numbers warning, published anyway.
            text = drafted["1"].replace(f"{YEAR}年未收到政府信息公开申请", f"{YEAR}年共收到政府信息公开申请3件")
            ReportDraft.objects.create(agency=zrzy, year=YEAR, sections={"1": text})
        line = _publish_once(zrzy, date(2025, 1, 27))
        if line:
            lines.append(line)
        if zrzy.parent and not LedgerEntry.objects.filter(agency=zrzy, finding_rule="prose_numbers").exists():
            from .supervision import finding_to_ledger

            found = [f for f in compiler.findings(zrzy, YEAR, compiler.build_published(zrzy, YEAR))
                     if f.rule == "prose_numbers"]  # the warning the supervisor sees on its page
            if found:
                finding_to_ledger(zrzy, YEAR, found[0].to_dict(), None, raised_by=zrzy.parent,
                                  found_on=date(2025, 3, 10), due_on=date(2025, 4, 30))
                lines.append(f"监督发现转入整改台账：{zrzy.name}")

    if agency.parent is not None:
        late = _late_agency(agency.parent)
        lines.append(f"{late.name} 未发布 {YEAR} 年度报告（逾期，演示监督视图）")
    return lines
