from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path

from gongkai.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("gongkai.agencies.urls")),  # /accounts/login/, /accounts/logout/, /staff/…
    path("", include("gongkai.annual.urls")),
    path("", include("gongkai.catalog.urls")),  # /staff/catalog/…
    path("", include("gongkai.applications.urls")),  # /apply/…, /staff/applications/…
    path("", include("gongkai.appeals.urls")),  # /staff/appeals/…
    path("", include("gongkai.workdays.urls")),  # /staff/platform/calendar/…
    path("gk/", include("gongkai.portal.urls")),  # public 政府信息公开 column, feed, JSON API
]

if not settings.DEBUG:
    # An intranet install has no separate web server in front: serve our own CSS/JS (few, small files).
    urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))
