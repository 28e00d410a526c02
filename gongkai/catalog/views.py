"""Staff pages of the catalogue (/staff/catalog/…). Rules live in services.py; views only wire forms."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from gongkai import pagebits
from gongkai.agencies.models import AuditEntry
from gongkai.agencies.permissions import agency_required, can
from gongkai.redirects import safe_next
from gongkai.queries import CappedPaginator

from . import importer, services
from .forms import CategoryForm, FilterForm, ImportForm, ItemForm
from .models import Attachment, CatalogSettings, Category, Item, PrivacyHit, SweepReport


def _msg(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _ctx(request, agency, **extra) -> dict:
    return {
        "agency": agency,
        "can_edit": can(request.user, "catalog.edit", agency),
        "can_publish": can(request.user, "catalog.publish", agency),
        **extra,
    }


def _item(agency, pk) -> Item:
    return get_object_or_404(Item.objects.select_related("category", "agency"), pk=pk, agency=agency)


@agency_required("catalog.view")
def index(request):
    agencies = request.agencies.order_by("name")
    if agencies.count() == 1:
        return redirect("catalog:list", agency=agencies.first().slug)
    return render(request, "catalog/index.html", {"agencies": agencies})


def _filtered(request, agency):
    form = FilterForm(request.GET or None, agency=agency)
    qs = Item.objects.filter(agency=agency).select_related("category")
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(Q(title__icontains=d["q"]) | Q(index_number__icontains=d["q"])
                           | Q(document_number__icontains=d["q"]))
        if d["state"]:
            qs = qs.filter(state=d["state"])
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["year"]:
            qs = qs.filter(date_made__year=d["year"])
        if d["doc_kind"]:
            qs = qs.filter(doc_kind=d["doc_kind"])
        if d["overdue"]:
            today = timezone.localdate()
            qs = qs.filter(Q(~Q(state__in=[Item.State.PUBLISHED, Item.State.WITHDRAWN]), due_on__lt=today)
                           | Q(state=Item.State.PUBLISHED, date_published__gt=F("due_on")))
    return form, qs


LIST_FIELDS = ("index_number", "title", "document_number", "category__name", "date_made", "date_published",
               "state", "due_on")


def _filter_fields(form, data) -> list[tuple]:
    """(id, label, widget HTML, errors) of the filter form, widgets built in Python (gongkai.pagebits):
    Django's widget templates rendered each <option> as an included template."""
    f = form.fields
    value = {name: data.get(name, "") for name in f}
    categories = [("", "全部")] + list(f["category"].queryset.values_list("pk", "name"))
    widgets = {
        "q": format_html('<input type="text" name="q" value="{}" id="id_q">', value["q"]),
        "state": pagebits.select("state", f["state"].choices, value["state"], id="id_state"),
        "category": pagebits.select("category", categories, value["category"], id="id_category"),
        "year": pagebits.select("year", f["year"].choices, value["year"], id="id_year"),
        "doc_kind": pagebits.select("doc_kind", f["doc_kind"].choices, value["doc_kind"], id="id_doc_kind"),
        "overdue": format_html('<input type="checkbox" name="overdue" id="id_overdue"{}>',
                               " checked" if form.is_bound and form.is_valid() and form.cleaned_data["overdue"] else ""),
    }
    errors = form.errors if form.is_bound else {}
    return [(f"id_{name}", f[name].label, widgets[name], errors.get(name, [])) for name in widgets]


def _list_rows(agency, rows) -> list[dict]:
    """Rows for the list template: values with dates as text, labels, links and the Art. 26 flag."""
    detail = pagebits.url_maker("catalog:detail", agency.slug)
    states = dict(Item.State.choices)
    out = []
    for r in rows:
        # Item.is_overdue on the row's values, without building an Item per row.
        overdue = Item.is_overdue.fget(SimpleNamespace(State=Item.State, state=r["state"], due_on=r["due_on"],
                                                       date_published=r["date_published"]))
        out.append({"url": detail(r["pk"]), "index_number": r["index_number"], "title": r["title"],
                    "document_number": r["document_number"], "category": r["category__name"],
                    "made": _iso(r["date_made"]), "published": _iso(r["date_published"]) or "—",
                    "state": states.get(r["state"], r["state"]), "due": _iso(r["due_on"]) or "—", "overdue": overdue})
    return out


def _iso(d) -> str:
    return d.isoformat() if d else ""


