"""Compiling, checking, publishing and correcting an agency's report (gongkai.annual.compile)."""
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gongkai.agencies.models import AuditEntry
from gongkai.annual import compile as compiler
from gongkai.annual import inputs
from gongkai.annual.models import LedgerEntry, PlatformFacts, Proposal
from gongkai.portal.models import PublishedReport
from gongkai.report import checks
from gongkai.report.model import Report

pytestmark = pytest.mark.django_db


def test_tables_take_recorded_statistics_and_never_guess(agencies, stats):
    report = compiler.tables(agencies["own"], 2024)
    assert report.get("proactive.licensing.decisions") is None  # not recorded: blank
    stats(licensing=28591, fees_10k_yuan=Decimal("1.25"))
    report = compiler.tables(agencies["own"], 2024)
    assert report.get("proactive.licensing.decisions") == 28591
    assert report.get("proactive.fees.amount_10k_yuan") == 1.25
    assert compiler.tables(agencies["other"], 2024).get("proactive.licensing.decisions") is None


def test_drafted_sections_state_the_data_and_pass_prose_numbers(agencies, staff, make_case, stats):
    own = agencies["own"]
    make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    make_case(received=date(2024, 12, 30), id_number="370305199001011231")  # open at year end
    stats()
    PlatformFacts.objects.create(agency=own, year=2024, print_count=16, print_outlets="《测试信息》", new_media_count=30,
                                 media_count=40, other_items="年度政务公开工作创新情况。开展政策宣讲。")
    Proposal.objects.create(agency=own, kind="cppcc", number="1", title="提案", received_on=date(2024, 3, 1),
                            answered_on=date(2024, 5, 1))
    Proposal.objects.create(agency=own, kind="npc", number="2", title="建议", received_on=date(2024, 3, 1))
    LedgerEntry.objects.create(agency=own, source="self", found_on=date(2024, 5, 1), problem="栏目更新不及时",
                               measure="建立每周巡查制度", due_on=date(2024, 6, 30), closed_on=date(2024, 6, 1))
    report, drafted = compiler.compile_report(own, 2024)
    s1, s5, s6 = report.sections["1"], report.sections["5"], report.sections["6"]
    assert "2024年共收到政府信息公开申请2件" in s1 and "1件结转下年度继续办理" in s1
    assert "《测试信息》等刊发信息16条" in s1 and "发布信息30篇" in s1 and "全年刊发40篇" in s1
    assert "全年公开行政许可决定10件" in s1
    assert "一是栏目更新不及时。" in s5 and "建立每周巡查制度（已于2024年6月1日整改销号）" in s5
    assert "本年度收到人大建议1件；收到政协提案1件，办复率50%。" in s6
    assert "（三）年度政务公开工作创新情况。开展政策宣讲。" in s6
    assert checks.check(report) == []


def test_edited_prose_number_is_found_and_restoring_the_draft_clears_it(agencies, staff, make_case, stats):
    own = agencies["own"]
    make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    stats()
    report, drafted = compiler.compile_report(own, 2024)
    wrong = drafted["1"].replace("共收到政府信息公开申请1件", "共收到政府信息公开申请5件")
    compiler.save_sections(own, 2024, {"1": wrong, "5": drafted["5"], "6": drafted["6"]}, staff["handler"])
    report, _ = compiler.compile_report(own, 2024)
    found = compiler.findings(own, 2024, report)
    assert [f.rule for f in found] == ["prose_numbers"] and "5件" in found[0].message
    assert AuditEntry.objects.filter(action="report.edit", agency=own).count() == 1
    # A table 二 figure restated in the prose is checked too.
    wrong = drafted["1"].replace("行政许可决定10件", "行政许可决定11件")
    compiler.save_sections(own, 2024, {"1": wrong}, staff["handler"])
    (f,) = compiler.findings(own, 2024, compiler.build(own, 2024))
    assert f.cells == ["proactive.licensing.decisions"] and "为 10" in f.message
    compiler.save_sections(own, 2024, {"1": "", "5": "", "6": ""}, staff["handler"])  # back to the draft
    report, _ = compiler.compile_report(own, 2024)
    assert compiler.findings(own, 2024, report) == []
    with pytest.raises(PermissionDenied):
        compiler.save_sections(own, 2024, {"1": "x"}, staff["registrar"])


