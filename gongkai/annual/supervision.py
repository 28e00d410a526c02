"""The government above its agencies (supervision): every agency's report status, consolidated totals,
trends and ranking, outside agencies' uploaded reports, and findings turned into 整改台账 entries."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.agencies import audit
from gongkai.agencies.permissions import can

from .models import LedgerEntry

LEDGER_DAYS = 30  # default time given to rectify a supervisor's finding


def ledger_problem(year: int, message: str) -> str:
    return f"{year}年度报告：{message}"[:2000]


@transaction.atomic
def finding_to_ledger(agency, year: int, finding: dict, user, *, raised_by=None, found_on: date | None = None,
                      due_on: date | None = None, request=None) -> LedgerEntry:
    """A check finding the supervisor selected becomes an open entry in ``agency``'s 整改台账."""
    if user is not None and not can(user, "report.view", agency):
        raise PermissionDenied("您无权监督该机关。")
    message = str(finding.get("message") or "").strip()
    if not message:
        raise ValidationError("请选择一条核对发现。")
    found_on = found_on or timezone.localdate()
    entry = LedgerEntry.objects.create(
        agency=agency, source=LedgerEntry.Source.SUPERVISOR, raised_by=raised_by, found_on=found_on,
        problem=ledger_problem(year, message), due_on=due_on or found_on + timedelta(days=LEDGER_DAYS),
        report_year=year, finding_rule=str(finding.get("rule") or "")[:40], created_by=user)
    audit.record(actor=user, action="ledger.create", agency=agency, target=entry,
                 summary=f"监督发现转入整改台账：{agency.name} {year}年度报告", data={"rule": entry.finding_rule},
                 request=request)
    return entry


# -- who supervises what --------------------------------------------------------------------------------

def supervised_roots(user) -> list:
    """Agencies where ``user`` holds the supervisor role (it reaches every agency below them)."""
    from gongkai.agencies.models import Agency, Staff

    if not getattr(user, "is_authenticated", False):
        return []
    ids = Staff.objects.filter(user=user, role=Staff.Role.SUPERVISOR).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def may_supervise(user, root) -> bool:
    from gongkai.agencies.permissions import roles_of
    from gongkai.agencies.models import Staff

    return Staff.Role.SUPERVISOR in roles_of(user, root)


def agencies_below(root) -> list:
    return list(root.descendants().filter(is_active=True).order_by("name"))


# -- the overview ---------------------------------------------------------------------------------------

STATUS_ORDER = {"overdue": 0, "not_started": 1, "drafting": 2, "checked": 3, "published": 4}


def judge(year: int, published, tables_report, draft, previous) -> list:
    """Findings as the supervisor sees them: on the published version in force if there is one; else on
    the live tables with the sections staff edited (the rest is drafted from the same data, so it agrees;
    the ``sections`` rule needs all three texts and is left to the agency's own page)."""
    from gongkai.report import checks

    if published is not None:
        found = checks.check(published.report(), previous)
    else:
        tables_report.sections = {k: v for k, v in ((draft.sections if draft else {}) or {}).items() if v}
        found = [f for f in checks.check(tables_report, previous) if f.rule != "sections"]
    return sorted(found, key=lambda f: f.severity != checks.ERROR)


def report_findings(agency, year: int, published=None) -> list:
    """``judge`` for one agency (the finding → ledger action looks its finding up again here)."""
    from . import compile as compiler

    draft = compiler.get_draft(agency, year)
    previous, _ = compiler.previous_report(agency, year)
    return judge(year, published, None if published else compiler.tables(agency, year), draft, previous)


def _previous(year: int, agencies, drafts) -> dict:
    """Last year's report per agency, as ``compile.previous_report`` picks it, in one query."""
    from gongkai.portal.models import PublishedReport
    from gongkai.report.errors import ReportError
    from gongkai.report.model import Report

    out = {}
    for p in PublishedReport.current().filter(agency__in=agencies, year=year - 1):
        try:
            out[p.agency_id] = p.report()
        except ReportError:
            continue
    for pk, d in drafts.items():
        if pk not in out and d.previous_data:
            try:
                out[pk] = Report.from_dict(d.previous_data)
            except ReportError:
                continue
    return out


