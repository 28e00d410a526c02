"""Big pages stay within a fixed number of queries, whatever the number of rows (issue 11), and the
scale helpers behind them (year lists by index skip scan, capped counts, bounded search ranking)."""
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongkai.agencies.generate import Params, generate
from gongkai.agencies.models import Agency, Staff
from gongkai.catalog.models import Category, Item
from gongkai.portal import search as search_mod
from gongkai.queries import CappedPaginator, distinct_years

PASSWORD = "Correct-Horse-42"


@pytest.fixture
def city(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    generate(Params(agencies=2, years=3, items=3000, applications=0, seed=5, until="2025-12-31"))
    big, small = Agency.objects.filter(slug__startswith="gen-").order_by("pk")
    User = get_user_model()
    users = {}
    for a in (big, small):
        users[a.pk] = User.objects.create_user(username=f"r-{a.pk}", password=PASSWORD)
        Staff.objects.create(user=users[a.pk], agency=a, role=Staff.Role.REVIEWER)
    return big, small, users


def _grow(agency, n: int) -> None:
    """``n`` more published items for ``agency`` (bulk, then the search index brought in step)."""
    from gongkai.portal.search import reindex

    cats = list(Category.objects.filter(agency=agency).values_list("pk", flat=True))
    Item.objects.bulk_create([
        Item(agency=agency, category_id=cats[i % len(cats)], index_number=f"GROW-{agency.pk}-{i}",
             title=f"关于公示许可事项的通知{i}", issuer="x", date_made=date(2023 + i % 3, 1 + i % 12, 1),
             date_published=date(2023 + i % 3, 1 + i % 12, 2), state="published") for i in range(n)])
    reindex(agency)


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


PORTAL_PAGES = [("portal:items", {}), ("portal:items", {"year": "2024"}), ("portal:items", {"page": "3"}),
                ("portal:search", {"q": "公示"}), ("portal:search", {"q": "许可", "year": "2025"}),
                ("portal:api_items", {}), ("portal:api_search", {"q": "公示"})]
STAFF_LISTS = [{}, {"year": "2024"}, {"page": "4"}, {"state": "published"}]


def test_big_pages_do_not_grow_with_rows(client, city, settings):
    """The same pages before and after the agency's catalogue grows fivefold: the same queries.
    The rate limiter is switched off: its one query per request is tested in tests/web/test_ratelimit.py."""
    settings.GONGKAI_RATE_LIMITS_ENABLED = False
    _, small, users = city
    client.force_login(users[small.pk])

    def measure():
        portal = [_queries(client, reverse(name, args=[small.slug]), **params) for name, params in PORTAL_PAGES]
        staff = [_queries(client, reverse("catalog:list", args=[small.slug]), **p) for p in STAFF_LISTS]
        return portal, staff

    before = measure()
    n = Item.objects.filter(agency=small).count()
    _grow(small, 4 * n)
    assert Item.objects.filter(agency=small).count() == 5 * n
    assert measure() == before
    assert max(before[0]) <= 12 and max(before[1]) <= 20, before


# Queries per page (rate limiter off): the portal reads the agency, the capped count, the page's ids, its
# rows, the categories and the years; search reads candidates instead of count and ids. Staff pages add
# the session, the user, the user's roles (once, however many links ask ``can``), and the session save
# (BEGIN, UPDATE, COMMIT).
PAGE_BUDGET = {"portal:items": 6, "portal:search": 5, "catalog:list": 12}


def test_pages_stay_within_their_query_budget(client, city, settings):
    settings.GONGKAI_RATE_LIMITS_ENABLED = False
    big, _, users = city
    for name, params in [("portal:items", {}), ("portal:items", {"year": "2024", "page": "2"}),
                         ("portal:search", {"q": "许可"}), ("portal:search", {"q": "公示", "year": "2025"})]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name, args=[big.slug]), params).status_code == 200
        assert len(ctx.captured_queries) <= PAGE_BUDGET[name], (name, params, [q["sql"][:80] for q in ctx])
    client.force_login(users[big.pk])
    for params in STAFF_LISTS + [{"overdue": "on", "q": "许可"}]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("catalog:list", args=[big.slug]), params).status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        assert len(sql) <= PAGE_BUDGET["catalog:list"], (params, [q[:80] for q in sql])
        assert sum('FROM "agencies_staff"' in q for q in sql) == 1, "roles are read once per request"


