from django.urls import path

from . import views

app_name = "catalog"

A = "staff/catalog/<slug:agency>/"
urlpatterns = [
    path("staff/catalog/", views.index, name="index"),
    path("staff/statistics/catalog/", views.statistics, name="statistics"),
    path(A, views.item_list, name="list"),
    path(A + "new/", views.item_new, name="new"),
    path(A + "review/", views.review_queue, name="review"),
    path(A + "privacy/", views.privacy_hits, name="privacy"),
    path(A + "import/", views.import_view, name="import"),
    path(A + "import/template.csv", views.import_template, name="import_template"),
    path(A + "export.<str:fmt>", views.export, name="export"),
    path(A + "sweeps/", views.sweeps, name="sweeps"),
    path(A + "sweeps/<int:pk>/", views.sweep_detail, name="sweep"),
    path(A + "categories/", views.categories, name="categories"),
    path(A + "<int:pk>/", views.item_detail, name="detail"),
    path(A + "<int:pk>/edit/", views.item_edit, name="edit"),
    path(A + "<int:pk>/transition/", views.item_transition, name="transition"),
    path(A + "<int:pk>/hits/<int:hit>/clear/", views.hit_clear, name="hit_clear"),
    path(A + "<int:pk>/hits/<int:hit>/redact/", views.hit_redact, name="hit_redact"),
    path(A + "<int:pk>/attachments/<int:att>/", views.attachment_download, name="attachment"),
    path(A + "<int:pk>/attachments/<int:att>/replace/", views.attachment_replace, name="attachment_replace"),
    path(A + "<int:pk>/attachments/<int:att>/delete/", views.attachment_delete, name="attachment_delete"),
]
