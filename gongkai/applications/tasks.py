"""Background tasks (django-tasks, run by ``gongkai worker``)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from gongkai.agencies.models import Staff
from gongkai.law.calendar import add_working_days, format_date

from .models import Application
from .workflow import OPEN_STATES

REMINDER_DAYS = 3


def reminders(on: date) -> dict:
    """user → cases due within 3 working days or overdue: the handler's own, or, for cases nobody has
    taken yet, every handler of the agency."""
    from .services import calendar

    soon = add_working_days(calendar(), on, REMINDER_DAYS).date
    due = (Application.objects.filter(state__in=OPEN_STATES, due_on__isnull=False, due_on__lte=soon)
           .select_related("agency", "handler").order_by("due_on"))
    out: dict = defaultdict(list)
    unassigned: dict = defaultdict(list)
    for app in due:
        if app.handler_id:
            out[app.handler].append(app)
        else:
            unassigned[app.agency_id].append(app)
    if unassigned:
        for s in Staff.objects.filter(agency_id__in=unassigned, role="handler").select_related("user"):
            out[s.user].extend(unassigned[s.agency_id])
    return out


@task()
def send_daily_reminders(on: str | None = None) -> int:
    """E-mail each handler the cases due within 3 working days or overdue (Art. 33). Returns mails sent."""
    from .services import today

    day = date.fromisoformat(on) if on else today()
    sent = 0
    for user, apps in reminders(day).items():
        if not user.email or not user.is_active:
            continue
        lines = []
        for a in apps:
            state = "已逾期" if a.due_on < day else "即将到期"
            lines.append(f"{a.number} {a.title}：答复期限{format_date(a.due_on)}（{state}）")
        body = (f"截至{format_date(day)}，以下政府信息公开申请即将到期或已逾期"
                f"（答复期限见条例第三十三条）：\n\n" + "\n".join(lines) + "\n")
        send_mail(f"依申请公开到期提醒：{len(apps)}件", body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent
