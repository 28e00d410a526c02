"""Staff pages of the annual report (/staff/annual/…): inputs, the compile page with drill-down, checks,
edited sections, publishing and corrections, the ledger. Logic lives in compile.py, inputs.py and
supervision.py; views wire forms and permissions (another agency's report is a 404)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from gongkai.agencies.permissions import agency_required, can
from gongkai.report import checks
from gongkai.report.errors import ReportError
from gongkai.report.layouts import APPLICANT_COLUMNS, SECTION_TITLES
from gongkai.report.render import MEDIA_TYPES, TABLE_CSS, render as render_report
from gongkai.report.render.html import render_tables_html

from . import compile as compiler
from . import inputs
from .models import LedgerEntry, PlatformFacts, ProactiveStats, Proposal
from .report_forms import (
    CloseForm, FactsForm, LedgerForm, ProposalForm, PublishForm, SectionsForm, StatsForm, UploadForm,
)

MAX_UPLOAD = settings.GONGKAI_REPORT_UPLOAD_MAX_BYTES
DOWNLOADS = ("html", "docx", "pdf", "xlsx", "json")


def _year(year: int) -> int:
    if not 2008 <= year <= timezone.localdate().year:
        raise Http404("年度超出范围")
    return year


def default_year() -> int:
    """In January–March agencies compile last year's report (Art. 49)."""
    return timezone.localdate().year - 1


@agency_required("report.view")
def reports(request):
    from .supervision import supervised_roots

    year = default_year()
    asked = request.GET.get("year", "")
    if asked.isdigit() and len(asked) == 4 and 2008 <= int(asked) <= timezone.localdate().year:
        year = int(asked)
    rows = []
    for agency in request.agencies.order_by("name"):
        st = compiler.status(agency, year)
        rows.append({"agency": agency, "status": st, "days_left": st.days_left()})
    years = range(timezone.localdate().year, 2018, -1)
    return render(request, "annual/reports.html", {"rows": rows, "year": year, "years": years,
                                                   "roots": supervised_roots(request.user)})


def _cell_links(agency, year: int, report) -> dict[str, str]:
    base = reverse("annual:cell", args=[agency.slug, year, "KEY"])
    return {key: base.replace("KEY", key) for key, _c, _v in report.cells()}


def _finding_views(report, found) -> list[dict]:
    return [{"rule": f.rule, "severity": f.severity, "message": f.message,
             "cells": [{"key": k, "anchor": f"cell-{k}"} for k in f.cells]}
            for f in sorted(found, key=lambda f: f.severity != checks.ERROR)]


@agency_required("report.view")
def compile_page(request, agency, year):
    from gongkai.portal.models import PublishedReport

    year = _year(year)
    draft = compiler.get_draft(agency, year)
    report, drafted = compiler.compile_report(agency, year, draft)
    previous, previous_source = compiler.previous_report(agency, year)
    found = checks.check(report, previous)
    st = compiler.status(agency, year, report=report, draft=draft)
    versions = list(PublishedReport.objects.filter(agency=agency, year=year).order_by("-version"))
    changes = compiler.diff(versions[0].report(), report) if versions else []
    versions = [{"version": v.version, "published_at": v.published_at, "hash": v.content_hash,
                 "note": v.correction_note} for v in versions]
    edited = (draft.sections if draft else {}) or {}
    sections = SectionsForm(initial={f"s{k}": report.sections[k] for k in ("1", "5", "6")})
    return render(request, "annual/compile.html", {
        "agency": agency, "year": year, "status": st, "deadline_rule": compiler.deadline_rule(agency),
        "days_left": st.days_left(),
        "table_css": mark_safe(TABLE_CSS),
        "tables": mark_safe(render_tables_html(report, found, id_prefix="", links=_cell_links(agency, year, report))),
        "findings": _finding_views(report, found),
        "errors": sum(f.severity == checks.ERROR for f in found),
        "warnings": sum(f.severity != checks.ERROR for f in found),
        "previous_source": previous_source,
        "stats_missing": not ProactiveStats.objects.filter(agency=agency, year=year).exists(),
        "sections_form": sections, "edited": [SECTION_TITLES[k] for k in sorted(edited)],
        "versions": versions, "changes": changes, "publish_form": PublishForm(), "upload_form": UploadForm(),
        "can_edit": can(request.user, "report.edit", agency),
        "can_publish": can(request.user, "report.publish", agency),
        "downloads": DOWNLOADS,
        "checked": bool(draft and draft.checked_at),
    })


@require_POST
@agency_required("report.edit")
def save_sections(request, agency, year):
    year = _year(year)
    form = SectionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    else:
        d = form.cleaned_data
        try:
            compiler.save_sections(agency, year, {"1": d["s1"], "5": d["s5"], "6": d["s6"]}, request.user,
                                   request=request)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已保存报告文字，并已重新核对。")
    return redirect(reverse("annual:compile", args=[agency.slug, year]) + "#findings")


