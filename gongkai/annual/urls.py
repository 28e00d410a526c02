from django.urls import path

from . import staff_views, supervision_views, views

app_name = "annual"
urlpatterns = [
    path("check/", views.index, name="index"),  # 年报体检 (the home page "/" leads to the portal)
    path("check/clear/", views.clear, name="clear"),
    path("check/status/", views.status, name="status"),
    path("check/<str:batch>/<int:index>/download/<str:fmt>/", views.download, name="download"),
    path("display/font/", views.font, name="font"),
]

# The annual report as the agency's own work (staff pages).
R = "staff/annual/<slug:agency>/<int:year>/"
urlpatterns += [
    path("staff/annual/", staff_views.reports, name="reports"),
    path("staff/annual/import/", staff_views.stats_import, name="stats_import"),
    path("staff/annual/import/template.csv", staff_views.stats_template, name="stats_template"),
    path(R, staff_views.compile_page, name="compile"),
    path(R + "inputs/", staff_views.inputs_page, name="inputs"),
    path(R + "sections/", staff_views.save_sections, name="sections"),
    path(R + "check/", staff_views.check, name="check"),
    path(R + "publish/", staff_views.publish, name="publish"),
    path(R + "previous/", staff_views.upload_previous, name="previous"),
    path(R + "draft.<str:fmt>", staff_views.draft_file, name="draft_file"),
    path(R + "cell/<str:key>/", staff_views.cell, name="cell"),
    path("staff/annual/<slug:agency>/proposals/", staff_views.proposals, name="proposals"),
    path("staff/annual/<slug:agency>/ledger/", staff_views.ledger, name="ledger"),
    path("staff/annual/<slug:agency>/ledger/<int:pk>/close/", staff_views.ledger_close, name="ledger_close"),
    # Supervision: the government above its agencies.
    path("staff/annual/supervise/<slug:agency>/<int:year>/", supervision_views.overview, name="supervise"),
    path("staff/annual/supervise/<slug:agency>/<int:year>/export.xlsx", supervision_views.export, name="supervise_export"),
    path("staff/annual/supervise/<slug:agency>/<int:year>/upload/", supervision_views.upload, name="supervise_upload"),
    path("staff/annual/supervise/<slug:agency>/<int:year>/finding/", supervision_views.to_ledger, name="supervise_finding"),
]
