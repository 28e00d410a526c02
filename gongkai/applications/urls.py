from django.urls import path

from . import views
from .letters import views as letter_views

app_name = "applications"
urlpatterns = [
    # Public (no login): online application and status lookup by tracking code.
    path("apply/status/", views.status, name="status"),
    path("apply/receipt/", views.receipt, name="receipt"),
    path("apply/<slug:agency>/", views.apply, name="apply"),
    # Staff.
    path("staff/applications/", views.dashboard, name="dashboard"),
    path("staff/applications/list/<slug:box>/", views.case_list, name="list"),
    path("staff/applications/statistics/", views.statistics, name="statistics"),
    path("staff/applications/new/", views.register, name="register"),
    path("staff/applications/fees/", views.fee_calculator, name="fees"),
    path("staff/applications/templates/", letter_views.templates, name="templates"),
    path("staff/applications/templates/<slug:agency>/<str:key>/", letter_views.template_edit, name="template_edit"),
    path("staff/applications/templates/<slug:agency>/<str:key>/reset/", letter_views.template_reset,
         name="template_reset"),
    path("staff/applications/letter-settings/<slug:agency>/", letter_views.letter_settings, name="letter_settings"),
    path("staff/applications/letters/<int:pk>.<str:fmt>", views.letter_file, name="letter_file"),
    path("staff/applications/<int:pk>/", views.case, name="case"),
    path("staff/applications/<int:pk>/identity/", views.reveal_identity, name="identity"),
    path("staff/applications/<int:pk>/do/<str:name>/", views.do_transition, name="transition"),
    path("staff/applications/<int:pk>/notice/<str:kind>/", views.issue_notice, name="notice"),
]