def overview(root, year: int, today: date | None = None, agencies=None, per=None) -> dict:
    """Every agency below ``root`` for ``year``: status, deadline, error and warning counts, late first;
    outside agencies' uploaded reports are listed and counted too, marked as imported. A fixed number
    of queries whatever the number of agencies (``per``: their live tables, if already built)."""
    from gongkai.portal.models import PublishedReport
    from gongkai.report import checks

    from . import compile as compiler
    from .models import ExternalReport, PlatformFacts, ProactiveStats, ReportDraft

    today = today or timezone.localdate()
    agencies = agencies if agencies is not None else agencies_below(root)
    published = {p.agency_id: p for p in PublishedReport.current().filter(agency__in=agencies, year=year)}
    drafts = {d.agency_id: d for d in ReportDraft.objects.filter(agency__in=agencies, year=year)}
    inputs = set(ProactiveStats.objects.filter(agency__in=agencies, year=year).values_list("agency_id", flat=True))
    inputs |= set(PlatformFacts.objects.filter(agency__in=agencies, year=year).values_list("agency_id", flat=True))
    previous = _previous(year, agencies, drafts)
    per = per if per is not None else compiler.tables_for([a for a in agencies if a.pk not in published], year)
    in_ledger = set(LedgerEntry.objects.filter(agency__in=agencies, report_year=year)
                    .values_list("agency_id", "problem"))
    rows = []
    for agency in agencies:
        pub = published.get(agency.pk)
        st = compiler.status(agency, year, today=today, published=pub or False, draft=drafts.get(agency.pk, False),
                             has_inputs=agency.pk in inputs)
        found = judge(year, pub, per.get(agency.pk), drafts.get(agency.pk), previous.get(agency.pk))
        rows.append({"name": agency.name, "slug": agency.slug, "status": st.code, "status_label": st.label,
                     "deadline": st.deadline, "late": st.late, "version": st.version,
                     "published_at": st.published_at, "imported": False,
                     "errors": sum(f.severity == checks.ERROR for f in found),
                     "warnings": sum(f.severity != checks.ERROR for f in found),
                     "findings": [{**f.to_dict(), "in_ledger": (agency.pk, ledger_problem(year, f.message)) in in_ledger}
                                  for f in found]})
    for ext in ExternalReport.objects.filter(supervisor=root, year=year):
        rows.append({"name": ext.agency_name, "slug": "", "status": "published", "status_label": "已发布（外部导入）",
                     "deadline": None, "late": False, "version": 0, "published_at": ext.uploaded_at,
                     "imported": True, "errors": ext.errors, "warnings": ext.warnings, "findings": [],
                     "filename": ext.filename})
    rows.sort(key=lambda r: (not r["late"], STATUS_ORDER.get(r["status"], 9), r["name"]))
    return {"rows": rows, "agencies": agencies}


def consolidated(root, year: int, agencies=None, per=None) -> tuple:
    """(summed Report of every agency below ``root`` plus uploaded outside reports, per-agency Reports,
    names of agencies whose table 二 statistics are missing). A fixed number of queries."""
    from gongkai.report.layouts import layout_for_year
    from gongkai.report.model import Report

    from . import compile as compiler
    from .models import ExternalReport

    agencies = agencies if agencies is not None else agencies_below(root)
    per = per if per is not None else compiler.tables_for(agencies, year)
    externals = []
    for ext in ExternalReport.objects.filter(supervisor=root, year=year):
        try:
            externals.append((ext.agency_name, Report.from_dict(ext.data)))
        except Exception:  # a stored report that no longer validates is left out, not summed wrongly
            continue
    total = Report.empty(layout=layout_for_year(year), year=year, agency=f"{root.name}所属机关合计")
    missing = []
    named = [(a.name, per[a.pk]) for a in agencies] + externals
    for name, report in named:
        if report.get("proactive.licensing.decisions") is None:
            missing.append(name)
        if report.layout == total.layout:
            _add(total, report)
    total.proactive = {row: {col: round(v, 2) if isinstance(v, float) else v for col, v in cols.items()}
                       for row, cols in total.proactive.items()}
    return total, named, missing


