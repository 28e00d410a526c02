"""Chinese full-text search: two-character words, ranking, snippets, filters, index sync, bad queries.
Runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector)."""
import datetime as dt
import io

import pytest
from django.db import connection

from gongkai.catalog import services as catalog
from gongkai.catalog.importer import import_catalog, template_csv
from gongkai.catalog.models import Category, Item
from gongkai.portal import search as S
from gongkai.portal.models import SearchDoc

pytestmark = pytest.mark.django_db


def titles(result):
    return [h.item.title for h in result.hits]


def test_two_character_words_inside_longer_words(agency, make_item):
    make_item("关于行政复议案件办理情况的通报")
    make_item("建设工程施工许可信息公示（2024年第1期）")
    make_item("区政务服务中心春节期间工作安排", body="<p>节日期间暂停窗口服务。</p>")
    assert titles(S.search(agency, "复议")) == ["关于行政复议案件办理情况的通报"]
    assert titles(S.search(agency, "许可")) == ["建设工程施工许可信息公示（2024年第1期）"]
    assert titles(S.search(agency, "行政复议")) == ["关于行政复议案件办理情况的通报"]
    # Words found in the body too; all words of a query are required.
    assert titles(S.search(agency, "窗口")) == ["区政务服务中心春节期间工作安排"]
    assert S.search(agency, "复议 许可").total == 0
    assert S.search(agency, "税务").total == 0


def test_ranking_title_before_body_and_frequency(agency, make_item):
    make_item("区审批局召开工作会议", body="<p>会上通报了行政许可办理情况。</p>", made=dt.date(2024, 5, 1))
    make_item("行政许可事项清单", body="<p>清单。</p>", made=dt.date(2024, 1, 1))
    make_item("区审批局年度总结", body="<p>许可办理提速，许可材料精简，许可时限压缩。</p>", made=dt.date(2024, 6, 1))
    ranked = titles(S.search(agency, "许可"))
    assert ranked[0] == "行政许可事项清单"  # in the title, though oldest
    assert ranked[1:] == ["区审批局年度总结", "区审批局召开工作会议"]  # three times beats once


def test_snippet_highlights_and_escapes(agency, make_item):
    make_item("复议<script>alert(1)</script>通报",
              summary="可依法申请行政复议 <img src=x onerror=alert(1)> & 请知悉。",
              body="<p>" + "前文很长。" * 40 + "</p>")
    hit = S.search(agency, "复议").hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert hit.title_html.startswith("<mark>复议</mark>")
    assert "<img" not in hit.snippet_html and "&lt;img src=x" in hit.snippet_html
    assert "&amp;" in hit.snippet_html
    assert "<mark>行政复议</mark>" not in hit.snippet_html  # only the query word is marked
    assert "申请行政<mark>复议</mark>" in hit.snippet_html
    # A long text is cut around the hit with an ellipsis.
    make_item("长文", body="<p>" + "无关内容。" * 60 + "此处提到复议。" + "结尾内容。" * 60 + "</p>")
    long_hit = next(h for h in S.search(agency, "复议").hits if h.item.title == "长文")
    assert long_hit.snippet_html.startswith("…") and long_hit.snippet_html.endswith("…")
    assert "<mark>复议</mark>" in long_hit.snippet_html and len(long_hit.snippet_html) < 200


def test_filters_category_with_children_year_and_agency(agency, other_agency, make_item, categories):
    parent = categories["管理和服务公开"]
    child = Category.objects.create(agency=agency, parent=parent, name="行政许可结果")
    make_item("许可结果甲", category=child, made=dt.date(2023, 6, 1))
    make_item("许可结果乙", category=parent, made=dt.date(2024, 6, 1))
    make_item("许可工作动态", category="业务工作", made=dt.date(2024, 6, 2))
    make_item("许可（其他机关）", where=other_agency)
    assert S.search(agency, "许可").total == 3  # other agency's item is not in this portal
    assert sorted(titles(S.search(agency, "许可", category=parent.pk))) == ["许可结果乙", "许可结果甲"]
    assert titles(S.search(agency, "许可", category=child)) == ["许可结果甲"]
    year_of = {i.title: (i.date_published or i.date_made).year for i in Item.objects.filter(agency=agency)}
    expected = sorted(t for t, y in year_of.items() if y == year_of["许可结果甲"])
    assert sorted(titles(S.search(agency, "许可", year=year_of["许可结果甲"]))) == expected
    assert S.search(agency, "许可", year=1999).total == 0
    with pytest.raises(S.QueryError, match="分类不存在"):
        S.search(agency, "许可", category=Category.objects.get(agency=other_agency, name="业务工作").pk)
    with pytest.raises(S.QueryError, match="年份"):
        S.search(agency, "许可", year="二〇二四")


