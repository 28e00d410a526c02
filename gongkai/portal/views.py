"""Public pages of the 政府信息公开 column: no login, read-only, published information only."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe

from gongkai import pagebits
from gongkai.agencies.models import Agency
from gongkai.catalog.models import Item
from gongkai.catalog.services import body_html, category_tree
from gongkai.report.errors import ReportError
from gongkai.report.layouts import PROSE_SECTIONS, SECTION_TITLES
from gongkai.report.render import FORMATS, MEDIA_TYPES, TABLE_CSS, render as render_report, render_tables_html
from gongkai.report.render.grid import report_title

from . import services
from .models import PortalSettings, PublishedReport
from .search import MAX_QUERY_CHARS, QueryError, search as run_search


def _agency(slug: str) -> Agency:
    return get_object_or_404(Agency, slug=slug, is_active=True)


def _ctx(agency, section: str, **extra) -> dict:
    return {"agency": agency, "section": section, **extra}


def index(request):
    agencies = Agency.objects.filter(is_active=True).select_related("parent").order_by("name")
    return render(request, "portal/index.html", {"agencies": agencies})


def home(request, slug):
    agency = _agency(slug)
    latest = services.published_items(agency).order_by("-date_published", "-id")[:10]
    reports = PublishedReport.current().filter(agency=agency).order_by("-year")[:3]
    return render(request, "portal/home.html", _ctx(agency, "home", latest=latest, reports=reports))


def guide(request, slug):
    agency = _agency(slug)
    cats = [c for c, depth in category_tree(agency) if depth == 0]
    return render(request, "portal/guide.html", _ctx(agency, "guide", categories=cats, **services.guide(agency)))


def rules(request, slug):
    agency = _agency(slug)
    return render(request, "portal/rules.html",
                  _ctx(agency, "rules", rules=PortalSettings.for_agency(agency).rule_list()))


def _filters(request) -> dict:
    return {k: request.GET.get(k, "").strip() for k in ("category", "year", "validity")}


def _filter_options(agency, f: dict, years: list[int]) -> dict:
    """The category and year ``<option>`` lists, built in Python (gongkai.pagebits): through the template
    each option cost a loop step, a comparison and an escape."""
    return {
        "category_options": pagebits.options(
            [("", "全部分类")] + [(c.pk, "\u3000" * depth + c.name) for c, depth in category_tree(agency)],
            f.get("category", "")),
        "year_options": pagebits.options([("", "全部年份")] + [(y, f"{y}年") for y in years], f.get("year", "")),
    }


def _iso(d) -> str:
    return d.isoformat() if d else ""


def items(request, slug):
    agency = _agency(slug)
    f = _filters(request)
    error, page, rows = "", None, []
    try:
        page = services.browse(agency, f["category"] or None, f["year"] or None, f["validity"] or None,
                               request.GET.get("page") or 1)
    except ValidationError as exc:
        error = exc.messages[0]
    if page is not None:
        link = pagebits.url_maker("portal:item", agency.slug)
        rows = [{"url": link(it.pk), "title": it.title, "document_number": it.document_number,
                 "index_number": it.index_number, "category": it.category.name, "date": _iso(it.date_published),
                 "validity": it.get_validity_display()} for it in page.object_list]
    return render(request, "portal/items.html", _ctx(
        agency, "items", page=page, rows=rows, error=error, filters=f, validities=Item.Validity.choices,
        query=_query_string(f), **_filter_options(agency, f, services.years(agency))))


def _query_string(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v})


def _published_item(agency, pk) -> Item:
    return get_object_or_404(services.published_items(agency), pk=pk)


def item(request, slug, pk):
    agency = _agency(slug)
    obj = _published_item(agency, pk)
    # Body is sanitised on save and again here (catalog.services.body_html), so it may be shown as HTML.
    return render(request, "portal/item.html", _ctx(agency, "items", item=obj, body=body_html(obj),
                                                    attachments=obj.attachments.all()))


def attachment(request, slug, pk, att):
    agency = _agency(slug)
    obj = _published_item(agency, pk)
    a = get_object_or_404(obj.attachments, pk=att)
    try:
        fp = a.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("附件文件不存在") from None
    inline = a.kind in ("pdf", "png", "jpeg", "gif")
    response = FileResponse(fp, as_attachment=not inline, filename=a.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def search(request, slug):
    agency = _agency(slug)
    q = request.GET.get("q", "")
    f = {k: request.GET.get(k, "").strip() for k in ("category", "year")}
    result, error, hits = None, "", []
    if "q" in request.GET:
        try:
            result = run_search(agency, q, f["category"] or None, f["year"] or None, request.GET.get("page") or 1)
        except QueryError as exc:
            error = str(exc)
    if result:
        link = pagebits.url_maker("portal:item", agency.slug)
        hits = [{"url": link(h.item.pk), "title_html": h.title_html, "snippet_html": h.snippet_html,
                 "category": h.item.category.name, "date": _iso(h.item.date_published),
                 "index_number": h.item.index_number} for h in result.hits]
    return render(request, "portal/search.html", _ctx(
        agency, "search", q=q, result=result, hits=hits, error=error, filters=f, max_chars=MAX_QUERY_CHARS,
        query=_query_string({"q": q, **f}), **_filter_options(agency, f, services.years(agency))))


def apply(request, slug):
    agency = _agency(slug)
    return render(request, "portal/apply.html", _ctx(agency, "apply", settings=PortalSettings.for_agency(agency)))


def reports(request, slug):
    agency = _agency(slug)
    return render(request, "portal/reports.html",
                  _ctx(agency, "reports", reports=PublishedReport.current().filter(agency=agency).order_by("-year")))


def _published_report(agency, year, version=None):
    """The version in force, or an earlier one asked for with ?version=N (corrections keep them)."""
    qs = PublishedReport.objects.filter(agency=agency, year=year)
    if version not in (None, ""):
        if not str(version).isdigit() or len(str(version)) > 4:
            raise Http404("没有该版本")
        obj = get_object_or_404(qs, version=int(version))
    else:
        obj = qs.order_by("-version").first()
        if obj is None:
            raise Http404("没有该年度报告")
    try:
        return obj, obj.report()
    except ReportError:
        raise Http404("年度报告数据有误，暂时无法显示") from None


def report(request, slug, year):
    agency = _agency(slug)
    obj, rep = _published_report(agency, year, request.GET.get("version"))
    versions = list(PublishedReport.objects.filter(agency=agency, year=year).order_by("-version")
                    .values("version", "published_at", "correction_note", "content_hash"))
    prose = {n: [p.strip() for p in (rep.sections.get(n) or "").splitlines() if p.strip()] for n in PROSE_SECTIONS}
    return render(request, "portal/report.html", _ctx(
        agency, "reports", published=obj, title=report_title(rep), table_css=mark_safe(TABLE_CSS),
        before=[(SECTION_TITLES["1"], prose["1"])],
        tables=mark_safe(render_tables_html(rep)),
        after=[(SECTION_TITLES[n], prose[n]) for n in ("5", "6")],
        formats=list(FORMATS), versions=versions, latest=versions[0]["version"]))


def report_file(request, slug, year, fmt):
    agency = _agency(slug)
    if fmt not in FORMATS:
        raise Http404("不支持的格式")
    obj, rep = _published_report(agency, year, request.GET.get("version"))
    response = HttpResponse(render_report(rep, fmt), content_type=MEDIA_TYPES[fmt])
    if fmt != "html":
        response["Content-Disposition"] = content_disposition_header(True, f"{year}-report-v{obj.version}.{fmt}")
    return response