@require_POST
@agency_required("report.edit")
def check(request, agency, year):
    year = _year(year)
    found = compiler.mark_checked(agency, year, request.user, request=request)
    if checks.has_errors(found):
        messages.error(request, "核对发现错误，请改正后再核对。")
    else:
        messages.success(request, f"核对完成：无错误，{len(found)} 个警告。状态为“已核对”。")
    return redirect(reverse("annual:compile", args=[agency.slug, year]) + "#findings")


@require_POST
@agency_required("report.publish")
def publish(request, agency, year):
    year = _year(year)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("annual:compile", agency.slug, year)
    try:
        obj = compiler.publish(agency, year, request.user, form.cleaned_data["correction_note"], request=request)
    except compiler.PublishError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已发布{year}年度报告第{obj.version}版。")
    return redirect("annual:compile", agency.slug, year)


@require_POST
@agency_required("report.edit")
def upload_previous(request, agency, year):
    year = _year(year)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择上年度报告文件。")
    else:
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            messages.error(request, f"文件过大（上限 {MAX_UPLOAD // 1024 // 1024} MB）。")
        else:
            try:
                compiler.upload_previous(agency, year, upload.name, upload.read(MAX_UPLOAD + 1), request.user,
                                         request=request)
            except ReportError as exc:
                messages.error(request, f"无法读取该文件：{exc}")
            else:
                messages.success(request, f"已导入{year - 1}年度报告，跨年核对已启用。")
    return redirect(reverse("annual:compile", args=[agency.slug, year]) + "#findings")


