"""Workflow logic shared by views, tasks and the demo: intake, transitions, deadlines, signals, table 三.

Every change goes through ``create_application`` or ``transition``: permission check
(agencies.permissions.can), the statutory guard, an Event for the timeline and an audit entry, all in
one transaction — a refused step changes nothing (WorkflowError carries the Chinese reason).
"""
from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from gongkai.agencies import audit
from gongkai.agencies.concurrency import STALE_MESSAGE, is_stale
from gongkai.agencies import permissions
from gongkai.agencies.permissions import can
from gongkai.law import fees as law_fees
from gongkai.law.calendar import DueDate, WorkCalendar, add_working_days, format_date
from gongkai.law.outcomes import DISCLOSED, OUTCOMES
from gongkai.law.periods import (
    CHANNELS,
    CONSULTATION_DAYS,
    EXTENSION_MAX_DAYS,
    PAUSE_KINDS,
    SUPPLEMENT_NOTICE_DAYS,
    Derivation,
    Pause,
    answer_due,
    consultation_due,
    fee_payment_due,
    receipt_date,
    supplement_notice_due,
)
from gongkai.report.layouts import APPLICANT_PARTS, LAYOUT_2021_COLLAPSED_OTHER_ROWS, LAYOUTS, layout_for_year
from gongkai.queries import counts as count_many, placeholders, union_all
from gongkai.report.model import Report

from . import identity
from .models import Application, Consultation, Event, Item
from .workflow import OPEN_STATES, TRANSITIONS, WAITING_APPLICANT, WAITING_THIRD_PARTY, state_label

# Outcomes reached only through their own transitions, which check the deadline first.
WITHDRAWN_OUTCOMES = ("other_no_supplement", "other_unpaid_fee")
# Art. 30 leaves the applicant's supplement period to the agency ("a reasonable period"); this is only
# the default offered when the clerk sets none.
SUPPLEMENT_DEFAULT_DAYS = 15
PAGES_MAX = 1_000_000
DUPLICATE_WINDOW_DAYS = 180
DUPLICATE_RATIO = 0.8
# Art. 35 signal: more than this many applications by one applicant to the agency in 30 days.
# Matches the free allowance of 国办函〔2020〕109号 (10 per month), beyond which fees may apply.
EXCESSIVE_PER_30_DAYS = 10


