"""Every ``next`` parameter sends the browser only to this site (gongkai/redirects.py, Django's auth views).

Each redirecting view is driven with off-site targets and must fall back to its own default; a
same-site ``next`` is still honoured, so the guard is not simply ignoring the parameter.
"""
from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)",
    " //evil.example",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.fixture
def hit(agencies, staff, settings, tmp_path):
    """An item in review with an open privacy hit in its summary (what the clear/redact forms act on)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from gongkai.catalog import services as catalog
    from gongkai.catalog.models import Category, Item

    own = agencies["own"]
    catalog.seed_categories(own)
    cat = Category.objects.filter(agency=own).first()
    item = catalog.save_item(Item(agency=own, title="联系人名单", summary="联系电话 13812345678",
                                  category=cat, date_made=date(2024, 3, 1)), staff["handler"])
    h = item.privacy_hits.get()
    return item, h


def _no_off_site(location: str, default: str) -> None:
    assert location == default, location


@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("name", ["catalog:hit_clear", "catalog:hit_redact"])
def test_privacy_hit_actions_stay_on_site(client, staff, hit, name, target):
    item, h = hit
    client.force_login(staff["head"])
    url = reverse(name, args=[item.agency.slug, item.pk, h.pk])
    res = client.post(url, {"reason": "单位公开电话，可以公开。", "next": target})
    assert res.status_code == 302
    _no_off_site(res["Location"], reverse("catalog:detail", args=[item.agency.slug, item.pk]))


def test_privacy_hit_action_keeps_a_same_site_next(client, staff, hit):
    item, h = hit
    client.force_login(staff["head"])
    back = reverse("catalog:privacy", args=[item.agency.slug]) + "?page=1"
    res = client.post(reverse("catalog:hit_clear", args=[item.agency.slug, item.pk, h.pk]),
                      {"reason": "单位公开电话，可以公开。", "next": back})
    assert res["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE)
def test_font_switch_stays_on_site(client, target):
    res = client.get(reverse("annual:font"), {"size": "large", "next": target})
    assert res.status_code == 302
    _no_off_site(res["Location"], reverse("annual:index"))


def test_font_switch_refuses_plain_http_back_to_this_host_over_https(client):
    res = client.get(reverse("annual:font"), {"next": "http://testserver/gk/"}, secure=True)
    assert res["Location"] == reverse("annual:index")
    res = client.get(reverse("annual:font"), {"next": "https://testserver/gk/"}, secure=True)
    assert res["Location"] == "https://testserver/gk/"


def test_font_switch_keeps_a_same_site_next(client):
    res = client.get(reverse("annual:font"), {"size": "large", "next": "/gk/?page=2"})
    assert res["Location"] == "/gk/?page=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_stays_on_site(client, staff, target):
    res = client.post(reverse("agencies:login"), {"username": "u-head", "password": PASSWORD,
                                                   "next": target})
    assert res.status_code == 302
    _no_off_site(res["Location"], reverse("agencies:home"))


def test_login_keeps_a_same_site_next(client, staff):
    back = reverse("catalog:index")
    res = client.post(reverse("agencies:login"), {"username": "u-head", "password": PASSWORD, "next": back})
    assert res["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE)
def test_logout_stays_on_site(client, staff, target):
    client.force_login(staff["head"])
    res = client.post(reverse("agencies:logout"), {"next": target})
    assert res.status_code == 302
    _no_off_site(res["Location"], reverse("agencies:login"))


def test_every_next_reader_is_known():
    """A new view reading ``next`` (or the Referer) must go through gongkai.redirects.safe_next: this
    lists every place in the code that reads one, so a new one fails here until it is reviewed."""
    import re
    from pathlib import Path

    import gongkai

    root = Path(gongkai.__file__).parent
    readers = sorted(
        f"{path.relative_to(root)}:{m.group(0)}"
        for path in root.rglob("*.py")
        for m in re.finditer(r"""\.get\(\s*["']next["']|HTTP_REFERER|["']Referer["']""", path.read_text("utf-8"))
    )
    assert readers == []
