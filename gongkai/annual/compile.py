"""Compiling an agency's annual report (Art. 49, 50) from what the platform records.

    tables(agency, year) -> Report          tables 二, 三, 四 live (no prose)
    draft_sections(agency, year, report)    sections 一, 五, 六 drafted from the data, in the agency's voice
    compile_report(agency, year) -> Report  tables + the draft's edited sections (or the drafted ones)
    previous_report(agency, year)           last year's report: published here, or uploaded by the agency
    status(agency, year)                    未开始 / 编制中 / 已核对 / 已发布 / 逾期 with the Art. 49 deadline
    publish(agency, year, user, note)       a frozen, hashed, audited version (a correction needs a note)
    diff(old, new)                          cell-by-cell and section differences between two reports

Counting rules stay in the apps (catalog.table2, applications.table3, appeals.table4); layouts, checks
and rendering stay in the pure ``gongkai.report`` layer.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.agencies import audit
from gongkai.agencies.models import Agency
from gongkai.agencies.permissions import can
from gongkai.report import checks
from gongkai.report.errors import ReportError
from gongkai.report.layouts import LAYOUTS, PROSE_SECTIONS, SECTION_TITLES, layout_for_year
from gongkai.report.model import Report, format_cell

from .models import LedgerEntry, PlatformFacts, ProactiveStats, Proposal, ReportDraft

# -- deadlines and status (Art. 49) ----------------------------------------------------------------------

STATUS_LABELS = {"not_started": "未开始", "drafting": "编制中", "checked": "已核对", "published": "已发布",
                 "overdue": "逾期"}


def deadline(agency, year: int) -> date:
    """Art. 49: departments publish last year's report by 31 January; the disclosure authority of a
    people's government (county level and above, and townships through it) by 31 March."""
    if agency.level == Agency.Level.DEPARTMENT:
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def deadline_rule(agency) -> str:
    if agency.level == Agency.Level.DEPARTMENT:
        return "政府部门应于每年1月31日前公布上一年度报告（《条例》第四十九条）"
    return "人民政府应于每年3月31日前公布上一年度报告（《条例》第四十九条）"


@dataclass(frozen=True)
class Status:
    code: str
    deadline: date
    published_at: object = None
    version: int = 0
    late: bool = False  # published after the deadline, or not published once it passed

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]

    def days_left(self, today: date | None = None) -> int | None:
        """Days until the deadline while unpublished and not yet late (the reminder shown on pages)."""
        if self.code in ("published", "overdue"):
            return None
        return (self.deadline - (today or timezone.localdate())).days


def status(agency, year: int, *, today: date | None = None, report: Report | None = None,
           published=None, draft=None, has_inputs: bool | None = None) -> Status:
    """Where the report stands. Pass what the caller already loaded to save queries (supervision)."""
    from gongkai.portal.models import PublishedReport

    today = today or timezone.localdate()
    due = deadline(agency, year)
    published = published if published is not None else PublishedReport.latest(agency, year)
    if published:
        late = timezone.localtime(published.published_at).date() > due
        return Status("published", due, published.published_at, published.version, late)
    if today > due:
        return Status("overdue", due, late=True)
    draft = draft if draft is not None else ReportDraft.objects.filter(agency=agency, year=year).first()
    if draft and draft.checked_at and (report is None or draft.checked_hash == content_hash(report.to_dict())):
        return Status("checked", due)
    if has_inputs is None:
        has_inputs = ProactiveStats.objects.filter(agency=agency, year=year).exists() or \
            PlatformFacts.objects.filter(agency=agency, year=year).exists()
    if draft or has_inputs:
        return Status("drafting", due)
    return Status("not_started", due)


# -- tables ----------------------------------------------------------------------------------------------

STATS_ROWS = {"licensing": "licensing", "punishment": "punishment", "coercion": "coercion"}


def tables(agency, year: int) -> Report:
    """Tables 二, 三 and 四 of ``agency`` for ``year`` from live data, no prose. Table 二's licensing,
    punishment, coercion and fee cells come from the recorded statistics; not recorded → blank (never
    guessed), which the checks and the compile page show."""
    return tables_for([agency], year)[agency.pk]


