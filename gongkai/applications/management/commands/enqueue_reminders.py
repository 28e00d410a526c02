"""Queue today's deadline reminder e-mails (run daily, e.g. from cron; the worker sends them)."""
from django.core.management.base import BaseCommand

from gongkai.applications.tasks import send_daily_reminders


class Command(BaseCommand):
    help = "将依申请公开到期提醒邮件加入后台任务队列"

    def handle(self, *args, **options):
        result = send_daily_reminders.enqueue()
        self.stdout.write(f"已加入队列：{result.id}")