def test_publish_versions_hash_audit_and_diff(agencies, staff, make_case, stats):
    own = agencies["own"]
    make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    stats()
    with pytest.raises(PermissionDenied):
        compiler.publish(own, 2024, staff["handler"])  # report.publish: reviewer or head
    v1 = compiler.publish(own, 2024, staff["head"])
    assert v1.version == 1 and v1.content_hash == compiler.content_hash(v1.data)
    entry = AuditEntry.objects.get(action="report.publish", agency=own)
    assert entry.data["sha256"] == v1.content_hash
    with pytest.raises(PermissionError):
        v1.save()  # frozen
    # Nothing changed: no new version. A change shows cell by cell, and needs a 更正说明 to republish.
    with pytest.raises(compiler.PublishError, match="无需重新发布"):
        compiler.publish(own, 2024, staff["head"], "更正")
    make_case(received=date(2024, 5, 6), outcome="unavailable_not_held", replied=date(2024, 5, 8),
              id_number="370305199001011231")
    now, _ = compiler.compile_report(own, 2024)
    keys = {c.key for c in compiler.diff(v1.report(), now)}
    assert {"applications.new_received.total", "applications.unavailable_not_held.natural_person",
            "sections.1"} <= keys
    with pytest.raises(compiler.PublishError, match="更正说明"):
        compiler.publish(own, 2024, staff["head"])
    v2 = compiler.publish(own, 2024, staff["head"], "补录一件申请")
    assert v2.version == 2 and v2.correction_note == "补录一件申请" and v2.content_hash != v1.content_hash
    assert PublishedReport.objects.filter(agency=own, year=2024).count() == 2  # the old one is kept
    assert compiler.diff(v2.report(), compiler.build(own, 2024)) == []
    assert compiler.status(own, 2024, today=date(2025, 1, 10)).code == "published"


def test_error_blocks_publication_cross_year_with_uploaded_report(agencies, staff, make_case, stats, shared):
    own = agencies["own"]
    stats()
    last = Report.from_dict(json.loads((shared / "fixtures" / "seed-2024.json").read_text()))
    last.year = 2023
    last.set("applications.carried_forward.natural_person", 1)
    last.set("applications.carried_forward.total", 1)
    last.set("applications.new_received.natural_person", 3)
    last.set("applications.new_received.total", 3)
    compiler.upload_previous(own, 2024, "2023.json", last.to_json().encode(), staff["handler"])
    report, _ = compiler.compile_report(own, 2024)
    found = compiler.findings(own, 2024, report)
    assert "carry_over" in {f.rule for f in found if f.severity == "error"}
    with pytest.raises(compiler.PublishError) as exc:
        compiler.publish(own, 2024, staff["head"])
    assert exc.value.findings and not PublishedReport.objects.filter(agency=own).exists()
    # Last year's report of another year is refused with a Chinese reason.
    from gongkai.report.errors import ReportError

    last.year = 2020
    with pytest.raises(ReportError, match="应为 2023 年度报告"):
        compiler.upload_previous(own, 2024, "x.json", last.to_json().encode(), staff["handler"])


def test_status_deadlines_art49(agencies, staff, stats):
    own, gov = agencies["own"], agencies["gov"]
    assert compiler.deadline(own, 2024) == date(2025, 1, 31)  # department
    assert compiler.deadline(gov, 2024) == date(2025, 3, 31)  # people's government
    assert compiler.status(own, 2024, today=date(2025, 1, 5)).code == "not_started"
    stats()
    assert compiler.status(own, 2024, today=date(2025, 1, 5)).code == "drafting"
    assert compiler.mark_checked(own, 2024, staff["handler"]) is not None
    assert compiler.status(own, 2024, today=date(2025, 1, 5)).code == "checked"
    stats(licensing=11)  # changed inputs need a new check
    assert compiler.status(own, 2024, today=date(2025, 1, 5)).code == "drafting"
    late = compiler.status(own, 2024, today=date(2025, 2, 1))
    assert late.code == "overdue" and late.label == "逾期"
    assert compiler.status(gov, 2024, today=date(2025, 2, 1)).code == "not_started"


def test_ledger_close_needs_measure_and_is_audited(agencies, staff):
    from django.core.exceptions import ValidationError

    e = inputs.save_ledger_entry(LedgerEntry(agency=agencies["own"], source="complaint", found_on=date(2024, 4, 1),
                                             problem="指南联系电话有误", due_on=date(2024, 4, 30)), staff["handler"])
    with pytest.raises(ValidationError):
        inputs.close_ledger_entry(e, staff["handler"], closed_on=date(2024, 4, 10), measure="", note="")
    with pytest.raises(ValidationError):
        inputs.close_ledger_entry(e, staff["handler"], closed_on=date(2024, 3, 1), measure="更正", note="")
    inputs.close_ledger_entry(e, staff["handler"], closed_on=date(2024, 4, 10), measure="更正电话", note="已更正")
    assert LedgerEntry.objects.get(pk=e.pk).closed_on == date(2024, 4, 10)
    assert AuditEntry.objects.filter(action="ledger.close").count() == 1
    with pytest.raises(PermissionDenied):
        inputs.save_ledger_entry(LedgerEntry(agency=agencies["own"], source="self", found_on=date(2024, 4, 1),
                                             problem="x", due_on=date(2024, 4, 30)), staff["other_handler"])