class WorkflowError(Exception):
    """A refused step; ``message`` is shown to the user as is (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def calendar() -> WorkCalendar:
    """The database calendar (gongkai.workdays); the package calendar until that app is installed."""
    try:
        from gongkai.workdays.services import current_calendar
    except ImportError:  # pragma: no cover - only before gongkai.workdays exists
        return _package_calendar()
    return current_calendar()


_PKG_CAL: WorkCalendar | None = None


def _package_calendar() -> WorkCalendar:
    global _PKG_CAL
    if _PKG_CAL is None:
        _PKG_CAL = WorkCalendar.from_chinese_calendar()
    return _PKG_CAL


def today() -> date:
    return timezone.localdate()


# -- intake ------------------------------------------------------------------------------------------

@dataclass
class ApplicantData:
    applicant_type: str
    applicant_name: str
    id_type: str
    id_number: str
    title: str
    description: str
    phone: str = ""
    email: str = ""
    address: str = ""
    document_number: str = ""
    form_wanted: str = "paper"


_PHONE = re.compile(r"(?:\+?86[-\s]?)?(?:1[3-9]\d{9}|0\d{2,3}[-\s]?\d{7,8}|\d{7,8}|400[-\s]?\d{3}[-\s]?\d{4})"
                    r"(?:\s*(?:转|-|ext\.?|分机)\s*\d{1,6})?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def validate_phone(value: str) -> None:
    """A mobile (11 digits), a fixed line with or without area code, a 400 number; an extension allowed."""
    value = (value or "").strip()
    if value and not _PHONE.fullmatch(value.replace("（", "(").replace("）", ")").replace("(", "").replace(")", "")):
        raise ValidationError("联系电话格式不正确：请填写手机号码（11位）或固定电话（如 0533-1234567）。")


def validate_address(value: str) -> None:
    """An address the reply can be posted to: some Chinese place name or house number, not "abc"."""
    value = (value or "").strip()
    if value and (len(value) < 5 or not (_CJK.search(value) or re.search(r"\d", value))
                  or not (len(_CJK.findall(value)) >= 4 or re.search(r"[A-Za-z]{2,}.*\d|\d.*[A-Za-z]{2,}", value))):
        raise ValidationError("通信地址无法用于邮寄：请写明省、市、区县、街道和门牌号。")


def _new_tracking_code() -> str:
    # No 0/O/1/I: read out over the phone. 60 random bits, checked against every agency (the database
    # enforces uniqueness per agency only, so that Citus can: gongkai.agencies.distribution).
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(12))
        if not Application.objects.filter(tracking_code=code).exists():
            return code


def _assign_number(app: Application) -> None:
    """Registration number 依申请〔year〕N, serial per agency and year of receipt."""
    year = app.received_on.year
    prefix = f"依申〔{year}〕"
    n = Application.objects.filter(agency=app.agency, number__startswith=prefix).count() + 1
    while Application.objects.filter(agency=app.agency, number=f"{prefix}{n}号").exists():
        n += 1
    app.number = f"{prefix}{n}号"


def _fill_applicant(app: Application, data: ApplicantData) -> None:
    if data.applicant_type not in APPLICANT_PARTS:
        raise WorkflowError("请选择申请人类型。")
    if data.applicant_type == "natural_person" and data.id_type == "uscc":
        raise WorkflowError("自然人申请请填写居民身份证或其他身份证件号码。")
    if data.applicant_type != "natural_person" and data.id_type == "ric":
        raise WorkflowError("法人或其他组织申请请填写统一社会信用代码或其他登记证件号码。")
    if not data.applicant_name.strip():
        raise WorkflowError("请填写申请人姓名或名称（第二十九条）。")
    if not (data.phone.strip() or data.email.strip() or data.address.strip()):
        raise WorkflowError("请至少填写一种联系方式（第二十九条）。")
    try:
        validate_phone(data.phone)
        validate_address(data.address)
        if data.email.strip():
            validate_email(data.email.strip())
    except ValidationError as exc:
        raise WorkflowError(exc.messages[0]) from None
    if not data.title.strip() or not data.description.strip():
        raise WorkflowError("请填写所需政府信息的名称和内容描述（第二十九条）。")
    try:
        number = identity.normalize(data.id_type, data.id_number)
    except ValidationError as exc:
        raise WorkflowError(exc.messages[0]) from None
    app.applicant_type = data.applicant_type
    app.applicant_name = data.applicant_name.strip()
    app.id_type = data.id_type
    app.id_encrypted = identity.encrypt(number)
    app.id_masked = identity.mask(number)
    app.applicant_key = identity.applicant_key(data.id_type, number)
    app.phone, app.email, app.address = data.phone.strip(), data.email.strip(), data.address.strip()
    app.title, app.description = data.title.strip(), data.description.strip()
    app.document_number = data.document_number.strip()
    app.form_wanted = data.form_wanted or "paper"


def submit_online(agency, data: ApplicantData, *, request=None) -> Application:
    """The public online form: the application waits for registration; it is received only when both
    sides have confirmed (Art. 31), which the registrar records."""
    app = Application(agency=agency, channel="online", state="submitted", submitted_on=today())
    _fill_applicant(app, data)
    app.tracking_code = _new_tracking_code()
    with transaction.atomic():
        app.save()
        Event.objects.create(application=app, agency_id=app.agency_id, transition="submit", label="网上提交申请", to_state="submitted",
                             on=app.submitted_on)
        audit.record(actor=None, action="application.submit", agency=agency, target=app,
                     summary=f"网上提交政府信息公开申请：{app.title}", request=request)
    return app


def register_application(agency, data: ApplicantData, *, channel: str, actor, submitted_on: date | None = None,
                         signed_for_on: date | None = None, confirmed_on: date | None = None,
                         request=None) -> Application:
    """Staff registration of an in-person, post, e-mail, fax or oral application (Art. 29, 31)."""
    if not can(actor, "application.register", agency):
        raise WorkflowError("您没有在本机关登记申请的权限。")
    if channel not in CHANNELS or channel == "online":
        raise WorkflowError("请选择申请方式（网上申请由申请人在门户提交后登记）。")
    try:
        received = receipt_date(channel, submitted=submitted_on, signed_for=signed_for_on, confirmed=confirmed_on)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from None
    if received > today():
        raise WorkflowError("收到申请日期不能晚于今天。")
    app = Application(agency=agency, channel=channel, state="registered", submitted_on=submitted_on,
                      signed_for_on=signed_for_on, confirmed_on=confirmed_on, received_on=received)
    _fill_applicant(app, data)
    app.tracking_code = _new_tracking_code()
    with transaction.atomic():
        _assign_number(app)
        recompute_due(app, save=False)
        app.save()
        Event.objects.create(application=app, agency_id=app.agency_id, transition="register", label=f"登记（{CHANNELS[channel]}）",
                             to_state="registered", on=received, actor=actor,
                             note=f"收到申请日期：{format_date(received)}（第三十一条）")
        audit.record(actor=actor, action="application.register", agency=agency, target=app,
                     summary=f"登记政府信息公开申请{app.number}", data={"channel": channel,
                     "received_on": received.isoformat()}, request=request)
    return app


# -- transitions -----------------------------------------------------------------------------------

def _parse_date(value, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise WorkflowError(f"{what}不是有效日期。") from None


def _answer_start(app: Application) -> date:
    return app.supplement_received_on or app.received_on


def _open_consultation(app: Application) -> Consultation | None:
    return app.consultations.filter(answered_on__isnull=True).first()


def _do_register(app, on, p, cal, actor):
    # Online (Art. 31): received on the day both sides confirm; the registrar records it.
    confirmed = on
    if app.submitted_on and confirmed < app.submitted_on:
        raise WorkflowError("确认日期不能早于网上提交日期。")
    app.confirmed_on = confirmed
    app.received_on = receipt_date("online", confirmed=confirmed)
    _assign_number(app)
    return f"收到申请日期：{format_date(app.received_on)}（双方确认之日，第三十一条）"


def _do_start(app, on, p, cal, actor):
    if app.handler_id is None:
        app.handler = actor
    return ""


def _do_request_supplement(app, on, p, cal, actor):
    if app.supplement_requested_on:
        raise WorkflowError("补正只能告知一次（第三十条）。")
    if app.consultations.exists():
        raise WorkflowError("已征求意见的申请不能再告知补正。")
    limit = supplement_notice_due(cal, app.received_on)
    if on > limit.date:
        raise WorkflowError(f"告知补正应在收到申请之日起{SUPPLEMENT_NOTICE_DAYS}个工作日内（第三十条），"
                            f"即{format_date(limit.date)}前；"
                            f"已逾期，不能再告知补正。")
    what = (p.get("note") or "").strip()
    if not what:
        raise WorkflowError("请写明需要补正的事项（第三十条）。")
    deadline = _parse_date(p.get("deadline"), "补正期限") if p.get("deadline") else \
        add_working_days(cal, on, SUPPLEMENT_DEFAULT_DAYS).date
    if deadline <= on:
        raise WorkflowError("补正期限应晚于告知日期（合理期限，第三十条）。")
    app.supplement_requested_on = on
    app.supplement_deadline = deadline
    return f"补正事项：{what}；补正期限：{format_date(deadline)}"


def _do_receive_supplement(app, on, p, cal, actor):
    app.supplement_received_on = on
    late = on > app.supplement_deadline
    return "答复期限自收到补正之日起重新计算（第三十条）" + ("；逾期补正，经认定有正当理由" if late else "")


def _do_withdraw_no_supplement(app, on, p, cal, actor):
    if on <= app.supplement_deadline:
        raise WorkflowError(f"补正期限（{format_date(app.supplement_deadline)}）尚未届满，不能视为放弃申请（第三十条）。")
    app.outcome = "other_no_supplement"
    app.outcome_note = (p.get("note") or "").strip()
    app.decided_on = on
    return f"补正期限{format_date(app.supplement_deadline)}届满未补正，视为放弃申请（第三十条）"


def _consult(kind):
    def do(app, on, p, cal, actor):
        party = (p.get("party") or "").strip()
        if not party:
            raise WorkflowError("请填写征求意见的对象。")
        if on < _answer_start(app):
            raise WorkflowError("征求意见日期不能早于答复期限起算日。")
        if app.due_on and on > app.due_on:
            raise WorkflowError(f"答复期限已于{format_date(app.due_on)}届满，不能再征求意见。")
        Consultation.objects.create(application=app, agency_id=app.agency_id, kind=kind, party=party, sent_on=on,
                                    note=(p.get("note") or "").strip())
        due = consultation_due(cal, on)
        what, article = PAUSE_KINDS[kind]
        return (f"{what}（{article}）：{party}；应于{format_date(due.date)}前答复（{CONSULTATION_DAYS}个工作日），"
                "其间不计入答复期限（第三十三条第三款）")
    return do


def _do_receive_opinion(app, on, p, cal, actor):
    c = _open_consultation(app)
    if c is None:
        raise WorkflowError("没有未结束的征求意见。")
    if on < c.sent_on:
        raise WorkflowError("收到意见日期不能早于征求意见日期。")
    c.answered_on = on
    c.objection = bool(p.get("objection"))
    c.note = "\n".join(x for x in (c.note, (p.get("note") or "").strip()) if x)
    c.save()
    due = consultation_due(cal, c.sent_on).date
    if on > due:
        silence = "第三方逾期未提出意见，由本机关依法决定（第三十二条）" if c.kind == "third_party" else \
            "被征求意见机关逾期未提出意见，视为同意公开（第三十四条）"
        return f"{silence}；不计入答复期限的时间至{format_date(due)}为止"
    return f"收到{c.party}的意见" + ("，对公开提出异议" if c.objection else "")


def _do_extend(app, on, p, cal, actor):
    if app.extension_days:
        raise WorkflowError("延期答复只能一次（第三十三条第二款）。")
    try:
        days = int(p.get("days") or EXTENSION_MAX_DAYS)
    except (TypeError, ValueError):
        raise WorkflowError("延长天数必须是整数。") from None
    if not 1 <= days <= EXTENSION_MAX_DAYS:
        raise WorkflowError(f"延长答复期限最长不得超过{EXTENSION_MAX_DAYS}个工作日（第三十三条第二款）。")
    if app.due_on and on > app.due_on:
        raise WorkflowError(f"答复期限已于{format_date(app.due_on)}届满，不能再延期。")
    reason = (p.get("note") or "").strip()
    if not reason:
        raise WorkflowError("请填写延期理由。")
    app.extension_days = days
    app.extended_on = on
    return f"延长{days}个工作日，理由：{reason}"


def fee_for(app: Application, scheme: str, pages: int | None = None) -> law_fees.Fee:
    """The 109号 fee of this application: 按件 counts the applicant's applications to the whole agency in
    the calendar month of receipt; 按量 counts pages."""
    if scheme == "per_application":
        return law_fees.per_application_fee(nth_in_month(app))
    if scheme == "per_page":
        return law_fees.per_page_fee(pages)
    raise ValueError("请选择收费方式（按件计收或按量计收）")


def nth_in_month(app: Application) -> int:
    """Position of this application among the applicant's applications to the agency in its month."""
    first = app.received_on.replace(day=1)
    earlier = Application.objects.filter(
        agency=app.agency, applicant_key=app.applicant_key, received_on__gte=first,
    ).filter(Q(received_on__lt=app.received_on) | Q(received_on=app.received_on, pk__lte=app.pk))
    return earlier.count()


