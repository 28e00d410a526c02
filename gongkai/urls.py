from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("gongkai.agencies.urls")),  # /accounts/login/, /accounts/logout/, /staff/…
    path("", include("gongkai.annual.urls")),
    path("", include("gongkai.catalog.urls")),  # /staff/catalog/…
    path("", include("gongkai.applications.urls")),  # /apply/…, /staff/applications/…
    path("gk/", include("gongkai.portal.urls")),  # public 政府信息公开 column, feed, JSON API
]