def _add(total, report) -> None:
    """Add every numeric cell of ``report`` into ``total`` (plain dict walk: this runs per agency)."""
    for table in ("proactive", "applications", "appeals"):
        src = getattr(report, table)
        for row, cols in getattr(total, table).items():
            srow = src.get(row) or {}
            for col, v in cols.items():
                x = srow.get(col)
                if type(x) in (int, float) and type(v) in (int, float):
                    cols[col] = v + x


def ranking(named, in_time: dict[str, tuple[int, int]]) -> list[dict]:
    """Per agency: applications received, share 予以公开 of those processed, share answered in time."""
    out = []
    for name, r in named:
        new = r.get("applications.new_received.total") or 0
        done = r.get("applications.total_processed.total") or 0
        granted = r.get("applications.granted.total") or 0
        answered, timely = in_time.get(name, (0, 0))
        out.append({"name": name, "new": new, "processed": done,
                    "granted_share": round(100 * granted / done, 1) if done else 0.0,
                    "in_time_share": round(100 * timely / answered, 1) if answered else 0.0})
    out.sort(key=lambda x: (-x["new"], x["name"]))
    return out


TREND_YEARS = 5


def trends(root, year: int, agencies=None) -> list[dict]:
    """Consolidated figures for the last ``TREND_YEARS`` years up to ``year``."""
    agencies = agencies if agencies is not None else agencies_below(root)
    out = []
    for y in range(max(2008, year - TREND_YEARS + 1), year + 1):
        total, _named, _missing = consolidated(root, y, agencies)
        out.append({"year": y, "new": total.get("applications.new_received.total") or 0,
                    "processed": total.get("applications.total_processed.total") or 0,
                    "granted": total.get("applications.granted.total") or 0,
                    "appeals": sum((total.get(f"appeals.{g}.total") or 0) for g in
                                   ("reconsideration", "litigation_direct", "litigation_after_reconsideration"))})
    return out


def charts(rank: list[dict], trend: list[dict]) -> list:
    """SVG charts (gongkai.charts) of the ranking and the trends, each with its table."""
    from gongkai.charts import bar_chart, line_chart

    names = [r["name"] for r in rank][:40]
    top = rank[:40]
    out = [
        bar_chart("各机关本年新收政府信息公开申请数量", names, {"新收申请": [r["new"] for r in top]},
                  label_header="机关", unit="件", horizontal=True),
        bar_chart("各机关予以公开、按期答复占比", names,
                  {"予以公开占办结比例（%）": [r["granted_share"] for r in top],
                   "按期答复比例（%）": [r["in_time_share"] for r in top]},
                  label_header="机关", unit="%", horizontal=True),
        line_chart("近年申请、办结与复议诉讼趋势", [str(t["year"]) for t in trend],
                   {"新收申请": [t["new"] for t in trend], "办结": [t["processed"] for t in trend],
                    "复议诉讼": [t["appeals"] for t in trend]}, label_header="年度", unit="件"),
    ]
    return out


def open_ledger(agencies, today: date | None = None) -> list[dict]:
    """Open entries of the 整改台账 across ``agencies``, overdue first."""
    today = today or timezone.localdate()
    rows = []
    for e in (LedgerEntry.objects.filter(agency__in=agencies, closed_on__isnull=True)
              .select_related("agency", "raised_by").order_by("due_on", "id")):
        rows.append({"pk": e.pk, "agency": e.agency.name, "agency_slug": e.agency.slug, "problem": e.problem,
                     "source": e.get_source_display(), "found_on": e.found_on, "due_on": e.due_on,
                     "overdue": e.overdue(today)})
    rows.sort(key=lambda r: (not r["overdue"], r["due_on"]))
    return rows


# -- outside agencies ------------------------------------------------------------------------------------

MAX_FILES = 20  # parsed synchronously: a PDF takes a second or two
MAX_FILE_BYTES = settings.GONGKAI_REPORT_UPLOAD_MAX_BYTES


