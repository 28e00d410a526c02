"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("依申请公开", "applications:dashboard", "application.view"),
    ("登记申请", "applications:register", "application.register"),
    ("信息处理费计算", "applications:fees", "application.view"),
    ("文书模板", "applications:templates", "letter.manage"),
]