@agency_required("report.view")
def draft_file(request, agency, year, fmt):
    year = _year(year)
    if fmt not in DOWNLOADS:
        raise Http404("不支持的格式")
    report = compiler.build(agency, year)
    response = HttpResponse(render_report(report, fmt), content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{year}-draft.{fmt}")
    return response


# -- drill-down --------------------------------------------------------------------------------------------

@agency_required("report.view")
def cell(request, agency, year, key):
    """The records a cell counts: cases, catalogue items, appeals, or the statistics (and their import)."""
    year = _year(year)
    report = compiler.tables(agency, year)
    keys = {k for k, _c, _v in report.cells()}
    if key not in keys:
        raise Http404("没有该单元格")
    table, row, col = key.split(".")
    label = f"{checks.table_name(table)}{checks.cell_label(report, key)}"
    ctx = {"agency": agency, "year": year, "key": key, "label": label, "value": report.get(key), "kind": table}
    if table == "applications":
        from gongkai.applications.services import table3_cases

        if not can(request.user, "application.view", agency):
            raise PermissionDenied("您没有查看依申请公开案件的权限。")
        types = {c.key: c.label for c in APPLICANT_COLUMNS}
        ctx["records"] = [{"url": reverse("applications:case", args=[a.pk]), "ref": a.number or a.tracking_code,
                           "title": a.title, "type": types.get(a.applicant_type, a.applicant_type),
                           "received": a.received_on, "replied": a.replied_on, "outcome": a.outcome_label}
                          for a in table3_cases(agency, year, row, col)[:500]]
    elif table == "appeals":
        from gongkai.appeals.services import table4_appeals

        ctx["records"] = [{"url": reverse("appeals:detail", args=[agency.slug, a.pk]), "ref": a.case_number,
                           "title": a.get_kind_display(), "received": a.filed_on, "replied": a.decided_on,
                           "outcome": a.result_label} for a in table4_appeals(agency, year, row, col)[:500]]
    elif row in ("regulations", "normative_documents"):
        from gongkai.catalog.services import table2_items

        ctx["records"] = [{"url": reverse("catalog:detail", args=[agency.slug, i.pk]), "ref": i.document_number or i.index_number,
                           "title": i.title, "received": i.issued_on, "replied": i.date_published,
                           "outcome": i.get_validity_display()} for i in table2_items(agency, year, row, col)[:500]]
    else:
        s = ProactiveStats.objects.filter(agency=agency, year=year).select_related("source_import").first()
        imp = s.source_import if s else None
        ctx["stats"] = s and {"updated_at": s.updated_at, "import": imp and {
            "filename": imp.filename, "created_at": imp.created_at, "sha256": imp.sha256}}
    return render(request, "annual/cell.html", ctx)


# -- inputs ------------------------------------------------------------------------------------------------

@agency_required("report.view")
def inputs_page(request, agency, year):
    year = _year(year)
    stats = ProactiveStats.objects.filter(agency=agency, year=year).first() or ProactiveStats(agency=agency, year=year)
    facts = PlatformFacts.objects.filter(agency=agency, year=year).first() or PlatformFacts(agency=agency, year=year)
    editable = can(request.user, "report.edit", agency)
    stats_form = StatsForm(instance=stats, prefix="stats")
    facts_form = FactsForm(instance=facts, prefix="facts")
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("您在该机关没有此项操作权限。")
        if "save_stats" in request.POST:
            stats_form = StatsForm(request.POST, instance=stats, prefix="stats")
            if stats_form.is_valid():
                try:
                    inputs.save_stats(agency, year, stats_form.cleaned_data, request.user, request=request)
                except ValidationError as exc:
                    stats_form.add_error(None, "；".join(exc.messages))
                else:
                    messages.success(request, "已保存表二统计数据。")
                    return redirect("annual:inputs", agency.slug, year)
        elif "save_facts" in request.POST:
            facts_form = FactsForm(request.POST, instance=facts, prefix="facts")
            if facts_form.is_valid():
                try:
                    inputs.save_facts(facts_form.save(commit=False), request.user, request=request)
                except ValidationError as exc:
                    facts_form.add_error(None, "；".join(exc.messages))
                else:
                    messages.success(request, "已保存平台建设和其他事项。")
                    return redirect("annual:inputs", agency.slug, year)
    return render(request, "annual/inputs.html", {"agency": agency, "year": year, "stats_form": stats_form,
                                                  "facts_form": facts_form, "can_edit": editable})


@agency_required("report.edit")
def stats_import(request):
    from gongkai.catalog.importer import ImportFileError

    result, error = None, ""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = inputs.import_stats(upload, upload.name, request.user, request=request)
        except ImportFileError as exc:
            error = f"{exc} 未导入任何数据。"
        else:
            if result.ok:
                messages.success(request, f"导入完成：{result.saved} 个机关年度的表二统计数据已保存。")
                return redirect("annual:stats_import")
    return render(request, "annual/import.html", {"form": form, "result": result, "error": error,
                                                  "headers": inputs.IMPORT_HEADERS})


@agency_required("report.edit")
def stats_template(request):
    response = HttpResponse(inputs.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "table2-stats.csv")
    return response


def _add_record(request, agency, form, save, done: str) -> bool:
    """POST of a register form (proposals, ledger): permission, validation, the service's own checks."""
    if request.method != "POST":
        return False
    if not can(request.user, "report.edit", agency):
        raise PermissionDenied("您在该机关没有此项操作权限。")
    if not form.is_valid():
        return False
    try:
        save(form.save(commit=False), request.user, request=request)
    except ValidationError as exc:
        for field, errs in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
            for e in errs:
                form.add_error(field if field in form.fields else None, e)
        return False
    messages.success(request, done)
    return True


@agency_required("report.view")
def proposals(request, agency):
    form = ProposalForm(request.POST or None, instance=Proposal(agency=agency))
    if _add_record(request, agency, form, inputs.save_proposal, "已登记。"):
        return redirect("annual:proposals", agency.slug)
    rows = [{"kind": p.get_kind_display(), "number": p.number, "title": p.title, "received": p.received_on,
             "answered": p.answered_on, "result": p.result} for p in Proposal.objects.filter(agency=agency)]
    return render(request, "annual/proposals.html", {"agency": agency, "rows": rows, "form": form,
                                                     "can_edit": can(request.user, "report.edit", agency)})


@agency_required("report.view")
def ledger(request, agency):
    form = LedgerForm(request.POST or None, instance=LedgerEntry(agency=agency))
    if _add_record(request, agency, form, inputs.save_ledger_entry, "已登记整改台账。"):
        return redirect("annual:ledger", agency.slug)
    today = timezone.localdate()
    rows = [ledger_row(e, today) for e in
            LedgerEntry.objects.filter(agency=agency).select_related("raised_by").order_by("closed_on", "due_on", "id")]
    return render(request, "annual/ledger.html", {"agency": agency, "rows": rows, "form": form,
                                                  "today": today,
                                                  "can_edit": can(request.user, "report.edit", agency)})


def ledger_row(e: LedgerEntry, today) -> dict:
    return {"pk": e.pk, "source": e.get_source_display(), "raised_by": e.raised_by.name if e.raised_by else "",
            "found_on": e.found_on, "problem": e.problem, "measure": e.measure, "responsible": e.responsible,
            "due_on": e.due_on, "closed_on": e.closed_on, "closing_note": e.closing_note,
            "overdue": e.overdue(today), "agency": e.agency.name, "agency_slug": e.agency.slug}


@require_POST
@agency_required("report.edit")
def ledger_close(request, agency, pk):
    entry = get_object_or_404(LedgerEntry, agency=agency, pk=pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    else:
        d = form.cleaned_data
        try:
            inputs.close_ledger_entry(entry, request.user, closed_on=d["closed_on"], measure=d["measure"],
                                      note=d["note"], request=request)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已销号。")
    return redirect("annual:ledger", agency.slug)
