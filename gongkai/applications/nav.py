"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("依申请公开", "applications:dashboard", "application.view"),
    ("登记申请", "applications:register", "application.register"),
    ("依申请公开统计图表", "applications:statistics", "application.view"),
    ("信息处理费计算", "applications:fees", "application.view"),
    ("文书模板", "applications:templates", "letter.manage"),
]


def staff_summary(user) -> dict | None:
    """The counts shown first on the staff home (agencies.views.home): one aggregate query."""
    from gongkai.agencies.permissions import visible_agencies

    from . import services

    if not visible_agencies(user, "application.view").exists():
        return None
    counts = services.dashboard_counts(user)
    return {"title": "依申请公开待办", "template": "applications/_boxes.html",
            "boxes": [(k, label, counts[k]) for k, label in services.BOXES.items()]}