@agency_required("catalog.view")
def item_list(request, agency):
    form, qs = _filtered(request, agency)
    # Capped count (gongkai.queries): the page costs the same at a thousand items or ten million.
    page = CappedPaginator(qs.order_by("-date_made", "-id"), 50, values=LIST_FIELDS).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "catalog/list.html", _ctx(
        request, agency, fields=_filter_fields(form, request.GET), page=page, rows=_list_rows(agency, page),
        query=query.urlencode(), total=page.paginator.count_label))


def _save_attachments(item, files, user, request):
    for f in files:
        services.add_attachment(item, f, user, request=request)


@agency_required("catalog.edit")
def item_new(request, agency):
    services.seed_categories(agency)
    form = ItemForm(request.POST or None, request.FILES or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            files = form.cleaned_data["attachments"]
            for f in files:
                services.check_upload(f)
            with transaction.atomic():
                item = form.save(commit=False)
                item.agency = agency
                services.save_item(item, request.user, request=request)
                _save_attachments(item, files, request.user, request)
        except ValidationError as exc:
            form.add_error(None, _msg(exc))
        else:
            messages.success(request, f"已保存，索引号 {item.index_number}。")
            return redirect("catalog:detail", agency=agency.slug, pk=item.pk)
    return render(request, "catalog/form.html", _ctx(request, agency, form=form, item=None))


@agency_required("catalog.edit")
def item_edit(request, agency, pk):
    item = _item(agency, pk)
    if item.state not in services.EDITABLE_STATES:
        messages.error(request, "只有拟稿状态的信息可以修改。")
        return redirect("catalog:detail", agency=agency.slug, pk=item.pk)
    form = ItemForm(request.POST or None, request.FILES or None, instance=item, agency=agency)
    # The version the form was loaded at travels with it (gongkai.agencies.concurrency); a POST without
    # one is checked against the version read at the start of this request.
    version = (request.POST.get("version") or item.version) if request.method == "POST" else item.version
    if request.method == "POST" and form.is_valid():
        try:
            files = form.cleaned_data["attachments"]
            for f in files:
                services.check_upload(f)
            with transaction.atomic():
                item = form.save(commit=False)
                services.save_item(item, request.user, request=request, expected_version=version)
                _save_attachments(item, files, request.user, request)
        except ValidationError as exc:
            form.add_error(None, _msg(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("catalog:detail", agency=agency.slug, pk=item.pk)
    return render(request, "catalog/form.html", _ctx(request, agency, form=form, item=item, version=version))


@agency_required("catalog.view")
def item_detail(request, agency, pk):
    item = _item(agency, pk)
    history = AuditEntry.objects.filter(target_type="catalog.item", target_id=str(item.pk),
                                        action__startswith="catalog.").order_by("seq")
    hits = item.privacy_hits.select_related("attachment", "resolved_by").order_by("status", "id")
    return render(request, "catalog/detail.html", _ctx(
        request, agency, item=item, body=services.body_html(item), attachments=item.attachments.all(), hits=hits,
        open_hits=[h for h in hits if h.status == PrivacyHit.Status.OPEN],
        transitions=services.available_transitions(item, request.user),
        days_left=services.working_days_left(item), history=history,
        review_levels=CatalogSettings.for_agency(agency).review_levels,
    ))


@require_POST
@agency_required("catalog.view")
def item_transition(request, agency, pk):
    item = _item(agency, pk)
    name = request.POST.get("action", "")
    try:
        item = services.transition(item, name, request.user, reason=request.POST.get("reason", ""),
                                   secrecy_confirmed=request.POST.get("secrecy_confirmed") == "1", request=request,
                                   expected_version=request.POST.get("version"))
    except ValidationError as exc:
        messages.error(request, _msg(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "您没有此项操作权限。")
    else:
        label = services.TRANSITIONS[name].label
        messages.success(request, f"已{label}，当前状态：{item.get_state_display()}。")
    return redirect("catalog:detail", agency=agency.slug, pk=item.pk)


@require_POST
@agency_required("catalog.publish")
def hit_clear(request, agency, pk, hit):
    h = get_object_or_404(PrivacyHit.objects.select_related("item", "item__agency"), pk=hit, item__pk=pk,
                          item__agency=agency)
    try:
        services.clear_hit(h, request.user, request.POST.get("reason", ""), request=request)
    except ValidationError as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(request, f"已确认 {h.masked} 可以公开。")
    return redirect(safe_next(request, reverse("catalog:detail", args=[agency.slug, pk])))


@require_POST
@agency_required("catalog.publish")
def hit_redact(request, agency, pk, hit):
    h = get_object_or_404(PrivacyHit.objects.select_related("item", "item__agency", "attachment"), pk=hit,
                          item__pk=pk, item__agency=agency)
    try:
        services.redact_hit(h, request.user, request=request)
    except ValidationError as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(request, f"已脱敏：{h.masked}（{h.location}）。")
    return redirect(safe_next(request, reverse("catalog:detail", args=[agency.slug, pk])))


@agency_required("catalog.view")
def attachment_download(request, agency, pk, att):
    a = get_object_or_404(Attachment, pk=att, item__pk=pk, item__agency=agency)
    return FileResponse(a.file.open("rb"), as_attachment=True, filename=a.name)


@require_POST
@agency_required("catalog.publish")
def attachment_replace(request, agency, pk, att):
    a = get_object_or_404(Attachment.objects.select_related("item", "item__agency"), pk=att, item__pk=pk,
                          item__agency=agency)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择脱敏后的替换文件。")
    else:
        try:
            services.replace_attachment(a, upload, request.user, request=request)
        except ValidationError as exc:
            messages.error(request, _msg(exc))
        else:
            messages.success(request, f"已替换附件：{a.name}，并重新进行了隐私检查。")
    return redirect("catalog:detail", agency=agency.slug, pk=pk)


@require_POST
@agency_required("catalog.edit")
def attachment_delete(request, agency, pk, att):
    a = get_object_or_404(Attachment.objects.select_related("item", "item__agency"), pk=att, item__pk=pk,
                          item__agency=agency)
    try:
        services.remove_attachment(a, request.user, request=request)
    except ValidationError as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(request, "已删除附件。")
    return redirect("catalog:detail", agency=agency.slug, pk=pk)


@agency_required("catalog.view")
def review_queue(request, agency):
    S = Item.State
    qs = Item.objects.filter(agency=agency, state__in=[S.REVIEW1, S.REVIEW2, S.SECRECY]).select_related("category")
    drafts_due = Item.objects.filter(agency=agency, state=S.DRAFT, due_on__lt=timezone.localdate())
    return render(request, "catalog/review.html", _ctx(request, agency, items=qs.order_by("due_on", "id"),
                                                        drafts_due=drafts_due.order_by("due_on")))


@agency_required("catalog.view")
def privacy_hits(request, agency):
    hits = (PrivacyHit.objects.filter(item__agency=agency, status=PrivacyHit.Status.OPEN)
            .select_related("item", "attachment").order_by("item__state", "item_id", "id"))
    page = Paginator(hits, 100).get_page(request.GET.get("page"))
    return render(request, "catalog/privacy.html", _ctx(request, agency, page=page))


@agency_required("catalog.publish")
def import_view(request, agency):
    services.seed_categories(agency)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importer.import_catalog(agency, upload.file, upload.name, request.user, request=request)
        except importer.ImportFileError as exc:
            file_error = str(exc)
    return render(request, "catalog/import.html", _ctx(request, agency, form=form, result=result,
                                                        file_error=file_error, headers=importer.export_header()[:-1],
                                                        required=[importer.HEADERS[f] for f in importer.REQUIRED]))


@agency_required("catalog.view")
def import_template(request, agency):
    resp = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = content_disposition_header(True, "catalog-template.csv")
    return resp


@agency_required("catalog.view")
def export(request, agency, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404("仅支持导出 CSV 或 XLSX。")
    _, qs = _filtered(request, agency)
    qs = qs.order_by("date_made", "id")
    stamp = date.today().strftime("%Y%m%d")
    if fmt == "xlsx":
        resp = HttpResponse(importer.xlsx_bytes(qs),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        resp = StreamingHttpResponse(importer.csv_lines(qs), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = content_disposition_header(True, f"catalog-{agency.slug}-{stamp}.{fmt}")
    return resp


@agency_required("catalog.view")
def sweeps(request, agency):
    if request.method == "POST":
        if not can(request.user, "catalog.publish", agency):
            raise PermissionDenied("您在该机关没有此项操作权限。")
        report = services.sweep(agency, user=request.user)
        messages.success(request, f"巡检完成：检查 {report.items_scanned} 条，未处理问题 {report.hits_found} 处。")
        return redirect("catalog:sweep", agency=agency.slug, pk=report.pk)
    reports = SweepReport.objects.filter(Q(agency=agency) | Q(agency__isnull=True)).select_related("agency")[:50]
    return render(request, "catalog/sweeps.html", _ctx(request, agency, reports=reports))


@agency_required("catalog.view")
def sweep_detail(request, agency, pk):
    report = get_object_or_404(SweepReport.objects.filter(Q(agency=agency) | Q(agency__isnull=True)), pk=pk)
    hits = (PrivacyHit.objects.filter(item__agency=agency, item__state=Item.State.PUBLISHED)
            .filter(Q(status=PrivacyHit.Status.OPEN) | Q(sweep=report))
            .select_related("item", "attachment").order_by("item_id", "id"))
    return render(request, "catalog/sweep.html", _ctx(request, agency, report=report, hits=hits))


def _category(agency, pk: str) -> Category:
    # ?edit= / delete= come from the page, but a hand-edited value must be a 404, not a ValueError.
    if not pk.isdecimal():
        raise Http404("没有这个分类。")
    return get_object_or_404(Category, pk=int(pk), agency=agency)


@agency_required("catalog.view")
def categories(request, agency):
    services.seed_categories(agency)
    editing = None
    if request.GET.get("edit"):
        editing = _category(agency, request.GET["edit"])
    form = CategoryForm(request.POST or None, instance=editing, agency=agency)
    settings_obj = CatalogSettings.for_agency(agency)
    if request.method == "POST":
        if not can(request.user, "catalog.publish", agency):
            raise PermissionDenied("您在该机关没有此项操作权限。")
        if "review_levels" in request.POST:
            try:
                levels = int(request.POST["review_levels"])
            except ValueError:
                levels = 0
            if levels in (1, 2):
                settings_obj.review_levels = levels
                settings_obj.save()
                services.audit.record(actor=request.user, action="catalog.settings", agency=agency,
                                      summary=f"设置主动公开审核级数：{levels} 级", request=request)
                messages.success(request, "已保存审核设置。")
            else:
                messages.error(request, "审核级数应为 1 或 2。")
            return redirect("catalog:categories", agency=agency.slug)
        if "delete" in request.POST:
            cat = _category(agency, request.POST["delete"])
            if cat.items.exists() or cat.children.exists():
                messages.error(request, f"分类“{cat.name}”下还有信息或下级分类，不能删除。")
            else:
                cat.delete()
                services.audit.record(actor=request.user, action="catalog.category_delete", agency=agency,
                                      summary=f"删除目录分类：{cat.name}", request=request)
                messages.success(request, f"已删除分类“{cat.name}”。")
            return redirect("catalog:categories", agency=agency.slug)
        if form.is_valid():
            cat = form.save(commit=False)
            cat.agency = agency
            cat.save()
            services.audit.record(actor=request.user, action="catalog.category_save", agency=agency, target=cat,
                                  summary=f"{'修改' if editing else '新增'}目录分类：{cat.name}", request=request)
            messages.success(request, f"已保存分类“{cat.name}”。")
            return redirect("catalog:categories", agency=agency.slug)
    counts = dict(Item.objects.filter(agency=agency).values_list("category").annotate(
        n=Count("id")).values_list("category", "n"))
    tree = [(c, depth, counts.get(c.pk, 0)) for c, depth in services.category_tree(agency)]
    return render(request, "catalog/categories.html", _ctx(request, agency, tree=tree, form=form, editing=editing,
                                                            settings=settings_obj))



@agency_required("catalog.view")
def statistics(request):
    """Charts of the catalogue for the agencies the user may see (a supervisor: per agency as well)."""
    from gongkai import charts

    from .forms import StatsForm

    agencies = request.agencies.order_by("name")
    form = StatsForm(request.GET or None, agencies=agencies)
    chosen = agencies
    if agencies.count() == 1:
        chosen = agencies
    elif form.is_bound and form.is_valid() and form.cleaned_data.get("agency"):
        chosen = agencies.filter(pk=form.cleaned_data["agency"].pk)
    st = services.statistics(chosen)
    year = timezone.localdate().year
    drawn = [charts.bar_chart("每月发布的主动公开信息", st["months"], {"发布条数": st["published"]},
                              label_header="月份", unit="条")]
    if st["categories"]:
        names, counts = zip(*st["categories"])
        drawn.append(charts.bar_chart(f"{year}年各分类发布的信息", list(names), {"条数": list(counts)},
                                      label_header="分类", unit="条", horizontal=True))
    if st["per_agency"]:
        drawn.append(charts.bar_chart(f"各机关{year}年发布的信息和逾期未发布的拟稿（第二十六条）",
                                      [r[0] for r in st["per_agency"]],
                                      {"已发布": [r[1] for r in st["per_agency"]],
                                       "逾期未发布": [r[2] for r in st["per_agency"]]},
                                      label_header="机关", unit="条", horizontal=True))
    return render(request, "catalog/statistics.html", {"form": form, "charts": drawn,
                                                       "several": agencies.count() > 1})
