"""Staff pages: list and filters, drafting with attachments, review and privacy pages, import, export,
categories, sweeps; agencies cannot see each other's catalogue."""
import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.catalog import services
from gongkai.catalog.models import CatalogSettings, Category, Item

from .conftest import VALID_ID, docx_bytes


@pytest.fixture
def cat(agency):
    services.seed_categories(agency)
    return Category.objects.get(agency=agency, name="管理和服务公开")


def post_item(client, agency, cat, **extra):
    data = {"title": "关于食品经营许可的公告", "date_made": "2024-09-25", "category": cat.pk,
            "validity": "valid", "doc_kind": "other", "body": "<p>正文</p>"}
    data.update(extra)
    return client.post(f"/staff/catalog/{agency.slug}/new/", data)


def test_clerk_drafts_with_attachment_and_sees_hits(client, agency, people, cat):
    client.force_login(people["clerk"])
    resp = post_item(client, agency, cat, attachments=[SimpleUploadedFile("名单.docx", docx_bytes(
        paragraphs=[f"申请人 {VALID_ID}"]))])
    assert resp.status_code == 302
    item = Item.objects.get()
    assert item.index_number == f"{agency.credit_code}/2024-00001"
    html = client.get(resp["Location"]).content.decode()
    assert "3703**********" in html and VALID_ID not in html
    assert "处理完毕前不能发布" in html and "2024-10-28" in html and "逾期" in html
    # Clerks see no redaction buttons; the transition "提交审核" is offered.
    assert "确认可公开" not in html and "提交审核" in html


def test_bad_attachment_rejects_whole_form(client, agency, people, cat):
    client.force_login(people["clerk"])
    resp = post_item(client, agency, cat, attachments=[SimpleUploadedFile("a.pdf", b"MZ\x90\x00 exe")])
    assert resp.status_code == 200
    assert "不是可接受的文件类型" in resp.content.decode()
    assert Item.objects.count() == 0


def test_form_errors_in_chinese(client, agency, people, cat):
    client.force_login(people["clerk"])
    resp = post_item(client, agency, cat, title="", validity="repealed")
    html = resp.content.decode()
    assert resp.status_code == 200 and "废止或失效的信息请填写废止或失效日期" in html and "这个字段是必填项" in html


def test_workflow_through_pages(client, agency, people, cat):
    client.force_login(people["clerk"])
    post_item(client, agency, cat, summary="经办人手机13812345678")
    item = Item.objects.get()
    url = f"/staff/catalog/{agency.slug}/{item.pk}/"
    client.post(url + "transition/", {"action": "submit"})
    client.force_login(people["reviewer"])
    assert item.title in client.get(f"/staff/catalog/{agency.slug}/review/").content.decode()
    client.post(url + "transition/", {"action": "approve"})
    resp = client.post(url + "transition/", {"action": "publish", "secrecy_confirmed": "1"}, follow=True)
    assert "1 处个人信息尚未处理" in resp.content.decode()
    assert "138****5678" in client.get(f"/staff/catalog/{agency.slug}/privacy/").content.decode()
    hit = item.privacy_hits.get()
    resp = client.post(url + f"hits/{hit.pk}/clear/", {"reason": ""}, follow=True)
    assert "请填写可以公开的理由" in resp.content.decode()
    client.post(url + f"hits/{hit.pk}/redact/")
    resp = client.post(url + "transition/", {"action": "publish", "secrecy_confirmed": "1"}, follow=True)
    assert "已发布" in resp.content.decode()
    item.refresh_from_db()
    assert item.state == "published" and item.summary == "经办人手机138****5678"