def applications_in_month(agency, applicant_key: str, first: date) -> int:
    """The applicant's applications to ``agency`` received in the calendar month starting ``first``
    (按件计收 counts per applicant per month, 国办函〔2020〕109号)."""
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return Application.objects.filter(agency=agency, applicant_key=applicant_key,
                                      received_on__gte=first, received_on__lt=nxt).count()


def _do_send_fee_notice(app, on, p, cal, actor):
    scheme = p.get("scheme") or ""
    pages = p.get("pages")
    if pages not in (None, ""):
        try:
            pages = int(pages)
        except (TypeError, ValueError):  # "1e5", 5,000 digits: int()'s own message is English
            raise WorkflowError("页数必须是正整数。") from None
        if pages > PAGES_MAX:  # the fee column holds 2^31 yuan; no real reply has a million pages
            raise WorkflowError(f"页数过大（超过{PAGES_MAX:,}页），请核对。")
    try:
        fee = fee_for(app, scheme, pages if pages != "" else None)
    except ValueError as exc:  # law.fees: Chinese messages
        raise WorkflowError(str(exc)) from None
    if fee.amount <= 0:
        raise WorkflowError("按《政府信息公开信息处理费管理办法》计算不收费，无需发出收费通知。")
    if app.due_on and on > app.due_on:
        raise WorkflowError(f"收费通知应在答复期限内发出；答复期限已于{format_date(app.due_on)}届满。")
    received = _parse_date(p.get("received_on"), "申请人收到通知日期") if p.get("received_on") else on
    if received < on:
        raise WorkflowError("申请人收到通知的日期不能早于发出日期。")
    app.fee_scheme, app.fee_amount = scheme, fee.amount
    app.fee_basis = {"steps": fee.steps, "basis": fee.basis, "pages": pages}
    app.fee_notice_received_on = received
    due = fee_payment_due(cal, received)
    return f"{law_fees.SCHEMES[scheme]}{fee.amount}元；应于{format_date(due.date)}前缴纳"


def _do_fee_paid(app, on, p, cal, actor):
    due = fee_payment_due(cal, app.fee_notice_received_on).date
    if on < app.fee_notice_received_on:
        raise WorkflowError("缴费日期不能早于收到收费通知的日期。")
    if on > due:
        raise WorkflowError(f"缴费期限已于{format_date(due)}届满，应视为放弃申请。")
    app.fee_paid_on = on
    return f"已缴纳信息处理费{app.fee_amount}元"


def _do_withdraw_unpaid_fee(app, on, p, cal, actor):
    due = fee_payment_due(cal, app.fee_notice_received_on).date
    if on <= due:
        raise WorkflowError(f"缴费期限（{format_date(due)}）尚未届满，不能视为放弃申请。")
    app.outcome = "other_unpaid_fee"
    app.outcome_note = (p.get("note") or "").strip()
    app.decided_on = on
    return f"缴费期限{format_date(due)}届满未缴费，视为放弃申请"