def test_pagination(agency, make_item):
    for n in range(5):
        make_item(f"许可公示第{n}期", made=dt.date(2024, 1, 1 + n))
    p1 = S.search(agency, "许可", per_page=2)
    p3 = S.search(agency, "许可", page=3, per_page=2)
    assert (p1.total, p1.pages, len(p1.hits), p1.has_next, p1.has_previous) == (5, 3, 2, True, False)
    assert (len(p3.hits), p3.has_next) == (1, False)
    seen = titles(p1) + titles(S.search(agency, "许可", page=2, per_page=2)) + titles(p3)
    assert sorted(seen) == sorted(f"许可公示第{n}期" for n in range(5))
    assert titles(S.search(agency, "许可", page=99, per_page=2)) == titles(p3)  # past the end: last page
    assert S.search(agency, "许可", page="x", per_page=2).page == 1


@pytest.mark.parametrize("q, message", [
    ("", "请输入"), ("   ", "请输入"), ("复议" * 21, "过长"), ("<>!@#￥%……&*（）", "没有可检索"),
    ('" OR 1=1 --', None), ("NEAR(复议 许可)", None), ("复议*", None), ("title:复议", None), ("'许可' | !x", None),
])
def test_odd_queries_are_safe(agency, make_item, q, message):
    make_item("行政复议和许可", summary="")
    if message:
        with pytest.raises(S.QueryError, match=message):
            S.search(agency, q)
    else:  # query syntax of FTS5/tsquery is never interpreted: no error, plain word matching
        result = S.search(agency, q)
        assert result.total in (0, 1)


def test_index_follows_publish_withdraw_and_delete(agency, people, make_item):
    item = make_item("关于政务公开复议案件的通报", publish=False)
    assert S.search(agency, "复议").total == 0  # a draft is not public
    from tests.portal.conftest import publish_item

    item = publish_item(item, people["clerk"], people["reviewer"])
    assert titles(S.search(agency, "复议")) == ["关于政务公开复议案件的通报"]
    catalog.transition(item, "withdraw", people["reviewer"], reason="内容有误")
    assert S.search(agency, "复议").total == 0
    assert not SearchDoc.objects.filter(pk=item.pk).exists()
    other = make_item("复议决定公示")
    assert S.search(agency, "复议").total == 1
    Item.objects.filter(pk=other.pk).delete()
    assert S.search(agency, "复议").total == 0
    assert SearchDoc.objects.count() == 0


def test_bulk_import_is_indexed(agency, people, categories):
    csv_text = template_csv().replace("关于印发某某工作方案的通知", "关于印发行政复议工作方案的通知")
    result = import_catalog(agency, io.BytesIO(csv_text.encode("utf-8")), "catalog.csv", people["reviewer"])
    assert result.ok and result.created == 1
    assert titles(S.search(agency, "复议")) == ["关于印发行政复议工作方案的通知"]


def test_reindex_repairs_and_rebuilds(agency, make_item):
    a = make_item("许可甲")
    make_item("许可乙")
    SearchDoc.objects.filter(pk=a.pk).delete()  # e.g. items written by raw SQL
    assert S.search(agency, "许可").total == 1
    assert S.reindex(agency) == (1, 0)
    assert S.search(agency, "许可").total == 2
    Item.objects.filter(pk=a.pk).update(state=Item.State.WITHDRAWN)  # no signal
    assert S.reindex() == (0, 1)
    assert titles(S.search(agency, "许可")) == ["许可乙"]
    assert S.reindex(full=True) == (1, 1)


def test_tokens_and_terms():
    assert {"行政", "复议", "行政复议"} <= set(S.tokens("申请行政复议"))
    assert S.query_terms("行政复议 行政复议") == ["行政复议"]
    assert S.query_terms("ＡＢＣ１２３") == ["abc123"]  # full-width folded, lower-cased
    assert S.tokens("“许可”，（复议）") == ["许可", "复议"]


def test_backend_matches_vendor():
    assert connection.vendor in S.BACKENDS


def test_reindex_command(agency, make_item):
    from django.core.management import CommandError, call_command

    item = make_item("许可甲")
    SearchDoc.objects.filter(pk=item.pk).delete()
    out = io.StringIO()
    call_command("reindex_search", "--agency", agency.slug, stdout=out)
    assert "新增 1 条" in out.getvalue() and S.search(agency, "许可").total == 1
    with pytest.raises(CommandError, match="未找到"):
        call_command("reindex_search", "--agency", "nobody")
