"""The city generator (gongkai demo generate): a tree of agencies, items, applications whose events walk
the workflow, appeals; deterministic; all-or-nothing; refuses a database with another generated city."""
from collections import defaultdict
from datetime import date

import pytest

from gongkai.agencies.generate import GenerateError, Params, generate
from gongkai.agencies.models import Agency, AuditEntry
from gongkai.appeals.models import Appeal
from gongkai.applications.models import Application, Event
from gongkai.applications.workflow import STATES, TRANSITIONS
from gongkai.catalog.models import Item
from gongkai.portal.models import SearchDoc
from gongkai.portal.search import search

SMALL = Params(agencies=45, years=2, items=3000, applications=800, seed=7, until="2025-12-31")


@pytest.fixture
def city(db):
    counts = generate(SMALL)
    return counts


def test_agency_tree_items_and_search_index(city):
    assert city["agencies"] == Agency.objects.filter(slug__startswith="gen-").count() == 45
    root = Agency.objects.get(slug="gen-city")
    assert root.parent_id is None and root.level == "government"
    assert Agency.objects.filter(parent=root, level="government").exists()  # a district
    for a in Agency.objects.filter(slug__startswith="gen-").exclude(pk=root.pk):
        assert root in a.ancestors()
        a.full_clean()  # names, credit codes (check character), slugs all valid
    assert Item.objects.count() == 3000
    published = Item.objects.published().count()
    assert SearchDoc.objects.count() == published > 2000
    first, last = (Item.objects.order_by(f).values_list("date_made", flat=True).first() for f in ("date_made", "-date_made"))
    assert date(2024, 1, 1) <= first and last <= date(2025, 12, 31)
    # The index serves real queries: a common vocabulary word is found in the city government's items.
    assert search(root, "公示").total > 0


def test_events_follow_the_state_machine(city):
    apps = {a.pk: a for a in Application.objects.all()}
    assert len(apps) == 800
    chains = defaultdict(list)
    for e in Event.objects.order_by("application_id", "on", "pk"):
        chains[e.application_id].append(e)
    states_seen = set()
    for pk, app in apps.items():
        events = chains[pk]
        assert events[0].transition == "register" and events[0].to_state == "registered"
        state = "registered"
        for e in events[1:]:
            t = TRANSITIONS[e.transition]
            assert e.from_state == state and state in t.sources and e.to_state == t.target, (pk, e.transition)
            state = e.to_state
        assert app.state == state
        states_seen.add(state)
        if state in ("replied", "delivered", "closed"):
            assert app.replied_on and app.outcome
        assert all(a.on <= b.on for a, b in zip(events, events[1:]))
    assert {"closed", "registered", "in_progress"} <= states_seen <= set(STATES)
    appeals = Appeal.objects.select_related("application")
    assert appeals.exists()
    for ap in appeals:
        assert ap.application.agency_id == ap.agency_id and ap.filed_on >= ap.application.replied_on
        ap.full_clean()


def test_same_parameters_skip_other_parameters_refuse(city):
    before = Item.objects.count()
    assert generate(SMALL) == {"skipped": True}
    with pytest.raises(GenerateError, match="参数"):
        generate(Params(agencies=46, years=2, items=3000, applications=800, seed=7, until="2025-12-31"))
    assert Item.objects.count() == before
    assert AuditEntry.objects.filter(action="demo.generate").count() == 1


@pytest.mark.django_db
def test_deterministic_by_seed():
    from django.db import transaction

    p = Params(agencies=3, years=1, items=50, applications=20, seed=3, until="2025-06-30")

    def snapshot():
        return (list(Item.objects.order_by("pk").values_list("title", "date_made", "state", "index_number")),
                list(Application.objects.order_by("pk").values_list("received_on", "state", "outcome", "due_on")))

    with transaction.atomic():
        generate(p)
        first = snapshot()
        transaction.set_rollback(True)
    generate(p)
    assert snapshot() == first and first[0] and first[1]


@pytest.mark.django_db
def test_a_failure_half_way_leaves_nothing(monkeypatch):
    from gongkai.agencies import generate as g

    def boom(self):
        raise RuntimeError("disk full")
    monkeypatch.setattr(g._Generator, "_applications", boom)
    with pytest.raises(RuntimeError):
        generate(Params(agencies=3, years=1, items=50, applications=20, seed=3, until="2025-06-30"))
    assert not Agency.objects.filter(slug__startswith="gen-").exists()
    assert not Item.objects.exists() and not SearchDoc.objects.exists()


def test_bad_parameters_are_refused_in_chinese(db):
    for p in (Params(agencies=0), Params(years=0), Params(items=-1), Params(until="2025-13-01")):
        with pytest.raises(GenerateError) as exc:
            generate(p)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))


def test_finished_years_have_published_reports_that_pass_the_checks(city):
    """SMALL ends 2025-12-31: 2024 is finished and past both Art. 49 deadlines, 2025 is not yet due."""
    from gongkai.annual.compile import content_hash, tables
    from gongkai.portal.models import PublishedReport
    from gongkai.report import checks

    reports = PublishedReport.objects.select_related("agency")
    assert city["reports"] == reports.count()
    assert {r.year for r in reports} == {2024}
    late = 45 - reports.count()
    assert 0 <= late < 10  # a few agencies are late, for the supervisor's list
    for published in reports:
        report = published.report()
        assert published.content_hash == content_hash(published.data)
        assert report.agency == published.agency.name and all(report.sections.get(k) for k in "156")
        # The frozen tables equal what the compile page computes now from the same rows.
        live = tables(published.agency, 2024)
        assert report.applications == live.applications and report.appeals == live.appeals
        assert report.proactive == live.proactive
        errors = [f for f in checks.check(report) if f.severity == checks.ERROR]
        assert not errors, (published.agency.name, errors)
        assert published.published_at.date() <= date(2025, 3, 31)


def test_staff_accounts_log_in_to_their_agency(city, client):
    from gongkai.agencies.generate import STAFF_PASSWORD
    from gongkai.agencies.models import Staff

    agency = Agency.objects.get(slug="gen-city-1")
    assert set(Staff.objects.filter(user__username=f"gen-{agency.pk}").values_list("agency", "role")) == {
        (agency.pk, "handler"), (agency.pk, "head")}
    assert Staff.objects.filter(user__username="gen-supervisor", role="supervisor", agency__slug="gen-city").exists()
    assert client.login(username=f"gen-{agency.pk}", password=STAFF_PASSWORD)
    assert client.get("/staff/").status_code == 200
