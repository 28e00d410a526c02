"""In Debian chromium: a clerk records statistics, edits a drafted section, breaks and fixes a prose
number, the head publishes, a case changes, the difference shows and a correction is republished; a
supervisor sees the late agency and the charts, uploads outside reports and sends a finding to the
agency's 整改台账, which the agency closes."""
import json
from datetime import date

import pytest

from gongkai.annual import compile as compiler
from gongkai.annual.models import ExternalReport, LedgerEntry
from gongkai.portal.models import PublishedReport
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/staff/**")


def test_clerk_compiles_publishes_and_corrects(live_server, page, agencies, staff, make_case):
    own = agencies["own"]
    base = live_server.url
    make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    login(page, base, "u-handler")
    page.goto(f"{base}/staff/annual/{own.slug}/2024/inputs/")
    page.get_by_label("行政许可处理决定数量").fill("28591")
    page.get_by_label("行政处罚处理决定数量").fill("0")
    page.get_by_label("行政强制处理决定数量").fill("0")
    page.get_by_label("行政事业性收费金额（万元）").fill("0")
    page.get_by_role("button", name="保存统计数据").click()
    assert "已保存表二统计数据" in page.locator(".messages").inner_text()

    page.goto(f"{base}/staff/annual/{own.slug}/2024/")
    assert page.locator('td[data-cell="proactive.licensing.decisions"]').inner_text() == "28591"
    section = page.get_by_label("一、总体情况")
    text = section.input_value()
    assert "共收到政府信息公开申请1件" in text
    section.fill(text.replace("申请1件", "申请3件") + "\n全年开展政务公开培训2次。")
    page.get_by_role("button", name="保存文字").click()
    finding = page.locator('#findings li[data-rule="prose_numbers"]')
    assert "申请3件" in finding.inner_text()
    section = page.get_by_label("一、总体情况")
    section.fill(section.input_value().replace("申请3件", "申请1件"))
    page.get_by_role("button", name="保存文字").click()
    assert page.locator('#findings li[data-rule="prose_numbers"]').count() == 0
    assert "开展政务公开培训2次" in page.get_by_label("一、总体情况").input_value()
    # Drill-down from a cell to the case behind it.
    page.locator('td[data-cell="applications.granted.total"] a').click()
    assert "（一）予以公开" in page.locator("h1").inner_text()
    assert page.locator("table.table tbody tr").count() == 1

    login(page, base, "u-head")
    page.goto(f"{base}/staff/annual/{own.slug}/2024/")
    page.get_by_role("button", name="发布年度报告").click()
    assert "已发布2024年度报告第1版" in page.locator(".messages").inner_text()
    # A case changes after publication: the compile page shows the difference cell by cell.
    make_case(received=date(2024, 6, 3), outcome="unavailable_not_held", replied=date(2024, 6, 5),
              id_number="370305199001011231")
    page.goto(f"{base}/staff/annual/{own.slug}/2024/")
    changes = page.locator("#changes")
    assert changes.locator('tr[data-key="applications.new_received.total"]').inner_text().split("\t")[1:] == ["1", "2"]
    page.get_by_role("button", name="发布更正版本").click()
    assert "请填写更正说明" in page.locator(".messages").inner_text()
    page.get_by_label("更正说明（必填）").fill("补录2024年6月收到的一件申请。")
    page.get_by_role("button", name="发布更正版本").click()
    assert "第2版" in page.locator(".messages").inner_text()
    assert "一致" in page.locator("#changes").inner_text()
    assert list(PublishedReport.objects.filter(agency=own).values_list("version", flat=True).order_by("version")) == [1, 2]
    page.goto(f"{base}/gk/{own.slug}/reports/2024/")
    assert "更正说明：补录2024年6月收到的一件申请。" in page.locator(".correction").inner_text()
    with page.expect_download() as dl:
        page.get_by_role("link", name="XLSX").click()
    assert dl.value.suggested_filename == "2024-report-v2.xlsx"


def test_supervisor_sees_late_agency_uploads_and_sends_finding_to_ledger(live_server, page, agencies, staff, shared,
                                                                          tmp_path, stats):
    own, gov = agencies["own"], agencies["gov"]
    stats()
    compiler.save_sections(own, 2024, {"1": "2024年共收到政府信息公开申请4件。"}, staff["handler"])
    compiler.publish(own, 2024, staff["head"])
    base = live_server.url
    login(page, base, "u-supervisor")
    page.goto(f"{base}/staff/annual/")
    page.get_by_label("年度").select_option("2024")
    page.get_by_role("button", name="查看").click()
    page.get_by_role("link", name=f"{gov.name}及所属机关 2024年度报告").click()
    assert agencies["other"].name in page.locator("#late-summary").inner_text()
    assert page.locator("#charts figure.chart svg").count() == 3
    a = tmp_path / "丙局2024.txt"
    a.write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes().replace(
        "淄博市临淄区行政审批服务局".encode(), "测试区丙局".encode()))
    data = json.loads((shared / "fixtures" / "seed-2024.json").read_text())
    data["agency"] = "测试区丁局"
    b = tmp_path / "丁局2024.json"
    b.write_text(json.dumps(data, ensure_ascii=False))
    page.get_by_label("年度报告文件（可多选）").set_input_files([str(a), str(b)])
    page.get_by_role("button", name="上传并核对").click()
    assert page.locator('tr[data-agency="测试区丙局"]').count() == 1
    assert page.locator('tr[data-agency="测试区丁局"]').count() == 1
    assert ExternalReport.objects.count() == 2
    row = page.locator(f'tr[data-agency="{own.name}"]')
    row.get_by_role("button", name="转入整改台账").first.click()
    assert "已转入" in page.locator(".messages").inner_text()
    assert "4件" in page.locator("#ledger").inner_text()

    login(page, base, "u-handler")
    page.goto(f"{base}/staff/annual/{own.slug}/ledger/")
    page.locator("#ledger summary", has_text="销号").click()
    page.locator("#ledger textarea[name=measure]").fill("更正第一部分的申请数量，建立发布前数字核对制度。")
    page.get_by_role("button", name="确认销号").click()
    assert "已销号" in page.locator("#ledger").inner_text()
    assert LedgerEntry.objects.get(agency=own).closed_on is not None
