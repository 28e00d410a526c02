"""The fixed vocabulary of letter templates: the only names a template may use, and their values for a case.

One definition (``FIELDS``) serves the sandbox (which refuses every other name at save and at render), the
template edit page (which lists them) and ``context()`` (which fills them). Values are plain strings, integers,
lists of strings or lists of flat dicts of strings: never a model object, nothing callable, so a template
cannot walk from a case to its agency, its staff or another agency's applicants (issue 7).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gongkai.law.calendar import format_date
from gongkai.law.outcomes import OUTCOMES


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    example: str


FIELDS: tuple[Field, ...] = (
    Field("applicant_name", "申请人姓名或名称（答复书、告知书的主送）", "淄博A&B化工有限公司"),
    Field("number", "申请登记号", "依申〔2026〕14号"),
    Field("doc_number", "本文书的发文字号", "临审批依申〔2026〕14号"),
    Field("title", "所需信息名称", "2026年某道路建设项目环评批复"),
    Field("received", "收到申请日期", "2026年11月2日"),
    Field("issued", "成文日期", "2026年11月27日"),
    Field("agency_name", "本机关名称", "临淄区行政审批服务局"),
    Field("office_name", "政府信息公开工作机构（未填写时为机关名称）", "政务公开办公室"),
    Field("agency_phone", "联系电话", "0533-1234567"),
    Field("agency_address", "办公地址", "临淄区某路1号"),
    Field("outcome_label", "办理结果（如“予以公开”“不予公开（保护第三方合法权益）”）", "予以公开"),
    Field("outcome_text", "办理结果的答复用语，含条例条款", "您申请公开的政府信息属于公开范围……特此告知。"),
    Field("outcome_note", "理由说明", "施工人员个人信息不予公开。"),
    Field("form_wanted", "申请人要求的获取信息方式", "电子文件"),
    Field("items", "申请事项列表，每项有 item.description（事项）和 item.label（处理情况）",
          "{% for item in items %}{{ loop.index }}. {{ item.description }}：{{ item.label }}。{% endfor %}"),
    Field("supplement_note", "需要补正的事项", "请写明项目名称。"),
    Field("supplement_deadline", "补正期限", "2026年12月4日"),
    Field("consultation_party", "征求意见对象（征询函的主送）", "某某有限公司"),
    Field("consultation_due", "征求意见答复期限", "2026年12月18日"),
    Field("extension_reason", "延期理由", "需要征求多个部门意见"),
    Field("extension_days", "延长工作日数", "20"),
    Field("due", "答复期限", "2026年12月25日"),
    Field("fee_basis", "收费依据", "按件计收：……"),
    Field("fee_steps", "收费计算过程（列表）", "{{ fee_steps|join('；') }}"),
    Field("fee_amount", "应缴金额（元）", "100"),
    Field("fee_due", "缴费期限", "2026年12月25日"),
)
NAMES = frozenset(f.name for f in FIELDS)
# The only names a {% for %} may loop over: short lists. Looping over a string is refused (a nested loop
# over a 10,000-character note would run 10^8 times).
LIST_FIELDS = frozenset({"items", "fee_steps"})

# Who a letter is addressed to (主送, GB/T 9704-2012 7.3.2): the applicant, or the consulted party.
ADDRESSEE = {"consult_third_party": "consultation_party", "consult_agency": "consultation_party"}

_ENUMERATOR = re.compile(r"^(（[一二三四五六七八九十]+）|\d+\.)\s*")
_NOTE = re.compile(r"（[^（）]*）$")


def plain_label(outcome: str) -> str:
    """The report-row label of an outcome as a letter states it: without the row's enumerator or counting note.

    "（一）予以公开" → "予以公开"; "（二）部分公开（区分处理的，只计这一情形…）" → "部分公开";
    "4.保护第三方合法权益" (group "（三）不予公开") → "不予公开（保护第三方合法权益）".
    """
    o = OUTCOMES[outcome]

    def bare(text: str) -> str:
        return _NOTE.sub("", _ENUMERATOR.sub("", text)).strip()

    label, group = bare(o.label), bare(o.group)
    if o.group == o.label:
        return label
    return group if label == "其他" else f"{group}（{label}）"


def is_plain(value) -> bool:
    """True for the shapes a template may see: str, int, and lists of them or of flat dicts of them."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (str, int)):
        return True
    if isinstance(value, list):
        return all(is_plain(v) and not isinstance(v, list) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
                   for k, v in value.items())
    return False


def check_context(ctx: dict) -> dict:
    """Exactly the documented names, each a plain value (a programming error otherwise, not user input)."""
    if set(ctx) != NAMES:
        raise ValueError(f"letter context names differ from FIELDS: {sorted(set(ctx) ^ NAMES)}")
    bad = [k for k, v in ctx.items() if isinstance(v, dict) or not is_plain(v)]
    if bad:
        raise TypeError(f"letter context values must be plain: {bad}")
    return ctx


def context(app, on: date, doc_number: str = "") -> dict:
    """The values of every field for ``app``, issued on ``on`` under ``doc_number``."""
    from gongkai.law.periods import consultation_due, fee_payment_due

    from ..services import calendar, derive

    cal = calendar()
    agency = app.agency
    events = {e.transition: e for e in app.events.all()}
    consultation = app.consultations.order_by("-sent_on", "-pk").first()
    d = derive(app, cal)
    fee = app.fee_basis if isinstance(app.fee_basis, dict) else {}

    def day(value) -> str:
        return format_date(value) if value else ""

    def note(transition: str) -> str:
        return str(events[transition].data.get("note", "")) if transition in events else ""

    return check_context({
        "applicant_name": app.applicant_name,
        "number": app.number,
        "doc_number": doc_number,
        "title": app.title,
        "received": day(app.received_on),
        "issued": format_date(on),
        "agency_name": agency.name,
        "office_name": agency.office_name or agency.name,
        "agency_phone": agency.phone,
        "agency_address": agency.address,
        "outcome_label": plain_label(app.outcome) if app.outcome else "",
        "outcome_text": OUTCOMES[app.outcome].letter_text if app.outcome else "",
        "outcome_note": app.outcome_note,
        "form_wanted": app.get_form_wanted_display() if app.form_wanted else "",
        "items": [{"description": i.description, "label": plain_label(i.handling)} for i in app.items.all()],
        "supplement_note": note("request_supplement"),
        "supplement_deadline": day(app.supplement_deadline),
        "consultation_party": consultation.party if consultation else "",
        "consultation_due": day(consultation_due(cal, consultation.sent_on).date) if consultation else "",
        "extension_reason": note("extend"),
        "extension_days": int(app.extension_days or 0),
        "due": day(d.due) if d else "",
        "fee_basis": str(fee.get("basis") or ""),
        "fee_steps": [str(s) for s in fee.get("steps") or []],
        "fee_amount": int(app.fee_amount) if app.fee_amount is not None else 0,
        "fee_due": day(fee_payment_due(cal, app.fee_notice_received_on).date) if app.fee_notice_received_on else "",
    })


def example_context() -> dict:
    """Sample values for checking a template at save time (every field present, lists non-empty)."""
    ctx = {f.name: f.example for f in FIELDS}
    ctx.update(items=[{"description": "立项批复", "label": "予以公开"}], fee_steps=["第1至30页：不收费"],
               extension_days=20, fee_amount=100)
    return check_context(ctx)