def tables_for(agencies, year: int) -> dict[int, Report]:
    """``tables`` for many agencies with a fixed number of grouped queries (supervision totals)."""
    from gongkai.appeals.services import table4_by_agency
    from gongkai.applications.services import build_report as applications_report, table3_by_agency
    from gongkai.catalog.services import table2_by_agency

    agencies = list(agencies)
    ids = [a.pk for a in agencies]
    t2, t3, t4 = table2_by_agency(ids, year), table3_by_agency(ids, year), table4_by_agency(ids, year)
    stats = {s.agency_id: s for s in ProactiveStats.objects.filter(agency_id__in=ids, year=year)}
    layout = LAYOUTS[layout_for_year(year)]
    out = {}
    for agency in agencies:
        if layout.name == "2021":  # table 三 as counted; 2019 folds the 其他处理 rows (applications.build_report)
            report = Report(layout="2021", year=year, agency=agency.name, applications=t3[agency.pk])
        else:
            report = applications_report(agency, year, t3[agency.pk])
        # Table 二: blank until recorded (statistics) or counted (catalogue); table 四 from the appeals.
        report.proactive = {r.key: {c.key: None for c in r.columns} for r in layout.proactive}
        for row, cols in t2[agency.pk].items():
            report.proactive[row].update(cols)
        if agency.pk in stats:
            apply_stats(report, stats[agency.pk])
        report.appeals = t4[agency.pk]
        out[agency.pk] = report
    return out


def apply_stats(report: Report, stats: ProactiveStats) -> None:
    for row in STATS_ROWS:
        report.set(f"proactive.{row}.decisions", getattr(stats, row))
    if report.layout == "2021":  # layout 2019 has no fee amount (only item counts, not kept here)
        report.set("proactive.fees.amount_10k_yuan", _amount(stats.fees_10k_yuan))


