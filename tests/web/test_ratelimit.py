"""Rate limits on the public endpoints (gongkai/ratelimit.py), counted in the real database cache table,
and the bounded store of anonymous 年报体检 results (gongkai/annual/store.py).

Before: one address had 2,916 applications accepted in 20 s and 955 report checks, each check a new
session row of up to 2 MB.
"""
import os
import time

import pytest
from bs4 import BeautifulSoup
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from gongkai import ratelimit
from gongkai.agencies.models import RateCount
from gongkai.applications.models import Application
from tests.applications.test_views import public_form
from tests.conftest import PASSWORD

ACCEPTED = 302  # an accepted application redirects to its printable receipt (post/redirect/get)

pytestmark = pytest.mark.django_db


def assert_429(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "请求过于频繁" in body and "请约" in body
    assert int(response["Retry-After"]) >= 1
    assert response["Cache-Control"] == "no-store"


def cache_rows(table="gongkai_cache") -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return cur.fetchone()[0]


def test_applications_are_limited_per_address(agencies, settings):
    limit = settings.GONGKAI_RATE_LIMITS["apply"]["ip"][0][0]
    c = Client(REMOTE_ADDR="198.51.100.7")
    for i in range(limit):
        r = c.post("/apply/t-own/", public_form(title=f"申请 {i}"))
        assert r.status_code == 302 and r["Location"].startswith("/apply/receipt/"), i  # accepted: to the receipt
    assert Application.objects.count() == limit
    assert_429(c.post("/apply/t-own/", public_form(title="再一件")))
    assert Application.objects.count() == limit  # refused before the view: nothing saved
    assert RateCount.objects.filter(count__gt=limit).exists()  # counted in our own table, no extra server
    # The form itself still shows (GET is not counted), and another address is not affected.
    assert c.get("/apply/t-own/").status_code == 200
    assert Client(REMOTE_ADDR="198.51.100.8").post("/apply/t-own/", public_form()).status_code == ACCEPTED


def test_a_forged_forwarded_for_header_does_not_reset_the_count(agencies, settings):
    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "apply": {"ip": [(2, 3600)]}}
    for n in range(2):
        assert Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").post(
            "/apply/t-own/", public_form()).status_code == ACCEPTED
    assert_429(Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.99").post("/apply/t-own/", public_form()))


def test_behind_a_trusted_proxy_the_client_is_read_from_forwarded_for(agencies, settings):
    settings.GONGKAI_TRUSTED_PROXIES = 1
    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "apply": {"ip": [(2, 3600)]}}
    nginx = "127.0.0.1"  # every request arrives from the proxy
    post = lambda xff: Client(REMOTE_ADDR=nginx, HTTP_X_FORWARDED_FOR=xff).post("/apply/t-own/", public_form())
    assert post("203.0.113.1").status_code == ACCEPTED
    assert post("1.2.3.4, 203.0.113.1").status_code == ACCEPTED  # the client's own prefix is ignored
    assert_429(post("5.6.7.8, 203.0.113.1"))
    assert post("203.0.113.2").status_code == ACCEPTED  # another client behind the same proxy


def test_logged_in_accounts_are_limited_whatever_their_address(agencies, staff, settings):
    limit = settings.GONGKAI_RATE_LIMITS["apply"]["user"][0][0]
    for i in range(limit):
        c = Client(REMOTE_ADDR=f"198.51.100.{i + 10}")
        c.force_login(staff["handler"])
        assert c.post("/apply/t-own/", public_form()).status_code == ACCEPTED, i
    c = Client(REMOTE_ADDR="198.51.100.200")
    c.force_login(staff["handler"])
    assert_429(c.post("/apply/t-own/", public_form()))


def test_status_lookups_are_limited(agencies, settings):
    limit = settings.GONGKAI_RATE_LIMITS["status"]["ip"][0][0]
    c = Client(REMOTE_ADDR="198.51.100.20")
    for i in range(limit):
        assert c.get("/apply/status/", {"code": f"GUESS{i}"}).status_code == 200
    assert_429(c.get("/apply/status/", {"code": "GUESSX"}))
    assert c.get("/apply/status/").status_code == 200  # the empty form is not a lookup


def test_report_checks_are_limited(db, settings):
    limit = settings.GONGKAI_RATE_LIMITS["annual"]["ip"][0][0]
    c = Client(REMOTE_ADDR="198.51.100.30")
    url = reverse("annual:index")
    for _ in range(limit):
        assert c.post(url, {}).status_code == 400  # counted even when refused by the form
    assert_429(c.post(url, {"files": [SimpleUploadedFile("r.txt", b"x")]}))
    assert c.get(url).status_code == 200


