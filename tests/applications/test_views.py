from datetime import date

import pytest
from django.test import Client

from gongkai.agencies.models import AuditEntry
from gongkai.applications import services
from gongkai.applications.models import Application
from gongkai.applications.workflow import TRANSITIONS

from .conftest import RIC, ROLES

pytestmark = pytest.mark.django_db

# Which roles may take each transition (agencies.permissions.MATRIX through workflow.TRANSITIONS).
ALLOWED = {
    "application.register": {"registrar"},
    "application.handle": {"handler"},
    "application.approve": {"head"},
    "letter.issue": {"handler", "head"},
}


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def public_form(**kw):
    data = dict(applicant_type="natural_person", applicant_name="李四", id_type="ric", id_number=RIC,
                phone="13900000000", email="", address="", title="某小区规划许可证",
                description="请公开某小区的建设工程规划许可证。", document_number="", form_wanted="electronic")
    data.update(kw)
    return data


def test_public_form_tracking_code_and_status_without_personal_data(agencies):
    c = Client(enforce_csrf_checks=True)
    r = c.get("/apply/t-own/")
    assert r.status_code == 200 and "测试区甲局" in r.content.decode()
    assert c.post("/apply/t-own/", public_form()).status_code == 403  # no CSRF token
    token = r.cookies["csrftoken"].value
    r = c.post("/apply/t-own/", {**public_form(), "csrfmiddlewaretoken": token}, follow=True)
    app = Application.objects.get()
    body = r.content.decode()
    assert r.redirect_chain[-1][0] == f"/apply/receipt/?code={app.tracking_code}"
    assert app.tracking_code in body and app.state == "submitted" and "申请回执" in body
    assert "双方确认之日为收到申请之日（第三十一条）" in body and "20个工作日内答复" in body
    status = Client().get(f"/apply/status/?code={app.tracking_code.lower()}").content.decode()
    assert "已提交，等待登记" in status and "等待本机关与您确认收到申请" in status
    for page in (status, body):
        for secret in ("李四", RIC, app.id_masked, "13900000000", "规划许可证"):
            assert secret not in page
    assert Client().get("/apply/receipt/?code=NOPE").status_code == 404
    assert "没有找到" in Client().get("/apply/status/?code=NOPE").content.decode()


@pytest.mark.parametrize("field, value, message", [
    ("id_number", "11010520991231001X", "晚于今天"),  # born in 2099
    ("id_number", "110105189912310016", "早于1900年"),
    ("phone", "abc", "联系电话格式不正确"),
    ("address", "abc", "通信地址无法用于邮寄"),
    ("email", "abc", "电子邮箱格式不正确"),
])
def test_public_form_catches_what_a_clerk_would(agencies, field, value, message):
    from stdnum.cn import ric

    if field == "id_number":  # a correct check digit, so that only the birth date is wrong
        value = value[:17] + ric.calc_check_digit(value[:17] + "0")
    data = public_form()
    if field != "id_number":
        data["phone"] = ""  # "abc" as the only contact
    data[field] = value
    r = Client().post("/apply/t-own/", data)
    body = r.content.decode()
    assert r.status_code == 200 and message in body
    # The message stands on its field.
    assert f'name="{field}"' in body.split(message)[0].rsplit("<p>", 1)[-1]
    assert not Application.objects.exists()


def test_contact_required_on_the_field(agencies):
    r = Client().post("/apply/t-own/", public_form(phone="", email="", address=""))
    assert "请至少填写一种联系方式" in r.content.decode() and not Application.objects.exists()


