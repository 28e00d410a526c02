"""Every transition rule, with dated examples across 2024's National Day holiday (10月1日—7日) and its
make-up working days (9月29日 Sunday, 10月12日 Saturday)."""
from datetime import date

import pytest

from gongkai.agencies.models import AuditEntry
from gongkai.applications import services
from gongkai.applications.models import Application, Event
from gongkai.applications.services import WorkflowError, transition

from .conftest import RIC2, applicant

pytestmark = pytest.mark.django_db


def go(app, name, user, on, **kw):
    return transition(app, name, actor=user, on=on, **kw)


def test_answer_period_20_working_days_across_national_day(make_case):
    app = make_case(received=date(2024, 9, 25))
    assert app.received_on == date(2024, 9, 25)
    assert app.state == "registered"
    assert app.number == "依申〔2024〕1号"
    assert app.due_on == date(2024, 10, 28)  # spec example
    assert app.due_derivation["days"] == 20 and not app.due_provisional
    steps = "".join(app.due_derivation["steps"])
    assert "国庆节" in steps and "2024年9月29日" in steps and "2024年10月12日" in steps


def test_supplement_notice_within_7_working_days(make_case, staff):
    h = staff["handler"]
    late = make_case()
    # 7 working days from 9月25日: 26, 27, 29 (make-up), 30, 10月8, 9, 10 → last day 10月10日.
    with pytest.raises(WorkflowError, match="7个工作日.*2024年10月10日"):
        go(late, "request_supplement", h, date(2024, 10, 11), note="请写明文号", deadline="2024-10-25")
    late.refresh_from_db()
    assert late.state == "registered" and late.supplement_requested_on is None
    assert not late.events.filter(transition="request_supplement").exists()
    ok = make_case()
    ok = go(ok, "request_supplement", h, date(2024, 10, 10), note="请写明文号", deadline="2024-10-25")
    assert ok.state == "supplement_requested" and ok.due_on is None  # clock stopped until the supplement


def test_supplement_restarts_the_clock(make_case, staff):
    h = staff["handler"]
    app = make_case()
    app = go(app, "request_supplement", h, date(2024, 9, 27), note="请写明项目名称", deadline="2024-10-18")
    app = go(app, "receive_supplement", h, date(2024, 10, 8))
    with pytest.raises(WorkflowError, match="只能告知一次"):
        go(app, "request_supplement", h, date(2024, 10, 8), note="x")
    # 20 working days from 10月8日: 10月12日 (Saturday) is a make-up working day → 11月4日.
    assert app.due_on == date(2024, 11, 4)
    assert app.due_derivation["start"] == "2024-10-08"
    assert any("第三十条" in s for s in app.due_derivation["steps"])


def test_no_supplement_by_deadline_is_deemed_withdrawn(make_case, staff):
    h = staff["handler"]
    app = go(make_case(), "request_supplement", h, date(2024, 9, 27), note="请写明项目名称", deadline="2024-10-18")
    with pytest.raises(WorkflowError, match="尚未届满"):
        go(app, "withdraw_no_supplement", h, date(2024, 10, 18))
    app = go(app, "withdraw_no_supplement", h, date(2024, 10, 21))
    assert app.state == "decided" and app.outcome == "other_no_supplement"


def test_consultation_time_is_excluded(make_case, staff):
    h = staff["handler"]
    app = go(make_case(), "start", h, date(2024, 9, 26))
    assert app.handler == h
    app = go(app, "consult_third_party", h, date(2024, 10, 9), party="某公司")
    assert app.state == "consulting"
    # Outstanding: counted to the 15th working day after 10月9日 for now, and marked provisional.
    assert app.due_provisional and "征求意见尚未结束" in app.due_derivation["reason"]
    app = go(app, "receive_opinion", h, date(2024, 10, 15), objection="1", note="涉及商业秘密，不同意公开")
    # Excluded: 10月10, 11, 12 (make-up Saturday), 14, 15 = 5 working days → 10月28日 + 5 = 11月4日.
    assert app.state == "in_progress"
    assert app.due_derivation["excluded_days"] == 5
    assert app.due_on == date(2024, 11, 4) and not app.due_provisional
    assert app.consultations.get().objection


def test_late_opinion_excluded_only_for_15_days(make_case, staff):
    h = staff["handler"]
    app = go(go(make_case(), "start", h, date(2024, 9, 26)), "consult_agency", h, date(2024, 9, 27), party="测试区乙局")
    app = go(app, "receive_opinion", h, date(2024, 11, 29))
    assert app.due_derivation["excluded_days"] == 15
    assert "视为同意公开" in app.events.last().note


