from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "gongkai.applications"
    verbose_name = "依申请公开"

    def ready(self):
        try:
            from gongkai.workdays.signals import calendar_changed
        except ImportError:  # pragma: no cover - before gongkai.workdays exists
            return
        calendar_changed.connect(_on_calendar_changed, dispatch_uid="applications.recompute_due")


def _on_calendar_changed(sender, year=None, **kwargs):
    # A newly entered year turns provisional deadlines final (Art. 33): recompute every open case.
    from gongkai.workdays.services import current_calendar

    from .services import recompute_open

    recompute_open(current_calendar())