def test_catalog_list_year_choices_and_capped_total(client, city, monkeypatch):
    big, _, users = city
    client.force_login(users[big.pk])
    monkeypatch.setattr(CappedPaginator.__init__, "__defaults__", (100, ()))  # cap=100 here (3000 items)
    page = client.get(reverse("catalog:list", args=[big.slug])).content.decode()
    assert "共 100+ 条" in page
    for y in (2023, 2024, 2025):
        assert f'<option value="{y}">{y}年</option>' in page
    filtered = client.get(reverse("catalog:list", args=[big.slug]), {"year": "2024"})
    rows = filtered.context["rows"]
    assert len(rows) == 50 and all(r["made"].startswith("2024-") for r in rows)


def test_distinct_years_skips_gaps_and_respects_filters(db, agencies):
    own, other = agencies["own"], agencies["other"]
    cat = Category.objects.create(agency=own, name="测试")
    ocat = Category.objects.create(agency=other, name="测试")
    for i, (agency, c, made, state) in enumerate([
            (own, cat, date(2019, 3, 1), "published"), (own, cat, date(2019, 12, 31), "published"),
            (own, cat, date(2021, 1, 1), "published"), (own, cat, date(2024, 7, 7), "published"),
            (own, cat, date(2023, 5, 5), "draft"), (other, ocat, date(2022, 2, 2), "published")]):
        Item.objects.create(agency=agency, category=c, index_number=f"X{i}", title=f"t{i}", issuer="x",
                            date_made=made, date_published=made if state == "published" else None, state=state)
    assert distinct_years(Item, "date_published", agency=own.pk, state="published") == [2024, 2021, 2019]
    assert distinct_years(Item, "date_made", agency=own.pk) == [2024, 2023, 2021, 2019]
    assert distinct_years(Item, "date_made", agency=other.pk) == [2022]
    assert distinct_years(Item, "date_made", agency=-1) == []


def test_search_ranks_a_bounded_candidate_set_and_caps_the_count(city, monkeypatch):
    big, _, _ = city
    monkeypatch.setattr(search_mod, "CANDIDATES", 10**6)
    everything = search_mod.search(big, "公示", per_page=10**6)
    assert not everything.total_capped and everything.total > 100
    newest = sorted(h.item.pk for h in everything.hits)[-30:]
    monkeypatch.setattr(search_mod, "CANDIDATES", 30)
    capped = search_mod.search(big, "公示", per_page=100)
    assert capped.total_capped and capped.total == 30 and capped.total_label == "30+"
    # Exactly the 30 most recently indexed matches, ranked among themselves (titles with the word first).
    assert sorted(h.item.pk for h in capped.hits) == newest
    in_title = ["公示" in h.item.title for h in capped.hits]
    assert in_title == sorted(in_title, reverse=True)
    last = search_mod.search(big, "公示", page=99)
    assert last.page == last.pages == 2  # past the end: the last page of the candidates


def test_search_filters_are_inside_the_index(city):
    big, _, _ = city
    r = search_mod.search(big, "公示", year=2024)
    assert r.hits and all(h.item.date_published.year == 2024 for h in r.hits)
    cat = Category.objects.filter(agency=big).first()
    r = search_mod.search(big, "公示", category=cat.pk)
    assert all(h.item.category_id == cat.pk for h in r.hits)
    # A tag written as a word is not a filter: the visitor's words are matched in title and body only.
    with pytest.raises(search_mod.QueryError):
        search_mod.search(big, "")
    assert search_mod.search(big, f"a{big.pk}").total == 0