def test_one_extension_of_at_most_20_days_approved_by_head(make_case, staff):
    h, head = staff["handler"], staff["head"]
    app = go(make_case(), "start", h, date(2024, 9, 26))
    with pytest.raises(WorkflowError, match="权限"):
        go(app, "extend", h, date(2024, 10, 25), days=20, note="需要检索档案")
    with pytest.raises(WorkflowError, match="最长不得超过20个工作日"):
        go(app, "extend", head, date(2024, 10, 25), days=21, note="需要检索档案")
    with pytest.raises(WorkflowError, match="延期理由"):
        go(app, "extend", head, date(2024, 10, 25), days=20)
    app = go(app, "extend", head, date(2024, 10, 25), days=20, note="需要检索档案")
    assert app.due_on == date(2024, 11, 25) and app.extension_days == 20
    with pytest.raises(WorkflowError, match="只能一次"):
        go(app, "extend", head, date(2024, 10, 28), days=5, note="再延")


def test_extension_refused_after_due_date(make_case, staff):
    app = go(make_case(), "start", staff["handler"], date(2024, 9, 26))
    with pytest.raises(WorkflowError, match="已于2024年10月28日届满"):
        go(app, "extend", staff["head"], date(2024, 10, 29), days=10, note="x")


def test_fee_notice_tiers_and_unpaid_withdrawal(make_case, staff):
    h = staff["handler"]
    app = go(make_case(), "start", h, date(2024, 9, 26))
    with pytest.raises(WorkflowError, match="不收费"):
        go(app, "send_fee_notice", h, date(2024, 10, 9), scheme="per_page", pages=30)
    with pytest.raises(WorkflowError, match="不收费"):  # first application of the month
        go(app, "send_fee_notice", h, date(2024, 10, 9), scheme="per_application")
    for pages, message in (("1e5", "页数必须是正整数。"), ("9" * 5000, "页数必须是正整数。"),
                           ("-5", "页数必须是正整数"), (str(10 ** 9), "页数过大")):
        with pytest.raises(WorkflowError) as exc:  # Chinese, not int()'s English
            go(app, "send_fee_notice", h, date(2024, 10, 9), scheme="per_page", pages=pages)
        assert exc.value.message.startswith(message)
    app = go(app, "send_fee_notice", h, date(2024, 10, 9), scheme="per_page", pages="31")
    assert app.state == "fee_notice" and app.fee_amount == 10 and app.fee_basis["pages"] == 31
    # 20 working days from 10月9日 (make-up 10月12日 counts) → 11月5日.
    with pytest.raises(WorkflowError, match="尚未届满"):
        go(app, "withdraw_unpaid_fee", h, date(2024, 11, 5))
    app = go(app, "withdraw_unpaid_fee", h, date(2024, 11, 6))
    assert app.outcome == "other_unpaid_fee" and app.state == "decided"


def test_fee_paid_in_time_and_per_application_count(make_case, staff):
    h = staff["handler"]
    cases = [make_case(received=date(2024, 3, d)) for d in range(1, 12)]  # 11 in March by one applicant
    make_case(received=date(2024, 3, 12), id_number=RIC2)  # another applicant: not counted
    eleventh = cases[-1]
    assert services.nth_in_month(eleventh) == 11
    app = go(eleventh, "start", h, date(2024, 3, 12))
    app = go(app, "send_fee_notice", h, date(2024, 3, 13), scheme="per_application")
    assert app.fee_amount == 100 and "第11件" in app.fee_basis["steps"][0]
    with pytest.raises(WorkflowError, match="不能早于"):
        go(app, "fee_paid", h, date(2024, 3, 12))
    app = go(app, "fee_paid", h, date(2024, 3, 20))
    assert app.state == "in_progress" and app.fee_paid_on == date(2024, 3, 20)


def test_decision_rules_items_and_partial(make_case, staff):
    h = staff["handler"]
    app = go(make_case(), "start", h, date(2024, 9, 26))
    items = [("环评批复", "granted"), ("企业财务数据", "withheld_third_party")]
    with pytest.raises(WorkflowError, match="只计为“部分公开”"):
        go(app, "decide", h, date(2024, 10, 9), outcome="granted", items=items)
    with pytest.raises(WorkflowError, match="视为放弃申请"):
        go(app, "decide", h, date(2024, 10, 9), outcome="other_no_supplement")
    with pytest.raises(WorkflowError, match="补正"):
        go(app, "decide", h, date(2024, 10, 9), outcome="unavailable_still_unclear")
    app = go(app, "decide", h, date(2024, 10, 9), outcome="partially_granted", items=items, note="财务数据涉及商业秘密")
    assert app.outcome == "partially_granted" and app.items.count() == 2
    # Head sends it back, then approves the second decision.
    app = go(app, "send_back", staff["head"], date(2024, 10, 10), note="请补充理由")
    assert app.state == "in_progress" and app.outcome == ""
    app = go(app, "decide", h, date(2024, 10, 11), outcome="granted", items=[("环评批复", "granted")])
    with pytest.raises(WorkflowError, match="权限"):
        go(app, "approve", h, date(2024, 10, 11))
    app = go(app, "approve", staff["head"], date(2024, 10, 11))
    assert app.state == "approved"


