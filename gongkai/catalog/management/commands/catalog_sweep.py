"""Privacy sweep of everything published (Art. 17 re-check): ``manage.py catalog_sweep [--agency slug]``."""
from django.core.management.base import BaseCommand, CommandError

from gongkai.agencies.models import Agency
from gongkai.catalog.services import sweep


class Command(BaseCommand):
    help = "对已发布的主动公开信息进行隐私巡检，生成巡检报告"

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="机关网址标识（slug）；不填则检查全部机关")

    def handle(self, *args, agency=None, **options):
        target = None
        if agency:
            target = Agency.objects.filter(slug=agency).first()
            if target is None:
                raise CommandError(f"没有找到机关：{agency}")
        report = sweep(target)
        self.stdout.write(f"巡检完成：检查已发布信息 {report.items_scanned} 条、附件 {report.attachments_scanned} 个，"
                          f"未处理问题 {report.hits_found} 处（新发现 {report.new_hits} 处）。报告编号 {report.pk}")
        for e in report.errors:
            self.stdout.write(f"  无法读取：{e}")