def test_public_form_errors_in_chinese(agencies):
    r = Client().post("/apply/t-own/", public_form(id_number="123"))
    assert "居民身份证号码不正确" in r.content.decode()
    assert not Application.objects.exists()
    assert Client().get("/apply/no-such-agency/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_case_page_visibility_per_role(make_case, staff, role):
    app = make_case()
    r = client_for(staff[role]).get(f"/staff/applications/{app.pk}/")
    # Business roles of the agency and the supervisor of its parent read; admin and auditor do not (三员分立).
    if role in ("registrar", "handler", "reviewer", "head", "supervisor"):
        assert r.status_code == 200 and app.id_masked in r.content.decode()
        assert RIC not in r.content.decode()
    else:
        assert r.status_code in (403, 404)


def test_other_agency_staff_get_404(make_case, staff):
    app = make_case()
    c = client_for(staff["other_handler"])
    assert c.get(f"/staff/applications/{app.pk}/").status_code == 404
    assert c.post(f"/staff/applications/{app.pk}/do/start/", {"on": "2024-09-26"}).status_code == 404
    assert Application.objects.get(pk=app.pk).state == "registered"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["start", "extend", "register", "issue_reply"])
def test_transition_permission_matrix(make_case, staff, agencies, role, name):
    """Role × transition in the own agency: allowed roles get past the permission check, others are refused."""
    from gongkai.agencies.permissions import can

    app = make_case()
    allowed = role in ALLOWED[TRANSITIONS[name].action]
    assert can(staff[role], TRANSITIONS[name].action, agencies["own"]) == allowed
    assert not can(staff[role], TRANSITIONS[name].action, agencies["other"])
    if name == "start":
        r = client_for(staff[role]).post(f"/staff/applications/{app.pk}/do/start/", {"on": "2024-09-26"}, follow=True)
        state = Application.objects.get(pk=app.pk).state
        if allowed:
            assert state == "in_progress"
        else:
            assert state == "registered"
            if r.status_code == 200:
                assert "权限" in r.content.decode()


def test_transition_via_view_shows_chinese_error(make_case, staff):
    app = make_case()
    r = client_for(staff["head"]).post(f"/staff/applications/{app.pk}/do/approve/", {"on": "2024-09-26"}, follow=True)
    assert "不能执行“负责人审批同意”" in r.content.decode()


def test_identity_reveal_is_audited(make_case, staff):
    app = make_case()
    before = AuditEntry.objects.filter(action="identity.view").count()
    r = client_for(staff["handler"]).post(f"/staff/applications/{app.pk}/identity/")
    assert RIC in r.content.decode()
    assert AuditEntry.objects.filter(action="identity.view", target_id=str(app.pk)).count() == before + 1
    r = client_for(staff["supervisor"]).post(f"/staff/applications/{app.pk}/identity/")
    assert r.status_code == 403


def test_staff_registration_form(agencies, staff):
    c = client_for(staff["registrar"])
    assert c.get("/staff/applications/new/").status_code == 200
    data = public_form(agency=agencies["own"].pk, channel="post", signed_for_on="2024-09-25", submitted_on="")
    r = c.post("/staff/applications/new/", data, follow=True)
    app = Application.objects.get()
    assert app.received_on == date(2024, 9, 25) and "依申〔2024〕1号" in r.content.decode()
    r = c.post("/staff/applications/new/", public_form(agency=agencies["own"].pk, channel="post"))
    assert "签收日期" in r.content.decode() and Application.objects.count() == 1
    for day in ("0001-01-01", "2019-05-14"):
        r = c.post("/staff/applications/new/", public_form(agency=agencies["own"].pk, channel="in_person",
                                                             submitted_on=day))
        assert "早于本条例施行日期2019年5月15日（第五十六条）" in r.content.decode()
    assert Application.objects.count() == 1
    assert client_for(staff["handler"]).get("/staff/applications/new/").status_code == 403


