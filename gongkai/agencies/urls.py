from django.urls import path

from gongkai.ratelimit import ratelimit

from . import views

app_name = "agencies"

urlpatterns = [
    path("accounts/login/", ratelimit("login")(views.LoginView.as_view()), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("staff/", views.home, name="home"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    # Platform administration: the agency tree (site-wide action "agency.tree").
    path("staff/platform/agencies/", views.agency_tree, name="tree"),
    path("staff/platform/agencies/new/", views.agency_edit, name="agency_new"),
    path("staff/platform/agencies/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("staff/platform/agencies/<int:pk>/active/", views.agency_active, name="agency_active"),
    path("staff/agencies/<slug:agency>/", views.manage_agency, name="manage"),
    path("staff/agencies/<slug:agency>/staff/<int:pk>/revoke/", views.revoke, name="revoke"),
]
