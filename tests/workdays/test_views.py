"""The working-day calendar screen for platform administrators: view a year, correct it, enter a new one;
deadlines are recomputed and every save is audited."""
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import Client

from gongkai.agencies.models import AuditEntry, Staff
from gongkai.applications import services as app_services
from gongkai.applications.services import ApplicantData
from gongkai.workdays.models import CalendarYear

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(agencies):
    user = get_user_model().objects.create_user("u-platform", password=PASSWORD)
    Staff.objects.create(user=user, agency=agencies["gov"], role="admin")  # admin of a top-level agency
    c = Client()
    c.force_login(user)
    return c


def form_data(page_html):
    soup = BeautifulSoup(page_html, "html.parser")
    form = soup.select_one("form.form")
    return {"year": (form.select_one("[name=year]") or {}).get("value", ""),
            "notice": form.select_one("[name=notice]").get("value", ""),
            "holidays_text": form.select_one("[name=holidays_text]").get_text().strip(),
            "makeup_text": form.select_one("[name=makeup_text]").get_text().strip()}


def test_view_and_correct_a_year_recomputes_deadlines(platform_admin, agencies, staff):
    data = ApplicantData(applicant_type="natural_person", applicant_name="张三", id_type="ric",
                         id_number="11010519491231002X", title="甲", description="乙", phone="13800000000")
    app = app_services.register_application(agencies["own"], data, channel="in_person", actor=staff["registrar"],
                                            submitted_on=date(2024, 9, 25))
    before = app.due_on
    r = platform_admin.get("/staff/platform/calendar/2024/")
    html = r.content.decode()
    assert r.status_code == 200 and "2024年工作日日历" in html
    soup = BeautifulSoup(html, "html.parser")
    oct1 = [td for td in soup.select('table[aria-label="2024年10月"] td.holiday') if td.get_text().startswith("1休")]
    assert oct1 and "国庆" in oct1[0]["title"]
    assert soup.select('table[aria-label="2024年9月"] td.makeup')  # 2024-09-29, a Sunday, was worked
    # Add a holiday inside the answer period.
    data = form_data(html)
    assert "国庆" in data["holidays_text"]
    data["holidays_text"] += "\n测试假日 2024-10-15"
    data["notice"] = "国办发明电〔2023〕7号（测试更正）"
    r = platform_admin.post("/staff/platform/calendar/2024/", data, follow=True)
    assert "已更正2024年节假日安排" in r.content.decode()
    app.refresh_from_db()
    assert app.due_on > before
    entry = AuditEntry.objects.filter(action="calendar.replace_year").get()
    assert entry.agency is None and "测试更正" in entry.summary


def test_enter_a_new_year_and_errors_in_chinese(platform_admin):
    r = platform_admin.post("/staff/platform/calendar/", {"year": "2099", "notice": "国办发明电〔2098〕1号",
                                                          "holidays_text": "元旦 2099-01-01 至 2099-01-03",
                                                          "makeup_text": "2099-01-05"})
    assert r.status_code == 200 and "不是周末，无需录入为调休上班日" in r.content.decode()
    assert not CalendarYear.objects.filter(year=2099).exists()
    r = platform_admin.post("/staff/platform/calendar/", {"year": "2099", "notice": "国办发明电〔2098〕1号",
                                                          "holidays_text": "元旦 2099-01-01 至 2099-01-03",
                                                          "makeup_text": "2099-01-04"})
    assert r.status_code == 302 and CalendarYear.objects.get(year=2099).days.count() == 4
    assert AuditEntry.objects.filter(action="calendar.enter_year").exists()


@pytest.mark.parametrize("role", ["registrar", "handler", "head", "admin", "auditor", "supervisor"])
def test_only_platform_admins(client, staff, role):
    client.force_login(staff[role])  # roles in a department (the supervisor at the top agency reads only)
    assert client.get("/staff/platform/calendar/").status_code == 403
    assert "工作日日历" not in client.get("/staff/").content.decode()


def test_link_on_staff_home(platform_admin):
    assert "工作日日历" in platform_admin.get("/staff/").content.decode()
