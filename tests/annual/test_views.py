"""Staff pages of the annual report: compile page, drill-down, inputs, import, ledger; tenancy."""
import io
from datetime import date

import pytest
from django.urls import reverse

from gongkai.annual.models import LedgerEntry, ProactiveStats, StatsImport
from gongkai.portal.models import PublishedReport

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_compile_page_shows_status_cells_with_drill_down_and_findings(client, agencies, staff, make_case):
    own = agencies["own"]
    app = make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    login(client, staff["handler"])
    page = client.get(reverse("annual:compile", args=[own.slug, 2024])).content.decode()
    assert "逾期" in page  # a 2024 department report unpublished after 31 January 2025
    assert "表二“行政许可”“行政处罚”“行政强制”“行政事业性收费”尚未录入" in page
    cell = reverse("annual:cell", args=[own.slug, 2024, "applications.granted.natural_person"])
    assert f'href="{cell}"' in page
    drill = client.get(cell).content.decode()
    assert app.number in drill and reverse("applications:case", args=[app.pk]) in drill
    empty = client.get(reverse("annual:cell", args=[own.slug, 2024, "applications.withheld_third_party.total"]))
    assert "没有计入本单元格的记录" in empty.content.decode()
    assert client.get(reverse("annual:cell", args=[own.slug, 2024, "applications.nope.total"])).status_code == 404
    # Another agency's report is a 404, not a 403.
    assert client.get(reverse("annual:compile", args=[agencies["other"].slug, 2024])).status_code == 404
    assert client.get(reverse("annual:cell", args=[agencies["other"].slug, 2024, "applications.granted.total"])).status_code == 404
    assert client.get(reverse("annual:compile", args=[own.slug, 1999])).status_code == 404


def test_stats_form_import_and_drill_down_to_the_import(client, agencies, staff):
    own, other = agencies["own"], agencies["other"]
    login(client, staff["handler"])
    url = reverse("annual:inputs", args=[own.slug, 2024])
    r = client.post(url, {"save_stats": "1", "stats-licensing": "-1", "stats-punishment": "0", "stats-coercion": "0",
                          "stats-fees_10k_yuan": "0.125"})
    assert r.status_code == 200 and not ProactiveStats.objects.exists()
    r = client.post(url, {"save_stats": "1", "stats-licensing": "28591", "stats-punishment": "0",
                          "stats-coercion": "0", "stats-fees_10k_yuan": "0"})
    assert r.status_code == 302 and ProactiveStats.objects.get(agency=own, year=2024).licensing == 28591
    # Import: one bad row → nothing imported, every bad row reported.
    csv = ("机关,年度,行政许可,行政处罚,行政强制,行政事业性收费（万元）\n"
           f"{own.name},2023,5,1,0,1.50\n{own.credit_code},2022,x,1,0,0\n{other.name},2023,1,1,1,0\n"
           "不存在的局,2023,1,1,1,0\n").encode("utf-8")
    r = client.post(reverse("annual:stats_import"), {"file": _upload("s.csv", csv)})
    body = r.content.decode()
    assert "未导入任何数据" in body and "第3行" in body and "第4行" in body and "第5行" in body
    assert "第2行" not in body
    assert not ProactiveStats.objects.filter(year=2023).exists() and not StatsImport.objects.exists()
    good = ("机关,年度,行政许可,行政处罚,行政强制,行政事业性收费（万元）\n"
            f"{own.name},2023,5,1,0,1.50\n{own.credit_code},2022,7,0,0,0\n").encode("gb18030")
    r = client.post(reverse("annual:stats_import"), {"file": _upload("s.csv", good)})
    assert r.status_code == 302
    s = ProactiveStats.objects.get(agency=own, year=2023)
    assert (s.licensing, str(s.fees_10k_yuan), s.source_import.filename) == (5, "1.50", "s.csv")
    drill = client.get(reverse("annual:cell", args=[own.slug, 2023, "proactive.licensing.decisions"])).content.decode()
    assert "由导入文件“s.csv”" in drill
    # XLSX works the same way.
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["机关", "年度", "行政许可", "行政处罚", "行政强制", "行政事业性收费（万元）"])
    wb.active.append([own.name, 2021, 3, 0, 0, 0])
    buf = io.BytesIO()
    wb.save(buf)
    assert client.post(reverse("annual:stats_import"), {"file": _upload("s.xlsx", buf.getvalue())}).status_code == 302
    assert ProactiveStats.objects.get(agency=own, year=2021).licensing == 3
    r = client.post(reverse("annual:stats_import"), {"file": _upload("s.xlsx", b"PK\x03\x04garbage")})
    assert "无法读取 Excel 文件" in r.content.decode()


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_sections_check_publish_through_pages_and_permissions(client, agencies, staff, stats):
    own = agencies["own"]
    stats()
    login(client, staff["registrar"])  # may view, not edit
    assert client.get(reverse("annual:compile", args=[own.slug, 2024])).status_code == 200
    assert client.post(reverse("annual:sections", args=[own.slug, 2024]), {"s1": "x"}).status_code == 403
    login(client, staff["handler"])
    r = client.post(reverse("annual:sections", args=[own.slug, 2024]),
                    {"s1": "2024年共收到政府信息公开申请9件。", "s5": "", "s6": ""})
    assert r.status_code == 302
    page = client.get(reverse("annual:compile", args=[own.slug, 2024])).content.decode()
    assert 'data-rule="prose_numbers"' in page
    assert client.post(reverse("annual:publish", args=[own.slug, 2024])).status_code == 403
    login(client, staff["head"])
    client.post(reverse("annual:publish", args=[own.slug, 2024]))
    assert PublishedReport.objects.get(agency=own, year=2024).version == 1
    r = client.post(reverse("annual:publish", args=[own.slug, 2024]), {"correction_note": "x" * 3000})
    assert PublishedReport.objects.filter(agency=own).count() == 1
    login(client, staff["supervisor"])
    assert client.post(reverse("annual:publish", args=[own.slug, 2024])).status_code == 403
    for fmt in ("html", "docx", "pdf", "xlsx", "json"):
        r = client.get(reverse("annual:draft_file", args=[own.slug, 2024, fmt]))
        assert r.status_code == 200 and "attachment" in r["Content-Disposition"]


