from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "gongkai.catalog"
    verbose_name = "主动公开目录"

    def ready(self):
        from gongkai.workdays.signals import calendar_changed

        calendar_changed.connect(_on_calendar_changed, dispatch_uid="catalog.recompute_due")


def _on_calendar_changed(sender, year=None, **kwargs):
    # A changed holiday schedule moves the Art. 26 deadlines of items not yet published.
    from .services import recompute_due

    recompute_due()
