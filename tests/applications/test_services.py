from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.applications import services
from gongkai.applications.models import Application
from gongkai.applications.services import WorkflowError, transition
from gongkai.report.checks import check_balance, check_outcome_sum, check_row_total, check_cross_year
from gongkai.report.layouts import APPLICANT_PARTS

from .conftest import RIC2, applicant

pytestmark = pytest.mark.django_db


def go(app, name, user, on, **kw):
    return transition(app, name, actor=user, on=on, **kw)


def answer(app, staff, outcome, decided, replied, **kw):
    h, head = staff["handler"], staff["head"]
    app = go(app, "start", h, decided)
    app = go(app, "decide", h, decided, outcome=outcome, note="理由", **kw)
    app = go(app, "approve", head, replied)
    return go(app, "issue_reply", head, replied)


def test_table3_with_carry_over(make_case, staff, agencies):
    # 2023: one answered in 2023, one received in December and answered in January 2024 (carried forward).
    answer(make_case(received=date(2023, 5, 8)), staff, "granted", date(2023, 5, 9), date(2023, 5, 10))
    late = services.register_application(
        agencies["own"], applicant(applicant_type="research", id_type="other", id_number="科研证123456"),
        channel="post", actor=staff["registrar"], signed_for_on=date(2023, 12, 27))
    # 2024: two received (one answered, one still open at year end), plus the 2023 carry-over.
    answer(make_case(received=date(2024, 3, 4)), staff, "withheld_third_party", date(2024, 3, 5), date(2024, 3, 6))
    make_case(received=date(2024, 12, 30), id_number=RIC2)
    answer(late, staff, "unavailable_not_held", date(2024, 1, 3), date(2024, 1, 5))

    t23 = services.table3(agencies["own"], 2023)
    assert t23["new_received"]["natural_person"] == 1 and t23["new_received"]["research"] == 1
    assert t23["granted"]["total"] == 1 and t23["total_processed"]["total"] == 1
    assert t23["carried_forward"] == {**{p: 0 for p in APPLICANT_PARTS}, "research": 1, "total": 1}

    with CaptureQueriesContext(connection) as ctx:
        t24 = services.table3(agencies["own"], 2024)
    assert len(ctx.captured_queries) == 1
    assert t24["carried_over"]["research"] == 1 and t24["carried_over"]["total"] == 1
    assert t24["new_received"]["natural_person"] == 2 and t24["new_received"]["total"] == 2
    assert t24["withheld_third_party"]["natural_person"] == 1
    assert t24["unavailable_not_held"]["research"] == 1
    assert t24["total_processed"]["total"] == 2
    assert t24["carried_forward"]["natural_person"] == 1 and t24["carried_forward"]["total"] == 1
    # Other agencies' cases never count.
    assert services.table3(agencies["other"], 2024)["new_received"]["total"] == 0

    report = services.build_report(agencies["own"], 2024)
    assert report.get("applications.carried_over.total") == 1
    assert check_balance(report) == [] and check_outcome_sum(report) == [] and check_row_total(report) == []
    assert check_cross_year(report, services.build_report(agencies["own"], 2023)) == []
    old = services.build_report(agencies["own"], 2019)
    assert old.layout == "2019" and "other" in old.applications


def test_decided_but_unanswered_is_carried_forward(make_case, staff, agencies):
    app = go(make_case(received=date(2024, 12, 20)), "start", staff["handler"], date(2024, 12, 23))
    go(app, "decide", staff["handler"], date(2024, 12, 30), outcome="granted")
    t = services.table3(agencies["own"], 2024)
    assert t["carried_forward"]["total"] == 1 and t["granted"]["total"] == 0
    assert list(services.carried_over(agencies["own"], 2025)) == [Application.objects.get()]


def test_provisional_deadline_recomputed_when_year_entered(agencies, staff, monkeypatch):
    from gongkai.workdays.models import CalendarYear
    from gongkai.workdays.services import enter_year

    CalendarYear.objects.filter(year=2027).delete()
    monkeypatch.setattr(services, "today", lambda: date(2026, 12, 21))
    app = services.register_application(agencies["own"], applicant(), channel="in_person",
                                        actor=staff["registrar"], submitted_on=date(2026, 12, 18))
    assert app.due_provisional and "2027年的节假日安排尚未录入" in app.due_derivation["reason"]
    # Counted Monday–Friday for now: 12月21日 … → 2027年1月15日 (1月1日 a Friday counted as working).
    assert app.due_on == date(2027, 1, 15)
    enter_year(2027, [(date(2027, 1, 1), date(2027, 1, 3), "元旦")], [], notice="国办发明电〔2026〕测试号")
    app.refresh_from_db()
    assert not app.due_provisional and app.due_on == date(2027, 1, 18)
    assert any("元旦" in s for s in app.due_derivation["steps"])