def test_ledger_pages_and_other_agency_entry_is_404(client, agencies, staff):
    own, other = agencies["own"], agencies["other"]
    login(client, staff["handler"])
    r = client.post(reverse("annual:ledger", args=[own.slug]), {
        "source": "self", "found_on": "2024-05-01", "problem": "目录分类不准确", "measure": "", "responsible": "",
        "due_on": "2024-04-01"})
    assert "整改期限不能早于发现日期" in r.content.decode()
    client.post(reverse("annual:ledger", args=[own.slug]), {
        "source": "self", "found_on": "2024-05-01", "problem": "目录分类不准确", "measure": "", "responsible": "张科长",
        "due_on": "2024-06-01"})
    entry = LedgerEntry.objects.get(agency=own)
    assert "逾期未整改" in client.get(reverse("annual:ledger", args=[own.slug])).content.decode()
    foreign = LedgerEntry.objects.create(agency=other, source="self", found_on=date(2024, 1, 1), problem="x",
                                         due_on=date(2024, 2, 1))
    assert client.post(reverse("annual:ledger_close", args=[own.slug, foreign.pk]),
                       {"closed_on": "2024-05-02", "measure": "y"}).status_code == 404
    assert client.post(reverse("annual:ledger_close", args=[other.slug, foreign.pk]),
                       {"closed_on": "2024-05-02", "measure": "y"}).status_code == 404
    client.post(reverse("annual:ledger_close", args=[own.slug, entry.pk]),
                {"closed_on": "2024-05-20", "measure": "重新核对分类", "note": "已整改"})
    assert LedgerEntry.objects.get(pk=entry.pk).closed_on == date(2024, 5, 20)
    assert LedgerEntry.objects.get(pk=foreign.pk).closed_on is None


def test_proposals_and_facts_pages(client, agencies, staff):
    from gongkai.annual import compile as compiler
    from gongkai.annual.models import PlatformFacts, Proposal

    own = agencies["own"]
    login(client, staff["handler"])
    url = reverse("annual:proposals", args=[own.slug])
    data = {"kind": "cppcc", "number": "2024-1", "title": "关于优化营商环境的提案", "received_on": "2024-03-01",
            "answered_on": "2024-02-01", "result": ""}
    assert "办复日期不能早于交办日期" in client.post(url, data).content.decode()
    data["answered_on"] = "2024-05-01"
    assert client.post(url, data).status_code == 302
    r = client.post(url, data)  # same number again: a Chinese message, not a crash
    assert r.status_code == 200 and Proposal.objects.count() == 1 and 'class="errors"' in r.content.decode()
    r = client.post(reverse("annual:inputs", args=[own.slug, 2024]), {
        "save_facts": "1", "facts-print_count": "16", "facts-print_outlets": "《测试信息》", "facts-new_media_count": "30",
        "facts-new_media_outlets": "", "facts-gazette_count": "0", "facts-media_count": "40", "facts-media_outlets": "",
        "facts-other_items": "年度工作要点落实情况。按要点推进。"})
    assert r.status_code == 302 and PlatformFacts.objects.get(agency=own, year=2024).print_count == 16
    s1, s6 = (compiler.build(own, 2024).sections[k] for k in ("1", "6"))
    assert "《测试信息》等刊发信息16条" in s1
    assert "收到政协提案1件，办复率100%" in s6 and "（三）年度工作要点落实情况。按要点推进。" in s6
    login(client, staff["other_handler"])
    assert client.get(url).status_code == 404


def test_only_the_table_css_is_inline(client, agencies, staff):
    """The production CSP allows one inline style block by hash: the report tables' CSS."""
    import re

    from gongkai.report.render import TABLE_CSS

    login(client, staff["supervisor"])
    for url in (reverse("annual:compile", args=[agencies["own"].slug, 2024]),
                reverse("annual:supervise", args=[agencies["gov"].slug, 2024])):
        page = client.get(url).content.decode()
        assert re.findall(r"<style>(.*?)</style>", page, re.S) == [TABLE_CSS]
        assert "<script" not in page
