"""Portal pages: the five parts, guide content from settings and the workflow, browsing, item and
attachment, Atom feed, annual report, demo data."""
import datetime as dt

import pytest
from lxml import etree

from gongkai.applications import workflow
from gongkai.catalog import services as catalog
from gongkai.catalog.models import Item
from gongkai.portal import services
from gongkai.portal.models import PortalSettings, PublishedReport

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def test_index_and_home_link_the_five_parts(client, agency, other_agency, make_item):
    make_item("区审批局工作动态")
    page = client.get("/gk/").content.decode()
    assert agency.name in page and other_agency.name in page and 'href="/gk/test-xzsp/"' in page
    page = client.get("/gk/test-xzsp/").content.decode()
    for part in ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "依申请公开", "政府信息公开年报"):
        assert part in page
    assert "区审批局工作动态" in page
    assert 'type="application/atom+xml"' in page
    assert client.get("/gk/no-such-agency/").status_code == 404


def test_guide_from_settings_law_and_workflow(client, agency, categories):
    PortalSettings.objects.create(agency=agency, accepts_email=True, accepts_fax=False, guide_note="周末不受理当面申请。")
    page = client.get("/gk/test-xzsp/guide/").content.decode()
    for text in (agency.office_name, agency.address, "255400", agency.phone, agency.fax, agency.email, agency.hours,
                 "国办函〔2020〕109号", "第三十三条", "第三十条", "20个工作日", "7个工作日", "第11至30件每件100元",
                 "第31至100页每页10元", "电子邮件申请", "周末不受理当面申请", "机构职能", "/apply/test-xzsp/",
                 "/apply/status/"):
        assert text in page, text
    assert "传真申请" not in page  # channel switched off
    # The process diagram is drawn from the applications workflow: every state, every step.
    for state, label in workflow.STATES.items():
        assert f'id="flow-{state}"' in page and label in page
    for t in workflow.TRANSITIONS.values():
        assert t.label in page
    assert 'class="flow-step flow-side" id="flow-supplement_requested"' in page


def test_rules_page(client, agency):
    assert "尚未发布" in client.get("/gk/test-xzsp/rules/").content.decode()
    PortalSettings.objects.create(agency=agency, rules="保密审查制度：先审后发\n\n申请办理制度: 全程留痕")
    page = client.get("/gk/test-xzsp/rules/").content.decode()
    assert "<dt>保密审查制度</dt><dd>先审后发</dd>" in page and "<dt>申请办理制度</dt><dd>全程留痕</dd>" in page


def test_browse_by_category_year_validity_and_paging(client, agency, make_item, people, settings):
    make_item("有效的办法", category="机构职能", made=dt.date(2024, 1, 5))
    make_item("已废止的办法", category="机构职能", validity=Item.Validity.REPEALED, validity_date=dt.date(2024, 6, 1))  # repealed after it was made
    make_item("规划", category="规划计划")
    make_item("草稿", publish=False)
    cat = agency.catalog_categories.get(name="机构职能")
    page = client.get(f"/gk/test-xzsp/items/?category={cat.pk}").content.decode()
    assert "有效的办法" in page and "已废止的办法" in page and ">规划<" not in page and "草稿" not in page
    page = client.get(f"/gk/test-xzsp/items/?category={cat.pk}&validity=repealed").content.decode()
    assert "已废止的办法" in page and "有效的办法" not in page
    year = Item.objects.get(title="规划").date_published.year
    assert "共 3 条" in client.get(f"/gk/test-xzsp/items/?year={year}").content.decode()
    assert "共 0 条" in client.get("/gk/test-xzsp/items/?year=1999").content.decode()
    for bad, msg in (("category=abc", "所选分类不存在"), ("validity=x", "有效性只能是"), ("year=abcd", "年份应为")):
        assert msg in client.get(f"/gk/test-xzsp/items/?{bad}").content.decode()
    services.PER_PAGE, old = 2, services.PER_PAGE
    try:
        p2 = client.get("/gk/test-xzsp/items/?page=2").content.decode()
    finally:
        services.PER_PAGE = old
    assert "第 2 页，共 2 页" in p2 and 'rel="prev"' in p2