def test_login_is_limited_per_username_across_addresses_and_per_address(agencies, staff, settings):
    per_name = settings.GONGKAI_RATE_LIMITS["login"]["username"][0][0]
    for i in range(per_name):
        r = Client(REMOTE_ADDR=f"198.51.100.{50 + i}").post("/accounts/login/", {"username": "u-handler",
                                                                                 "password": f"wrong-{i}"})
        assert r.status_code == 200, i
    # Password spraying from many addresses stops at the username, even with the right password.
    assert_429(Client(REMOTE_ADDR="198.51.100.99").post("/accounts/login/", {"username": "U-Handler",
                                                                             "password": PASSWORD}))
    assert_429(Client(REMOTE_ADDR="198.51.100.98").post("/admin/login/", {"username": "u-handler",
                                                                          "password": PASSWORD}))
    per_ip = settings.GONGKAI_RATE_LIMITS["login"]["ip"][0][0]
    c = Client(REMOTE_ADDR="198.51.100.120")
    for i in range(per_ip):
        assert c.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"}).status_code == 200
    assert_429(c.post("/accounts/login/", {"username": "u-reviewer", "password": PASSWORD}))
    assert Client(REMOTE_ADDR="198.51.100.121").post(
        "/accounts/login/", {"username": "u-reviewer", "password": PASSWORD}).status_code == 302


# -- 年报体检 results: bounded store, no session rows ---------------------------------------------------
@pytest.fixture
def seed(shared) -> bytes:
    return (shared / "seeds/000_0e482e19bd443c5d.txt").read_bytes()


def check(client, seed):
    return client.post(reverse("annual:index"), {"files": [SimpleUploadedFile("临淄2024.txt", seed)]})


def test_an_anonymous_check_creates_no_session_row(seed):
    c = Client()
    assert check(c, seed).status_code == 303
    assert Session.objects.count() == 0
    assert "gk_check" in c.cookies and c.cookies["gk_check"]["httponly"]
    html = c.get(reverse("annual:index")).content.decode()
    assert 'id="results"' in html and "临淄2024.txt" in html
    assert cache_rows("gongkai_check_cache") == 1
    # 清除结果 deletes the stored batch, not only the cookie.
    c.post(reverse("annual:clear"))
    assert cache_rows("gongkai_check_cache") == 0


def test_the_store_is_bounded_in_entries_and_time(seed, settings):
    checks = {**settings.CACHES["checks"], "TIMEOUT": 2, "OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 2}}
    settings.CACHES = {**settings.CACHES, "checks": checks}
    settings.GONGKAI_RATE_LIMITS_ENABLED = False
    c = Client()
    for _ in range(3):
        check(c, seed)  # the same browser replaces its batch
    assert cache_rows("gongkai_check_cache") == 1
    for _ in range(8):
        check(Client(), seed)
        assert cache_rows("gongkai_check_cache") <= 4  # MAX_ENTRIES + the one just added
    time.sleep(2.2)
    assert caches["checks"].get("batch:" + c.cookies["gk_check"].value) is None
    assert 'id="results"' not in c.get(reverse("annual:index")).content.decode()


def test_report_downloads_are_limited(seed, settings):
    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "annual_download": {"ip": [(2, 600)]}}
    c = Client()
    check(c, seed)
    link = BeautifulSoup(c.get(reverse("annual:index")).content.decode(), "html.parser").select_one(
        'a[href*="/download/json/"]')["href"]
    assert c.get(link).status_code == 200 and c.get(link).status_code == 200
    assert_429(c.get(link))