def upload_external(root, files, user, request=None) -> list[str]:
    """Parse, check and store published reports of agencies not on the platform. ``files`` are
    (name, file object) pairs, read one at a time with a size bound. One line per file; a file that
    cannot be read is reported and skipped, the others are kept."""
    import hashlib

    from gongkai.report import checks
    from gongkai.report.errors import ReportError
    from gongkai.report.worker import parse_bytes  # untrusted upload: parsed in the bounded child

    from .models import ExternalReport

    if len(files) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件。")
    lines = []
    for name, fp in files:
        name = name[:200]
        data = fp if isinstance(fp, bytes) else fp.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            lines.append(f"{name}：文件过大（上限 {MAX_FILE_BYTES // 1024 // 1024} MB），未导入。")
            continue
        try:
            report = parse_bytes(data, name)
        except ReportError as exc:
            lines.append(f"{name}：无法读取（{exc}），未导入。")
            continue
        if not report.agency or not report.year:
            lines.append(f"{name}：未能识别机关名称或年度，未导入。")
            continue
        found = checks.check(report)
        with transaction.atomic():
            ext, created = ExternalReport.objects.update_or_create(
                supervisor=root, agency_name=report.agency[:100], year=report.year,
                defaults=dict(data=report.to_dict(), filename=name, sha256=hashlib.sha256(data).hexdigest(),
                              errors=sum(f.severity == checks.ERROR for f in found),
                              warnings=sum(f.severity != checks.ERROR for f in found), uploaded_by=user))
            audit.record(actor=user, action="report.external_upload", agency=root, target=ext,
                         summary=f"上传外部机关年度报告：{ext.agency_name} {ext.year}年度（{name}）", request=request)
        lines.append(f"{name}：已导入 {ext.agency_name} {ext.year}年度报告，{ext.errors} 个错误，{ext.warnings} 个警告。")
    return lines


# -- export ---------------------------------------------------------------------------------------------

def export_xlsx(root, year: int, data: dict) -> bytes:
    """Everything on the supervision page as a workbook: status, totals, ranking, trends, open ledger."""
    import io

    from openpyxl import Workbook

    from gongkai.report import checks

    def safe(v):  # a cell starting with = + - @ would be a formula in Excel: keep text as text
        return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v

    wb = Workbook()
    ws = wb.active
    ws.title = "报告状态"
    ws.append(["机关", "状态", "公布期限", "错误", "警告", "外部导入"])
    for r in data["rows"]:
        ws.append([safe(r["name"]), r["status_label"], r["deadline"].isoformat() if r["deadline"] else "",
                   r["errors"], r["warnings"], "是" if r["imported"] else ""])
    ws = wb.create_sheet("汇总")
    ws.append(["单元格", "项目", "合计"])
    total = data["total"]
    for key, _col, value in total.cells():
        table = key.split(".")[0]
        ws.append([key, f"{checks.table_name(table)}{checks.cell_label(total, key)}", value])
    ws = wb.create_sheet("排名")
    ws.append(["机关", "新收申请", "办结", "予以公开占比（%）", "按期答复比例（%）"])
    for r in data["ranking"]:
        ws.append([safe(r["name"]), r["new"], r["processed"], r["granted_share"], r["in_time_share"]])
    ws = wb.create_sheet("趋势")
    ws.append(["年度", "新收申请", "办结", "予以公开", "复议诉讼"])
    for t in data["trends"]:
        ws.append([t["year"], t["new"], t["processed"], t["granted"], t["appeals"]])
    ws = wb.create_sheet("整改台账")
    ws.append(["机关", "问题", "来源", "发现日期", "整改期限", "逾期"])
    for e in data["ledger"]:
        ws.append([safe(e["agency"]), safe(e["problem"]), e["source"], e["found_on"].isoformat(),
                   e["due_on"].isoformat(), "是" if e["overdue"] else ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def page_data(root, year: int) -> dict:
    """All the supervision page shows, computed once (the view and the XLSX export share it)."""
    from gongkai.applications.services import answered_in_time_by_agency

    from . import compile as compiler

    agencies = agencies_below(root)
    per = compiler.tables_for(agencies, year)
    total, named, missing = consolidated(root, year, agencies, per)  # sums before judge() sets sections
    ov = overview(root, year, agencies=agencies, per=per)
    by_id = answered_in_time_by_agency([a.pk for a in agencies], year)
    in_time = {a.name: by_id.get(a.pk, (0, 0)) for a in agencies}
    rank = ranking(named, in_time)
    trend = trends(root, year, agencies)
    return {"rows": ov["rows"], "total": total, "missing": missing, "ranking": rank, "trends": trend,
            "ledger": open_ledger(agencies), "agencies": agencies}
