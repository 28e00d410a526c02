"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("年度报告", "annual:reports", "report.view"),
]
