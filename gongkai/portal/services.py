"""Portal logic: the disclosure guide (Art. 12), browsing the catalogue, annual reports (Art. 49, 50).

Public: ``guide(agency)``, ``flow()``, ``browse(agency, ...)``, ``years(agency)``,
``build_report(agency, year)``, ``publish_report(agency, year)``.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from gongkai.law import fees, periods
from gongkai.queries import CappedPaginator

from .models import PortalSettings, PublishedReport

PER_PAGE = 20


# -- the guide -------------------------------------------------------------------------------------------

def channels(settings: PortalSettings) -> list[str]:
    """How an application may be made (Art. 29: in writing — online form, letter, e-mail, fax;
    an oral application in person is written down by the office)."""
    out = []
    if settings.accepts_online:
        out.append("网上申请：通过本专栏“依申请公开”栏目在线填写申请表")
    if settings.accepts_post:
        out.append("信函申请：将填写完整的申请表邮寄至本机关政府信息公开工作机构，信封注明“政府信息公开申请”")
    if settings.accepts_in_person:
        out.append("当面申请：到本机关政府信息公开工作机构现场填写申请表；书写确有困难的，可以口头提出，由工作人员代为填写")
    if settings.accepts_email:
        out.append("电子邮件申请：将申请表发送至本机关政府信息公开工作机构电子邮箱")
    if settings.accepts_fax:
        out.append("传真申请：将申请表传真至本机关政府信息公开工作机构")
    return out


def fee_rules() -> list[str]:
    """The two fee schemes (Art. 42; 国办函〔2020〕109号), worded from gongkai.law.fees."""
    page_bands = "，".join(f"第{a}至{b}页每页{p}元" if b else f"第{a}页以上每页{p}元" for a, b, p in fees.PAGE_BANDS)
    return [
        "本机关依申请提供政府信息，不收取费用。申请人申请公开政府信息的数量、频次明显超过合理范围的，"
        f"可以收取信息处理费（《条例》第四十二条），标准依照{fees.MEASURE}。",
        f"按件计收：同一申请人一个自然月内累计申请{fees.PER_APPLICATION_FREE}件以下（含）的不收费；"
        "第11至30件每件100元；第31件起每增加10件，每件收费标准提高100元。",
        f"按量计收：同一申请件中，{fees.PAGES_FREE}页以下（含）的不收费；{page_bands}。",
        "两种方式只选择其一，不得同时适用；收费通知书载明收费依据、标准、金额和缴纳方式，申请人应自收到之日起"
        f"{periods.FEE_PAYMENT_DAYS}个工作日内缴纳，逾期未缴纳的视为放弃申请。",
    ]


def deadline_rules() -> list[str]:
    """Statutory periods quoted in the guide, from gongkai.law.periods (working days)."""
    return [
        f"申请内容不明确的，本机关自收到申请之日起{periods.SUPPLEMENT_NOTICE_DAYS}个工作日内一次性告知补正，"
        "答复期限自收到补正后的申请之日起计算（《条例》第三十条）。",
        f"能够当场答复的当场答复；不能当场答复的，自收到申请之日起{periods.ANSWER_DAYS}个工作日内答复；"
        f"需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长期限最长不超过"
        f"{periods.EXTENSION_MAX_DAYS}个工作日（《条例》第三十三条）。",
        f"征求第三方或者其他机关意见的，第三方、其他机关应自收到征求意见书之日起{periods.CONSULTATION_DAYS}个工作日内"
        "提出意见；征求意见所需时间不计算在答复期限内（《条例》第三十二条、第三十三条、第三十四条）。",
        "工作日不含法定节假日，按国务院公布的放假调休安排计算。",
    ]


@dataclass(frozen=True)
class FlowStep:
    state: str
    label: str
    actions: list[tuple[str, str, str]]  # (action label, next state label, article)
    main: bool


def flow() -> list[FlowStep]:
    """The application process as drawn in the guide: every state of the applications workflow
    (gongkai.applications.workflow) in order, with the steps leaving it. States that wait on the
    applicant or a third party are side steps; the rest form the main line."""
    from gongkai.applications import workflow as wf

    side = set(wf.WAITING_APPLICANT) | set(wf.WAITING_THIRD_PARTY)
    steps = []
    for state, label in wf.STATES.items():
        actions = [(t.label, wf.state_label(t.target), f"《条例》{t.article}" if t.article else "")
                   for t in wf.available(state)]
        steps.append(FlowStep(state, label, actions, state not in side))
    return steps


def guide(agency) -> dict:
    s = PortalSettings.for_agency(agency)
    return {"settings": s, "channels": channels(s), "fees": fee_rules(), "deadlines": deadline_rules(),
            "flow": flow()}


# -- browsing the catalogue ------------------------------------------------------------------------------

def published_items(agency):
    from gongkai.catalog.models import Item

    return Item.objects.published().filter(agency=agency).select_related("category", "agency")


def years(agency) -> list[int]:
    """Publication years of the agency's published items, newest first (index skip scan: one probe per year)."""
    from gongkai.catalog.models import Item
    from gongkai.queries import distinct_years

    return distinct_years(Item, "date_published", agency=agency.pk, state=Item.State.PUBLISHED)


def browse(agency, category=None, year=None, validity=None, page=1):
    """A page (django Paginator page) of published items, newest first. ``category`` includes its
    sub-categories; ``year`` is the publication year; ``validity`` one of Item.Validity."""
    from gongkai.catalog.models import Item

    from .search import QueryError, _category_ids, parse_page, parse_year

    qs = published_items(agency).order_by("-date_published", "-id")
    try:
        cats = _category_ids(agency, category)
        year = parse_year(year)
    except QueryError as exc:
        raise ValidationError(str(exc)) from None
    if cats is not None:
        qs = qs.filter(category_id__in=cats)
    if year is not None:
        qs = qs.filter(date_published__year=year)  # a range on the (agency, state, date_published) index
    if validity not in (None, ""):
        if validity not in Item.Validity.values:
            raise ValidationError("有效性只能是有效、废止或失效。")
        qs = qs.filter(validity=validity)
    return CappedPaginator(qs, PER_PAGE).get_page(parse_page(page))


# -- annual reports (Art. 49, 50) ----------------------------------------------------------------------

def build_report(agency, year: int):
    """The annual report of ``agency`` for ``year`` as it would be published now: tables from live data
    and the recorded statistics, sections as drafted or edited (``gongkai.annual.compile``)."""
    from gongkai.annual.compile import build

    return build(agency, year)


def publish_report(agency, year: int, report=None, *, user=None, correction_note: str = "") -> PublishedReport:
    """Publish a new version of ``agency``'s report for ``year`` (see ``gongkai.annual.compile.publish``)."""
    from gongkai.annual.compile import publish

    return publish(agency, year, user, correction_note, report=report)