def check_decision(outcome: str, handlings: list[str]) -> None:
    """One outcome per application; items each record their own handling (Art. 37: separable → partial)."""
    if outcome not in OUTCOMES:
        raise WorkflowError("请选择办理结果。")
    if outcome in WITHDRAWN_OUTCOMES:
        raise WorkflowError("“视为放弃申请”须在补正或缴费期限届满后通过相应操作办理。")
    for h in handlings:
        if h not in OUTCOMES or h in WITHDRAWN_OUTCOMES:
            raise WorkflowError("事项的处理情况无效。")
    if not handlings:
        return
    disclosed = [h for h in handlings if h in DISCLOSED]
    mixed = disclosed and len(disclosed) < len(handlings)
    if mixed or "partially_granted" in handlings:
        if outcome != "partially_granted":
            raise WorkflowError("部分事项公开、部分不公开的，只计为“部分公开”（第三十七条）。")
    elif disclosed:
        if outcome != "granted":
            raise WorkflowError("各事项均予以公开的，办理结果应为“予以公开”。")
    elif outcome not in handlings:
        raise WorkflowError("办理结果应为各事项处理情况之一。")


def _do_decide(app, on, p, cal, actor):
    outcome = p.get("outcome") or ""
    items = [(d.strip(), h) for d, h in p.get("items", []) if d.strip()]
    check_decision(outcome, [h for _, h in items])
    if outcome == "unavailable_still_unclear" and not app.supplement_received_on:
        raise WorkflowError("“补正后申请内容仍不明确”只适用于已告知补正并收到补正的申请（第三十条）。")
    note = (p.get("note") or "").strip()
    if outcome in ("partially_granted", "other_misc", "unavailable_not_held") and not note and not items:
        raise WorkflowError("请说明理由（部分公开的，说明不予公开部分的理由，第三十七条）。")
    if app.consultations.filter(answered_on__isnull=True).exists():
        raise WorkflowError("尚有征求意见未结束。")
    app.outcome, app.outcome_note, app.decided_on = outcome, note, on
    app.items.all().delete()
    Item.objects.bulk_create([Item(application=app, agency_id=app.agency_id, position=i, description=d, handling=h)
                              for i, (d, h) in enumerate(items, 1)])
    return f"办理结果：{OUTCOMES[outcome].label}（{OUTCOMES[outcome].citation or '无条文'}）"


def _do_approve(app, on, p, cal, actor):
    app.approved_on = on
    return f"同意按“{OUTCOMES[app.outcome].label}”答复"


def _do_send_back(app, on, p, cal, actor):
    reason = (p.get("note") or "").strip()
    if not reason:
        raise WorkflowError("请填写退回理由。")
    app.outcome, app.outcome_note, app.decided_on = "", "", None
    return f"退回理由：{reason}"


def _do_issue_reply(app, on, p, cal, actor):
    from .letters import issue_letter

    letter = issue_letter(app, "reply", actor=actor, on=on)
    app.replied_on = on
    return f"出具{letter.title}（第{letter.version}版）"


def _do_deliver(app, on, p, cal, actor):
    from .models import DELIVERY_METHODS

    method = p.get("method") or ""
    if method not in dict(DELIVERY_METHODS):
        raise WorkflowError("请选择送达方式。")
    app.delivered_on, app.delivery_method = on, method
    return f"送达方式：{dict(DELIVERY_METHODS)[method]}"


def _do_close(app, on, p, cal, actor):
    app.closed_on = on
    return "办结归档（第四十五条）"


HANDLERS = {
    "register": _do_register, "start": _do_start, "request_supplement": _do_request_supplement,
    "receive_supplement": _do_receive_supplement, "withdraw_no_supplement": _do_withdraw_no_supplement,
    "consult_third_party": _consult("third_party"), "consult_agency": _consult("agency"),
    "receive_opinion": _do_receive_opinion, "extend": _do_extend, "send_fee_notice": _do_send_fee_notice,
    "fee_paid": _do_fee_paid, "withdraw_unpaid_fee": _do_withdraw_unpaid_fee, "decide": _do_decide,
    "approve": _do_approve, "send_back": _do_send_back, "issue_reply": _do_issue_reply,
    "deliver": _do_deliver, "close": _do_close,
}
assert set(HANDLERS) == set(TRANSITIONS), "every transition needs its handler"


def _check_text(params: dict) -> None:
    """Refuse what the database would (NUL bytes, a party or item beyond its column) with a Chinese message."""
    texts = [v for v in params.values() if isinstance(v, str)]
    texts += [s for pair in params.get("items", ()) for s in pair if isinstance(s, str)]
    if any("\x00" in t for t in texts):
        raise WorkflowError("输入内容含有无效的空字符，请删除后重试。")
    limits = {"party": Consultation._meta.get_field("party").max_length}
    for key, limit in limits.items():
        if len((params.get(key) or "").strip()) > limit:
            raise WorkflowError(f"征求意见对象最长{limit}个字。")
    item_limit = Item._meta.get_field("description").max_length
    if any(len(d.strip()) > item_limit for d, _ in params.get("items", ())):
        raise WorkflowError(f"每个事项的描述最长{item_limit}个字。")


def transition(app: Application, name: str, *, actor, on: date | str | None = None, request=None,
               expected_version=None, **params) -> Application:
    """Take transition ``name`` on ``app`` as ``actor`` on date ``on`` (default today).

    Raises WorkflowError (Chinese) and leaves the database unchanged when the step is not allowed.
    The case row is locked for the whole step; ``expected_version`` (the case page's hidden field) refuses
    a step chosen on a page that a colleague's step has since made stale (gongkai.agencies.concurrency).
    """
    t = TRANSITIONS.get(name)
    if t is None:
        raise WorkflowError("未知的办理操作。")
    on = today() if on in (None, "") else _parse_date(on, "日期")
    _check_text(params)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=app.pk)
        if is_stale(app.version, expected_version):
            raise WorkflowError(STALE_MESSAGE)
        if app.state not in t.sources:
            raise WorkflowError(f"当前状态为“{state_label(app.state)}”，不能执行“{t.label}”。")
        if not can(actor, t.action, app.agency):
            raise WorkflowError(f"您没有“{t.label}”的权限。")
        if on > today():
            raise WorkflowError("日期不能晚于今天。")
        last = app.events.order_by("-on").values_list("on", flat=True).first()
        if last and on < last:
            raise WorkflowError(f"日期不能早于上一步办理日期（{format_date(last)}）。")
        cal = calendar()
        before = app.state
        note = HANDLERS[name](app, on, params, cal, actor)
        if t.action == "application.handle" and app.handler_id is None:
            app.handler = actor  # whoever first works on the case handles it (dashboard: my cases)
        app.state = t.target
        recompute_due(app, cal, save=False)
        app.version += 1
        app.save()
        Event.objects.create(application=app, agency_id=app.agency_id, transition=name, label=t.label, from_state=before,
                             to_state=t.target, on=on, actor=actor, note=note or "",
                             data={k: v for k, v in params.items() if isinstance(v, (str, int, bool))})
        audit.record(actor=actor, action=f"application.{name}", agency=app.agency, target=app,
                     summary=f"{app.number or app.tracking_code}：{t.label}" + (f"（{note}）" if note else ""),
                     data={"from": before, "to": t.target, "on": on.isoformat()}, request=request)
    return app


