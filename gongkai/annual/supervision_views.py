"""Supervision pages (/staff/annual/supervise/<agency>/<year>/): the government above its agencies sees
their reports, totals, charts and open ledger entries, uploads outside agencies' reports and turns a
finding into a 整改台账 entry. Only a supervisor of ``agency`` (or above it) gets in; others get a 404."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from gongkai.agencies.models import Agency
from gongkai.agencies.permissions import agency_required
from gongkai.report.render import TABLE_CSS
from gongkai.report.render.html import render_tables_html

from . import supervision
from .report_forms import MultiUploadForm
from .staff_views import _year


def _root(request, agency) -> Agency:
    if not supervision.may_supervise(request.user, agency):
        raise Http404("没有找到该机关。")
    return agency


@agency_required("report.view")
def overview(request, agency, year):
    root, year = _root(request, agency), _year(year)
    data = supervision.page_data(root, year)
    return render(request, "annual/supervise.html", {
        "agency": root, "year": year, "rows": data["rows"], "missing": data["missing"],
        "ranking": data["ranking"], "ledger": data["ledger"], "charts": supervision.charts(data["ranking"], data["trends"]),
        "table_css": mark_safe(TABLE_CSS), "tables": mark_safe(render_tables_html(data["total"], id_prefix="total-")),
        "upload_form": MultiUploadForm(), "late": [r for r in data["rows"] if r["late"]],
    })


@agency_required("report.view")
def export(request, agency, year):
    root, year = _root(request, agency), _year(year)
    body = supervision.export_xlsx(root, year, supervision.page_data(root, year))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"supervision-{year}.xlsx")
    return response


@require_POST
@agency_required("report.view")
def upload(request, agency, year):
    root, year = _root(request, agency), _year(year)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, "请选择要上传的年度报告文件。")
    else:
        try:
            lines = supervision.upload_external(root, [(f.name, f) for f in files], request.user, request=request)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            for line in lines:
                messages.info(request, line)
    return redirect("annual:supervise", root.slug, year)


@require_POST
@agency_required("report.view")
def to_ledger(request, agency, year):
    """The finding is looked up again on the server by agency and position: no text is taken from the form."""
    root, year = _root(request, agency), _year(year)
    below = {a.slug: a for a in supervision.agencies_below(root)}
    target = below.get(request.POST.get("agency", ""))
    index = request.POST.get("index", "")
    if target is None or not index.isdigit():
        raise Http404("没有找到该机关或核对发现。")
    from gongkai.portal.models import PublishedReport

    found = supervision.report_findings(target, year, PublishedReport.latest(target, year))
    if int(index) >= len(found):
        raise Http404("没有找到该核对发现。")
    supervision.finding_to_ledger(target, year, found[int(index)].to_dict(), request.user, raised_by=root,
                                  request=request)
    messages.success(request, f"已转入{target.name}的整改台账。")
    return redirect("annual:supervise", root.slug, year)
