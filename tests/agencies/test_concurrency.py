"""No lost updates (gongkai.agencies.concurrency): two staff members acting on the same case, catalogue
item or appeal. Real races between two database connections on PostgreSQL; the stale form (a page
loaded before a colleague acted) through the test client on both databases."""
import re
import threading
import time
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse

from gongkai.agencies.concurrency import STALE_MESSAGE
from gongkai.agencies.models import Staff
from gongkai.appeals.models import Appeal
from gongkai.appeals.services import save_appeal
from gongkai.applications import services as applications
from gongkai.applications.models import Application
from gongkai.applications.services import ApplicantData, WorkflowError
from gongkai.catalog import services as catalog
from gongkai.catalog.models import Category, Item

VERSION = re.compile(r'name="version" value="(\d+)"')


def _second(staff, agencies, role):
    user = get_user_model().objects.create_user(username=f"u-{role}-2", password="x")
    Staff.objects.create(user=user, agency=agencies["own"], role=role)
    return user


def _item(agencies, staff, title="关于行政许可事项的公告") -> Item:
    agency = agencies["own"]
    catalog.seed_categories(agency)
    category = Category.objects.get(agency=agency, name="管理和服务公开")
    return catalog.save_item(Item(agency=agency, title=title, date_made=date(2024, 9, 25), category=category),
                             staff["handler"])


def _case(agencies, staff) -> Application:
    data = ApplicantData(applicant_type="natural_person", applicant_name="张三", id_type="ric",
                         id_number="11010519491231002X", title="某道路建设项目环评批复",
                         description="请公开某道路建设项目的环境影响评价批复文件。", phone="13800000000")
    return applications.register_application(agencies["own"], data, channel="in_person", actor=staff["registrar"],
                                             submitted_on=date(2024, 9, 25))


def _page_version(response) -> str:
    found = VERSION.findall(response.content.decode())
    assert found, "the form carries the version it was loaded at"
    return found[0]


# -- real races: two connections ---------------------------------------------------------------------

