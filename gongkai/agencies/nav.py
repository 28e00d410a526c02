"""Links on the staff home page (agencies.views.staff_links)."""
STAFF_LINKS = [
    ("机关管理", "agencies:tree", "agency.tree"),
]
