"""Appeals logic shared by views, demo and the portal's annual report: saving with audit, and table 四.

Counting rule for table 四 (the national layout does not define it precisely; this is the platform's
convention): an appeal counts in the year it was decided, under its result (结果维持 / 结果纠正 / 其他结果);
an appeal filed in or before the year and not decided by 31 December of that year counts as 尚未审结 —
so a case running over several years is pending in each year-end it spans, and counts once with its result.
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from gongkai.agencies import audit
from gongkai.agencies.concurrency import STALE_MESSAGE, is_stale
from gongkai.agencies.permissions import can
from gongkai.report.layouts import APPEAL_GROUPS

from .models import RESULTS, Appeal

COUNTING_RULE = ("计数规则（本平台约定，全国格式未作明确规定）：案件计入审结当年，按结果分列“结果维持”“结果纠正”“其他结果”；"
                 "当年 12 月 31 日前（含当日）已立案但截至该日尚未审结的案件计入当年“尚未审结”，跨年案件在其跨越的每个年末都计为尚未审结。")

AUDITED_FIELDS = ("kind", "application_id", "case_number", "body", "filed_on", "result", "decided_on", "notes")


def _snapshot(appeal: Appeal) -> dict:
    # Dates as ISO text: the audit data is JSON and must hash identically on every database.
    return {f: v.isoformat() if isinstance(v, date) else v for f in AUDITED_FIELDS for v in [getattr(appeal, f)]}


@transaction.atomic
def save_appeal(appeal: Appeal, user, request=None, *, expected_version=None) -> Appeal:
    """Validate, save and audit one appeal (appeal.edit in its agency). Raises ValidationError with
    Chinese messages; nothing is written when validation fails. An edit is checked against the locked
    row at ``expected_version`` (the form's hidden field; by default the version ``appeal`` was loaded
    at): a colleague's change is never overwritten (gongkai.agencies.concurrency)."""
    if not can(user, "appeal.edit", appeal.agency):
        raise PermissionDenied("您在该机关没有登记行政复议、诉讼的权限。")
    creating = appeal.pk is None
    before = {}
    if not creating:
        current = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if is_stale(current.version, appeal.version if expected_version is None else expected_version):
            raise ValidationError(STALE_MESSAGE, code="stale")
        before = _snapshot(current)
    appeal.full_clean()
    if creating:
        appeal.created_by = user
    else:
        appeal.version = current.version + 1
    appeal.save()
    after = _snapshot(appeal)
    changed = {k: [before.get(k), v] for k, v in after.items() if creating or before.get(k) != v}
    audit.record(actor=user, action="appeal.create" if creating else "appeal.edit", agency=appeal.agency,
                 target=appeal, summary=f"{'登记' if creating else '修改'}{appeal.get_kind_display()}：{appeal.case_number}",
                 data={"changed": changed}, request=request)
    return appeal


def year_filter(year: int) -> Q:
    """Appeals that table 四 of ``year`` counts (decided in the year, or pending at its end)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return Q(decided_on__gte=start, decided_on__lte=end) | pending_at(end)


def pending_at(day: date) -> Q:
    return Q(filed_on__lte=day) & (Q(decided_on__isnull=True) | Q(decided_on__gt=day))


def table4(agency, year: int) -> dict[str, dict[str, int]]:
    """Table 四 of ``agency`` for ``year`` shaped like ``Report.appeals``: every group of the layout with
    upheld / corrected / other / pending / total, from one aggregate query.

    Counting rule (platform convention): an appeal counts in the year it was decided, with its result;
    one filed in or before the year and not decided by 31 December counts as pending."""
    return table4_by_agency([agency.pk], year)[agency.pk]


def table4_by_agency(agency_ids, year: int) -> dict[int, dict[str, dict[str, int]]]:
    """``table4`` for many agencies in one GROUP BY query (supervision totals): {agency id: table}."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    decided = Q(decided_on__gte=start, decided_on__lte=end)
    aggregates = {}
    for kind, _label in APPEAL_GROUPS:
        for result in RESULTS:
            aggregates[f"{kind}__{result}"] = Count("pk", filter=Q(kind=kind, result=result) & decided)
        aggregates[f"{kind}__pending"] = Count("pk", filter=Q(kind=kind) & pending_at(end))
    ids = list(agency_ids)
    found = {r["agency_id"]: r for r in Appeal.objects.filter(agency_id__in=ids).values("agency_id")
             .annotate(**aggregates).order_by()}
    tables = {}
    for pk in ids:
        counts = found.get(pk, {})
        out: dict[str, dict[str, int]] = {}
        for kind, _label in APPEAL_GROUPS:
            row = {part: counts.get(f"{kind}__{part}", 0) for part in (*RESULTS, "pending")}
            row["total"] = sum(row.values())
            out[kind] = row
        tables[pk] = out
    return tables


def table4_appeals(agency, year: int, group: str, column: str):
    """The appeals behind one cell of ``table4`` (the annual report's drill-down), same counting rule."""
    if group not in dict(APPEAL_GROUPS):
        return Appeal.objects.none()
    start, end = date(year, 1, 1), date(year, 12, 31)
    decided = Q(decided_on__gte=start, decided_on__lte=end)
    qs = Appeal.objects.filter(agency=agency, kind=group)
    if column in RESULTS:
        qs = qs.filter(decided, result=column)
    elif column == "pending":
        qs = qs.filter(pending_at(end))
    elif column == "total":
        qs = qs.filter((decided & ~Q(result="")) | pending_at(end))
    else:
        return Appeal.objects.none()
    return qs.order_by("filed_on", "id")