def test_duplicate_and_volume_signals(make_case, agencies, staff):
    first = make_case(received=date(2024, 5, 6))
    second = make_case(received=date(2024, 5, 20), description="请公开某道路建设项目的环境影响评价批复文件！")
    other_person = make_case(received=date(2024, 5, 21), id_number=RIC2)
    different = make_case(received=date(2024, 5, 22), title="财政预算", description="请公开2024年部门预算说明")
    dups = services.duplicates(second)
    assert [a.pk for a, _ in dups] == [first.pk] and dups[0][1] >= 0.8
    assert services.duplicates(other_person) == [] and services.duplicates(different) == []
    assert any("重复申请" in s for s in services.suggestions(second))
    assert not any("合理范围" in s for s in services.suggestions(second))
    for d in range(1, 11):
        make_case(received=date(2024, 5, 22), title=f"事项{d}", description=f"内容{d}号")
    many = Application.objects.filter(received_on=date(2024, 5, 22)).exclude(pk=other_person.pk).last()
    assert any("第三十五条" in s for s in services.suggestions(many))
    # Suggestions only: nothing changed on the case.
    assert Application.objects.get(pk=second.pk).state == "registered"


def test_letters_render_docx_and_pdf(make_case, staff, tmp_path):
    import subprocess

    from docx import Document

    h = staff["handler"]
    app = go(make_case(), "request_supplement", h, date(2024, 9, 27), note="请提供项目名称", deadline="2024-10-18")
    letter = services.issue_notice(app, "supplement", actor=h, on=date(2024, 9, 27))
    assert "第三十条" in letter.text and "2024年10月18日" in letter.text and "请提供项目名称" in letter.text
    (tmp_path / "l.docx").write_bytes(bytes(letter.docx))
    doc_text = "\n".join(p.text for p in Document(tmp_path / "l.docx").paragraphs)
    assert "补正告知书" in doc_text and "请提供项目名称" in doc_text
    (tmp_path / "l.pdf").write_bytes(bytes(letter.pdf))
    fonts = subprocess.run(["pdffonts", str(tmp_path / "l.pdf")], capture_output=True, text=True).stdout
    assert "CJK" in fonts
    text = subprocess.run(["pdftotext", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True).stdout
    assert "补正告知书" in text and "第三十条" in text
    again = services.issue_notice(app, "supplement", actor=h, on=date(2024, 9, 27))
    assert again.version == 2
    with pytest.raises(PermissionError):
        letter.text = "改"
        letter.save()
    with pytest.raises(WorkflowError, match="尚未决定延期"):
        services.issue_notice(app, "extension", actor=h)
    with pytest.raises(WorkflowError, match="权限"):
        services.issue_notice(app, "supplement", actor=staff["registrar"])


@pytest.mark.parametrize("outcome", ["granted", "partially_granted", "withheld_third_party",
                                     "unavailable_not_held", "declined_petition", "other_misc"])
def test_reply_letters_cite_articles(make_case, staff, outcome):
    from gongkai.law.outcomes import OUTCOMES

    app = answer(make_case(), staff, outcome, date(2024, 9, 26), date(2024, 9, 27))
    letter = app.letters.get(kind="reply")
    o = OUTCOMES[outcome]
    for article in o.articles:
        assert article in letter.text
    assert "行政复议" in letter.text and bytes(letter.pdf).startswith(b"%PDF")


def test_partial_reply_lists_each_item(make_case, staff):
    items = [("立项批复", "granted"), ("施工人员名单", "withheld_third_party")]
    app = answer(make_case(), staff, "partially_granted", date(2024, 9, 26), date(2024, 9, 27), items=items)
    text = app.letters.get(kind="reply").text
    assert "1. 立项批复：予以公开。" in text and "2. 施工人员名单：不予公开（保护第三方合法权益）。" in text
    assert "第三十七条" in text
    assert services.table3(app.agency, 2024)["partially_granted"]["total"] == 1  # counted once