# -- deadlines -------------------------------------------------------------------------------------

def pauses(app: Application, cal: WorkCalendar) -> list[Pause]:
    """Consultations as excluded periods (answer_due caps a late answer at the 15-day limit)."""
    return [Pause(c.kind, c.sent_on, c.answered_on) for c in app.consultations.all()]


def derive(app: Application, cal: WorkCalendar | None = None) -> Derivation | None:
    """The answer deadline (Art. 33) of ``app``, or None while it does not run (not received yet, or
    waiting for the supplement: the clock restarts on receipt of it, Art. 30)."""
    if app.received_on is None:
        return None
    if app.supplement_requested_on and not app.supplement_received_on:
        return None
    cal = cal or calendar()
    return answer_due(cal, app.received_on, supplement_received=app.supplement_received_on,
                      pauses=pauses(app, cal) if app.pk else (), extension_days=app.extension_days)


def recompute_due(app: Application, cal: WorkCalendar | None = None, *, save: bool = True) -> None:
    """Store the answer deadline and its derivation. Replied cases keep the deadline they were answered in."""
    if app.state not in OPEN_STATES and app.replied_on:
        return
    d = derive(app, cal) if app.pk or app.received_on else None
    if d is None:
        app.due_on, app.due_provisional, app.due_derivation = None, False, {}
    else:
        app.due_on, app.due_provisional, app.due_derivation = d.due, d.provisional, d.to_dict()
    if save:
        Application.objects.filter(pk=app.pk).update(
            due_on=app.due_on, due_provisional=app.due_provisional, due_derivation=app.due_derivation)


def recompute_open(cal: WorkCalendar | None = None) -> int:
    """Recompute every open case (after a calendar year is entered, Art. 33). Returns the count changed."""
    cal = cal or calendar()
    changed = 0
    for app in Application.objects.filter(state__in=OPEN_STATES).prefetch_related("consultations"):
        old = (app.due_on, app.due_provisional, app.due_derivation)
        recompute_due(app, cal, save=False)
        if (app.due_on, app.due_provisional, app.due_derivation) != old:
            Application.objects.filter(pk=app.pk).update(
                due_on=app.due_on, due_provisional=app.due_provisional, due_derivation=app.due_derivation)
            changed += 1
    return changed


@dataclass
class Deadline:
    label: str
    due: DueDate
    article: str


def deadlines(app: Application, cal: WorkCalendar | None = None) -> list[Deadline]:
    """Every running deadline of the case, for the case page."""
    cal = cal or calendar()
    out: list[Deadline] = []
    if app.received_on and app.state in ("registered", "in_progress") and not app.supplement_requested_on:
        out.append(Deadline("告知补正期限", supplement_notice_due(cal, app.received_on), "第三十条"))
    if app.state == "supplement_requested" and app.supplement_deadline:
        out.append(Deadline("申请人补正期限", DueDate(app.supplement_deadline, False), "第三十条"))
    for c in app.consultations.filter(answered_on__isnull=True):
        out.append(Deadline(f"{c.party}答复期限", consultation_due(cal, c.sent_on),
                            PAUSE_KINDS[c.kind][1]))
    if app.state == "fee_notice" and app.fee_notice_received_on:
        out.append(Deadline("缴费期限", fee_payment_due(cal, app.fee_notice_received_on), "第四十二条"))
    return out


# -- signals (suggestions only, never decisions) ---------------------------------------------------

def duplicates(app: Application) -> list[tuple[Application, float]]:
    """Recent applications by the same applicant to the same agency with similar text."""
    ref = app.received_on or app.submitted_on or today()
    since = ref - timedelta(days=DUPLICATE_WINDOW_DAYS)
    text = f"{app.title}\n{app.description}"
    out = []
    for other in (Application.objects.filter(agency=app.agency, applicant_key=app.applicant_key)
                  .exclude(pk=app.pk).filter(Q(received_on__gte=since) | Q(submitted_on__gte=since))):
        ratio = difflib.SequenceMatcher(None, text, f"{other.title}\n{other.description}").ratio()
        if ratio >= DUPLICATE_RATIO:
            out.append((other, round(ratio, 2)))
    return sorted(out, key=lambda x: -x[1])


def volume(app: Application) -> int:
    """The applicant's applications to the agency in the 30 days up to this one's receipt."""
    ref = app.received_on or app.submitted_on or today()
    return Application.objects.filter(
        agency=app.agency, applicant_key=app.applicant_key,
        received_on__gt=ref - timedelta(days=30), received_on__lte=ref).count()


def suggestions(app: Application) -> list[str]:
    out = []
    for other, ratio in duplicates(app):
        out.append(f"可能是重复申请：与{other.number or other.tracking_code}（{other.title}）内容相似度{ratio:.0%}。"
                   "如已答复，可考虑按“重复申请”处理（第三十六条第（六）项），由承办人判断。")
    n = volume(app)
    if n > EXCESSIVE_PER_30_DAYS:
        out.append(f"该申请人30日内向本机关提出{n}件申请，数量可能明显超过合理范围："
                   "可要求说明理由（第三十五条），或依法收取信息处理费（第四十二条），由承办人判断。")
    return out


# -- dashboard -------------------------------------------------------------------------------------

