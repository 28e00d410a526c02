from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from gongkai.applications import services
from gongkai.applications.tasks import send_daily_reminders

pytestmark = pytest.mark.django_db


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_daily_reminder_mail(make_case, staff):
    staff["handler"].email = "handler@example.org"
    staff["handler"].save()
    taken = services.transition(make_case(), "start", actor=staff["handler"], on=date(2024, 9, 26))
    make_case(received=date(2024, 10, 8), title="未分配案件")  # due 11月5日: not within 3 days of 10月24日
    # 10月24日: due 10月28日 is the 2nd working day after → reminded.
    assert send_daily_reminders.func(on="2024-10-24") == 1
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["handler@example.org"] and taken.number in msg.body and "2024年10月28日" in msg.body
    assert "未分配案件" not in msg.body
    mail.outbox.clear()
    assert send_daily_reminders.func(on="2024-10-15") == 0 and mail.outbox == []


def test_enqueue_command_puts_task_in_database_queue(db):
    from django_tasks_db.models import DBTaskResult

    call_command("enqueue_reminders")
    row = DBTaskResult.objects.get()
    assert row.task_path.endswith("send_daily_reminders")