def test_dashboard_boxes(make_case, staff, monkeypatch):
    overdue = make_case(received=date(2024, 9, 25))
    services.transition(overdue, "start", actor=staff["handler"], on=date(2024, 9, 26))
    c = client_for(staff["handler"])
    r = c.get("/staff/applications/")
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="count-overdue">1<' in body and 'id="count-mine">1<' in body and 'id="count-to_register">0<' in body
    assert overdue.number in c.get("/staff/applications/list/overdue/").content.decode()
    assert overdue.number in c.get("/staff/applications/list/mine/").content.decode()
    assert overdue.number not in c.get("/staff/applications/list/due_soon/").content.decode()
    assert c.get("/staff/applications/list/nothing/").status_code == 404


def test_fee_calculator(make_case, staff, agencies):
    for d in range(1, 11):
        make_case(received=date(2024, 3, d))
    c = client_for(staff["handler"])
    r = c.get("/staff/applications/fees/", {"scheme": "per_application", "agency": agencies["own"].pk,
                                            "id_type": "ric", "id_number": RIC, "month": "2024-03"})
    body = r.content.decode()
    assert "已向本机关提出10件申请" in body and "计算结果：100元" in body
    r = c.get("/staff/applications/fees/", {"scheme": "per_page", "pages": "201"})
    assert "计算结果：2740元" in r.content.decode()  # 70×10 + 100×20 + 1×40
    r = c.get("/staff/applications/fees/", {"scheme": "per_application", "nth": "31"})
    assert "计算结果：200元" in r.content.decode()
    base = {"scheme": "per_application", "agency": agencies["own"].pk, "id_type": "ric", "month": "2024-03"}
    make_case(received=date(2024, 12, 31))
    r = c.get("/staff/applications/fees/", {**base, "id_number": RIC, "month": "2024-12"})
    assert "已向本机关提出1件申请" in r.content.decode() and "计算结果：0元" in r.content.decode()
    for params, message in (({"id_number": "110105194912310021"}, "居民身份证号码不正确"),
                            ({"id_number": RIC, "id_type": ""}, "请选择证件类型"),
                            ({"id_number": RIC, "month": "2024-13"}, "月份格式应为 2024-03"),
                            ({"id_number": RIC, "month": "0000-01"}, "月份格式应为 2024-03")):
        r = c.get("/staff/applications/fees/", {**base, **params})
        assert r.status_code == 200 and message in r.content.decode()