# The workbench boxes, in the order shown: key → label. Each is a filter over the cases the user may
# see (services.box_filter); counts come from one aggregate query, lists are paginated, so the page
# stays the same size whatever the number of cases.
DUE_SOON_WORKING_DAYS = 3
BOXES: dict[str, str] = {
    "overdue": "已超过答复期限",
    "due_soon": f"{DUE_SOON_WORKING_DAYS}个工作日内到期",
    "waiting_applicant": "等待申请人（补正、缴费）",
    "waiting_opinion": "等待第三方或其他机关意见",
    "to_register": "网上提交待登记",
    "to_approve": "待负责人审批",
    "mine": "我承办的申请",
    "open": "全部办理中的申请",
}
LIST_COLUMNS = ("number", "tracking_code", "agency__name", "agency__short_name", "applicant_name", "id_masked",
                "title", "state", "received_on", "due_on", "due_provisional")
# What a list may be sorted by (the query parameter → the ORM ordering); a leading "-" reverses.
SORTS = {"due_on": ("due_on", "pk"), "received_on": ("received_on", "pk"), "number": ("number", "pk"),
         "state": ("state", "due_on", "pk")}


def visible_agency_ids(user) -> list[int]:
    return sorted(permissions.visible_agency_ids(user, "application.view"))


def visible_cases(user, agency_ids: list[int] | None = None):
    """Cases of the agencies ``user`` may see (``agency_ids``: those agencies, when the caller has them).
    A literal IN list lets the database use its indexes, where a sub-select made SQLite scan (3× slower
    with 20,000 open cases)."""
    return Application.objects.filter(agency_id__in=visible_agency_ids(user) if agency_ids is None else agency_ids)


def box_filter(key: str, user, on: date, cal: WorkCalendar | None = None) -> Q:
    """The condition of one workbench box (KeyError for an unknown key)."""
    if key == "due_soon":
        soon = add_working_days(cal or calendar(), on, DUE_SOON_WORKING_DAYS).date
        return Q(state__in=OPEN_STATES, due_on__gte=on, due_on__lte=soon)
    return {
        "overdue": Q(state__in=OPEN_STATES, due_on__lt=on),
        "waiting_applicant": Q(state__in=WAITING_APPLICANT),
        "waiting_opinion": Q(state__in=WAITING_THIRD_PARTY),
        "to_register": Q(state="submitted"),
        "to_approve": Q(state="decided"),
        "mine": Q(state__in=OPEN_STATES, handler=user),
        "open": Q(state__in=OPEN_STATES),
    }[key]


def _sql_date(value: date):
    return connection.ops.adapt_datefield_value(value)


def dashboard_counts(user, on: date | None = None, agency_ids: list[int] | None = None) -> dict[str, int]:
    """Every box's count in one query (plus the permission look-ups), whatever the case count.

    Each count is a range count over an index alone (``app_workbench_state_due``: per state, and per
    state before or within a date range; ``app_workbench_handler`` for "mine"), so only the index entries
    of open cases are counted, never rows. Nothing is stored: "due within 3 working days" moves with
    today and the calendar, and counts read from the cases themselves cannot go stale. The conditions
    are those of ``box_filter`` (tests compare the two)."""
    on = on or today()
    ids = visible_agency_ids(user) if agency_ids is None else list(agency_ids)
    if not ids:
        return dict.fromkeys(BOXES, 0)
    soon = add_working_days(calendar(), on, DUE_SOON_WORKING_DAYS).date
    table = connection.ops.quote_name(Application._meta.db_table)
    count = f"SELECT COUNT(*) FROM {table} WHERE agency_id IN ({placeholders(len(ids))}) AND "
    is_open = f"state IN ({placeholders(len(OPEN_STATES))})"
    parts = {s: (count + "state = %s", [*ids, s]) for s in (*OPEN_STATES, "submitted")}
    parts["overdue"] = (count + is_open + " AND due_on < %s", [*ids, *OPEN_STATES, _sql_date(on)])
    parts["due_soon"] = (count + is_open + " AND due_on >= %s AND due_on <= %s",
                         [*ids, *OPEN_STATES, _sql_date(on), _sql_date(soon)])
    parts["mine"] = (count + "handler_id = %s AND " + is_open, [*ids, user.pk, *OPEN_STATES])
    n = count_many(parts)
    out = {"overdue": n["overdue"], "due_soon": n["due_soon"], "mine": n["mine"],
           "waiting_applicant": sum(n[s] for s in WAITING_APPLICANT),
           "waiting_opinion": sum(n[s] for s in WAITING_THIRD_PARTY),
           "to_register": n["submitted"], "to_approve": n["decided"], "open": sum(n[s] for s in OPEN_STATES)}
    return {k: out[k] for k in BOXES}


def urgent_cases(user, n: int, agency_ids: list[int] | None = None) -> list[dict]:
    """The ``n`` open cases with the nearest answer deadline (by due date, then id), as the rows a list
    shows (``case_rows``). Read as the first ``n`` of each open state (``app_workbench_state_due`` in
    order: no sort of every open case), merged here; two queries whatever the number of cases."""
    ids = visible_agency_ids(user) if agency_ids is None else list(agency_ids)
    if not ids:
        return []
    table = connection.ops.quote_name(Application._meta.db_table)
    first = (f"SELECT id, due_on FROM {table} WHERE agency_id IN ({placeholders(len(ids))}) AND state = %s "
             f"AND due_on IS NOT NULL ORDER BY due_on, id LIMIT {int(n)}")
    picked = sorted(union_all([(first, [*ids, s]) for s in OPEN_STATES]), key=lambda r: (str(r[1]), r[0]))[:n]
    rows = {r["pk"]: r for r in case_rows(Application.objects.filter(pk__in=[pk for pk, _ in picked]))}
    return [rows[pk] for pk, _ in picked if pk in rows]


CASE_ROW_FIELDS = ("pk", "number", "tracking_code", "agency__name", "agency__short_name", "applicant_name",
                   "id_masked", "title", "state", "received_on", "due_on", "due_provisional")


def case_values(qs):
    """The columns the case lists show, as values (templates see values, not model objects)."""
    return qs.values(*CASE_ROW_FIELDS)


def case_row(r: dict) -> dict:
    """A row of ``case_values`` with its labels."""
    r["agency_label"] = r["agency__short_name"] or r["agency__name"]
    r["state_label"] = state_label(r["state"])
    return r


def case_rows(qs) -> list[dict]:
    return [case_row(r) for r in case_values(qs)]


