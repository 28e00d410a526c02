"""Inputs of the annual report that no other app records, each saved with an audit entry:

- table 二 statistics (Art. 20 (5)(6)(8)) by form or by an all-or-nothing CSV/XLSX import,
- section 一(四) platform counts and the free-text items of section 六,
- the 人大代表建议 / 政协委员提案 register, and the 整改台账 (rectification ledger).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.agencies import audit
from gongkai.agencies.models import Agency
from gongkai.agencies.permissions import can, visible_agencies

from .models import LedgerEntry, PlatformFacts, ProactiveStats, Proposal, ReportDraft, StatsImport

STATS_FIELDS = ("licensing", "punishment", "coercion", "fees_10k_yuan")
IMPORT_HEADERS = ("机关", "年度", "行政许可", "行政处罚", "行政强制", "行政事业性收费（万元）")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_COUNT = 10**9
MAX_ERRORS = 500


def _require(user, action: str, agency) -> None:
    if user is not None and not can(user, action, agency):
        raise PermissionDenied("您在该机关没有此项操作权限。")


def _uncheck(agency, year: int) -> None:
    """Inputs changed: a draft marked 已核对 must be checked again."""
    ReportDraft.objects.filter(agency=agency, year=year).update(checked_at=None, checked_hash="")


@transaction.atomic
def save_stats(agency, year: int, values: dict, user, *, source_import=None, request=None) -> ProactiveStats:
    _require(user, "report.edit", agency)
    obj = ProactiveStats.objects.filter(agency=agency, year=year).first() or ProactiveStats(agency=agency, year=year)
    before = {f: str(getattr(obj, f)) for f in STATS_FIELDS} if obj.pk else {}
    for f in STATS_FIELDS:
        setattr(obj, f, values[f])
    obj.source_import = source_import
    obj.updated_by = user
    obj.full_clean()
    obj.save()
    after = {f: str(getattr(obj, f)) for f in STATS_FIELDS}
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changed:
        how = f"（导入 {source_import.filename}）" if source_import else ""
        audit.record(actor=user, action="report.stats", agency=agency, target=obj,
                     summary=f"录入{year}年度表二统计数据{how}", data={"changed": changed}, request=request)
    _uncheck(agency, year)
    return obj


# -- import ------------------------------------------------------------------------------------------------

@dataclass
class StatsImportResult:
    rows: int = 0
    saved: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _count(value, what: str) -> int:
    text = str(value if value is not None else "").strip().replace(",", "")
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit():
        raise ValueError(f"“{what}”应为不小于 0 的整数，实际为“{str(value)[:20]}”")
    n = int(text)
    if n > MAX_COUNT:
        raise ValueError(f"“{what}”数值过大")
    return n


def _amount(value) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", "")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{IMPORT_HEADERS[5]}”应为金额（万元，最多两位小数），实际为“{text[:20]}”") from None
    if not d.is_finite() or d < 0 or d.adjusted() > 11 or d != d.quantize(Decimal("0.01")):
        raise ValueError(f"“{IMPORT_HEADERS[5]}”应为不小于 0、最多两位小数的金额（万元），实际为“{text[:20]}”")
    return d.quantize(Decimal("0.01"))


def import_stats(fp, filename: str, user, request=None) -> StatsImportResult:
    """Table 二 statistics, one row per agency and year (agency: full name or credit code). Every row is
    validated first; any bad row → a line in the report and nothing saved."""
    from gongkai.catalog.importer import ImportFileError, read_rows

    data = fp.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"文件过大：统计数据文件不应超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB。")
    import io

    allowed = {a.pk: a for a in visible_agencies(user, "report.edit")} if user is not None else None
    by_name = {a.name: a for a in Agency.objects.all()}
    by_code = {a.credit_code: a for a in by_name.values()}
    result = StatsImportResult()
    clean: list[tuple[Agency, int, dict]] = []
    seen: dict[tuple[int, int], int] = {}
    header_ok = False
    for n, row in read_rows(io.BytesIO(data), filename):
        cells = [("" if c is None else c) for c in row]
        if not any(str(c).strip() for c in cells):
            continue
        if not header_ok:
            names = [str(c).strip() for c in cells[:len(IMPORT_HEADERS)]]
            if names != list(IMPORT_HEADERS):
                raise ImportFileError(f"第{n}行应为表头：{'，'.join(IMPORT_HEADERS)}。")
            header_ok = True
            continue
        result.rows += 1
        if result.rows > MAX_IMPORT_ROWS:
            raise ImportFileError(f"行数过多：一次最多导入 {MAX_IMPORT_ROWS} 行。")
        cells = (cells + [""] * len(IMPORT_HEADERS))[:len(IMPORT_HEADERS)]
        key = str(cells[0]).strip()
        agency = by_name.get(key) or by_code.get(key.upper())
        try:
            if agency is None:
                raise ValueError(f"没有找到机关“{key[:40]}”（请填写机关全称或统一社会信用代码）")
            if allowed is not None and agency.pk not in allowed:
                raise ValueError(f"您在“{agency.name}”没有录入年度报告数据的权限")
            year = _count(cells[1], "年度")
            if not 2008 <= year <= timezone.localdate().year:
                raise ValueError(f"“年度”应为 2008 至今年的年份，实际为 {year}")
            values = {"licensing": _count(cells[2], "行政许可"), "punishment": _count(cells[3], "行政处罚"),
                      "coercion": _count(cells[4], "行政强制"), "fees_10k_yuan": _amount(cells[5])}
            if (agency.pk, year) in seen:
                raise ValueError(f"与第{seen[agency.pk, year]}行重复（同一机关同一年度只能有一行）")
            seen[agency.pk, year] = n
            clean.append((agency, year, values))
        except ValueError as exc:
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(f"第{n}行：{exc}")
    if not header_ok:
        raise ImportFileError(f"文件为空：第一行应为表头：{'，'.join(IMPORT_HEADERS)}。")
    if result.errors or not clean:
        if not clean and not result.errors:
            result.errors.append("文件中没有数据行。")
        return result
    with transaction.atomic():
        batch = StatsImport.objects.create(filename=filename[:200], sha256=hashlib.sha256(data).hexdigest(),
                                           rows=len(clean), created_by=user)
        for agency, year, values in clean:
            save_stats(agency, year, values, user, source_import=batch, request=request)
            result.saved += 1
    return result


def template_csv() -> str:
    return "\ufeff" + ",".join(IMPORT_HEADERS) + "\r\n"


# -- platform facts, proposals, ledger -------------------------------------------------------------------

@transaction.atomic
def save_facts(obj: PlatformFacts, user, request=None) -> PlatformFacts:
    _require(user, "report.edit", obj.agency)
    obj.updated_by = user
    obj.full_clean()
    obj.save()
    audit.record(actor=user, action="report.facts", agency=obj.agency, target=obj,
                 summary=f"录入{obj.year}年度平台建设和其他事项", request=request)
    _uncheck(obj.agency, obj.year)
    return obj


@transaction.atomic
def save_proposal(obj: Proposal, user, request=None) -> Proposal:
    _require(user, "report.edit", obj.agency)
    creating = obj.pk is None
    obj.full_clean()
    if obj.answered_on and obj.answered_on < obj.received_on:
        raise ValidationError({"answered_on": "办复日期不能早于交办日期。"})
    obj.save()
    audit.record(actor=user, action="proposal.create" if creating else "proposal.edit", agency=obj.agency,
                 target=obj, summary=f"{'登记' if creating else '修改'}{obj.get_kind_display()}：{obj.number}",
                 request=request)
    _uncheck(obj.agency, obj.received_on.year)
    return obj


@transaction.atomic
def save_ledger_entry(entry: LedgerEntry, user, request=None) -> LedgerEntry:
    _require(user, "report.edit", entry.agency)
    creating = entry.pk is None
    if creating:
        entry.created_by = user
    entry.full_clean()
    if entry.due_on < entry.found_on:
        raise ValidationError({"due_on": "整改期限不能早于发现日期。"})
    entry.save()
    audit.record(actor=user, action="ledger.create" if creating else "ledger.edit", agency=entry.agency,
                 target=entry, summary=f"{'登记' if creating else '修改'}整改台账：{entry.problem[:30]}",
                 request=request)
    return entry


@transaction.atomic
def close_ledger_entry(entry: LedgerEntry, user, *, closed_on, measure: str, note: str, request=None) -> LedgerEntry:
    """销号: the agency answers the entry with its measure and the date it was fixed."""
    _require(user, "report.edit", entry.agency)
    if entry.closed_on:
        raise ValidationError("该问题已销号。")
    measure, note = (measure or "").strip(), (note or "").strip()
    if not measure:
        raise ValidationError("请填写整改措施。")
    if closed_on < entry.found_on:
        raise ValidationError("销号日期不能早于发现日期。")
    if closed_on > timezone.localdate():
        raise ValidationError("销号日期不能晚于今天。")
    entry.measure, entry.closing_note, entry.closed_on = measure[:4000], note[:4000], closed_on
    entry.save()
    audit.record(actor=user, action="ledger.close", agency=entry.agency, target=entry,
                 summary=f"整改台账销号：{entry.problem[:30]}", data={"closed_on": closed_on}, request=request)
    return entry