def test_permissions_and_isolation(client, agency, other_agency, people, cat):
    item = services.save_item(Item(agency=agency, title="甲", date_made=date(2024, 1, 2), category=cat),
                              people["clerk"])
    client.force_login(people["outsider"])
    assert client.get(f"/staff/catalog/{agency.slug}/").status_code == 404
    assert client.get(f"/staff/catalog/{agency.slug}/{item.pk}/").status_code == 404
    assert client.get(f"/staff/catalog/{other_agency.slug}/{item.pk}/").status_code == 404
    client.force_login(people["admin"])  # 三员分立: the admin reads no business data
    assert client.get(f"/staff/catalog/{agency.slug}/").status_code == 403
    client.force_login(people["reviewer"])
    assert client.get(f"/staff/catalog/{agency.slug}/new/").status_code == 403
    resp = client.post(f"/staff/catalog/{agency.slug}/{item.pk}/transition/", {"action": "submit"}, follow=True)
    assert "没有此项操作权限" in resp.content.decode()
    client.force_login(people["clerk"])
    assert client.get(f"/staff/catalog/{agency.slug}/import/").status_code == 403
    assert client.get("/staff/catalog/").status_code == 302  # one agency: straight to its list
    assert client.get("/staff/catalog/", follow=True).status_code == 200
    assert client.get("/staff/").content.decode().count("/staff/catalog/") >= 1


