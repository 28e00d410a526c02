"""年报体检 pages: upload, results (tables with highlighted cells and the findings beside them), downloads."""
from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongkai.redirects import safe_next
from gongkai.ratelimit import ratelimit
from gongkai.report.errors import ReportError
from gongkai.report.model import Report
from gongkai.report.render import MEDIA_TYPES, TABLE_CSS, render as render_report
from gongkai.report.render.html import render_tables_html

from . import services, store, tasks
from .forms import UploadForm

DOWNLOADS = (("docx", "Word（DOCX）"), ("pdf", "PDF"), ("xlsx", "Excel（XLSX）"), ("json", "JSON 数据"))
FONT_COOKIE = "gk_font"
logger = logging.getLogger(__name__)



def _entry_view(entry: dict, batch: dict) -> dict:
    view = {"index": entry["index"], "filename": entry["filename"], "size": services.human_size(entry["size"]),
            "error": entry["error"], "anchor": f"r{entry['index']}", "pending": entry.get("pending")}
    if entry["error"] or view["pending"]:
        return view
    report = Report.from_dict(entry["report"])
    prefix = f"r{entry['index']}-"
    findings = sorted(entry["findings"], key=lambda f: f["severity"] != "error")
    try:
        tables = render_tables_html(report, findings, id_prefix=prefix)
    except Exception:  # one report that cannot be drawn must not take the others' results down
        logger.exception("drawing the tables of %r failed", entry["filename"])
        view["error"] = "已读取该文件，但绘制统计表时发生内部错误，请换用其他格式再试"
        return view
    view.update(
        report=report,
        tables=tables,
        findings=[
            {**f,
             "rule_name": services.RULE_NAMES.get(f["rule"], f["rule"]),
             "severity_name": services.SEVERITY_NAMES.get(f["severity"], f["severity"]),
             "cells": [{"label": services.describe_cell(report, k), "anchor": f"{prefix}cell-{k}"} for k in f["cells"]]}
            for f in findings
        ],
        errors=sum(f["severity"] == "error" for f in findings),
        warnings=sum(f["severity"] != "error" for f in findings),
        unreadable=[{"label": services.describe_cell(report, u["cell"]), "anchor": f"{prefix}cell-{u['cell']}",
                     "reason": u["reason"]} for u in report.unreadable],
        downloads=[{"fmt": fmt, "name": name,
                    "url": reverse("annual:download", args=[batch["batch"], entry["index"], fmt])}
                   for fmt, name in DOWNLOADS],
    )
    if entry["previous"]:
        prev = next(e for e in batch["entries"] if e["index"] == entry["previous"])
        view["previous"] = {"filename": prev["filename"], "year": prev["report"]["year"], "anchor": f"r{prev['index']}",
                            "agency": None if services.agency_key(prev["report"]["agency"]) == services.agency_key(report.agency)
                            else prev["report"]["agency"]}
    return view


@require_http_methods(["GET", "POST"])
@ratelimit("annual")
def index(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            # Read lazily, one file at a time: a file too large or of a wrong type is refused unread.
            uploads = [services.Upload(f.name, f.size, f.read) for f in form.cleaned_data["files"]]
            response = HttpResponseRedirect(reverse("annual:index") + "#results", status=303)
            scans: dict[int, bytes] = {}
            batch = services.check_uploads(uploads, scans)
            job = store.save(request, response, batch, scans)  # scans within the byte quotas wait for OCR
            if job:  # scans are read by OCR in the worker (seconds a page); the page shows their progress
                tasks.check_scans.enqueue(job)
            return response
        status = 400
    else:
        form, status = UploadForm(), 200
    batch = store.load(request)
    entries = [_entry_view(e, batch) for e in batch["entries"]] if batch else []
    context = {
        "form": form,
        "entries": entries,
        "table_css": TABLE_CSS,
        "accept": "、".join(services.EXTENSIONS),
        "max_size": services.human_size(services.max_bytes()),
        "max_files": services.max_files(),
        "pending": any(e["pending"] for e in entries),
    }
    return render(request, "annual/index.html", context, status=status)


@require_GET
@ratelimit("annual_status", methods=("GET",))
def status(request):
    """The page's poll while scans are read: pages done/total per pending file. The batch is the cookie's."""
    pending = services.pending(store.load(request))
    response = JsonResponse({"pending": pending})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def clear(request):
    response = HttpResponseRedirect(reverse("annual:index"), status=303)
    store.clear(request, response)
    return response


@require_GET
@ratelimit("annual_download", methods=("GET",))
def download(request, batch: str, index: int, fmt: str):
    if fmt not in dict(DOWNLOADS):
        raise Http404("不支持的下载格式")
    entry = store.find_entry(request, batch, index)
    if entry is None:
        return render(request, "annual/expired.html", status=404)
    report = Report.from_dict(entry["report"])
    try:
        body = render_report(report, fmt, entry["findings"])
    except ReportError as exc:
        return render(request, "annual/expired.html", {"message": f"无法生成 {fmt.upper()} 文件：{exc.message}"},
                      status=500)
    response = HttpResponse(body, content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, services.download_name(report, fmt))
    return response


@require_GET
def font(request):
    """大字模式 on/off without JavaScript: a link sets a cookie read by base.html."""
    response = HttpResponseRedirect(safe_next(request, reverse("annual:index")))
    if request.GET.get("size") == "large":
        response.set_cookie(FONT_COOKIE, "large", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(FONT_COOKIE, samesite="Lax")
    return response
