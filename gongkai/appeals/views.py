"""Staff pages of appeals (/staff/appeals/…). Rules live in services.py; views only wire forms."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from gongkai.agencies.models import AuditEntry
from gongkai.agencies.permissions import agency_required, can
from gongkai.report.layouts import APPEAL_COLUMNS, APPEAL_GROUPS, LITIGATION_HEADER

from . import services
from .forms import AppealForm, FilterForm
from .models import Appeal


def _ctx(request, agency, **extra) -> dict:
    return {"agency": agency, "can_edit": can(request.user, "appeal.edit", agency), **extra}


@agency_required("appeal.view")
def index(request):
    agencies = list(request.agencies.order_by("name"))
    if len(agencies) == 1:
        return redirect("appeals:list", agency=agencies[0].slug)
    return render(request, "appeals/index.html", {"agencies": agencies})


@agency_required("appeal.view")
def appeal_list(request, agency):
    form = FilterForm(request.GET or None)
    qs = Appeal.objects.filter(agency=agency).select_related("application")
    year = timezone.localdate().year
    if form.is_valid():
        d = form.cleaned_data
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["year"]:
            year = d["year"]
            qs = qs.filter(services.year_filter(year))
        if d["result"] == "pending":
            qs = qs.filter(result="")
        elif d["result"]:
            qs = qs.filter(result=d["result"])
    table = services.table4(agency, year)
    rows = [(label, [table[key][c.key] for c in APPEAL_COLUMNS]) for key, label in APPEAL_GROUPS]
    page = Paginator(qs.order_by("-filed_on", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "appeals/list.html", _ctx(
        request, agency, form=form, page=page, query=query.urlencode(), year=year, rows=rows,
        columns=APPEAL_COLUMNS, litigation_header=LITIGATION_HEADER, rule=services.COUNTING_RULE))


def _edit(request, agency, appeal: Appeal):
    form = AppealForm(request.POST or None, instance=appeal, agency=agency)
    # The version the form was loaded at travels with it (gongkai.agencies.concurrency).
    version = (request.POST.get("version") or appeal.version) if request.method == "POST" else appeal.version
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.save_appeal(form.save(commit=False), request.user, request=request,
                                          expected_version=version)
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, "已保存。")
            return redirect("appeals:detail", agency=agency.slug, pk=appeal.pk)
    return render(request, "appeals/form.html", _ctx(request, agency, form=form, appeal=appeal,
                                                     version=version if appeal.pk else None))


@agency_required("appeal.edit")
def appeal_new(request, agency):
    return _edit(request, agency, Appeal(agency=agency))


@agency_required("appeal.edit")
def appeal_edit(request, agency, pk):
    return _edit(request, agency, get_object_or_404(Appeal, agency=agency, pk=pk))


@agency_required("appeal.view")
def appeal_detail(request, agency, pk):
    appeal = get_object_or_404(Appeal.objects.select_related("application", "created_by"), agency=agency, pk=pk)
    history = AuditEntry.objects.filter(target_type="appeals.appeal", target_id=str(appeal.pk)).order_by("seq")
    return render(request, "appeals/detail.html", _ctx(request, agency, appeal=appeal, history=history,
                                                       can_view_application=can(request.user, "application.view", agency)))
