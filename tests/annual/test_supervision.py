"""Supervision: status of every agency below, totals, charts, uploads of outside reports, findings → ledger."""
import io
import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongkai.agencies.models import Agency
from gongkai.annual import compile as compiler
from gongkai.annual import supervision
from gongkai.annual.models import ExternalReport, LedgerEntry

pytestmark = pytest.mark.django_db


def test_supervisor_page_late_first_totals_charts_upload_finding_to_ledger(client, agencies, staff, stats, make_case,
                                                                           shared):
    own, other, gov = agencies["own"], agencies["other"], agencies["gov"]
    make_case(received=date(2024, 3, 4), outcome="granted", replied=date(2024, 3, 6))
    stats(licensing=100)
    stats(agency=other, licensing=5, fees_10k_yuan="2.5")
    compiler.save_sections(own, 2024, {"1": "2024年共收到政府信息公开申请7件。"}, staff["handler"])
    compiler.publish(own, 2024, staff["head"])  # published with a prose_numbers warning
    client.force_login(staff["supervisor"])
    url = reverse("annual:supervise", args=[gov.slug, 2024])
    page = client.get(url).content.decode()
    # 乙局 has published nothing after 31 January 2025: late, listed first.
    assert page.index(f'data-agency="{other.name}"') < page.index(f'data-agency="{own.name}"')
    assert "逾期：" in page and "<svg" in page and "查看数据" in page
    assert _total(page, "proactive.licensing.decisions") == "105"
    assert _total(page, "proactive.fees.amount_10k_yuan") == "2.5"
    # Two outside agencies' reports at once; a broken file is reported, the others kept.
    seed = (shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes()
    data = json.loads((shared / "fixtures" / "seed-2024.json").read_text())
    data["agency"] = "测试区丙局"
    r = client.post(reverse("annual:supervise_upload", args=[gov.slug, 2024]), {"files": [
        _file("seed.txt", seed), _file("c.json", json.dumps(data, ensure_ascii=False).encode()),
        _file("bad.pdf", b"%PDF-1.4 broken")]}, follow=True)
    body = r.content.decode()
    assert "bad.pdf：无法读取" in body
    assert set(ExternalReport.objects.values_list("agency_name", flat=True)) == {"淄博市临淄区行政审批服务局", "测试区丙局"}
    page = client.get(url).content.decode()
    assert "外部导入：seed.txt" in page
    assert _total(page, "proactive.licensing.decisions") == "57287"  # 100 + 5 + 2 × 28591
    # The warning of 甲局's published report becomes an open ledger entry of 甲局.
    client.post(reverse("annual:supervise_finding", args=[gov.slug, 2024]), {"agency": own.slug, "index": "0"})
    entry = LedgerEntry.objects.get(agency=own)
    assert entry.source == "supervisor" and entry.raised_by == gov and "7件" in entry.problem
    assert client.post(reverse("annual:supervise_finding", args=[gov.slug, 2024]),
                       {"agency": own.slug, "index": "99"}).status_code == 404
    page = client.get(url).content.decode()
    assert "未销号的整改台账" in page and "（已转入整改台账）" in page
    # XLSX export of all of it.
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(reverse("annual:supervise_export", args=[gov.slug, 2024])).content))
    assert wb.sheetnames == ["报告状态", "汇总", "排名", "趋势", "整改台账"]
    assert [c.value for c in wb["报告状态"][2]][:2] == [other.name, "逾期"]
    # Not a supervisor (or supervising elsewhere): 404.
    client.force_login(staff["handler"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("annual:supervise", args=[own.slug, 2024])).status_code == 404


def _total(page, key):
    return re.search(rf'id="total-cell-{re.escape(key)}"[^>]*>([^<]*)<', page).group(1)


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_consolidated_totals_query_count_does_not_grow_with_agencies(agencies, staff, stats):
    from tests.conftest import credit_code

    gov = agencies["gov"]
    stats()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            supervision.consolidated(gov, 2024, supervision.agencies_below(gov))
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        Agency.objects.create(name=f"测试区新局{i}", slug=f"t-new{i}", level="department", parent=gov,
                              credit_code=credit_code(f"1137030500000{i + 5}41"))
    assert count() == before


def test_upload_bounds(agencies, staff, settings):
    from django.core.exceptions import ValidationError

    gov = agencies["gov"]
    with pytest.raises(ValidationError):
        supervision.upload_external(gov, [("a.txt", b"x")] * (supervision.MAX_FILES + 1), staff["supervisor"])
    big = io.BytesIO(b"x" * (supervision.MAX_FILE_BYTES + 10))
    lines = supervision.upload_external(gov, [("big.txt", big), ("empty.txt", b"")], staff["supervisor"])
    assert "文件过大" in lines[0] and "无法读取" in lines[1] and not ExternalReport.objects.exists()


def test_overview_query_count_does_not_grow_with_agencies(agencies, staff, stats):
    from tests.conftest import credit_code

    gov = agencies["gov"]
    stats()
    compiler.publish(agencies["own"], 2024, staff["head"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            rows = supervision.overview(gov, 2024, today=date(2025, 2, 3))["rows"]
        return len(ctx.captured_queries), rows

    before, rows = count()
    assert [r["status"] for r in rows] == ["overdue", "published"]
    for i in range(5):
        Agency.objects.create(name=f"测试区新局{i}", slug=f"t-new{i}", level="department", parent=gov,
                              credit_code=credit_code(f"1137030500000{i + 5}41"))
    after, rows = count()
    assert after == before and len(rows) == 7


def test_export_keeps_text_as_text(agencies, staff):
    from openpyxl import load_workbook

    gov = agencies["gov"]
    agencies["other"].name = "=HYPERLINK(\"http://x\")"
    agencies["other"].save()
    wb = load_workbook(io.BytesIO(supervision.export_xlsx(gov, 2024, supervision.page_data(gov, 2024))))
    names = [row[0].value for row in wb["报告状态"].iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names
