"""Public intake and status pages; staff dashboard, registration, case page, letter files, fees.

Letter templates and settings: ``letters/views.py``.

Views only translate HTTP to ``services`` calls: every rule is checked there.
"""
from __future__ import annotations

import re
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gongkai import charts as charts_mod
from gongkai.agencies import audit
from gongkai.agencies.models import Agency
from gongkai.agencies.permissions import (agency_required, can, get_agency_object_or_404, visible_agencies,
                                          visible_agency_ids)
from gongkai.law import fees as law_fees
from gongkai.law.calendar import format_date
from gongkai.law.fees import SCHEMES
from gongkai.law.outcomes import OUTCOMES
from gongkai.ratelimit import ratelimit

from . import identity, services
from .forms import ApplicantForm, CaseFilterForm, FeeForm, RegisterForm, StatsForm
from .models import DELIVERY_METHODS, LETTER_KINDS, OUTCOME_CHOICES, Application, IssuedLetter
from .services import NOTICE_READY, WorkflowError
from .workflow import REPLIED_STATES, TRANSITIONS, available, state_label

# Inputs of each transition besides its date: (name, label, kind, choices).
OUTCOME_OPTIONS = [(k, v) for k, v in OUTCOME_CHOICES if k not in services.WITHDRAWN_OUTCOMES]
FIELDS: dict[str, list[tuple]] = {
    "request_supplement": [("note", "需要补正的事项", "textarea", None), ("deadline", "补正期限（合理期限）", "date", None)],
    "withdraw_no_supplement": [("note", "说明", "text", None)],
    "consult_third_party": [("party", "第三方名称", "text", None), ("note", "征求意见的事项", "textarea", None)],
    "consult_agency": [("party", "被征求意见的机关", "text", None), ("note", "征求意见的事项", "textarea", None)],
    "receive_opinion": [("objection", "对公开提出异议", "checkbox", None), ("note", "意见摘要", "textarea", None)],
    "extend": [("days", "延长工作日数（不超过20）", "number", None), ("note", "延期理由", "textarea", None)],
    "send_fee_notice": [("scheme", "收费方式", "select", list(SCHEMES.items())), ("pages", "页数（按量计收）", "number", None),
                        ("received_on", "申请人收到通知日期", "date", None)],
    "withdraw_unpaid_fee": [("note", "说明", "text", None)],
    "decide": [("outcome", "办理结果", "select", OUTCOME_OPTIONS), ("note", "理由说明", "textarea", None)],
    "send_back": [("note", "退回理由", "textarea", None)],
    "deliver": [("method", "送达方式", "select", DELIVERY_METHODS)],
}
ITEM_ROWS = 3
DATE_LABELS = {"register": "双方确认日期（收到申请日期，第三十一条）", "deliver": "送达日期"}

TRACKING_CODE = re.compile(r"[0-9A-Z]{1,16}")  # services._new_tracking_code; demo codes DEMO…

# What the applicant sees: no names, no identity data, no content of the request.
PUBLIC_STATES = {
    "submitted": "已提交，等待登记",
    "registered": "办理中",
    "in_progress": "办理中",
    "consulting": "办理中（征求意见）",
    "decided": "办理中",
    "approved": "办理中",
    "supplement_requested": "需要补正",
    "fee_notice": "待缴纳信息处理费",
    "replied": "已答复",
    "delivered": "已答复",
    "closed": "已答复",
}


# -- public ----------------------------------------------------------------------------------------

@ratelimit("apply")
def apply(request, agency):
    agency = get_object_or_404(Agency, slug=agency, is_active=True)
    form = ApplicantForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            app = services.submit_online(agency, form.applicant(), request=request)
        except WorkflowError as exc:
            error = exc.message
        else:
            # Post/redirect/get: the receipt can be printed and reloaded without submitting twice.
            return redirect(reverse("applications:receipt") + f"?code={app.tracking_code}")
    return render(request, "applications/public_apply.html", {"form": form, "agency": agency, "error": error})