def box_cases(user, key: str, on: date | None = None, *, sort: str = "due_on", agency_id: int | None = None,
              state: str = "", q: str = "", agency_ids: list[int] | None = None):
    """The cases of box ``key`` as a lazy queryset (the view paginates it): filtered, sorted, only the
    columns a list shows."""
    on = on or today()
    qs = (visible_cases(user, agency_ids).filter(box_filter(key, user, on)).select_related("agency")
          .only(*LIST_COLUMNS))
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if state:
        qs = qs.filter(state=state)
    if q:
        # Registration number, tracking code or the requested information: never applicant data, which
        # would end up in URLs and logs.
        qs = qs.filter(Q(number__icontains=q) | Q(tracking_code=q.upper()) | Q(title__icontains=q))
    desc = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"), SORTS["due_on"])
    return qs.order_by(*(f"-{f}" if desc else f for f in fields))


def dashboard(user, on: date | None = None) -> dict[str, list[Application]]:
    """The first cases of each box (at most 20), for callers that want lists rather than counts."""
    return {k: list(box_cases(user, k, on)[:20]) for k in BOXES}


# -- what the applicant is told (receipt, status page) -----------------------------------------------

# What the office is waiting for, by state, in the applicant's words.
WAITING_FOR = {
    "submitted": "等待本机关与您确认收到申请：网上提交的申请，以双方确认之日为收到申请之日（第三十一条）。",
    "registered": "本机关正在办理，暂不需要您做什么。",
    "in_progress": "本机关正在办理，暂不需要您做什么。",
    "consulting": "本机关正在征求第三方或其他机关的意见；征求意见的时间不计算在答复期限内（第三十三条第三款）。",
    "supplement_requested": "等待您补正申请：请按补正告知书的要求在补正期限内补正；答复期限自收到补正之日起重新计算（第三十条）。",
    "fee_notice": "等待您缴纳信息处理费：请按收费通知书缴纳；逾期未缴纳的视为放弃申请（第四十二条）。",
    "decided": "答复已拟定，正在由负责人审批。",
    "approved": "答复已审批，正在出具答复书。",
}


def deadline_rules(channel: str) -> list[str]:
    """How the answer deadline is counted, for the receipt and the status page (Art. 31, 33)."""
    from gongkai.law.periods import ANSWER_DAYS

    received = {
        "online": "网上提交的申请，以双方确认之日为收到申请之日",
        "in_person": "当面提交的申请，以提交之日为收到申请之日",
        "post": "邮寄的申请，以本机关签收之日为收到申请之日",
    }.get(channel, "以本机关收到申请之日为准")
    return [
        f"{received}（第三十一条）。",
        f"本机关自收到申请之日起{ANSWER_DAYS}个工作日内答复；需要延长的，经负责人同意并告知您，"
        f"延长期限最长不超过{EXTENSION_MAX_DAYS}个工作日（第三十三条第二款）。",
        "期限按工作日计算，法定节假日和休息日不计算在内；期限从收到申请的次日起算。",
        "需要您补正的，答复期限自收到补正之日起计算（第三十条）；征求第三方或其他机关意见的时间不计算在期限内（第三十三条第三款）。",
    ]


# -- statistics (charts on the workbench) ------------------------------------------------------------

def statistics(agencies, on: date | None = None, months: int = 12) -> dict:
    """Numbers for the workbench charts, over ``agencies`` (a queryset), the last ``months`` months:
    applications received per month, replies per outcome, replies in time (Art. 33) per month, and,
    when there are several agencies, received and overdue per agency. Fixed number of queries."""
    from django.db.models.functions import TruncMonth

    from gongkai.charts import last_months, month_start  # matplotlib loads only when charts are drawn

    on = on or today()
    firsts = last_months(on, months)
    since = firsts[0]
    base = Application.objects.filter(agency__in=agencies)
    received = dict(base.filter(received_on__gte=since).annotate(m=TruncMonth("received_on"))
                    .values_list("m").annotate(n=Count("pk")).values_list("m", "n"))
    replied = base.filter(replied_on__gte=since)
    in_time = {r["m"]: (r["ok"], r["late"]) for r in replied.annotate(m=TruncMonth("replied_on")).values("m")
               .annotate(ok=Count("pk", filter=Q(replied_on__lte=F("due_on")) | Q(due_on__isnull=True)),
                         late=Count("pk", filter=Q(replied_on__gt=F("due_on")))).order_by()}
    by_outcome = dict(replied.exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))
                      .values_list("outcome", "n"))

    received = {month_start(k): v for k, v in received.items()}
    in_time = {month_start(k): v for k, v in in_time.items()}
    out = {
        "months": [f"{d.year}-{d.month:02d}" for d in firsts],
        "received": [received.get(d, 0) for d in firsts],
        "in_time": [in_time.get(d, (0, 0))[0] for d in firsts],
        "late": [in_time.get(d, (0, 0))[1] for d in firsts],
        "outcomes": [(OUTCOMES[k].label, by_outcome[k]) for k in OUTCOMES if by_outcome.get(k)],
        "per_agency": [],
    }
    if agencies.count() > 1:
        rows = (base.values("agency__name").order_by("agency__name")
                .annotate(received=Count("pk", filter=Q(received_on__gte=since)),
                          overdue=Count("pk", filter=Q(state__in=OPEN_STATES, due_on__lt=on))))
        out["per_agency"] = [(r["agency__name"], r["received"], r["overdue"]) for r in rows]
    return out


# -- report table 三 -------------------------------------------------------------------------------

def _zero_rows(keys: Iterable[str]) -> dict[str, dict[str, int]]:
    return {k: {**{p: 0 for p in APPLICANT_PARTS}, "total": 0} for k in keys}


def table3(agency, year: int) -> dict[str, dict[str, int]]:
    """Table 三 of ``agency`` for ``year`` in the shape of Report.applications (layout 2021 keys).

    One GROUP BY query over (applicant type, outcome). A case counts as new in the year it was received,
    as processed in the year it was answered (reply issued), as carried forward when it was received by
    31 December and not answered by then, and as carried over when received before 1 January and not
    answered before it — so last year's carried_forward is this year's carried_over.
    """
    return table3_by_agency([agency.pk], year)[agency.pk]


