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
# The dashboard exactly: session, user, roles, calendar check, the counts, the urgent ids, their rows,
# and the session save (BEGIN, UPDATE, COMMIT).
DASHBOARD_QUERIES = 10
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
        if url == "/staff/applications/":
            assert queries <= DASHBOARD_QUERIES, queries
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


def _brute_force(user, on, agency_ids):
    """Every box counted row by row in Python, from the cases themselves and the working-day calendar."""
    from gongkai.law.calendar import add_working_days

    soon = add_working_days(services.calendar(), on, services.DUE_SOON_WORKING_DAYS).date
    rows = list(Application.objects.filter(agency_id__in=agency_ids).values("state", "due_on", "handler_id"))
    is_open = [r for r in rows if r["state"] in OPEN_STATES]
    return {
        "overdue": sum(1 for r in is_open if r["due_on"] and r["due_on"] < on),
        "due_soon": sum(1 for r in is_open if r["due_on"] and on <= r["due_on"] <= soon),
        "waiting_applicant": sum(1 for r in rows if r["state"] in ("supplement_requested", "fee_notice")),
        "waiting_opinion": sum(1 for r in rows if r["state"] == "consulting"),
        "to_register": sum(1 for r in rows if r["state"] == "submitted"),
        "to_approve": sum(1 for r in rows if r["state"] == "decided"),
        "mine": sum(1 for r in is_open if r["handler_id"] == user.pk),
        "open": len(is_open),
    }


@pytest.mark.django_db
def test_counts_match_the_cases_after_transitions_and_as_days_pass(agencies, staff, make_case):
    """The counts are read from the index, never stored: they equal a row-by-row count after each
    workflow step, on every day of six weeks across the National Day holiday (the 3-working-day window
    moves with the calendar), for a handler, another agency's handler and a supervisor of both; the
    lists behind the boxes hold exactly as many cases."""
    from gongkai.applications.services import ApplicantData

    h, head = staff["handler"], staff["head"]
    cases = [make_case(received=date(2024, 9, 20) + timedelta(days=i), title=f"事项{i}") for i in range(12)]
    from .conftest import applicant

    other = [services.register_application(agencies["other"], applicant(), channel="in_person",
                                           actor=staff["other_registrar"], submitted_on=date(2024, 9, 23 + i))
             for i in range(3)]
    services.submit_online(agencies["own"], ApplicantData(
        applicant_type="natural_person", applicant_name="李四", id_type="ric", id_number="370305199001011231",
        title="网上申请", description="请公开。", phone="13800000000"))
    go = services.transition
    steps = [
        (cases[0], "start", h, {}), (cases[1], "start", h, {}),
        (cases[2], "request_supplement", h, {"note": "请写明文号", "deadline": "2024-10-18"}),
        (cases[3], "start", h, {}), (cases[3], "consult_third_party", h, {"party": "某公司", "note": "是否同意公开"}),
        (cases[4], "decide", h, {"outcome": "granted", "note": "理由"}),
        (cases[5], "decide", h, {"outcome": "granted", "note": "理由"}), (cases[5], "approve", head, {}),
        (cases[6], "decide", h, {"outcome": "granted", "note": "理由"}), (cases[6], "approve", head, {}),
        (cases[6], "issue_reply", h, {}),
        (other[0], "start", staff["other_handler"], {}),
    ]
    viewers = [(h, [agencies["own"].pk]), (staff["other_handler"], [agencies["other"].pk]),
               (staff["supervisor"], [agencies["own"].pk, agencies["other"].pk])]

    def check(day):
        for user, ids in viewers:
            got = services.dashboard_counts(user, on=day)
            assert got == _brute_force(user, day, ids), (user.username, day)
            for key in ("overdue", "due_soon", "mine", "open"):
                assert services.box_cases(user, key, day).count() == got[key], (user.username, day, key)

    check(date(2024, 9, 30))
    for app, name, actor, params in steps:
        try:
            go(Application.objects.get(pk=app.pk), name, actor=actor, on=date(2024, 9, 30), **params)
        except services.WorkflowError as exc:  # a step needing a letter first: the test must still move
            pytest.fail(f"{name}: {exc.message}")
        check(date(2024, 9, 30))
    counts = services.dashboard_counts(h, on=date(2024, 10, 8))
    assert counts["waiting_applicant"] == counts["waiting_opinion"] == counts["to_approve"] == 1
    assert counts["to_register"] == 1 and counts["mine"] == 6 and counts["open"] == 11  # one replied
    for offset in range(0, 45):
        check(date(2024, 9, 25) + timedelta(days=offset))
    # Deadlines fall due as the days pass: nothing overdue at first, all of them in the end.
    assert services.dashboard_counts(h, on=date(2024, 9, 25))["overdue"] == 0
    with_deadline = Application.objects.filter(agency=agencies["own"], state__in=OPEN_STATES, due_on__isnull=False)
    assert services.dashboard_counts(h, on=date(2025, 3, 1))["overdue"] == with_deadline.count() >= 9


@pytest.mark.django_db
def test_urgent_cases_are_the_nearest_deadlines(agencies, staff):
    bulk_cases(agencies["own"], 300)
    bulk_cases(agencies["other"], 20, start=1000)
    rows = services.urgent_cases(staff["handler"], 10)
    expected = list(Application.objects.filter(agency=agencies["own"], state__in=OPEN_STATES, due_on__isnull=False)
                    .order_by("due_on", "pk").values_list("pk", flat=True)[:10])
    assert [r["pk"] for r in rows] == expected
    assert all(r["agency_label"] == "测试区甲局" and r["state_label"] for r in rows)
    n = Application.objects.filter(agency=agencies["other"], state__in=OPEN_STATES).count()
    assert [r["agency_label"] for r in services.urgent_cases(staff["other_registrar"], 30)] == ["测试区乙局"] * n
    assert services.urgent_cases(staff["admin"], 10) == []  # 三员分立: the admin reads no cases