def test_counters_live_in_redis_when_configured(agencies, settings):
    """GONGKAI_REDIS_URL switches the counters to Django's RedisCache (a Redis runs on this machine)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        # As for PostgreSQL (Makefile): required under CI, skipped with a notice on a machine without one.
        if os.environ.get("CI") == "true":
            pytest.fail("no Redis on 127.0.0.1:6379 (required under CI)")
        pytest.skip("注意：127.0.0.1:6379 上没有 Redis，已跳过 Redis 计数的测试")
    prefix = f"gongkai-test-{time.time_ns()}"
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                      "LOCATION": url, "KEY_PREFIX": prefix}}
    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "apply": {"ip": [(2, 3600)]}}
    before = RateCount.objects.count()
    client = redis.Redis.from_url(url)
    try:
        c = Client(REMOTE_ADDR="198.51.100.77")
        assert c.post("/apply/t-own/", public_form()).status_code == ACCEPTED
        assert c.post("/apply/t-own/", public_form()).status_code == ACCEPTED
        assert_429(c.post("/apply/t-own/", public_form()))
        assert client.keys(f"{prefix}:*") and RateCount.objects.count() == before  # in Redis, not in the table
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_every_portal_endpoint_is_limited_per_address(agencies, settings):
    """The portal's pages, search, API, feed and report renders count per client address: search and
    renders more tightly than browsing; another address is not affected."""
    from django.urls import get_resolver

    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "portal": {"ip": [(3, 600)]},
                                    "portal_search": {"ip": [(2, 600)]}}
    c = Client(REMOTE_ADDR="198.51.100.50")
    for _ in range(2):
        assert c.get("/gk/t-own/search/", {"q": "公开"}).status_code == 200
    assert_429(c.get("/gk/api/agencies/t-own/search/", {"q": "公开"}))  # page and API share the count
    for url in ("/gk/", "/gk/t-own/", "/gk/t-own/feed/"):
        assert c.get(url).status_code == 200, url
    assert_429(c.get("/gk/t-own/items/"))
    assert Client(REMOTE_ADDR="198.51.100.51").get("/gk/t-own/items/").status_code == 200
    # No portal route escapes the limiter (a new view added without it would fail here).
    portal = next(p for p in get_resolver().url_patterns if str(p.pattern) == "gk/")
    for route in portal.url_patterns:
        assert getattr(route.callback, "__wrapped__", None) is not None, route.pattern


def test_one_query_counts_every_window_of_a_request(agencies, settings, django_assert_num_queries, monkeypatch):
    """Before: the database cache took about ten queries per request (read, write, cull per window)."""
    from django.test import RequestFactory

    monkeypatch.setattr(ratelimit, "_sweep_due", lambda: False)

    request = RequestFactory().post("/apply/t-own/", REMOTE_ADDR="198.51.100.60")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    assert len(settings.GONGKAI_RATE_LIMITS["apply"]["ip"]) == 2  # two windows for an address
    with django_assert_num_queries(1):
        assert ratelimit.hit("apply", request) is None
    assert sorted(RateCount.objects.values_list("count", flat=True)) == [1, 1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_pass_the_limit(settings):
    """Twelve requests at once from one address against a limit of 5: exactly 5 pass (atomic upsert).

    On SQLite one statement is atomic by construction (one writer at a time); the in-memory test database
    locks tables between threads instead of waiting, so the race runs on PostgreSQL."""
    import threading

    from tests.agencies.test_concurrency import _skip_in_memory_sqlite

    _skip_in_memory_sqlite()

    from django.db import connections
    from django.test import RequestFactory

    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "apply": {"ip": [(5, 3600)]}}
    results, barrier = [], threading.Barrier(12)

    def one():
        request = RequestFactory().post("/apply/x/", REMOTE_ADDR="198.51.100.61")
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        barrier.wait()
        try:
            results.append(ratelimit.hit("apply", request))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 12
    assert sum(r is None for r in results) == 5
    assert RateCount.objects.get().count == 12


def test_dead_windows_are_swept(monkeypatch):
    from django.test import RequestFactory

    RateCount.objects.create(key="rl:apply:ip:3600:0:dead", count=7, expires=time.time() - 1)
    RateCount.objects.create(key="rl:apply:ip:3600:9999999999:live", count=2, expires=time.time() + 600)
    monkeypatch.setattr(ratelimit, "_sweep_due", lambda: True)
    request = RequestFactory().post("/apply/x/", REMOTE_ADDR="198.51.100.62")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    ratelimit.hit("apply", request)
    keys = set(RateCount.objects.values_list("key", flat=True))
    assert "rl:apply:ip:3600:0:dead" not in keys and "rl:apply:ip:3600:9999999999:live" in keys
    assert len(keys) == 1 + 2  # the live one and this request's two windows


def test_counters_skip_the_write_ahead_log_on_postgresql():
    """A counting commit on every portal page must not wait for a WAL flush: the table is UNLOGGED."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has no write-ahead flush per table)")
    with connection.cursor() as cur:
        cur.execute("SELECT relpersistence FROM pg_class WHERE relname = 'agencies_ratecount'")
        assert cur.fetchone()[0] == "u"
