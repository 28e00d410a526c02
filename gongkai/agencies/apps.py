from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AgenciesConfig(AppConfig):
    name = "gongkai.agencies"
    verbose_name = "机构与用户"

    def ready(self):
        from . import signals  # connects the login receivers

        post_migrate.connect(signals.reinstall_audit_guard, sender=self, dispatch_uid="agencies.audit_guard")
        post_migrate.connect(signals.create_cache_tables, sender=self, dispatch_uid="agencies.cache_tables")