def _amount(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# -- drafting sections 一, 五, 六 --------------------------------------------------------------------------

ORDINALS = "一二三四五六七八九十"


def _ordinal(i: int) -> str:
    return ORDINALS[i] if i < len(ORDINALS) else str(i + 1)


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip("；;，,")
    return text if text.endswith(("。", "！", "？")) else text + "。"


def _short(agency) -> str:
    return agency.short_name or agency.name


def ledger_for(agency, year: int):
    """Ledger entries section 五 of ``year`` reports: found in the year, or found earlier and not closed
    before it began (the problems carried into the year and how each was fixed)."""
    from django.db.models import Q

    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    return (LedgerEntry.objects.filter(agency=agency, found_on__lte=dec31)
            .filter(Q(found_on__gte=jan1) | Q(closed_on__isnull=True) | Q(closed_on__gte=jan1))
            .order_by("found_on", "id"))


def proposals(agency, year: int) -> dict:
    """人大代表建议 and 政协委员提案 received in ``year``: counts and the share answered (办复率) by 31 Dec."""
    rows = list(Proposal.objects.filter(agency=agency, received_on__year=year).values_list("kind", "answered_on"))
    dec31 = date(year, 12, 31)
    out = {"npc": 0, "cppcc": 0, "answered": 0}
    for kind, answered in rows:
        out[kind] += 1
        out["answered"] += bool(answered and answered <= dec31)
    total = out["npc"] + out["cppcc"]
    out["total"] = total
    out["rate"] = None if not total else round(100 * out["answered"] / total, 1)
    return out


def _rate(rate: float) -> str:
    return f"{rate:g}%"


def draft_sections(agency, year: int, report: Report) -> dict[str, str]:
    """Sections 一, 五 and 六 drafted from the data, modelled on how agencies write them (the seed). Each
    figure comes from the same data as the tables, so ``prose_numbers`` holds until staff edit it."""
    from gongkai.applications.services import answered_in_time, fees_collected
    from gongkai.catalog.services import narrative

    name, short = agency.name, _short(agency)
    facts = PlatformFacts.objects.filter(agency=agency, year=year).first()
    new = report.get("applications.new_received.total") or 0
    over = report.get("applications.carried_over.total") or 0
    done = report.get("applications.total_processed.total") or 0
    forward = report.get("applications.carried_forward.total") or 0
    answered, in_time = answered_in_time(agency, year)

    # 一、总体情况 with its five parts
    s1 = [f"{year}年，{name}全面贯彻落实党的二十大精神，围绕中心工作和重点工作，坚持“以公开为常态、不公开为例外”的"
          "根本要求，着力做好主动公开，全面提高信息发布质量。严格按照工作要求，做好政务公开各项工作。"]
    s1.append(f"（一）主动公开方面。{narrative(agency, year)}")
    apply = (f"（二）依申请公开工作方面。{short}发布了依申请公开的申请条件及流程说明，明确了申请条件、范围、方式，"
             f"公示了受理依申请公开的通信地址、联系电话等，发布了办理流程图和申请表。")
    if new:
        apply += f"{year}年共收到政府信息公开申请{new}件"
    else:
        apply += f"{year}年未收到政府信息公开申请"
    if over:
        apply += f"，上年结转{over}件"
    if done:
        apply += f"，办结{done}件"
        if answered and in_time == answered:
            apply += "，均已按程序在法定时间内进行答复"
        elif answered:
            apply += f"，其中{in_time}件在法定期限内答复"
    if forward:
        apply += f"，{forward}件结转下年度继续办理"
    s1.append(apply + "。")
    decisions = [(label, report.get(f"proactive.{row}.decisions")) for row, label in
                 (("licensing", "行政许可"), ("punishment", "行政处罚"), ("coercion", "行政强制"))]
    known = [f"{label}决定{format_cell(v)}件" for label, v in decisions if v is not None]
    s1.append("（三）政府信息管理方面。一是加强组织领导。明确政务公开的内容、形式和制度，对照政务公开标准目录，及时更新相关"
              "信息，形成层层抓落实的工作格局。二是紧盯重点领域。"
              + (f"全年公开{'、'.join(known)}，" if known else "")
              + "及时发布更新财政预决算、重大项目建设、民生公益、管理和服务公开等群众关切的重点领域内容。坚持分级审核、"
              "先审后发（《条例》第十七条），坚持涉密信息不发布、发布信息不涉密。")
    platform = ("（四）平台建设方面。及时更新网站信息、不断优化公开板块，用好政务新媒体、政府公报、线下公开渠道等各类公开平台")
    parts = []
    if facts:
        if facts.print_count:
            where = f"在{facts.print_outlets}等" if facts.print_outlets else "在内部刊物"
            parts.append(f"全年{where}刊发信息{facts.print_count}条")
        if facts.new_media_count:
            parts.append(f"在{facts.new_media_outlets or '政务新媒体'}发布信息{facts.new_media_count}篇")
        if facts.gazette_count:
            parts.append(f"在政府公报刊登{facts.gazette_count}件")
        if facts.media_count:
            media = f"与{facts.media_outlets}等媒体保持密切联系，" if facts.media_outlets else ""
            parts.append(f"{media}加强对创新经验做法的投稿和宣传，全年刊发{facts.media_count}篇")
    s1.append(platform + ("，" + "；".join(parts) if parts else "") + "。")
    ledger = list(ledger_for(agency, year))
    closed = [e for e in ledger if e.closed_on and e.closed_on.year <= year]
    supervise = "（五）监督保障方面。一是强化领导、科学部署，听取政务公开工作情况汇报，对政务公开工作进行督促和部署。"
    if ledger:
        supervise += (f"二是问题销号、立行立改。对上级提出的问题即知即改，对账销号，全年整改台账登记问题{len(ledger)}个，"
                      f"已整改销号{len(closed)}个" + (f"，{len(ledger) - len(closed)}个正在整改" if len(closed) < len(ledger) else "")
                      + "。")
    else:
        supervise += "二是问题销号、立行立改。对上级提出的问题即知即改，对账销号，全年整改台账未登记问题。"
    s1.append(supervise)

    # 五、存在的主要问题及改进情况, from the ledger
    if ledger:
        problems = "".join(f"{_ordinal(i)}是{_sentence(e.problem)}" for i, e in enumerate(ledger))
        measures = []
        for i, e in enumerate(ledger):
            text = _sentence(e.measure or "制定整改措施，明确责任人和整改时限")
            if e.closed_on and e.closed_on.year <= year:
                text = text[:-1] + f"（已于{e.closed_on.year}年{e.closed_on.month}月{e.closed_on.day}日整改销号）。"
            measures.append(f"{_ordinal(i)}是{text}")
        s5 = ["（一）存在问题", f"{year}年，{short}较好地完成了政府信息公开工作，但也存在一些不足。{problems}",
              "（二）改进措施", "".join(measures)]
    else:
        s5 = ["（一）存在问题", f"{year}年，{short}整改台账未登记政府信息公开工作问题。",
              "（二）改进措施", f"{year + 1}年，{short}将继续落实政务公开各项要求，发现问题及时登记整改、对账销号。"]

    # 六、其他需要报告的事项
    n_fees, yuan = fees_collected(agency, year)
    if n_fees:
        fee = f"（一）收取信息处理费情况。{year}年共收取信息处理费{yuan}元，涉及申请{n_fees}件（《条例》第四十二条）。"
    else:
        fee = f"（一）收取信息处理费情况。{year}年政府信息公开未收取信息处理费。"
    p = proposals(agency, year)
    if p["total"]:
        props = (f"（二）人大代表建议和政协提案办理结果情况。本年度收到人大建议{p['npc']}件；收到政协提案{p['cppcc']}件，"
                 f"办复率{_rate(p['rate'])}。")
    else:
        props = "（二）人大代表建议和政协提案办理结果情况。本年度未收到人大代表建议和政协委员提案。"
    s6 = [fee, props]
    if facts and facts.other_items.strip():
        for i, item in enumerate(line.strip() for line in facts.other_items.splitlines() if line.strip()):
            s6.append(f"（{_ordinal(i + 2)}）{item}")
    return {"1": "\n".join(s1), "5": "\n".join(s5), "6": "\n".join(s6)}


def get_draft(agency, year: int) -> ReportDraft | None:
    return ReportDraft.objects.filter(agency=agency, year=year).first()


def compile_report(agency, year: int, draft: ReportDraft | None = None) -> tuple[Report, dict[str, str]]:
    """(the report as it would be published now, the drafted sections). A section staff edited wins
    over the drafted text; an emptied section falls back to the drafted one."""
    report = tables(agency, year)
    drafted = draft_sections(agency, year, report)
    draft = draft if draft is not None else get_draft(agency, year)
    edited = (draft.sections if draft else {}) or {}
    report.sections = {k: (edited.get(k) or "").strip() or drafted[k] for k in PROSE_SECTIONS}
    return report, drafted


def build(agency, year: int) -> Report:
    return compile_report(agency, year)[0]


# -- last year and checks --------------------------------------------------------------------------------

def previous_report(agency, year: int) -> tuple[Report | None, str]:
    """Last year's report for the cross-year checks and where it came from: published on gongkai (the
    version in force), else the file the agency uploaded, else none."""
    from gongkai.portal.models import PublishedReport

    pub = PublishedReport.latest(agency, year - 1)
    if pub is not None:
        try:
            return pub.report(), f"本平台发布的{year - 1}年度报告（第{pub.version}版）"
        except ReportError:
            pass
    draft = get_draft(agency, year)
    if draft and draft.previous_data:
        try:
            return Report.from_dict(draft.previous_data), f"上传的{year - 1}年度报告（{draft.previous_filename}）"
        except ReportError:
            pass
    return None, ""


def findings(agency, year: int, report: Report) -> list[checks.Finding]:
    previous, _ = previous_report(agency, year)
    return checks.check(report, previous)


@transaction.atomic
def upload_previous(agency, year: int, filename: str, data: bytes, user, request=None) -> Report:
    """Last year's published report, in any form the parser reads, kept for the cross-year checks."""
    from gongkai.report.worker import parse_bytes  # untrusted upload: parsed in the bounded child

    _require(user, "report.edit", agency)
    previous = parse_bytes(data, filename)  # ReportError: a Chinese reason
    if previous.year is not None and previous.year != year - 1:
        raise ReportError(f"上传的是 {previous.year} 年度报告，应为 {year - 1} 年度报告")
    draft, _ = ReportDraft.objects.get_or_create(agency=agency, year=year)
    draft.previous_data = previous.to_dict()
    draft.previous_filename = filename[:200]
    draft.updated_by = user
    draft.save()
    audit.record(actor=user, action="report.previous_upload", agency=agency, target=draft,
                 summary=f"上传{year - 1}年度报告用于跨年核对：{filename[:100]}", request=request)
    return previous


# -- editing, checking, publishing ------------------------------------------------------------------------

def _require(user, action: str, agency) -> None:
    if user is not None and not can(user, action, agency):
        raise PermissionDenied("您在该机关没有此项操作权限。")


MAX_SECTION_CHARS = 20000


@transaction.atomic
def save_sections(agency, year: int, sections: dict[str, str], user, request=None) -> ReportDraft:
    """Store edited prose; text equal to the drafted one is not stored (it keeps following the data)."""
    _require(user, "report.edit", agency)
    report, drafted = compile_report(agency, year)
    clean = {}
    for key in PROSE_SECTIONS:
        text = (sections.get(key) or "").replace("\r\n", "\n").replace("\x00", "").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise ValidationError(f"“{SECTION_TITLES[key]}”过长（{len(text)} 字），请控制在 {MAX_SECTION_CHARS} 字以内。")
        if text and text != drafted[key]:
            clean[key] = text
    draft, _ = ReportDraft.objects.get_or_create(agency=agency, year=year)
    changed = sorted(k for k in PROSE_SECTIONS if (draft.sections or {}).get(k) != clean.get(k))
    draft.sections = clean
    draft.checked_at = None  # an edit needs a new check
    draft.checked_hash = ""
    draft.updated_by = user
    draft.save()
    if changed:
        audit.record(actor=user, action="report.edit", agency=agency, target=draft,
                     summary=f"编辑{year}年度报告文字：{'、'.join(SECTION_TITLES[k] for k in changed)}",
                     data={"sections": changed}, request=request)
    return draft


@transaction.atomic
def mark_checked(agency, year: int, user, request=None) -> list[checks.Finding]:
    """Run every check; with no error the draft is 已核对 for exactly this content."""
    _require(user, "report.edit", agency)
    report, _ = compile_report(agency, year)
    found = findings(agency, year, report)
    if checks.has_errors(found):
        return found
    draft, _ = ReportDraft.objects.get_or_create(agency=agency, year=year)
    draft.checked_at = timezone.now()
    draft.checked_hash = content_hash(report.to_dict())
    draft.updated_by = user
    draft.save()
    audit.record(actor=user, action="report.check", agency=agency, target=draft,
                 summary=f"核对{year}年度报告：{len(found)}个警告", request=request)
    return found


def content_hash(data: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces): equal content, equal hash."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PublishError(Exception):
    def __init__(self, message: str, found: list | None = None):
        super().__init__(message)
        self.message = message
        self.findings = found or []


MAX_NOTE_CHARS = 2000


@transaction.atomic
def publish(agency, year: int, user, correction_note: str = "", request=None, report: Report | None = None):
    """Publish ``agency``'s report for ``year`` (Art. 49): no error finding allowed. The first version
    needs nothing more; a later one is a correction and needs a 更正说明, and must differ from the
    version in force. Each version is a new frozen row; the audit log records its hash."""
    from gongkai.portal.models import PublishedReport

    _require(user, "report.publish", agency)
    if report is None:
        report, _ = compile_report(agency, year)
    found = findings(agency, year, report)
    errors = [f for f in found if f.severity == checks.ERROR]
    if errors:
        raise PublishError(f"报告有 {len(errors)} 个错误，改正后才能发布。", errors)
    # Serialise publishers of the same report: the version number is read, then written.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    current = PublishedReport.latest(agency, year)
    data = report.to_dict()
    digest = content_hash(data)
    note = (correction_note or "").replace("\x00", "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise PublishError(f"更正说明过长，请控制在 {MAX_NOTE_CHARS} 字以内。")
    if current is not None:
        if current.content_hash == digest:
            raise PublishError(f"内容与已发布的第{current.version}版相同，无需重新发布。")
        if not note:
            raise PublishError("已发布过的年度报告再次发布属于更正，请填写更正说明。")
    obj = PublishedReport(agency=agency, year=year, version=(current.version + 1) if current else 1, data=data,
                          content_hash=digest, correction_note=note, published_at=timezone.now(),
                          published_by=user if getattr(user, "is_authenticated", False) else None)
    obj.save()
    audit.record(actor=user, action="report.publish", agency=agency, target=obj,
                 summary=f"发布{year}年度报告第{obj.version}版" + ("（更正）" if current else ""),
                 data={"version": obj.version, "sha256": digest, "correction_note": note}, request=request)
    return obj


# -- differences from a published snapshot ----------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    key: str  # "table.row.column" or "sections.N"
    label: str
    old: str
    new: str


def diff(old: Report, new: Report) -> list[Change]:
    """Every cell whose value differs, then every prose section whose text differs."""
    out = []
    old_cells = {k: v for k, _c, v in old.cells()}
    for key, _col, value in new.cells():
        before = old_cells.get(key)
        if before != value:
            table = key.split(".")[0]
            out.append(Change(key, f"{checks.table_name(table)}{checks.cell_label(new, key)}",
                              format_cell(before) if before is not None else "空白",
                              format_cell(value) if value is not None else "空白"))
    for k in PROSE_SECTIONS:
        if (old.sections.get(k) or "").strip() != (new.sections.get(k) or "").strip():
            out.append(Change(f"sections.{k}", f"“{SECTION_TITLES[k]}”文字", "（已修改）", ""))
    return out


def build_published(agency, year: int) -> Report | None:
    """The version in force of the published report, or None."""
    from gongkai.portal.models import PublishedReport

    pub = PublishedReport.latest(agency, year)
    return pub.report() if pub else None
