"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("行政复议与诉讼", "appeals:index", "appeal.view"),
]