def test_full_path_to_closed_with_reply_letter(make_case, staff):
    h, head = staff["handler"], staff["head"]
    app = go(make_case(), "start", h, date(2024, 9, 26))
    app = go(app, "decide", h, date(2024, 10, 9), outcome="unavailable_not_held", note="经检索，本机关未制作该信息")
    app = go(app, "approve", head, date(2024, 10, 10))
    app = go(app, "issue_reply", head, date(2024, 10, 10))
    assert app.state == "replied" and app.replied_on == date(2024, 10, 10)
    letter = app.letters.get()
    assert letter.kind == "reply" and "第三十六条第（四）项" in letter.text and "六十日" in letter.text
    with pytest.raises(WorkflowError, match="送达方式"):
        go(app, "deliver", h, date(2024, 10, 11))
    app = go(app, "deliver", h, date(2024, 10, 11), method="post")
    app = go(app, "close", h, date(2024, 10, 12))
    assert app.state == "closed"
    assert list(app.events.values_list("transition", flat=True)) == [
        "register", "start", "decide", "approve", "issue_reply", "deliver", "close"]
    assert AuditEntry.objects.filter(action="application.close", target_id=str(app.pk)).exists()


def test_invalid_transition_changes_nothing(make_case, staff):
    app = make_case()
    events, audits = Event.objects.count(), AuditEntry.objects.count()
    with pytest.raises(WorkflowError, match="当前状态为“已登记”，不能执行“负责人审批同意”"):
        go(app, "approve", staff["head"], date(2024, 9, 26))
    with pytest.raises(WorkflowError, match="未知"):
        go(app, "explode", staff["head"], date(2024, 9, 26))
    with pytest.raises(WorkflowError, match="上一步"):
        go(app, "start", staff["handler"], date(2024, 9, 24))
    with pytest.raises(WorkflowError, match="晚于今天"):
        go(app, "start", staff["handler"], date(2999, 1, 1))
    assert Application.objects.get(pk=app.pk).state == "registered"
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events, audits)


@pytest.mark.parametrize("channel, kw, expected", [
    ("in_person", {"submitted_on": date(2024, 9, 25)}, date(2024, 9, 25)),
    ("oral", {"submitted_on": date(2024, 9, 25)}, date(2024, 9, 25)),
    ("post", {"submitted_on": date(2024, 9, 20), "signed_for_on": date(2024, 9, 25)}, date(2024, 9, 25)),
    ("post", {"confirmed_on": date(2024, 9, 27)}, date(2024, 9, 27)),  # ordinary letter: confirmation day
    ("email", {"submitted_on": date(2024, 9, 20), "confirmed_on": date(2024, 9, 26)}, date(2024, 9, 26)),
    ("fax", {"confirmed_on": date(2024, 9, 26)}, date(2024, 9, 26)),
])
def test_receipt_date_per_channel(agencies, staff, channel, kw, expected):
    app = services.register_application(agencies["own"], applicant(), channel=channel, actor=staff["registrar"], **kw)
    assert app.received_on == expected


@pytest.mark.parametrize("channel, kw, message", [
    ("post", {"submitted_on": date(2024, 9, 20)}, "签收日期"),
    ("email", {"submitted_on": date(2024, 9, 20)}, "双方确认"),
    ("in_person", {}, "当面提交"),
    ("online", {"confirmed_on": date(2024, 9, 20)}, "门户"),
])
def test_receipt_date_missing(agencies, staff, channel, kw, message):
    with pytest.raises(WorkflowError, match=message):
        services.register_application(agencies["own"], applicant(), channel=channel, actor=staff["registrar"], **kw)
    assert not Application.objects.exists()


def test_online_submission_received_when_confirmed(agencies, staff, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: date(2024, 9, 27))
    app = services.submit_online(agencies["own"], applicant())
    assert app.state == "submitted" and app.received_on is None and app.due_on is None
    with pytest.raises(WorkflowError, match="早于"):
        go(app, "register", staff["registrar"], date(2024, 9, 26))
    monkeypatch.setattr(services, "today", lambda: date(2024, 9, 30))
    with pytest.raises(WorkflowError, match="权限"):
        go(app, "register", staff["handler"], date(2024, 9, 29))
    app = go(app, "register", staff["registrar"], date(2024, 9, 29))  # make-up Sunday
    assert app.received_on == date(2024, 9, 29) and app.number == "依申〔2024〕1号"
    assert app.due_on is not None


@pytest.mark.parametrize("kw, message", [
    ({"id_number": "110105194912310021"}, "居民身份证号码不正确"),
    ({"applicant_type": "commercial", "id_type": "uscc", "id_number": "91370305MA3C0000X1"}, "统一社会信用代码不正确"),
    ({"applicant_type": "commercial"}, "统一社会信用代码"),
    ({"phone": ""}, "联系方式"),
    ({"applicant_type": "robot"}, "申请人类型"),
])
def test_intake_validation(agencies, staff, kw, message):
    with pytest.raises(WorkflowError, match=message):
        services.register_application(agencies["own"], applicant(**kw), channel="in_person",
                                      actor=staff["registrar"], submitted_on=date(2024, 9, 25))


def test_identity_encrypted_and_masked(make_case):
    app = make_case()
    assert app.id_masked == "110105********002X"
    assert "19491231" not in app.id_encrypted
    from gongkai.applications import identity
    assert identity.decrypt(app.id_encrypted) == "11010519491231002X"