def test_letter_download_and_template_edit(make_case, staff):
    app = make_case()
    app = services.transition(app, "request_supplement", actor=staff["handler"], on=date(2024, 9, 27),
                              note="请写明文号", deadline="2024-10-18")
    c = client_for(staff["handler"])
    r = c.post(f"/staff/applications/{app.pk}/notice/supplement/", follow=True)
    letter = app.letters.get()
    assert "补正告知书" in r.content.decode()
    pdf = c.get(f"/staff/applications/letters/{letter.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert c.get(f"/staff/applications/letters/{letter.pk}.exe").status_code == 404
    assert client_for(staff["other_handler"]).get(f"/staff/applications/letters/{letter.pk}.pdf").status_code == 404
    head = client_for(staff["head"])
    assert head.get("/staff/applications/templates/").status_code == 200
    r = head.post("/staff/applications/templates/t-own/supplement/", {"title": "补正告知书", "body": "{% for %}"})
    assert "模板语法有误" in r.content.decode()
    assert c.get("/staff/applications/templates/").status_code == 403


def test_odd_inputs_get_chinese_messages_not_500(agencies, staff, make_case):
    app = make_case()
    c = Client(raise_request_exception=False)
    c.force_login(staff["handler"])
    url = f"/staff/applications/{app.pk}/do/"
    assert c.post(url + "start/", {"on": "2024-09-26"}, follow=True).status_code == 200

    def error_of(name, data):
        r = c.post(url + name + "/", data, follow=True)
        assert r.status_code == 200
        return [str(m) for m in r.context["messages"]][-1]

    # POST keys that are transition()'s own arguments are not passed on.
    assert error_of("extend", {"on": "2024-09-27", "actor": "x", "app": "y", "request": "z"}) == \
        "您没有“延期答复（负责人同意）”的权限。"
    assert error_of("consult_third_party", {"on": "2024-09-27", "party": "某" * 201}) == "征求意见对象最长200个字。"
    assert error_of("consult_third_party", {"on": "2024-09-27", "party": "某公司", "note": "a\x00b"}) == \
        "输入内容含有无效的空字符，请删除后重试。"
    assert error_of("decide", {"on": "2024-09-27", "outcome": "granted", "item1_description": "某" * 301,
                               "item1_handling": "granted"}) == "每个事项的描述最长300个字。"
    app.refresh_from_db()
    assert app.state == "in_progress" and not app.consultations.exists() and not app.items.exists()
    # A tracking code that cannot be one is not found (no NUL byte sent to the database).
    for code in ("AB%00CD", "X" * 5000):
        r = Client(raise_request_exception=False).get(f"/apply/status/?code={code}")
        assert r.status_code == 200 and "没有找到" in r.content.decode()


def test_public_form_bounds_the_description(agencies):
    from gongkai.applications.forms import DESCRIPTION_MAX

    r = Client().post("/apply/t-own/", public_form(description="字" * (DESCRIPTION_MAX + 1)))
    assert r.status_code == 200 and f"不超过 {DESCRIPTION_MAX} 字符" in r.content.decode()
    assert not Application.objects.exists()


def test_dashboard_and_case_page_queries_do_not_grow_with_cases(make_case, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(staff["supervisor"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = make_case()
    services.transition(first, "start", actor=staff["handler"], on=date(2024, 9, 26))
    before = count("/staff/applications/"), count(f"/staff/applications/{first.pk}/")
    for i in range(6):
        other = make_case(title=f"另一项信息{i}", description=f"完全不同的内容{i}" * 5)
        services.transition(other, "start", actor=staff["handler"], on=date(2024, 9, 26))
        services.transition(other, "consult_agency", actor=staff["handler"], on=date(2024, 9, 27), party=f"乙局{i}")
    assert (count("/staff/applications/"), count(f"/staff/applications/{first.pk}/")) == before


@pytest.mark.parametrize("role", ROLES)
def test_buttons_only_for_actions_the_role_may_take(make_case, staff, agencies, role):
    """The permission matrix decides which buttons a page shows: none is shown and then refused."""
    from bs4 import BeautifulSoup

    from gongkai.agencies.permissions import can
    from gongkai.applications.workflow import available

    user = staff[role]
    registered = make_case()
    decided = make_case(received=date(2024, 9, 26))
    services.transition(decided, "decide", actor=staff["handler"], on=date(2024, 9, 27), outcome="granted")
    c = client_for(user)
    for app in (registered, decided):
        app.refresh_from_db()
        r = c.get(f"/staff/applications/{app.pk}/")
        if not can(user, "application.view", app.agency):
            assert r.status_code in (403, 404)
            continue
        soup = BeautifulSoup(r.content.decode(), "html.parser")
        shown = {f["id"].removeprefix("do-") for f in soup.select("form[id^=do-]")}
        allowed = {t.name for t in available(app.state) if can(user, t.action, app.agency)}
        assert shown == allowed, (role, app.state)
        assert bool(soup.find("button", string="查看完整号码（将记入审计日志）")) == can(
            user, "application.view_identity", app.agency)
        # Every button shown works for this user: taking the first one is not refused for permission.
        for name in sorted(shown)[:1]:
            r = c.post(f"/staff/applications/{app.pk}/do/{name}/", {"on": "2024-09-30", "note": "理由", "outcome": "granted"},
                       follow=True)
            assert "的权限" not in r.content.decode()
    if can(user, "application.view", agencies["own"]):
        dash = c.get("/staff/applications/").content.decode()
        assert ("登记申请" in dash) == can(user, "application.register", agencies["own"])
    assert ("依申请公开" in c.get("/staff/").content.decode()) == can(user, "application.view", agencies["own"])
