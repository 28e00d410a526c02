"""Background work of the annual app: report reminders (Art. 49): the agency's report staff before the
deadline and after it, its supervisors once it is late, run daily by the worker (``gongkai annual remind``
enqueues); and the OCR of scans uploaded to 年报体检 (``check_scans``)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from gongkai.agencies.models import Agency, Staff

REMIND_DAYS = 30  # start reminding a month before the deadline
REPORT_ROLES = ("handler", "reviewer", "head")


def reminders(on: date) -> dict:
    """user → [(agency name, year, deadline, overdue)] for last year's reports not yet published."""
    from gongkai.portal.models import PublishedReport

    from .compile import deadline

    year = on.year - 1
    published = set(PublishedReport.objects.filter(year=year).values_list("agency_id", flat=True))
    due: dict[int, tuple] = {}
    for agency in Agency.objects.filter(is_active=True).exclude(pk__in=published):
        end = deadline(agency, year)
        if on >= end - timedelta(days=REMIND_DAYS):
            due[agency.pk] = (agency, year, end, on > end)
    out: dict = defaultdict(list)
    for s in Staff.objects.filter(agency_id__in=due, role__in=REPORT_ROLES).select_related("user"):
        out[s.user].append(due[s.agency_id])
    late = {pk: row for pk, row in due.items() if row[3]}
    if late:
        for s in Staff.objects.filter(role="supervisor").select_related("user", "agency"):
            below = set(s.agency.descendants().values_list("pk", flat=True))
            out[s.user].extend(row for pk, row in late.items() if pk in below)
    return {user: rows for user, rows in out.items() if rows}


@task()
def send_report_reminders(on: str | None = None) -> int:
    """E-mail each user the annual reports due soon or late. Returns mails sent."""
    from django.utils import timezone

    day = date.fromisoformat(on) if on else timezone.localdate()
    sent = 0
    for user, rows in reminders(day).items():
        if not user.email or not user.is_active:
            continue
        lines = [f"{agency.name} {year}年度报告：公布期限{end:%Y年%m月%d日}（{'已逾期' if late else '尚未发布'}）"
                 for agency, year, end, late in rows]
        body = ("以下政府信息公开工作年度报告尚未发布（《条例》第四十九条：政府部门于1月31日前、人民政府于3月31日前"
                "公布上一年度报告）：\n\n" + "\n".join(lines) + "\n")
        send_mail(f"年度报告公布提醒：{len(rows)}份", body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


@task()
def check_scans(job: str) -> int:
    """OCR the scans of one 年报体检 upload, writing progress and results into the checks store (the
    page polls it). Its writes must be seen while it runs: gongkai.worker does not wrap it in a
    transaction (UNWRAPPED_TASKS). Returns files parsed."""
    from .services import parse_pending

    return parse_pending(job)
