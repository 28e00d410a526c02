"""Hostile text typed by staff reaches every output as text, escaped for that output's format.

Each payload is put at the start of every staff-typed field (catalogue item, category, agency contact
details, portal guide, appeal, application), tagged with the field's name so each can be traced. Then
every output is read back with a real parser for its format: staff and portal HTML pages (no script,
no event handler, the exact text present), the Atom feed (XML, then its HTML summary), the JSON API,
the catalogue CSV and XLSX exports (no formula), and the published annual report as HTML, DOCX and XLSX.
"""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse

from gongkai.catalog.importer import HEADERS
from gongkai.report.render.grid import printable

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "'",
    "&amp;",
    "𠮷Ω①\u202e😀 \u200b控\x0b制",  # astral, bidi override, zero-width space, a control character; no NUL
]
RIC = "11010519491231002X"
ATOM = "{http://www.w3.org/2005/Atom}"
# What Excel, WPS and LibreOffice run as a formula when a cell starts with it (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Export column (import field) → the staff field it holds.
FIELDS = {"index_number": "索引号", "title": "标题", "document_number": "文号", "issuer": "发布机构",
          "category": "分类", "topic": "主题词", "summary": "摘要"}


def unmark(cell: str) -> str:
    """A CSV cell as the importer reads it back: one leading ' that marks a formula-like text removed."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START) else cell


def tagged(payload: str, field: str) -> str:
    return f"{payload}【{field}】"


def flat(text: str) -> str:
    """Text compared without line breaks and control characters: prose is split into paragraphs at any
    line break (\x0b included) and documents drop control characters; neither is ever markup."""
    return printable("".join(text.splitlines()))


class Page(HTMLParser):
    """Elements, attribute values and text of an HTML document or fragment, charrefs decoded."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self.texts.extend(v for v in attrs.values() if v)
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.script_text if self._in_script else self.texts).append(data)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def live_markup(self) -> list[str]:
        """Markup that would run: inline script, event handlers, javascript: links, the injected <img>."""
        bad = [f"inline script {s!r}" for s in self.script_text if s.strip()]
        for tag, attrs in self.elements:
            bad += [f"<{tag} {k}=…>" for k in attrs if k.startswith("on")]
            if tag == "img" and attrs.get("src") == "x":
                bad.append("<img src=x>")
            if tag == "script" and not attrs.get("src"):
                bad.append("<script> without src")
            if any((attrs.get(a) or "").strip().lower().startswith("javascript:") for a in ("href", "src", "action")):
                bad.append(f"<{tag}> javascript: URL")
        return bad


def assert_html(html: str, expected: list[str], where: str, allowed_tags: set[str] | None = None) -> Page:
    page = Page(html)
    assert page.live_markup() == [], where
    if allowed_tags is not None:
        assert {t for t, _ in page.elements} <= allowed_tags, where
    for value in expected:
        assert flat(value) in flat(page.text), f"{where}: {value!r} not shown as typed"
    return page


class Outputs:
    """Checks every output even after one fails, so a run names each broken output, not only the first."""

    def __init__(self):
        self.failed: list[str] = []

    @contextmanager
    def check(self, name: str):
        try:
            yield
        except Exception as exc:  # an assertion, or the exception a 500 raises in the test client
            self.failed.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")


