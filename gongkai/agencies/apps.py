from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "gongkai.agencies"
    verbose_name = "机构与用户"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login receivers)
