"""Load demo data: each app's ``gongkai.<app>.demo.load()`` in dependency order, all in one transaction.

Idempotent: every ``load()`` creates only what is missing. A ``load()`` may return lines to print.
"""
import importlib

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

ORDER = ("agencies", "workdays", "applications", "appeals", "catalog", "annual", "portal")


class Command(BaseCommand):
    help = "载入演示数据（可重复执行）"

    def handle(self, *args, **options):
        conn = connections[DEFAULT_DB_ALIAS]
        try:
            executor = MigrationExecutor(conn)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise CommandError(f"无法连接数据库：{str(exc).splitlines()[0]}") from None
        if pending:
            raise CommandError("数据库尚未建立或需要升级，请先运行 gongkai migrate")
        with transaction.atomic():
            for app in ORDER:
                name = f"gongkai.{app}.demo"
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name not in (name, f"gongkai.{app}"):
                        raise
                    continue
                lines = module.load()
                self.stdout.write(f"[{app}] 演示数据已就绪")
                if isinstance(lines, str):
                    lines = [lines]
                for line in lines or ():
                    self.stdout.write(f"  {line}")
