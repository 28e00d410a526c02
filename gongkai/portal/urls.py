from django.urls import path

from . import api, views
from .feeds import ItemsFeed

app_name = "portal"
urlpatterns = [
    # Read-only JSON API (before <slug>/ so "api" is never taken for an agency).
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("api/agencies/", api.agencies, name="api_agencies"),
    path("api/agencies/<slug:slug>/items/", api.items, name="api_items"),
    path("api/agencies/<slug:slug>/items/<int:pk>/", api.item, name="api_item"),
    path("api/agencies/<slug:slug>/search/", api.search, name="api_search"),
    # Pages.
    path("", views.index, name="index"),
    path("<slug:slug>/", views.home, name="home"),
    path("<slug:slug>/guide/", views.guide, name="guide"),
    path("<slug:slug>/rules/", views.rules, name="rules"),
    path("<slug:slug>/items/", views.items, name="items"),
    path("<slug:slug>/items/<int:pk>/", views.item, name="item"),
    path("<slug:slug>/items/<int:pk>/files/<int:att>/", views.attachment, name="attachment"),
    path("<slug:slug>/search/", views.search, name="search"),
    path("<slug:slug>/apply/", views.apply, name="apply"),
    path("<slug:slug>/reports/", views.reports, name="reports"),
    path("<slug:slug>/reports/<int:year>/", views.report, name="report"),
    path("<slug:slug>/reports/<int:year>.<str:fmt>", views.report_file, name="report_file"),
    path("<slug:slug>/feed/", ItemsFeed(), name="feed"),
]
