"""Entering a year through the Django admin goes through enter_year's validation."""
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import current_calendar

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/workdays/calendaryear/add/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    client.force_login(user)
    return client, user


def test_add_year_from_notice(admin_client):
    client, user = admin_client
    page = client.get(ADD_URL)
    assert page.status_code == 200 and "放假安排" in page.content.decode() and "调休上班日" in page.content.decode()
    resp = client.post(ADD_URL, {
        "year": "2027",
        "notice": "国办发明电〔2026〕1号（测试）",
        "holidays_text": "元旦 2027-01-01 至 2027-01-03\n春节：2027年2月6日—2027年2月13日\n",
        "makeup_text": "2027-02-14 2027/2/20",
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2027)
    assert year.entered_by == user and year.notice == "国办发明电〔2026〕1号（测试）"
    assert CalendarDay.objects.filter(calendar_year=year, kind="holiday").count() == 11
    assert current_calendar().is_workday(date(2027, 2, 20))
    # The change form shows the stored schedule back in the same notation.
    body = client.get(f"/admin/workdays/calendaryear/{year.pk}/change/").content.decode()
    assert "春节 2027-02-06 至 2027-02-13" in body and "2027-02-14 2027-02-20" in body


@pytest.mark.parametrize("fields, message", [
    ({"makeup_text": "2027-02-15"}, "不是周末"),
    ({"holidays_text": "元旦 2027-01-01 至 2027-01-03\n2027-02-06"}, "只有一个名称"),
    ({"holidays_text": "元旦 2027-02-30"}, "日期不存在"),
    ({"year": "2026"}, "2026年的节假日安排已录入"),
    ({"notice": ""}, "这个字段是必填项"),
])
def test_add_year_errors_shown_in_chinese(admin_client, fields, message):
    client, _ = admin_client
    data = {"year": "2027", "notice": "测试通知", "holidays_text": "元旦 2027-01-01 至 2027-01-03", "makeup_text": ""}
    data.update(fields)
    resp = client.post(ADD_URL, data)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert CalendarYear.objects.get(year=2026).source == "chinesecalendar"


def test_correct_an_entered_year(admin_client):
    client, _ = admin_client
    year = CalendarYear.objects.get(year=2026)
    resp = client.post(f"/admin/workdays/calendaryear/{year.pk}/change/", {
        "year": "2026", "notice": "国办发明电〔2025〕7号",
        "holidays_text": "国庆节 2026-10-01 至 2026-10-07", "makeup_text": "2026-09-20 2026-10-10",
    })
    assert resp.status_code == 302
    year.refresh_from_db()
    assert year.source == "国务院办公厅通知" and year.days.count() == 9
    assert current_calendar().is_workday(date(2026, 2, 16))  # Spring Festival removed by this correction


def test_year_list_queries_do_not_grow_with_years(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongkai.workdays.services import enter_year

    client, _ = admin_client

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/admin/workdays/calendaryear/").content.decode()
        return len(ctx.captured_queries), body

    before, _ = count()
    enter_year(2027, [(date(2027, 1, 1), date(2027, 1, 3), "元旦")], [date(2027, 1, 9)], notice="测试通知")
    enter_year(2028, [(date(2028, 1, 1), date(2028, 1, 3), "元旦")], [], notice="测试通知")
    after, body = count()
    assert after == before and "2027年1月9日" in body
    year = CalendarYear.objects.get(year=2027)
    assert year.days.filter(kind="holiday").count() == 3
