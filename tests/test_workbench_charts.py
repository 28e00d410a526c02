"""Workbench charts: the numbers beside the SVG match the cases and items; a supervisor sees per agency."""
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from gongkai.applications import services as app_services
from gongkai.applications.models import Application
from gongkai.catalog import services as cat_services
from gongkai.catalog.models import Category, Item
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def tables(html):
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for fig in soup.select("figure.chart"):
        assert fig.select_one("svg[role=img]")
        out[fig.figcaption.get_text()] = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in fig.select("tbody tr")]
    return out


def make_cases(agency, today):
    rows = []
    for i in range(6):
        received = today - timedelta(days=10 + i)
        replied = received + timedelta(days=5) if i < 4 else None
        rows.append(Application(agency=agency, number=f"依申〔x〕{i}号", tracking_code=f"C{agency.pk}X{i:08d}",
                                channel="in_person", received_on=received, applicant_type="natural_person",
                                applicant_name="张三", id_type="ric", id_encrypted="x", id_masked="x", applicant_key="k",
                                title="甲", description="乙", state="replied" if replied else "in_progress",
                                replied_on=replied, due_on=received + timedelta(days=3 if i == 0 else 28),
                                outcome="granted" if replied else ""))
    Application.objects.bulk_create(rows)


def test_application_charts_for_agency_and_supervisor(agencies, staff):
    today = app_services.today()
    make_cases(agencies["own"], today)
    make_cases(agencies["other"], today)
    month = f"{today.year}-{today.month:02d}"
    t = tables(client_for(staff["handler"]).get("/staff/applications/statistics/").content.decode())
    received = dict((r[0], r[1]) for r in t["每月收到的申请"])
    in_month = Application.objects.filter(agency=agencies["own"], received_on__year=today.year,
                                          received_on__month=today.month).count()
    assert received[month] == str(in_month)
    assert sum(int(v) for v in received.values()) == 6
    timely = t["每月答复的申请：是否在法定期限内（第三十三条）"]
    assert sum(int(r[1]) for r in timely) == 3 and sum(int(r[2]) for r in timely) == 1  # one replied late
    assert t["近12个月答复的办理结果"] == [["（一）予以公开", "4"]]
    assert not any("各机关" in k for k in t)
    # The supervisor of the parent government sees both departments, and a chart per agency.
    t = tables(client_for(staff["supervisor"]).get("/staff/applications/statistics/").content.decode())
    per_agency = {r[0]: r[1:] for r in t["各机关收到的申请和超期未答复的申请"]}
    assert per_agency["测试区甲局"] == ["6", "0"] and per_agency["测试区乙局"] == ["6", "0"]


def test_catalogue_charts(agencies, staff):
    own = agencies["own"]
    cat_services.seed_categories(own)
    cat = Category.objects.get(agency=own, name="机构职能")
    today = app_services.today()
    for i in range(3):
        Item.objects.create(agency=own, index_number=f"X/{i}", title=f"信息{i}", issuer="甲", date_made=today,
                            date_published=today, category=cat, state="published")
    t = tables(client_for(staff["handler"]).get("/staff/statistics/catalog/").content.decode())
    assert dict((r[0], r[1]) for r in t["每月发布的主动公开信息"])[f"{today.year}-{today.month:02d}"] == "3"
    assert t[f"{today.year}年各分类发布的信息"] == [["机构职能", "3"]]
    t = tables(client_for(staff["supervisor"]).get("/staff/statistics/catalog/").content.decode())
    per_agency = {r[0]: r[1:] for r in t[f"各机关{today.year}年发布的信息和逾期未发布的拟稿（第二十六条）"]}
    assert per_agency["测试区甲局"] == ["3", "0"]