def _skip_in_memory_sqlite():
    name = str(connection.settings_dict["TEST"].get("NAME") or connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and ("mode=memory" in name or name == ":memory:"):
        pytest.skip("the in-memory SQLite test database locks whole tables between threads; "
                    "these races run on PostgreSQL")


def _race(first, second):
    """Run ``first`` in a transaction that stays open while ``second`` starts on another connection,
    then commit it. Returns the outcome (value or exception) of each."""
    out: dict[str, object] = {}
    first_done, second_started = threading.Event(), threading.Event()

    def run_first():
        try:
            with transaction.atomic():
                out["first"] = first()
                first_done.set()
                second_started.wait(10)
                time.sleep(0.5)  # the second is now waiting for our row lock (or, without one, past its check)
        except Exception as exc:  # pragma: no cover - asserted below
            out["first"] = exc
        finally:
            first_done.set()
            connections.close_all()

    def run_second():
        try:
            first_done.wait(10)
            second_started.set()
            out["second"] = second()
        except Exception as exc:
            out["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


@pytest.mark.django_db(transaction=True)
def test_two_editors_save_the_same_draft_at_once(agencies, staff):
    """Both loaded version 1; the first to save wins, the second is told to reload and writes nothing."""
    _skip_in_memory_sqlite()
    item = _item(agencies, staff)
    clerk2 = _second(staff, agencies, "handler")
    a, b = Item.objects.get(pk=item.pk), Item.objects.get(pk=item.pk)
    a.title, b.title = "甲修改的标题", "乙修改的标题"
    out = _race(lambda: catalog.save_item(a, staff["handler"]), lambda: catalog.save_item(b, clerk2))
    assert isinstance(out["first"], Item)
    assert isinstance(out["second"], ValidationError) and out["second"].messages == [STALE_MESSAGE]
    item.refresh_from_db()
    assert (item.title, item.version) == ("甲修改的标题", 2)


@pytest.mark.django_db(transaction=True)
def test_edit_racing_a_submission_does_not_reopen_the_item(agencies, staff):
    """A clerk's save loaded as a draft, racing a colleague's submission for review: the item stays in
    review with the text the reviewer will see."""
    _skip_in_memory_sqlite()
    item = _item(agencies, staff)
    clerk2 = _second(staff, agencies, "handler")
    stale = Item.objects.get(pk=item.pk)
    stale.title = "提交后才改的标题"
    out = _race(lambda: catalog.transition(item, "submit", staff["handler"]), lambda: catalog.save_item(stale, clerk2))
    assert isinstance(out["first"], Item)
    assert isinstance(out["second"], ValidationError) and out["second"].messages == [STALE_MESSAGE]
    item.refresh_from_db()
    assert (item.state, item.title) == (Item.State.REVIEW1, "关于行政许可事项的公告")


@pytest.mark.django_db(transaction=True)
def test_two_handlers_act_on_the_same_case_at_once(agencies, staff):
    _skip_in_memory_sqlite()
    app = _case(agencies, staff)
    handler2 = _second(staff, agencies, "handler")
    v = app.version
    out = _race(lambda: applications.transition(app, "start", actor=staff["handler"], expected_version=v),
                lambda: applications.transition(app, "decide", actor=handler2, expected_version=v,
                                                outcome="granted", items=[("环评批复", "granted")]))
    assert isinstance(out["first"], Application)
    assert isinstance(out["second"], WorkflowError) and out["second"].message == STALE_MESSAGE
    app.refresh_from_db()
    assert (app.state, app.version, app.outcome) == ("in_progress", v + 1, "")
    assert list(app.events.values_list("transition", flat=True)) == ["register", "start"]


@pytest.mark.django_db(transaction=True)
def test_two_editors_save_the_same_appeal_at_once(agencies, staff):
    _skip_in_memory_sqlite()
    appeal = save_appeal(Appeal(agency=agencies["own"], kind="reconsideration", case_number="临复〔2024〕1号",
                                body="临淄区人民政府", filed_on=date(2024, 10, 8)), staff["handler"])
    a, b = Appeal.objects.get(pk=appeal.pk), Appeal.objects.get(pk=appeal.pk)
    a.notes, b.notes = "甲的备注", "乙的备注"
    out = _race(lambda: save_appeal(a, staff["handler"]), lambda: save_appeal(b, staff["head"]))
    assert isinstance(out["first"], Appeal)
    assert isinstance(out["second"], ValidationError) and out["second"].messages == [STALE_MESSAGE]
    appeal.refresh_from_db()
    assert (appeal.notes, appeal.version) == ("甲的备注", 2)


# -- the stale form: a page loaded before a colleague acted ---------------------------------------------

def _item_post(item, title, version):
    return {"title": title, "document_number": "", "issuer": item.issuer, "date_made": "2024-09-25",
            "category": item.category_id, "validity": "valid", "doc_kind": "other", "version": version}


def test_stale_item_form_is_refused_and_overwrites_nothing(client, agencies, staff):
    item = _item(agencies, staff)
    url = reverse("catalog:edit", args=[agencies["own"].slug, item.pk])
    client.force_login(staff["handler"])
    loaded = _page_version(client.get(url))
    # A colleague saves first, from a page loaded at the same version.
    r = client.post(url, _item_post(item, "同事先保存的标题", loaded))
    assert r.status_code == 302
    r = client.post(url, _item_post(item, "过期页面的标题", loaded))
    assert r.status_code == 200 and STALE_MESSAGE in r.content.decode()
    item.refresh_from_db()
    assert (item.title, item.version) == ("同事先保存的标题", int(loaded) + 1)
    # Reloading gives the current version, and then saving works.
    fresh = _page_version(client.get(url))
    assert client.post(url, _item_post(item, "刷新后保存的标题", fresh)).status_code == 302
    item.refresh_from_db()
    assert item.title == "刷新后保存的标题"


def test_reviewer_cannot_approve_a_text_changed_since_the_page_was_loaded(client, agencies, staff):
    item = catalog.transition(_item(agencies, staff), "submit", staff["handler"])
    detail = reverse("catalog:detail", args=[agencies["own"].slug, item.pk])
    client.force_login(staff["reviewer"])
    seen = _page_version(client.get(detail))
    # Meanwhile the head sends it back, the clerk rewrites it and submits it again.
    catalog.transition(item, "reject", staff["head"], reason="标题不准确")
    draft = Item.objects.get(pk=item.pk)
    draft.title = "改写后的标题"
    catalog.save_item(draft, staff["handler"])
    catalog.transition(draft, "submit", staff["handler"])
    r = client.post(reverse("catalog:transition", args=[agencies["own"].slug, item.pk]),
                    {"action": "approve", "version": seen}, follow=True)
    assert STALE_MESSAGE in r.content.decode()
    item.refresh_from_db()
    assert (item.state, item.level1_by_id) == (Item.State.REVIEW1, None)


def test_stale_case_page_step_is_refused(client, agencies, staff):
    app = _case(agencies, staff)
    client.force_login(staff["handler"])
    case = reverse("applications:case", args=[app.pk])
    seen = _page_version(client.get(case))
    r = client.post(reverse("applications:transition", args=[app.pk, "start"]), {"version": seen}, follow=True)
    assert "已完成：开始办理" in r.content.decode()
    # A second tab still showing 已登记 asks for a supplement on the case as it was.
    r = client.post(reverse("applications:transition", args=[app.pk, "request_supplement"]),
                    {"version": seen, "note": "请补充项目名称"}, follow=True)
    assert STALE_MESSAGE in r.content.decode()
    app.refresh_from_db()
    assert (app.state, app.version, app.supplement_requested_on) == ("in_progress", int(seen) + 1, None)
    assert list(app.events.values_list("transition", flat=True)) == ["register", "start"]


def test_stale_appeal_form_is_refused(client, agencies, staff):
    appeal = save_appeal(Appeal(agency=agencies["own"], kind="reconsideration", case_number="临复〔2024〕2号",
                                body="临淄区人民政府", filed_on=date(2024, 10, 8)), staff["handler"])
    url = reverse("appeals:edit", args=[agencies["own"].slug, appeal.pk])
    client.force_login(staff["handler"])
    seen = _page_version(client.get(url))
    post = {"kind": "reconsideration", "case_number": "临复〔2024〕2号", "body": "临淄区人民政府",
            "filed_on": "2024-10-08", "result": "", "decided_on": "", "application": "", "version": seen}
    assert client.post(url, {**post, "notes": "先保存的备注"}).status_code == 302
    r = client.post(url, {**post, "notes": "过期页面的备注"})
    assert r.status_code == 200 and STALE_MESSAGE in r.content.decode()
    appeal.refresh_from_db()
    assert (appeal.notes, appeal.version) == ("先保存的备注", int(seen) + 1)


def test_version_that_is_not_a_number_is_stale(agencies, staff):
    item = _item(agencies, staff)
    with pytest.raises(ValidationError, match=STALE_MESSAGE):
        catalog.save_item(Item.objects.get(pk=item.pk), staff["handler"], expected_version="1\x00")