def _by_code(request) -> tuple[str, Application | None]:
    code = (request.GET.get("code") or "").strip().upper()
    # Anything that cannot be a code (NUL bytes, 5,000 characters) is simply not found, never a query.
    if not TRACKING_CODE.fullmatch(code):
        return code, None
    # Codes are unique per agency (Citus: gongkai.agencies.distribution) and drawn unique city-wide; should
    # two agencies ever share one, neither case is shown rather than possibly the wrong one.
    found = list(Application.objects.select_related("agency").filter(tracking_code=code)[:2])
    return code, found[0] if len(found) == 1 else None


_code_limited = ratelimit("status", methods=("GET",), when=lambda request: bool(request.GET.get("code")))


@_code_limited
def receipt(request):
    """The printable 回执 of an online application: no name, identity data or request content, like the
    status page (whoever holds the code sees only what the status page shows)."""
    code, app = _by_code(request)
    if app is None:
        raise Http404("没有找到该查询码对应的申请。")
    return render(request, "applications/public_submitted.html", {
        "app": app, "agency": app.agency, "rules": services.deadline_rules(app.channel)})


@_code_limited
def status(request):
    code, app = _by_code(request)
    ctx = {"code": code, "app": app, "not_found": bool(code) and app is None}
    if app:
        ctx.update(public_state=PUBLIC_STATES.get(app.state, "办理中"), replied=app.state in REPLIED_STATES,
                   waiting=services.WAITING_FOR.get(app.state, ""), rules=services.deadline_rules(app.channel))
    return render(request, "applications/public_status.html", ctx)


# -- staff -----------------------------------------------------------------------------------------

LIST_PAGE_SIZE = 50
URGENT_ROWS = 10


@agency_required("application.view")
def dashboard(request):
    """Counts first (one query of index range counts), then the ten most urgent cases: a fixed page size."""
    ids = request.agency_ids
    counts = services.dashboard_counts(request.user, agency_ids=ids)
    return render(request, "applications/dashboard.html", {
        "boxes": [(k, label, counts[k]) for k, label in services.BOXES.items()],
        "cases": services.urgent_cases(request.user, URGENT_ROWS, agency_ids=ids),
        "can_register": bool(visible_agency_ids(request.user, "application.register")),
        "today": services.today(),
    })