def test_item_detail_and_attachment(client, agency, make_item, people):
    data = pdf_bytes("附件内容")
    item = make_item("关于行政复议工作的通知", body="<p>正文<b>加粗</b></p>", document_number="测审批发〔2024〕3号",
                     files=[("通知附件.pdf", data)])
    page = client.get(f"/gk/test-xzsp/items/{item.pk}/").content.decode()
    for text in (item.index_number, "测审批发〔2024〕3号", "<b>加粗</b>", "通知附件.pdf"):
        assert text in page
    att = item.attachments.get()
    response = client.get(f"/gk/test-xzsp/items/{item.pk}/files/{att.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    # Not public once withdrawn; never through another agency's portal.
    assert client.get(f"/gk/test-zrzy/items/{item.pk}/").status_code == 404
    catalog.transition(item, "withdraw", people["reviewer"], reason="更正")
    assert client.get(f"/gk/test-xzsp/items/{item.pk}/").status_code == 404
    assert client.get(f"/gk/test-xzsp/items/{item.pk}/files/{att.pk}/").status_code == 404


def test_search_page(client, agency, make_item):
    make_item("关于行政复议工作的通知")
    page = client.get("/gk/test-xzsp/search/?q=复议").content.decode()
    assert "找到 1 条结果" in page and "行政<mark>复议</mark>" in page
    page = client.get("/gk/test-xzsp/search/?q=" + "长" * 41).content.decode()
    assert 'role="alert"' in page and "检索词过长" in page
    assert "请输入要检索的词语" in client.get("/gk/test-xzsp/search/?q=").content.decode()
    page = client.get("/gk/test-xzsp/search/?q=<script>").content.decode()
    assert "<script>" not in page.split("<main", 1)[1]


def test_atom_feed(client, agency, make_item, people):
    make_item("第一条信息", summary="摘要一")
    gone = make_item("撤回的信息")
    catalog.transition(gone, "withdraw", people["reviewer"], reason="有误")
    make_item("草稿信息", publish=False)
    response = client.get("/gk/test-xzsp/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = etree.fromstring(response.content)
    assert root.findtext("a:title", namespaces=ns) == f"{agency.name} 主动公开信息"
    entries = root.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["第一条信息"]
    entry = entries[0]
    assert entry.find("a:link", ns).get("href").endswith(f"/gk/test-xzsp/items/{Item.objects.get(title='第一条信息').pk}/")
    assert "摘要一" in entry.findtext("a:summary", namespaces=ns)


def test_published_report_from_live_data(client, agency, make_item):
    make_item("某某管理办法", category="机构职能", made=dt.date(2024, 3, 1))
    item = Item.objects.get(title="某某管理办法")
    year = item.date_published.year
    Item.objects.filter(pk=item.pk).update(doc_kind=Item.DocKind.NORMATIVE, issued_on=dt.date(year, 3, 1))
    assert "暂无已发布" in client.get("/gk/test-xzsp/reports/").content.decode()
    obj = services.publish_report(agency, year)
    report = obj.report()
    assert report.get("proactive.normative_documents.issued") == 1
    assert report.get("proactive.licensing.decisions") is None  # not recorded: left empty, not invented
    assert report.get("applications.new_received.total") == 0
    assert f"（一）主动公开方面。{year}年主动公开信息共计1条，包含机构职能1条。" in report.sections["1"]
    page = client.get(f"/gk/test-xzsp/reports/{year}/").content.decode()
    assert f"{agency.name}{year}年政府信息公开工作年度报告" in page
    assert "主动公开信息共计1条" in page and "gk-table" in page
    assert client.get(f"/gk/test-xzsp/reports/{year}.pdf").content.startswith(b"%PDF")
    assert client.get(f"/gk/test-xzsp/reports/{year}.json").json()["year"] == year
    assert client.get(f"/gk/test-xzsp/reports/{year}.exe").status_code == 404
    assert client.get("/gk/test-xzsp/reports/1999/").status_code == 404
    from gongkai.annual.compile import PublishError

    with pytest.raises(PublishError):  # same content: nothing to correct
        services.publish_report(agency, year)
    with pytest.raises(PublishError):  # a correction needs its 更正说明
        services.publish_report(agency, year, report=_changed(report))
    services.publish_report(agency, year, report=_changed(report), correction_note="更正表二现行有效件数")
    assert list(PublishedReport.objects.filter(agency=agency, year=year).values_list("version", flat=True)
                .order_by("version")) == [1, 2]
    page = client.get(f"/gk/test-xzsp/reports/{year}/").content.decode()
    assert "第2版" in page and "更正说明" in page and "更正表二现行有效件数" in page
    old = client.get(f"/gk/test-xzsp/reports/{year}/?version=1").content.decode()
    assert "已被第2版更正" in old
    assert client.get(f"/gk/test-xzsp/reports/{year}.json?version=1").json()["proactive"]["normative_documents"]["in_force"] == 1
    assert client.get(f"/gk/test-xzsp/reports/{year}.json").json()["proactive"]["normative_documents"]["in_force"] == 2
    for fmt in ("html", "docx", "pdf", "xlsx", "json"):  # every published form, per version
        assert f'href="/gk/test-xzsp/reports/{year}.{fmt}?version=2"' in page
        assert client.get(f"/gk/test-xzsp/reports/{year}.{fmt}?version=1").status_code == 200
    assert client.get(f"/gk/test-xzsp/reports/{year}/?version=9").status_code == 404
    assert client.get(f"/gk/test-xzsp/reports/{year}/?version=x").status_code == 404
    assert client.get("/gk/test-xzsp/reports/").content.decode().count(f"{year}年政府信息公开工作年度报告") == 1


def _changed(report):
    from gongkai.report.model import Report

    changed = Report.from_dict(report.to_dict())
    changed.set("proactive.normative_documents.in_force", 2)
    return changed


def test_large_font_mode_and_accessibility_markup(client, agency):
    client.cookies["gk_font"] = "large"
    page = client.get("/gk/test-xzsp/guide/").content.decode()
    assert '<html lang="zh-CN" class="large">' in page
    assert 'href="#main"' in page and 'aria-current="page">政府信息公开指南' in page
    assert '<nav class="portal-nav" aria-label="政府信息公开栏目">' in page
    assert "<script" not in page  # works without JavaScript


def test_demo_load_is_idempotent(db):
    from gongkai.agencies import demo as agencies_demo
    from gongkai.catalog import demo as catalog_demo
    from gongkai.portal import demo as portal_demo
    from gongkai.portal.search import search

    from gongkai.annual import demo as annual_demo

    agencies_demo.load()
    catalog_demo.load()
    annual_demo.load()
    lines = portal_demo.load()
    assert "新增 465 条" in lines[0]
    lines = portal_demo.load()
    assert "新增 0 条" in lines[0]
    from gongkai.agencies.models import Agency

    seed = Agency.objects.get(slug="linzi-xzsp")
    report = PublishedReport.objects.get(agency=seed, year=2024).report()
    assert "2024年主动公开信息共计465条，包含机构职能6条" in report.sections["1"]
    assert search(seed, "许可").total > 0
    assert PortalSettings.objects.get(agency=seed).rule_list()


@pytest.mark.parametrize("year", ["0", "-1", "10000", "99999999999999999999", "二〇二四"])
def test_out_of_range_year_is_a_chinese_message(client, agency, make_item, year):
    make_item("关于行政复议案件办理情况的通报")
    r = client.get(f"/gk/{agency.slug}/items/", {"year": year})
    assert r.status_code == 200 and "年份应为四位数字" in r.content.decode()
    r = client.get(f"/gk/api/agencies/{agency.slug}/items/", {"year": year})
    assert r.status_code == 400 and "年份应为四位数字" in r.json()["error"]


def test_huge_page_number_shows_the_last_page(client, agency, make_item):
    make_item("关于行政复议案件办理情况的通报")
    huge = "99999999999999999999"
    r = client.get(f"/gk/api/agencies/{agency.slug}/search/", {"q": "复议", "page": huge})
    assert r.status_code == 200 and r.json()["page"] == 1 and r.json()["count"] == 1
    r = client.get(f"/gk/{agency.slug}/search/", {"q": "复议", "page": huge})
    assert r.status_code == 200 and "案件办理情况的通报" in r.content.decode()
    r = client.get(f"/gk/api/agencies/{agency.slug}/items/", {"page": huge})
    assert r.status_code == 200 and r.json()["page"] == 1