def test_list_filters_and_export(client, agency, people, cat):
    other = Category.objects.get(agency=agency, name="财政信息")
    for title, c, made in (("预算公开", other, date(2024, 3, 1)), ("许可公示", cat, date(2023, 5, 1))):
        services.save_item(Item(agency=agency, title=title, date_made=made, category=c), people["clerk"])
    client.force_login(people["reviewer"])
    base = f"/staff/catalog/{agency.slug}/"
    html = client.get(base, {"category": other.pk}).content.decode()
    assert "预算公开" in html and "许可公示" not in html
    html = client.get(base, {"year": 2023}).content.decode()
    assert "许可公示" in html and "预算公开" not in html
    html = client.get(base, {"overdue": "on"}).content.decode()
    assert "许可公示" in html and "预算公开" in html
    resp = client.get(base + "export.csv", {"q": "预算"})
    text = b"".join(resp.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["索引号", "标题"] and [r[1] for r in rows[1:]] == ["预算公开"]
    resp = client.get(base + "export.xlsx")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert client.get(base + "export.exe").status_code == 404


def test_import_page_reports_errors(client, agency, people, cat):
    client.force_login(people["reviewer"])
    body = "\ufeff标题,成文日期,发布日期,分类\n甲,2024-01-02,2024-01-03,管理和服务公开\n乙,2024-02-31,2024-03-01,其他\n"
    resp = client.post(f"/staff/catalog/{agency.slug}/import/",
                       {"file": SimpleUploadedFile("a.csv", body.encode())})
    html = resp.content.decode()
    assert "未导入任何数据" in html and "第 3 行" in html and "日期不存在" in html
    assert Item.objects.count() == 0
    body = body.replace("2024-02-31", "2024-02-29")
    resp = client.post(f"/staff/catalog/{agency.slug}/import/", {"file": SimpleUploadedFile("a.csv", body.encode())})
    assert "新增 2 条" in resp.content.decode()
    resp = client.post(f"/staff/catalog/{agency.slug}/import/", {"file": SimpleUploadedFile("a.txt", b"")})
    assert resp.status_code == 200
    assert client.get(f"/staff/catalog/{agency.slug}/import/template.csv").content.decode().startswith("\ufeff索引号")


def test_categories_and_settings(client, agency, people, cat):
    client.force_login(people["head"])
    url = f"/staff/catalog/{agency.slug}/categories/"
    html = client.get(url).content.decode()
    assert "机构职能" in html and "行政法规、规章和规范性文件" in html
    assert "第二十条第（十）项：重大建设项目的批准和实施情况" in html  # the Art. 20 choice says what it covers
    client.post(url, {"name": "行政许可结果", "parent": cat.pk, "position": 5})
    child = Category.objects.get(name="行政许可结果")
    assert child.parent == cat and child.root() == cat
    resp = client.post(url + f"?edit={cat.pk}", {"name": "管理和服务公开", "parent": child.pk, "position": 1})
    assert "不能是本分类或其下级分类" in resp.content.decode()
    resp = client.post(url, {"name": "机构职能", "position": 1})
    assert "已有同名分类" in resp.content.decode()
    client.post(url, {"review_levels": "2"})
    assert CatalogSettings.for_agency(agency).review_levels == 2
    resp = client.post(url, {"delete": cat.pk}, follow=True)
    assert "还有信息或下级分类" in resp.content.decode()
    client.force_login(people["clerk"])
    assert client.post(url, {"review_levels": "1"}).status_code == 403


def test_sweep_page(client, agency, people, cat):
    item = services.save_item(Item(agency=agency, title="甲", date_made=date(2024, 1, 2), category=cat),
                              people["clerk"])
    Item.objects.filter(pk=item.pk).update(state="published", body=f"<p>{VALID_ID}</p>")
    client.force_login(people["reviewer"])
    resp = client.post(f"/staff/catalog/{agency.slug}/sweeps/", follow=True)
    html = resp.content.decode()
    assert "未处理问题 1 处" in html and "3703**********" in html and VALID_ID not in html
    assert "巡检" in client.get(f"/staff/catalog/{agency.slug}/sweeps/").content.decode()


def test_list_pages_do_not_query_per_row(client, agency, people, cat):
    """Queries per staff page stay the same as rows (items, privacy hits, sweep reports) are added."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import VALID_ID

    pages = ["", "review/", "privacy/", "categories/", "sweeps/"]

    def add(n):
        client.force_login(people["clerk"])
        for i in range(n):
            assert post_item(client, agency, cat, title=f"公告{Item.objects.count()}",
                             body=f"<p>申请人 {VALID_ID}</p>").status_code == 302
            services.transition(Item.objects.latest("id"), "submit", people["clerk"])
        services.sweep(agency)
        services.sweep()

    def counts():
        client.force_login(people["head"])
        out = []
        for page in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/staff/catalog/{agency.slug}/{page}").status_code == 200
            out.append(len(ctx))
        return out

    add(1)
    before = counts()
    add(3)
    assert counts() == before


@pytest.mark.parametrize("value", ["abc", "1e5", "'", ""])
def test_hand_edited_category_id_is_a_404(client, agency, people, cat, value):
    client.force_login(people["head"])
    url = f"/staff/catalog/{agency.slug}/categories/"
    expected = 200 if value == "" else 404
    assert client.get(url, {"edit": value}).status_code == expected
    if value:
        assert client.post(url, {"delete": value}).status_code == 404


@pytest.mark.parametrize("extra, field, message", [
    ({"date_made": "2030-01-05"}, "date_made", "成文日期（2030-01-05）晚于今天"),
    ({"validity": "repealed", "validity_date": "2024-01-01"}, "validity_date", "废止或失效日期不能早于成文日期"),
    ({"date_changed": "2024-09-01"}, "date_changed", "变更日期不能早于成文日期"),
])
def test_item_form_catches_impossible_dates(client, agency, people, cat, extra, field, message):
    client.force_login(people["clerk"])
    resp = post_item(client, agency, cat, **extra)
    html = resp.content.decode()
    assert resp.status_code == 200 and message in html
    # On its field (the message follows the field's own input), and nothing saved: no item, no index number.
    assert f'name="{field}"' in html.split(message)[0].rsplit('class="field', 1)[-1]
    from gongkai.catalog.models import IndexCounter

    assert not Item.objects.exists() and not IndexCounter.objects.exists()


def test_save_item_refuses_a_future_date_made_too(agency, people, cat):
    from django.core.exceptions import ValidationError

    item = Item(agency=agency, title="甲", date_made=date(2030, 1, 5), category=cat)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.save_item(item, people["clerk"])
    assert not Item.objects.exists()


def test_category_choice_is_the_tree_in_two_groups(client, agency, people, cat):
    from bs4 import BeautifulSoup

    Category.objects.create(agency=agency, name="行政许可", parent=cat, position=1)
    client.force_login(people["clerk"])
    soup = BeautifulSoup(client.get(f"/staff/catalog/{agency.slug}/new/").content.decode(), "html.parser")
    groups = soup.select("#id_category optgroup")
    assert [g["label"] for g in groups] == ["本机关目录分类", "《条例》第二十条规定的主动公开内容"]
    own = [o.get_text() for o in groups[0].select("option")]
    assert own[0] == "机构职能" and len(groups[1].select("option")) == 15
    # A sub-category follows its parent, indented.
    i = own.index("管理和服务公开")
    assert own[i + 1] == "\u3000└ 行政许可"
    # The body has the editor's hook; the form is in sections.
    assert soup.select_one("textarea[data-editor]#id_body") and len(soup.select("form.item-form fieldset")) == 5