@pytest.fixture
def world(agencies, staff, settings, tmp_path):
    """Everything staff can type, filled with one payload (``world(payload)``), and published."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from gongkai.appeals.models import Appeal
    from gongkai.appeals.services import save_appeal
    from gongkai.applications import services as applications
    from gongkai.catalog import services as catalog
    from gongkai.catalog.models import Category, Item
    from gongkai.portal.models import PortalSettings
    from gongkai.portal.services import publish_report

    def make(payload: str) -> dict:
        own = agencies["own"]
        v = {f: tagged(payload, f) for f in ("机关", "工作机构", "地址", "办公时间", "指南", "制度", "分类", "标题",
                                            "文号", "发布机构", "主题词", "摘要", "正文", "案号", "复议机关", "备注",
                                            "姓名", "申请标题", "描述", "通信地址", "申请文号", "索引号", "补正事项",
                                            "承办人")}
        own.name, own.office_name, own.address, own.hours = v["机关"], v["工作机构"], v["地址"], v["办公时间"]
        own.save()
        portal_settings = PortalSettings.objects.create(agency=own, guide_note=v["指南"], rules=f"制度：{v['制度']}")
        catalog.seed_categories(own)
        cat = Category.objects.create(agency=own, name=v["分类"], position=1)
        item = catalog.save_item(Item(agency=own, title=v["标题"], document_number=v["文号"], issuer=v["发布机构"],
                                      topic=v["主题词"], summary=v["摘要"], body=v["正文"], category=cat,
                                      date_made=date(2024, 3, 1)), staff["handler"])
        item = catalog.transition(item, "submit", staff["handler"])
        item = catalog.transition(item, "approve", staff["reviewer"])
        item = catalog.transition(item, "publish", staff["reviewer"], secrecy_confirmed=True)
        # An imported catalogue keeps its legacy index numbers (free text in the import file).
        Item.objects.filter(pk=item.pk).update(index_number=v["索引号"])
        item.refresh_from_db()
        appeal = save_appeal(Appeal(agency=own, kind="reconsideration", case_number=v["案号"], body=v["复议机关"],
                                    notes=v["备注"], filed_on=date(2024, 3, 1)), staff["handler"])
        app = applications.register_application(
            own, applications.ApplicantData(applicant_type="natural_person", applicant_name=v["姓名"], id_type="ric",
                                            id_number=RIC, title=v["申请标题"], description=v["描述"],
                                            address=v["通信地址"], document_number=v["申请文号"]),
            channel="in_person", actor=staff["registrar"], submitted_on=date(2024, 9, 25))
        staff["handler"].first_name, staff["handler"].last_name = v["承办人"], ""
        staff["handler"].save()
        applications.transition(app, "start", actor=staff["handler"], on=date(2024, 9, 26))
        app = applications.transition(app, "request_supplement", actor=staff["handler"], on=date(2024, 9, 26),
                                      note=v["补正事项"])
        year = item.date_published.year
        publish_report(own, year)
        return {"v": v, "agency": own, "item": item, "category": cat, "appeal": appeal, "app": app, "year": year,
                "settings": portal_settings}

    return make


@pytest.mark.parametrize("payload", PAYLOADS)
def test_staff_text_is_inert_in_every_output(payload, world, client, staff):
    w = world(payload)
    v, agency, item, slug = w["v"], w["agency"], w["item"], w["agency"].slug
    shown = {k: printable(s) for k, s in v.items()}  # what a document can hold (control characters dropped)

    def get(url, **params):
        res = client.get(url, params)
        assert res.status_code == 200, url
        return res

    outputs = Outputs()
    with outputs.check("staff pages"):
        client.force_login(staff["head"])
        staff_pages = {
            reverse("catalog:list", args=[slug]): ["标题"],
            reverse("catalog:detail", args=[slug, item.pk]): ["标题", "文号", "发布机构", "主题词", "摘要", "分类",
                                                              "索引号"],
            reverse("catalog:categories", args=[slug]): ["分类"],
            reverse("appeals:list", args=[slug]): ["案号"],
            reverse("appeals:detail", args=[slug, w["appeal"].pk]): ["案号", "复议机关", "备注"],
            reverse("appeals:edit", args=[slug, w["appeal"].pk]): ["案号", "复议机关", "备注"],
            reverse("applications:case", args=[w["app"].pk]): ["申请标题", "描述", "申请文号", "补正事项", "承办人"],
            reverse("applications:dashboard"): [],
            reverse("catalog:privacy", args=[slug]): [],
            reverse("catalog:review", args=[slug]): [],
            reverse("agencies:home"): ["机关"],
        }
        for url, fields in staff_pages.items():
            assert_html(get(url).content.decode(), [v[f] for f in fields], url)
        client.force_login(staff["admin"])
        url = reverse("agencies:manage", args=[slug])
        assert_html(get(url).content.decode(), [v["工作机构"], v["地址"], v["办公时间"]], url)
        client.force_login(staff["auditor"])
        url = reverse("agencies:audit_log")
        assert_html(get(url).content.decode(), [v["案号"]], url)
        client.logout()

    with outputs.check("public pages"):
        # The 制度 list is "名称：说明" per line (PortalSettings.rule_list splits lines and reads ":" as "：").
        rules = [text for _, text in w["settings"].rule_list()]
        public_pages = {
            reverse("portal:home", args=[slug]): [v["机关"], v["标题"]],
            reverse("portal:items", args=[slug]): [v["标题"], v["分类"]],
            reverse("portal:item", args=[slug, item.pk]): [v[f] for f in ("标题", "文号", "发布机构", "主题词", "摘要", "分类",
                                                                      "索引号")],
            reverse("portal:guide", args=[slug]): [v["工作机构"], v["地址"], v["办公时间"], v["指南"]],
            reverse("portal:rules", args=[slug]): rules,
            reverse("portal:report", args=[slug, w["year"]]): [v["机关"], v["分类"]],
            reverse("portal:index"): [v["机关"]],
            reverse("applications:status") + f"?code={w['app'].tracking_code}": [v["机关"]],
        }
        for url, expected in public_pages.items():
            assert_html(get(url).content.decode(), expected, url)
        search = get(reverse("portal:search", args=[slug]), q="标题").content.decode()
        assert_html(search, [], "search")

    with outputs.check("Atom feed"):  # XML, then the HTML inside <summary type="html">
        feed = ET.fromstring(get(reverse("portal:feed", args=[slug])).content)
        assert shown["机关"] in feed.findtext(f"{ATOM}title")
        (entry,) = feed.findall(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == shown["标题"]
        assert entry.findtext(f"{ATOM}id") == shown["索引号"]
        assert entry.find(f"{ATOM}category").get("term") == shown["分类"]
        summary = entry.find(f"{ATOM}summary")
        expected = [shown["索引号"], shown["文号"], shown["摘要"], shown["分类"]]
        if summary.get("type", "text") == "html":
            assert_html(summary.text, expected, "feed summary", allowed_tags=set())
        else:
            assert all(e in summary.text for e in expected)

    with outputs.check("JSON API"):  # values exactly as typed; no markup in the raw body; HTML fields clean
        for url in (reverse("portal:api_items", args=[slug]), reverse("portal:api_item", args=[slug, item.pk]),
                    reverse("portal:api_agencies"), reverse("portal:api_search", args=[slug]) + "?q=标题"):
            res = get(url)
            raw = res.content.decode()
            assert "<" not in raw and ">" not in raw, url
            data = json.loads(raw)
            rows = data["results"] if "results" in data else [data]
            if url.endswith("agencies/"):
                assert any(r["name"] == v["机关"] for r in rows)
                continue
            for r in rows:
                assert (r["title"], r["summary"], r["document_number"], r["category"]["name"], r["index_number"]) == (
                    v["标题"], v["摘要"], v["文号"], v["分类"], v["索引号"])
                if "body_html" in r:
                    assert_html(r["body_html"], [], "body_html")
                for key in ("title_html", "snippet_html"):
                    if key in r:
                        assert_html(r[key], [], key, allowed_tags={"mark"})

    with outputs.check("catalogue export CSV"):
        # CSV and XLSX never hold a formula
        client.force_login(staff["head"])
        res = client.get(reverse("catalog:export", args=[slug, "csv"]))
        assert res.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(res.streaming_content).decode("utf-8-sig"))))
        header, data = rows[0], rows[1:]
        assert len(data) == 1
        assert [c for c in data[0] if c.startswith(FORMULA_START)] == []
        exported = dict(zip(header, (unmark(c) for c in data[0])))
        assert tuple(exported[HEADERS[f]] for f in FIELDS) == tuple(v[f] for f in FIELDS.values())
    with outputs.check("catalogue export XLSX"):
        res = get(reverse("catalog:export", args=[slug, "xlsx"]))
        ws = openpyxl.load_workbook(io.BytesIO(res.content)).active
        assert [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"] == []
        header = [c.value for c in ws[1]]
        exported = dict(zip(header, (c.value for c in ws[2])))
        assert tuple(exported[HEADERS[f]] for f in FIELDS) == tuple(shown[f] for f in FIELDS.values())

    with outputs.check("published annual report"):  # HTML, DOCX, XLSX, JSON
        client.logout()
        year = w["year"]
        html = get(reverse("portal:report_file", args=[slug, year, "html"])).content.decode()
        assert_html(html, [shown["机关"], shown["分类"]], "report.html")
        import docx

        document = docx.Document(io.BytesIO(get(reverse("portal:report_file", args=[slug, year, "docx"])).content))
        text = "\n".join(p.text for p in document.paragraphs)
        assert shown["机关"] in text and shown["分类"] in text
        wb = openpyxl.load_workbook(io.BytesIO(get(reverse("portal:report_file", args=[slug, year, "xlsx"])).content))
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert shown["机关"] in [c.value for c in cells]
        data = json.loads(get(reverse("portal:report_file", args=[slug, year, "json"])).content)
        assert data["agency"] == v["机关"]

    assert outputs.failed == [], "\n".join(outputs.failed)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_batch_audit_xlsx_holds_no_formula(payload, tmp_path):
    """The batch audit writes file and agency names read from the audited files: text, never a formula."""
    from gongkai.report.audit import _write_xlsx

    name = tagged(payload, "机关")
    out = tmp_path / "audit.xlsx"
    _write_xlsx(str(out), [[tagged(payload, "文件"), name, 2024, "2021年版", "是", 1, 0, ""]],
                iter([[tagged(payload, "文件"), "rule", "错误", "proactive.x.y", tagged(payload, "说明")]]))
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert printable(name) in [c.value for c in cells]
    assert printable(tagged(payload, "说明")) in [c.value for c in cells]


def test_spreadsheet_guard_round_trips():
    """The CSV mark is added exactly where a spreadsheet would see a formula, and removed on import."""
    from gongkai.report.render.spreadsheet import csv_text, csv_value

    for text in [*PAYLOADS, "\tx", "\rx", "'=already", "''+1", "'x", "普通文本", "", "2024-01-05"]:
        marked = csv_text(text)
        assert not marked.startswith(FORMULA_START)
        assert csv_value(marked) == text
    assert csv_text("普通文本") == "普通文本" and csv_text("-2") == "'-2"
    assert re.fullmatch(r"'=HYPERLINK\(.*\)", csv_text('=HYPERLINK("http://x")'))
    # The catalogue importer reads its own export back unchanged.
    from gongkai.catalog.importer import read_rows

    line = ",".join(f'"{csv_text(t)}"' for t in ("=1+1", "'=x", "-2", "普通")) + "\n"
    assert list(read_rows(io.BytesIO(line.encode("utf-8")), "x.csv")) == [(1, ["=1+1", "'=x", "-2", "普通"])]
