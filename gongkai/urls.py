import os

from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path

from gongkai import logs
from gongkai.ratelimit import ratelimit
from gongkai.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/login/", ratelimit("login")(admin.site.login)),  # the same limits as our own login form
    path("admin/", admin.site.urls),
    path("", include("gongkai.agencies.urls")),  # /accounts/login/, /accounts/logout/, /staff/…
    path("", include("gongkai.annual.urls")),
    path("", include("gongkai.catalog.urls")),  # /staff/catalog/…
    path("", include("gongkai.applications.urls")),  # /apply/…, /staff/applications/…
    path("", include("gongkai.appeals.urls")),  # /staff/appeals/…
    path("", include("gongkai.workdays.urls")),  # /staff/platform/calendar/…
    path("gk/", include("gongkai.portal.urls")),  # public 政府信息公开 column, feed, JSON API
]

if os.environ.get("GONGKAI_TEST_FAILURE_URL") == "1":  # tests only: a 500 carrying personal data
    urlpatterns.append(path("__test__/fail/", logs.fail_for_test))

if not settings.DEBUG and not settings.PRODUCTION:  # in production WhiteNoise serves STATIC_ROOT
    # An intranet install has no separate web server in front: serve our own CSS/JS (few, small files).
    urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))
