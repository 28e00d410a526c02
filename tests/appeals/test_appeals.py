from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongkai.agencies import audit
from gongkai.agencies.models import AuditEntry
from gongkai.appeals.models import Appeal
from gongkai.appeals.services import COUNTING_RULE, save_appeal, table4
from gongkai.report.checks import check
from gongkai.report.layouts import APPEAL_COLUMNS, APPEAL_GROUPS

pytestmark = pytest.mark.django_db

ZERO = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}


def add(agency, user, kind, number, filed, result="", decided=None, **kw):
    return save_appeal(Appeal(agency=agency, kind=kind, case_number=number, body="测试区人民政府", filed_on=filed,
                              result=result, decided_on=decided, **kw), user)


def test_table4_counts_decided_in_year_and_pending_at_year_end(agencies, staff, django_assert_num_queries):
    own, h = agencies["own"], staff["handler"]
    add(own, h, "reconsideration", "A", date(2023, 11, 1), "upheld", date(2024, 2, 1))
    add(own, h, "litigation_direct", "B", date(2023, 6, 1), "corrected", date(2025, 5, 1))  # spans two year-ends
    add(own, h, "reconsideration", "C", date(2024, 12, 31))  # filed on the last day, still pending
    add(own, h, "litigation_after_reconsideration", "D", date(2024, 3, 1), "other", date(2024, 12, 31))
    add(own, h, "reconsideration", "F", date(2025, 1, 1))  # after the year: not in 2024
    add(agencies["other"], staff["other_handler"], "reconsideration", "E", date(2024, 5, 1))  # another agency

    with django_assert_num_queries(1):
        t2024 = table4(own, 2024)
    assert list(t2024) == [k for k, _ in APPEAL_GROUPS]
    assert all(list(row) == [c.key for c in APPEAL_COLUMNS] for row in t2024.values())
    assert t2024 == {
        "reconsideration": {**ZERO, "upheld": 1, "pending": 1, "total": 2},
        "litigation_direct": {**ZERO, "pending": 1, "total": 1},
        "litigation_after_reconsideration": {**ZERO, "other": 1, "total": 1},
    }
    assert table4(own, 2023) == {
        "reconsideration": {**ZERO, "pending": 1, "total": 1},
        "litigation_direct": {**ZERO, "pending": 1, "total": 1},
        "litigation_after_reconsideration": ZERO,
    }
    assert table4(own, 2025) == {
        "reconsideration": {**ZERO, "pending": 2, "total": 2},  # C carried on, F new
        "litigation_direct": {**ZERO, "corrected": 1, "total": 1},
        "litigation_after_reconsideration": ZERO,
    }
    assert table4(own, 2022) == {k: ZERO for k, _ in APPEAL_GROUPS}
    assert table4(agencies["other"], 2024)["reconsideration"] == {**ZERO, "pending": 1, "total": 1}


@pytest.mark.parametrize("fields, field, message", [
    (dict(result="upheld"), "decided_on", "已填写结果，请填写审结日期。"),
    (dict(decided_on=date(2024, 5, 1)), "result", "已填写审结日期，请选择结果"),
    (dict(result="corrected", decided_on=date(2024, 2, 29)), "decided_on", "审结日期不能早于立案（申请）日期。"),
    (dict(kind="appeal"), "kind", "不是有效选项"),
    (dict(result="pending"), "result", "不是有效选项"),
    (dict(case_number="  "), "case_number", "请填写案号。"),
    (dict(body=" "), "body", "请填写复议机关或法院。"),
    (dict(filed_on=None), "filed_on", "请填写立案（申请）日期。"),
    (dict(filed_on=date.today() + timedelta(days=2)), "filed_on", "立案（申请）日期不能晚于今天。"),
    (dict(result="upheld", decided_on=date.today() + timedelta(days=2)), "decided_on", "审结日期不能晚于今天。"),
])
def test_validation_in_chinese_and_nothing_written(agencies, staff, fields, field, message):
    entries = AuditEntry.objects.count()
    data = dict(agency=agencies["own"], kind="reconsideration", case_number="X1", body="测试区人民政府",
                filed_on=date(2024, 3, 1))
    data.update(fields)
    with pytest.raises(ValidationError) as exc:
        save_appeal(Appeal(**data), staff["handler"])
    assert any(message in m for m in exc.value.message_dict[field])
    assert Appeal.objects.count() == 0 and AuditEntry.objects.count() == entries


