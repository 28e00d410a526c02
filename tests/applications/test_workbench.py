"""The workbench with 20,000 open cases: counts first, fixed queries, fixed page size, in a real browser."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongkai.applications import services
from gongkai.applications.models import Application
from gongkai.applications.workflow import OPEN_STATES

from .conftest import PASSWORD

OPEN_CASES = 20_000
MAX_QUERIES = 20  # session, user, roles, calendar, one aggregate, the page: never per case
MAX_HOME_QUERIES = 40  # the staff home asks each app whether to show its link: fixed, not per case
MAX_BYTES = 80_000  # the page with 20,000 cases stays about the size of the page with ten


def bulk_cases(agency, n, *, start=0):
    today = services.today()
    states = [s for s in OPEN_STATES] + ["submitted"]
    rows = []
    for i in range(start, start + n):
        state = states[i % len(states)]
        due = today + timedelta(days=(i % 61) - 30)
        rows.append(Application(
            agency=agency, number=f"依申〔2026〕{i + 1}号", tracking_code=f"B{i:011d}", channel="in_person",
            received_on=None if state == "submitted" else due - timedelta(days=28),
            applicant_type="natural_person", applicant_name="张三", id_type="ric", id_encrypted="x",
            id_masked="110105********002X", applicant_key="k", phone="13800000000", title=f"某项目批复{i}",
            description="请公开。", state=state, due_on=None if state == "submitted" else due))
    Application.objects.bulk_create(rows, batch_size=2000)


def client_for(user):
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def measure(c, url):
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries), len(r.content)


URLS = ["/staff/", "/staff/applications/", "/staff/applications/list/overdue/",
        "/staff/applications/list/open/?sort=-received_on&page=3", "/staff/applications/list/due_soon/?q=批复"]


@pytest.mark.django_db
def test_dashboard_fixed_queries_and_size_with_20000_open_cases(agencies, staff):
    c = client_for(staff["handler"])
    bulk_cases(agencies["own"], 100)  # enough that every list has a page
    for u in URLS:  # warm up: the first request of a session loads the calendar and session once
        measure(c, u)
    small = {u: measure(c, u) for u in URLS}
    bulk_cases(agencies["own"], OPEN_CASES - 100, start=100)
    assert Application.objects.filter(state__in=OPEN_STATES).count() > 17_000
    for url in URLS:
        queries, size = measure(c, url)
        assert queries <= (MAX_HOME_QUERIES if url == "/staff/" else MAX_QUERIES), (url, queries)
        assert queries == small[url][0], f"{url}: {small[url][0]} queries with 100 cases, {queries} with 20,000"
        assert size <= MAX_BYTES, (url, size)
    body = c.get("/staff/applications/").content.decode()
    counts = services.dashboard_counts(staff["handler"])
    assert counts["overdue"] > 5000 and f'id="count-overdue">{counts["overdue"]}<' in body
    # The counts match what a plain query finds.
    today = services.today()
    assert counts["overdue"] == Application.objects.filter(state__in=OPEN_STATES, due_on__lt=today).count()
    assert counts["to_register"] == Application.objects.filter(state="submitted").count()
    assert counts["to_approve"] == Application.objects.filter(state="decided").count()
    # Another agency's staff sees none of them.
    assert services.dashboard_counts(staff["other_handler"])["open"] == 0


@pytest.mark.django_db
def test_list_sort_filter_paginate(agencies, staff):
    bulk_cases(agencies["own"], 120)
    bulk_cases(agencies["other"], 5, start=500)
    c = client_for(staff["handler"])
    body = c.get("/staff/applications/list/open/?sort=due_on").content.decode()
    assert body.count('href="/staff/applications/') >= 50 and "第 1 / 3 页" in body
    assert 'aria-sort="ascending"' in body
    first = Application.objects.filter(agency=agencies["own"], state__in=OPEN_STATES).order_by("due_on", "pk")[0]
    last = Application.objects.filter(agency=agencies["own"], state__in=OPEN_STATES).order_by("-due_on", "-pk")[0]
    assert first.number in body and last.number not in body
    assert last.number in c.get("/staff/applications/list/open/?sort=-due_on").content.decode()
    body = c.get("/staff/applications/list/open/?q=某项目批复7&state=consulting").content.decode()
    assert "某项目批复7" in body
    assert all(a.state == "consulting" for a in services.box_cases(staff["handler"], "open", q="某项目批复7",
                                                                   state="consulting"))
    assert "（0件）" in c.get("/staff/applications/list/open/?q=依申〔2026〕501号").content.decode()  # other agency
    # A bad page or sort is the first page / the default order, not an error.
    assert c.get("/staff/applications/list/open/?page=999999&sort=evil").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_in_browser_with_20000_open_cases(live_server, page, agencies, staff):
    bulk_cases(agencies["own"], OPEN_CASES)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(staff["handler"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/")
    resp = page.goto(live_server.url + "/staff/applications/")
    assert len(resp.body()) <= MAX_BYTES
    overdue = int(page.locator("#count-overdue").inner_text())
    assert overdue == Application.objects.filter(state__in=OPEN_STATES, due_on__lt=services.today()).count()
    assert page.locator("#urgent tbody tr").count() == 10
    page.locator("#box-overdue a").click()
    assert page.locator("#cases tbody tr").count() == 50
    assert f"（{overdue}件）" in page.locator("h1").inner_text()
    page.get_by_role("link", name="下一页").click()
    assert "第 2 / " in page.locator("nav.pager").inner_text()
