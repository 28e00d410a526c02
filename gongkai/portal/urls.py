from django.urls import path

from gongkai.ratelimit import ratelimit

from . import api, views
from .feeds import ItemsFeed

# Every public endpoint is rate-limited per client address (limits in settings.GONGKAI_RATE_LIMITS):
# pages generously, search (ranking) and report renders (PDF/DOCX) more tightly.
page, searching, rendering = (ratelimit(scope, methods=("GET", "HEAD"))
                              for scope in ("portal", "portal_search", "portal_render"))

app_name = "portal"
urlpatterns = [
    # Read-only JSON API (before <slug>/ so "api" is never taken for an agency).
    path("api/openapi.json", page(api.openapi), name="api_openapi"),
    path("api/agencies/", page(api.agencies), name="api_agencies"),
    path("api/agencies/<slug:slug>/items/", page(api.items), name="api_items"),
    path("api/agencies/<slug:slug>/items/<int:pk>/", page(api.item), name="api_item"),
    path("api/agencies/<slug:slug>/search/", searching(api.search), name="api_search"),
    # Pages.
    path("", page(views.index), name="index"),
    path("<slug:slug>/", page(views.home), name="home"),
    path("<slug:slug>/guide/", page(views.guide), name="guide"),
    path("<slug:slug>/rules/", page(views.rules), name="rules"),
    path("<slug:slug>/items/", page(views.items), name="items"),
    path("<slug:slug>/items/<int:pk>/", page(views.item), name="item"),
    path("<slug:slug>/items/<int:pk>/files/<int:att>/", page(views.attachment), name="attachment"),
    path("<slug:slug>/search/", searching(views.search), name="search"),
    path("<slug:slug>/apply/", page(views.apply), name="apply"),
    path("<slug:slug>/reports/", page(views.reports), name="reports"),
    path("<slug:slug>/reports/<int:year>/", page(views.report), name="report"),
    path("<slug:slug>/reports/<int:year>.<str:fmt>", rendering(views.report_file), name="report_file"),
    path("<slug:slug>/feed/", page(ItemsFeed()), name="feed"),
]