def test_application_of_another_agency_and_duplicate_case_number(agencies, staff, make_case):
    foreign = make_case(agency=agencies["other"])
    with pytest.raises(ValidationError) as exc:
        add(agencies["own"], staff["handler"], "reconsideration", "X", date(2024, 3, 1), application=foreign)
    assert exc.value.message_dict["application"] == ["相关申请不属于本机关。"]
    own_case = make_case()
    appeal = add(agencies["own"], staff["handler"], "reconsideration", "X", date(2024, 3, 1), application=own_case)
    assert appeal.application == own_case
    with pytest.raises(ValidationError) as exc:
        add(agencies["own"], staff["head"], "litigation_direct", "X", date(2024, 4, 1))
    assert "本机关已登记过该案号。" in exc.value.messages
    # the same number at another agency is another case
    add(agencies["other"], staff["other_handler"], "reconsideration", "X", date(2024, 3, 1))


def test_save_requires_appeal_edit_in_that_agency(agencies, staff):
    for who in ("reviewer", "registrar", "supervisor", "admin", "auditor", "other_handler"):
        with pytest.raises(PermissionDenied):
            add(agencies["own"], staff[who], "reconsideration", f"N-{who}", date(2024, 3, 1))
    assert Appeal.objects.count() == 0


def test_audit_entries_for_create_and_edit(agencies, staff):
    appeal = add(agencies["own"], staff["handler"], "reconsideration", "（2024）复字1号", date(2024, 3, 1))
    appeal.result, appeal.decided_on = "corrected", date(2024, 6, 1)
    save_appeal(appeal, staff["head"])
    entries = list(AuditEntry.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk)).order_by("seq"))
    assert [(e.action, e.actor_id, e.agency_id) for e in entries] == [
        ("appeal.create", staff["handler"].pk, agencies["own"].pk),
        ("appeal.edit", staff["head"].pk, agencies["own"].pk)]
    assert entries[0].summary == "登记行政复议：（2024）复字1号"
    assert entries[1].data["changed"] == {"result": ["", "corrected"], "decided_on": [None, "2024-06-01"]}
    assert audit.verify_chain() == []


# -- pages -----------------------------------------------------------------------------------------

def test_pages_list_filter_detail(agencies, staff, login, make_case):
    own = agencies["own"]
    case = make_case()
    a = add(own, staff["handler"], "reconsideration", "复-1", date(2024, 3, 1), "upheld", date(2024, 5, 1),
            application=case)
    add(own, staff["handler"], "litigation_direct", "诉-1", date(2023, 3, 1))
    add(own, staff["handler"], "litigation_direct", "诉-2", date(2022, 3, 1), "other", date(2022, 9, 1))
    c = login(staff["reviewer"])  # read-only role
    page = c.get("/staff/appeals/t-own/?year=2024").content.decode()
    assert COUNTING_RULE in page and "本平台约定" in page
    assert "复-1" in page and "诉-1" in page and "诉-2" not in page  # 诉-2 belongs to 2022 only
    assert "登记案件" not in page  # reviewer cannot record
    assert "诉-1" not in c.get("/staff/appeals/t-own/?result=upheld").content.decode()
    only_pending = c.get("/staff/appeals/t-own/?result=pending").content.decode()
    assert "诉-1" in only_pending and "复-1" not in only_pending
    assert "复-1" not in c.get("/staff/appeals/t-own/?kind=litigation_direct").content.decode()
    assert c.get("/staff/appeals/t-own/?year=abc").status_code == 200  # a bad filter is an error on the form
    detail = c.get(f"/staff/appeals/t-own/{a.pk}/").content.decode()
    assert "结果维持" in detail and "测试区人民政府" in detail and "登记行政复议：复-1" in detail
    assert f"/staff/applications/{case.pk}/" in detail
    assert c.get("/staff/appeals/t-own/new/").status_code == 403
    assert c.get(f"/staff/appeals/t-own/{a.pk}/edit/").status_code == 403
    # the staff home links here for whoever may view appeals
    assert "/staff/appeals/" in c.get("/staff/").content.decode()
    assert c.get("/staff/appeals/").status_code == 302


def test_pages_other_agency_is_404(agencies, staff, login):
    a = add(agencies["own"], staff["handler"], "reconsideration", "复-1", date(2024, 3, 1))
    c = login(staff["other_handler"])
    assert c.get("/staff/appeals/t-own/").status_code == 404
    assert c.get(f"/staff/appeals/t-own/{a.pk}/").status_code == 404
    assert c.get(f"/staff/appeals/t-own/{a.pk}/edit/").status_code == 404
    assert c.get(f"/staff/appeals/t-other/{a.pk}/").status_code == 404  # right agency URL, wrong object
    assert c.get(f"/staff/appeals/t-other/{a.pk}/edit/").status_code == 404
    assert c.post("/staff/appeals/t-own/new/", {}).status_code == 404
    # the supervisor of the parent government reads but never records
    s = login(staff["supervisor"])
    assert s.get(f"/staff/appeals/t-own/{a.pk}/").status_code == 200
    assert s.get("/staff/appeals/t-own/new/").status_code == 403
    # anonymous: to the login page
    s.logout()
    assert s.get("/staff/appeals/t-own/").status_code == 302


