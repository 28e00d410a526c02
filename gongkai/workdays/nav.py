"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("工作日日历", "workdays:years", "calendar.manage"),
]
