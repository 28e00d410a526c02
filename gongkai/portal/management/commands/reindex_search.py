"""Bring the portal's full-text index in line with the catalogue (``gongkai manage reindex_search``).

Needed only after writes that bypass the model signals (raw SQL, restored backups); ``--full``
rebuilds every entry, e.g. after a jieba dictionary upgrade changes how text is cut."""
from django.core.management.base import BaseCommand, CommandError

from gongkai.agencies.models import Agency
from gongkai.portal.search import reindex


class Command(BaseCommand):
    help = "重建政府信息公开专栏的全文检索索引"

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="机关网址标识（默认全部机关）")
        parser.add_argument("--full", action="store_true", help="全部重建（默认只补齐缺少的、移除未发布的）")

    def handle(self, *args, agency=None, full=False, **options):
        target = None
        if agency:
            target = Agency.objects.filter(slug=agency).first()
            if target is None:
                raise CommandError(f"未找到网址标识为“{agency}”的机关")
        added, removed = reindex(target, full=full)
        self.stdout.write(f"检索索引已更新：新增 {added} 条，移除 {removed} 条")
