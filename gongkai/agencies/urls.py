from django.urls import path

from gongkai.ratelimit import ratelimit

from . import views

app_name = "agencies"

urlpatterns = [
    path("accounts/login/", ratelimit("login")(views.LoginView.as_view()), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("staff/", views.home, name="home"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    path("staff/agencies/<slug:agency>/", views.manage_agency, name="manage"),
    path("staff/agencies/<slug:agency>/staff/<int:pk>/revoke/", views.revoke, name="revoke"),
]