def test_demo_reproduces_the_seed_through_the_cli(tmp_path, shared, capsys):
    from django.core.management import call_command

    from gongkai.cli import main

    call_command("load_demo")
    out = tmp_path / "r.json"
    assert main(["annual", "build", "--agency", "淄博市临淄区行政审批服务局", "--year", "2024", "--to", "json",
                 "-o", str(out)]) == 0
    got = json.loads(out.read_text())
    seed = json.loads((shared / "fixtures" / "seed-2024.json").read_text())
    for table in ("proactive", "applications", "appeals"):
        assert got[table] == seed[table], table
    for k in ("1", "5", "6"):
        assert got["sections"][k].startswith(seed["sections"][k])
    assert "主动公开信息共计465条" in got["sections"]["1"]
    assert "收到政协提案2件，办复率100%" in got["sections"]["6"]
    assert main(["report", "check", str(out)]) == 0
    # Same by credit code; binary formats need -o; unknown agency is a Chinese error with exit 2.
    from gongkai.agencies.models import Agency

    code = Agency.objects.get(name="淄博市临淄区行政审批服务局").credit_code
    assert main(["annual", "build", "--agency", code, "--year", "2024", "--to", "docx", "-o", str(tmp_path / "r.docx")]) == 0
    assert (tmp_path / "r.docx").read_bytes()[:2] == b"PK"
    capsys.readouterr()
    assert main(["annual", "build", "--agency", "不存在的局", "--year", "2024", "--to", "json"]) == 2
    assert "没有找到机关" in capsys.readouterr().err
    assert main(["annual", "build", "--agency", code, "--year", "2024", "--to", "pdf"]) == 2
    # The demo published it once; publishing again with nothing changed is refused (exit 1), demo is idempotent.
    assert PublishedReport.objects.filter(agency__credit_code=code, year=2024).count() == 1
    assert main(["annual", "publish", "--agency", code, "--year", "2024"]) == 1
    call_command("load_demo")
    assert PublishedReport.objects.filter(agency__credit_code=code, year=2024).count() == 1
    assert LedgerEntry.objects.filter(agency__credit_code=code).count() == 3


def test_reminders_before_deadline_and_supervisor_when_late(agencies, staff, stats, mailoutbox):
    from gongkai.annual import tasks

    own, other = agencies["own"], agencies["other"]
    for u in staff.values():
        u.email = f"{u.username}@example.org"
        u.save()
    soon = tasks.reminders(date(2025, 1, 10))
    gov_staff = staff["admin"]
    from gongkai.agencies.models import Staff

    Staff.objects.create(user=gov_staff, agency=agencies["gov"], role="head")
    # The government's deadline is 31 March: not yet within the 30 days on 10 January; it is by 5 March.
    assert agencies["gov"] not in {a for rows in tasks.reminders(date(2025, 1, 10)).values() for a, *_ in rows}
    assert agencies["gov"] in {a for a, *_ in tasks.reminders(date(2025, 3, 5))[gov_staff]}
    assert {a.name for a, *_ in soon[staff["handler"]]} == {own.name}
    assert staff["supervisor"] not in soon  # not late yet
    stats()
    compiler.publish(own, 2024, staff["head"])
    late = tasks.reminders(date(2025, 2, 3))
    assert staff["handler"] not in late  # published
    assert [(a.name, overdue) for a, _y, _d, overdue in late[staff["supervisor"]]] == [(other.name, True)]
    assert tasks.send_report_reminders.call(on="2025-02-03") >= 2
    assert any("已逾期" in m.body and "第四十九条" in m.body for m in mailoutbox)


def test_cli_publish_and_correct(agencies, stats, capsys):
    from gongkai.cli import main

    own = agencies["own"]
    stats()
    assert main(["annual", "publish", "--agency", own.name, "--year", "2024"]) == 0
    assert "第 1 版" in capsys.readouterr().out
    stats(licensing=12)
    assert main(["annual", "publish", "--agency", own.credit_code, "--year", "2024"]) == 1
    assert "请填写更正说明" in capsys.readouterr().err
    assert main(["annual", "publish", "--agency", own.name, "--year", "2024", "--note", "更正行政许可数量"]) == 0
    v2 = PublishedReport.latest(own, 2024)
    assert (v2.version, v2.correction_note, v2.report().get("proactive.licensing.decisions")) == (2, "更正行政许可数量", 12)
    with pytest.raises(SystemExit) as exc:  # argparse: usage error, exit 2, one Chinese line
        main(["annual", "publish", "--agency", own.name, "--year", "二〇二四"])
    assert exc.value.code == 2 and "年度应为四位数字年份" in capsys.readouterr().err