def table3_by_agency(agency_ids, year: int) -> dict[int, dict[str, dict[str, int]]]:
    """``table3`` for many agencies in one GROUP BY query (supervision totals): {agency id: table}."""
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    not_answered_before = Q(replied_on__isnull=True) | Q(replied_on__gte=jan1)
    ids = list(agency_ids)
    rows = (Application.objects
            .filter(agency_id__in=ids, received_on__isnull=False, received_on__lte=dec31)
            .filter(not_answered_before)
            .values("agency_id", "applicant_type", "outcome")
            .annotate(new=Count("id", filter=Q(received_on__gte=jan1)),
                      over=Count("id", filter=Q(received_on__lt=jan1)),
                      done=Count("id", filter=Q(replied_on__lte=dec31)),
                      forward=Count("id", filter=Q(replied_on__isnull=True) | Q(replied_on__gt=dec31)))
            .order_by())
    layout = LAYOUTS["2021"]
    tables = {pk: _zero_rows(r.key for r in layout.applications) for pk in ids}
    for r in rows:
        out = tables[r["agency_id"]]
        part = r["applicant_type"]
        cells = (("new_received", r["new"]), ("carried_over", r["over"]), ("carried_forward", r["forward"]))
        if r["outcome"]:
            cells += ((r["outcome"], r["done"]), ("total_processed", r["done"]))
        for key, n in cells:
            out[key][part] += n
            out[key]["total"] += n
    return tables


def build_report(agency, year: int, t3: dict | None = None) -> Report:
    """A Report of ``year`` with table 三 from the cases (other tables left empty, i.e. zero); ``t3``
    when the caller already counted it (``table3_by_agency``).

    Years before 2021 use layout 2019, where the three 其他处理 rows are one row ``other``.
    """
    layout = layout_for_year(year)
    report = Report.empty(layout=layout, year=year, agency=agency.name)
    t3 = t3 if t3 is not None else table3(agency, year)
    if layout == "2019":
        keys = {r.key for r in LAYOUT_2021_COLLAPSED_OTHER_ROWS}
        other = _zero_rows(["other"])["other"]
        for k in LAYOUTS["2021"].other_subrows:
            for col, n in t3.pop(k).items():
                other[col] += n
        t3["other"] = other
        t3 = {k: v for k, v in t3.items() if k in keys}
    report.applications = t3
    return report


def table3_cases(agency, year: int, row: str, column: str):
    """The cases behind one cell of ``table3`` (the annual report's drill-down), by the same counting
    rules: new in the year received, processed in the year answered, carried forward when unanswered
    on 31 December. ``column`` is an applicant type or ``total``; ``other`` is the 2019 single row."""
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    qs = (Application.objects.filter(agency=agency, received_on__isnull=False, received_on__lte=dec31)
          .filter(Q(replied_on__isnull=True) | Q(replied_on__gte=jan1)))
    done = Q(replied_on__lte=dec31) & ~Q(outcome="")
    outcome_rows = {r.key for r in LAYOUTS["2021"].applications if r.is_outcome}
    if row == "new_received":
        qs = qs.filter(received_on__gte=jan1)
    elif row == "carried_over":
        qs = qs.filter(received_on__lt=jan1)
    elif row == "carried_forward":
        qs = qs.filter(Q(replied_on__isnull=True) | Q(replied_on__gt=dec31))
    elif row == "total_processed":
        qs = qs.filter(done)
    elif row in outcome_rows:
        qs = qs.filter(done, outcome=row)
    elif row == "other":
        qs = qs.filter(done, outcome__in=LAYOUTS["2021"].other_subrows)
    else:
        return Application.objects.none()
    if column != "total":
        if column not in APPLICANT_PARTS:
            return Application.objects.none()
        qs = qs.filter(applicant_type=column)
    return qs.order_by("received_on", "id")


def answered_in_time(agency, year: int) -> tuple[int, int]:
    """(cases answered in ``year``, of which answered by their due date) — for section 一 of the report."""
    rows = Application.objects.filter(agency=agency, replied_on__year=year).aggregate(
        answered=Count("id"), in_time=Count("id", filter=Q(due_on__isnull=False, replied_on__lte=F("due_on"))))
    return rows["answered"], rows["in_time"]


def answered_in_time_by_agency(agency_ids, year: int) -> dict[int, tuple[int, int]]:
    """``answered_in_time`` for many agencies in one query: {agency id: (answered, in time)}."""
    rows = (Application.objects.filter(agency_id__in=list(agency_ids), replied_on__year=year)
            .values("agency_id").annotate(answered=Count("id"),
                                          in_time=Count("id", filter=Q(due_on__isnull=False, replied_on__lte=F("due_on"))))
            .order_by())
    return {r["agency_id"]: (r["answered"], r["in_time"]) for r in rows}


def fees_collected(agency, year: int) -> tuple[int, int]:
    """(fees paid in ``year``, total in yuan) — the processing fees section 六 reports (Art. 42)."""
    rows = Application.objects.filter(agency=agency, fee_paid_on__year=year, fee_amount__isnull=False).aggregate(
        n=Count("id"), total=Sum("fee_amount"))
    return rows["n"], rows["total"] or 0


def carried_over(agency, year: int):
    """Cases received before ``year`` and still unanswered on 1 January: 上年结转."""
    jan1 = date(year, 1, 1)
    return Application.objects.filter(agency=agency, received_on__lt=jan1).filter(
        Q(replied_on__isnull=True) | Q(replied_on__gte=jan1))


# -- notice letters --------------------------------------------------------------------------------

NOTICE_READY = {
    # kind → (condition on the case, message when not met)
    "supplement": (lambda a: a.supplement_requested_on is not None, "尚未告知补正。"),
    "consult_third_party": (lambda a: a.consultations.filter(kind="third_party").exists(), "尚未征求第三方意见。"),
    "consult_agency": (lambda a: a.consultations.filter(kind="agency").exists(), "尚未征求其他机关意见。"),
    "extension": (lambda a: a.extension_days > 0, "尚未决定延期答复。"),
    "fee_notice": (lambda a: a.fee_amount is not None, "尚未发出收费通知。"),
}


def issue_notice(app: Application, kind: str, *, actor, on: date | None = None, request=None):
    """Issue a notice letter (补正告知书, 征询函, 延期答复告知书, 收费通知书) for a step already taken.
    The reply letter is issued by the ``issue_reply`` transition instead."""
    from .letters import issue_letter

    if kind not in NOTICE_READY:
        raise WorkflowError("未知的文书类型。")
    if not can(actor, "letter.issue", app.agency):
        raise WorkflowError("您没有出具文书的权限。")
    ready, message = NOTICE_READY[kind]
    if not ready(app):
        raise WorkflowError(message)
    return issue_letter(app, kind, actor=actor, on=on or today(), request=request)