@agency_required("application.view")
def case_list(request, box):
    if box not in services.BOXES:
        raise Http404("没有这个列表。")
    form = CaseFilterForm(request.GET or None, agencies=request.agencies.order_by("name"))
    d = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort = d.get("sort") or "due_on"
    qs = services.box_cases(request.user, box, sort=sort, agency_id=d["agency"].pk if d.get("agency") else None,
                            state=d.get("state") or "", q=d.get("q") or "",
                            agency_ids=list(request.agencies.values_list("pk", flat=True)))
    page = Paginator(services.case_values(qs), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    for k in ("page", "sort"):
        sort_query.pop(k, None)
    labels = dict(CaseFilterForm.SORT_LABELS)
    columns = []  # (heading, link to sort by it or None, aria-sort value or "")
    for key, heading in (("number", "登记号"), ("", "机关"), ("", "申请人"), ("", "所需信息"), ("state", "状态"),
                         ("received_on", labels["received_on"]), ("due_on", labels["due_on"])):
        if not key:
            columns.append((heading, None, ""))
            continue
        active = sort.lstrip("-") == key
        nxt = f"-{key}" if sort == key else key
        link = f"?{sort_query.urlencode()}&sort={nxt}" if sort_query else f"?sort={nxt}"
        columns.append((heading, link, ("descending" if sort.startswith("-") else "ascending") if active else ""))
    return render(request, "applications/list.html", {
        "box": box, "label": services.BOXES[box], "form": form, "page": page,
        "cases": [services.case_row(r) for r in page.object_list],
        "query": query.urlencode(), "columns": columns, "today": services.today(),
    })


@agency_required("application.view")
def statistics(request):
    """Charts of the workbench for the agencies the user may see (a supervisor: per agency as well)."""
    agencies = request.agencies.order_by("name")
    form = StatsForm(request.GET or None, agencies=agencies)
    chosen = agencies
    if form.is_bound and form.is_valid() and form.cleaned_data.get("agency"):
        chosen = agencies.filter(pk=form.cleaned_data["agency"].pk)
    st = services.statistics(chosen)
    charts = [
        charts_mod.bar_chart("每月收到的申请", st["months"], {"收到申请": st["received"]},
                             label_header="月份", unit="件"),
        charts_mod.bar_chart("每月答复的申请：是否在法定期限内（第三十三条）", st["months"],
                             {"期限内答复": st["in_time"], "超期答复": st["late"]}, label_header="月份", unit="件",
                             stacked=True),
    ]
    if st["outcomes"]:
        labels, values = zip(*st["outcomes"])
        charts.append(charts_mod.bar_chart("近12个月答复的办理结果", list(labels), {"件数": list(values)},
                                           label_header="办理结果", unit="件", horizontal=True))
    if st["per_agency"]:
        names = [r[0] for r in st["per_agency"]]
        charts.append(charts_mod.bar_chart("各机关收到的申请和超期未答复的申请", names,
                                           {"近12个月收到": [r[1] for r in st["per_agency"]],
                                            "目前已超期": [r[2] for r in st["per_agency"]]},
                                           label_header="机关", unit="件", horizontal=True))
    return render(request, "applications/statistics.html", {"form": form, "charts": charts,
                                                            "total": sum(st["received"])})


@agency_required("application.register")
def register(request):
    agencies = visible_agencies(request.user, "application.register")
    form = RegisterForm(request.POST or None, agencies=agencies)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app = services.register_application(
                d["agency"], form.applicant(), channel=d["channel"], actor=request.user,
                submitted_on=d["submitted_on"], signed_for_on=d["signed_for_on"], confirmed_on=d["confirmed_on"],
                request=request)
        except WorkflowError as exc:
            error = exc.message
        else:
            messages.success(request, f"已登记：{app.number}，收到申请日期{format_date(app.received_on)}。")
            return redirect("applications:case", pk=app.pk)
    return render(request, "applications/register.html", {"form": form, "error": error})


def _case(request, pk) -> Application:
    return get_agency_object_or_404(request, Application.objects.select_related("agency", "handler"),
                                    action="application.view", pk=pk)


def _case_context(request, app: Application, full_id: str | None = None) -> dict:
    cal = services.calendar()
    user = request.user
    actions = []
    for t in available(app.state):
        if not can(user, t.action, app.agency):
            continue
        actions.append({"t": t, "fields": FIELDS.get(t.name, []), "items": range(1, ITEM_ROWS + 1) if t.name == "decide" else (),
                        "date_label": DATE_LABELS.get(t.name, "办理日期")})
    notices = []
    if can(user, "letter.issue", app.agency):
        notices = [(k, LETTER_KINDS[k]) for k, (ready, _) in NOTICE_READY.items() if ready(app)]
    derivation = app.due_derivation or None
    return {
        "app": app, "state_label": state_label(app.state), "actions": actions, "notices": notices,
        "deadlines": services.deadlines(app, cal), "derivation": derivation,
        "suggestions": services.suggestions(app), "events": app.events.select_related("actor"),
        "letters": app.letters.defer("docx", "pdf"), "consultations": app.consultations.all(),
        "items": [(i, OUTCOMES[i.handling].label) for i in app.items.all()],
        "outcome": OUTCOMES.get(app.outcome), "full_id": full_id,
        "can_view_identity": can(user, "application.view_identity", app.agency),
        "today": services.today(), "outcome_options": OUTCOME_OPTIONS,
    }


def _login_required(view):
    return agency_required("application.view")(view)


@_login_required
def case(request, pk):
    app = _case(request, pk)
    return render(request, "applications/case.html", _case_context(request, app))


@_login_required
@require_POST
def reveal_identity(request, pk):
    app = _case(request, pk)
    if not can(request.user, "application.view_identity", app.agency):
        raise PermissionDenied("您没有查看申请人身份信息的权限。")
    audit.record_identity_view(request, app, summary=f"查看申请人身份证件号码：{app.number or app.tracking_code}")
    return render(request, "applications/case.html",
                  _case_context(request, app, full_id=identity.decrypt(app.id_encrypted)))


@_login_required
@require_POST
def do_transition(request, pk, name):
    app = _case(request, pk)
    if name not in TRANSITIONS:
        raise Http404("没有这项操作。")
    # Only the step's own inputs: any other POST key (actor, app, request…) would reach transition().
    params = {f[0]: request.POST[f[0]] for f in FIELDS.get(name, []) if f[0] in request.POST}
    if name == "decide":
        params["items"] = [(request.POST.get(f"item{i}_description", ""), request.POST.get(f"item{i}_handling", ""))
                           for i in range(1, ITEM_ROWS + 1)]
    try:
        services.transition(app, name, actor=request.user, on=request.POST.get("on") or None, request=request,
                            expected_version=request.POST.get("version"), **params)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已完成：{TRANSITIONS[name].label}")
    return redirect("applications:case", pk=app.pk)


@_login_required
@require_POST
def issue_notice(request, pk, kind):
    app = _case(request, pk)
    try:
        letter = services.issue_notice(app, kind, actor=request.user, on=services.today(), request=request)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已出具{letter.title}（第{letter.version}版）")
    return redirect("applications:case", pk=app.pk)


@_login_required
def letter_file(request, pk, fmt):
    letter = get_agency_object_or_404(request, IssuedLetter.objects.select_related("application"),
                                      action="application.view", agency_field="application__agency", pk=pk)
    if fmt not in ("pdf", "docx"):
        raise Http404("没有这种文件格式。")
    if fmt == "pdf":
        data, ctype = bytes(letter.pdf), "application/pdf"
    else:
        data, ctype = bytes(letter.docx), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    resp = HttpResponse(data, content_type=ctype)
    name = f"{letter.application.number}-{letter.title}-v{letter.version}.{fmt}"
    from django.utils.http import content_disposition_header

    resp["Content-Disposition"] = content_disposition_header(True, name)  # staff-typed title: encoded
    return resp


@_login_required
def fee_calculator(request):
    agencies = visible_agencies(request.user, "application.view")
    form = FeeForm(request.GET or None, agencies=agencies)
    fee = error = None
    counted = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            if d["scheme"] == "per_page":
                if not d["pages"]:
                    raise WorkflowError("请填写页数。")
                fee = law_fees.per_page_fee(d["pages"])
            else:
                nth = d["nth"]
                if d["id_number"]:
                    if not d["agency"] or not d["month"]:
                        raise WorkflowError("按申请人统计时，请选择机关并填写月份。")
                    try:
                        y, m = (int(x) for x in d["month"].split("-"))
                        first = date(y, m, 1)
                    except ValueError:
                        raise WorkflowError("月份格式应为 2024-03。") from None
                    try:
                        number = identity.normalize(d["id_type"], d["id_number"])
                    except ValidationError as exc:
                        raise WorkflowError(exc.messages[0]) from None
                    key = identity.applicant_key(d["id_type"], number)
                    counted = services.applications_in_month(d["agency"], key, first)
                    nth = counted + 1  # the next application of this applicant in that month
                if not nth:
                    raise WorkflowError("请填写本月第几件申请，或填写申请人证件号码由系统统计。")
                fee = law_fees.per_application_fee(nth)
        except (WorkflowError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    return render(request, "applications/fees.html", {"form": form, "fee": fee, "error": error, "counted": counted})