def test_form_create_edit_and_errors(agencies, staff, login, make_case):
    c = login(staff["handler"])
    foreign = make_case(agency=agencies["other"])
    base = {"kind": "reconsideration", "case_number": "临政复〔2024〕7号", "body": "测试区人民政府",
            "filed_on": "2024-03-01", "result": "", "decided_on": "", "notes": ""}
    r = c.post("/staff/appeals/t-own/new/", {**base, "result": "upheld"})
    assert r.status_code == 200 and "已填写结果，请填写审结日期。" in r.content.decode()
    r = c.post("/staff/appeals/t-own/new/", {**base, "application": foreign.pk})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()  # not offered at all
    r = c.post("/staff/appeals/t-own/new/", {**base, "result": "upheld", "decided_on": "2024-02-01"})
    assert "审结日期不能早于立案（申请）日期。" in r.content.decode()
    assert Appeal.objects.count() == 0
    r = c.post("/staff/appeals/t-own/new/", base)
    appeal = Appeal.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/staff/appeals/t-own/{appeal.pk}/"
    assert appeal.agency == agencies["own"] and appeal.created_by == staff["handler"] and appeal.pending
    r = c.post(f"/staff/appeals/t-own/{appeal.pk}/edit/", {**base, "result": "corrected", "decided_on": "2024-08-08"})
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.result, appeal.decided_on) == ("corrected", date(2024, 8, 8))
    assert list(AuditEntry.objects.filter(target_type="appeals.appeal").order_by("seq")
                .values_list("action", flat=True)) == ["appeal.create", "appeal.edit"]
    assert table4(agencies["own"], 2024)["reconsideration"] == {**ZERO, "corrected": 1, "total": 1}


# -- the annual report -----------------------------------------------------------------------------

def test_portal_build_report_fills_table4(agencies, staff):
    from gongkai.portal.services import build_report

    own, h = agencies["own"], staff["handler"]
    add(own, h, "reconsideration", "A", date(2024, 1, 5), "upheld", date(2024, 3, 1))
    add(own, h, "reconsideration", "B", date(2024, 2, 5), "corrected", date(2024, 4, 1))
    add(own, h, "litigation_direct", "C", date(2024, 6, 5))
    add(own, h, "litigation_after_reconsideration", "D", date(2024, 6, 5), "other", date(2024, 11, 1))
    report = build_report(own, 2024)
    for group, row in table4(own, 2024).items():
        for col, n in row.items():
            assert report.get(f"appeals.{group}.{col}") == n
    assert report.get("appeals.reconsideration.total") == 2
    assert report.get("appeals.litigation_direct.pending") == 1
    assert not [f for f in check(report) if f.rule == "appeal_total" or
                (f.rule == "blank_cell" and any(c.startswith("appeals.") for c in f.cells))]
    # the check does catch a broken 表四, so the assertion above means something
    report.set("appeals.reconsideration.total", 3)
    assert [f.rule for f in check(report) if f.rule == "appeal_total"] == ["appeal_total"]


def test_demo_is_idempotent_and_keeps_the_seed_2024_table4(db, shared):
    import json

    from gongkai.agencies import demo as agencies_demo
    from gongkai.agencies.models import Agency
    from gongkai.appeals import demo
    from gongkai.applications import demo as applications_demo

    agencies_demo.load()
    applications_demo.load()
    assert demo.load()
    assert demo.load() == []
    seed = Agency.objects.get(slug="linzi-xzsp")
    sibling = Agency.objects.get(slug="linzi-zrzy")
    assert Appeal.objects.count() == 2
    fixture = json.loads((shared / "fixtures/seed-2024.json").read_text(encoding="utf-8"))
    assert fixture["agency"] == seed.name
    assert table4(seed, 2024) == fixture["appeals"]
    assert table4(seed, 2025)["reconsideration"] == {**ZERO, "upheld": 1, "total": 1}
    assert table4(sibling, 2025)["litigation_direct"] == {**ZERO, "pending": 1, "total": 1}
    upheld = Appeal.objects.get(agency=seed)
    assert upheld.application.tracking_code == "DEMO2024A002"
    assert AuditEntry.objects.filter(action="appeal.create").count() == 2
