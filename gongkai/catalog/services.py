"""Catalogue logic shared by views, tasks, the importer and the CLI.

- categories: ``seed_categories``; index numbers: ``allocate_index_numbers`` (race-safe);
- items: ``save_item``, ``add_attachment``, ``sanitize_body``, ``compute_due`` (Art. 26);
- review before publication (先审后发, Art. 17): ``transition`` over ``TRANSITIONS``;
- privacy: ``scan_item``, ``clear_hit``, ``redact_hit``, ``replace_attachment``, ``sweep``;
- annual report: ``table2``, ``category_counts``, ``narrative``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from gongkai.agencies import audit
from gongkai.agencies.concurrency import STALE_MESSAGE, is_stale
from gongkai.agencies.permissions import can
from gongkai.law.calendar import add_working_days, working_days_between
from gongkai.report.errors import ReportError
from gongkai.report.layouts import LAYOUTS, layout_for_year
from gongkai.report.limits import open_zip
from gongkai.workdays.services import current_calendar

from . import privacy
from .models import Attachment, CatalogSettings, Category, IndexCounter, Item, PrivacyHit, SweepReport

PUBLICATION_WORKING_DAYS = 20  # Art. 26

# Art. 20 items (1)-(15): the information every agency publishes proactively.
ART20_CATEGORIES = (
    "行政法规、规章和规范性文件",
    "机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
    "国民经济和社会发展规划、专项规划、区域规划及相关政策",
    "国民经济和社会发展统计信息",
    "行政许可和其他对外管理服务事项的依据、条件、程序及办理结果",
    "行政处罚、行政强制的依据、条件、程序及有一定社会影响的行政处罚决定",
    "财政预算、决算信息",
    "行政事业性收费项目及其依据、标准",
    "政府集中采购项目的目录、标准及实施情况",
    "重大建设项目的批准和实施情况",
    "扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况",
    "突发公共事件的应急预案、预警信息及应对情况",
    "环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况",
    "公务员招考的职位、名额、报考条件等事项以及录用结果",
    "法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息",
)
# The catalogue categories of the seed agency's 2024 annual report, in the report's order.
SEED_CATEGORIES = (
    "机构职能", "规划计划", "重大建设项目", "民生公益", "重要部署执行公开", "财政信息", "管理和服务公开",
    "业务工作", "政府信息公开年度报告", "政务公开保障机制", "主动公开基本目录", "基层政务公开标准化目录", "其他",
)

ATTACHMENT_MAX_BYTES = getattr(settings, "GONGKAI_CATALOG_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)


# -- categories ---------------------------------------------------------------------------------------

def seed_categories(agency) -> int:
    """Create the default categories that are missing (by name): the seed catalogue's 13 as roots,
    then the 15 items of Art. 20. Returns how many were created. Agencies edit the tree afterwards."""
    existing = set(Category.objects.filter(agency=agency).values_list("name", flat=True))
    rows = [Category(agency=agency, name=n, position=(i + 1) * 10) for i, n in enumerate(SEED_CATEGORIES)
            if n not in existing]
    rows += [Category(agency=agency, name=n, position=1000 + (i + 1) * 10, art20_item=i + 1)
             for i, n in enumerate(ART20_CATEGORIES) if n not in existing]
    Category.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def years_made(agency) -> list[int]:
    """Years in which the agency's items were made, newest first: one index probe per year on
    (agency, date_made, id), however many items there are."""
    from gongkai.queries import distinct_years

    return distinct_years(Item, "date_made", agency=agency.pk)


def category_tree(agency) -> list[tuple[Category, int]]:
    """(category, depth) in display order: pre-order over the tree, siblings by position."""
    cats = list(Category.objects.filter(agency=agency).order_by("position", "id"))
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for c in children.get(parent_id, ()):
            if c.pk in seen:
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def root_of(agency) -> dict[int, Category]:
    """category id → its root category, for one agency (one query)."""
    cats = {c.pk: c for c in Category.objects.filter(agency=agency)}
    roots: dict[int, Category] = {}
    for pk, c in cats.items():
        node, seen = c, {pk}
        while node.parent_id and node.parent_id in cats and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = cats[node.parent_id]
        roots[pk] = node
    return roots


# -- index numbers (Art. 12) -------------------------------------------------------------------------

def format_index_number(agency, year: int, serial: int) -> str:
    return f"{agency.credit_code}/{year}-{serial:05d}"


_INDEX_RE = re.compile(r"^(?P<code>[0-9A-Z]{18})/(?P<year>\d{4})-(?P<serial>\d{5,})$")


def allocate_index_numbers(agency, year: int, n: int = 1) -> list[str]:
    """``n`` fresh index numbers for ``agency`` and ``year``. The counter row is locked for the rest
    of the caller's transaction, so concurrent writers never get the same serial."""
    if n <= 0:
        return []
    with transaction.atomic():
        IndexCounter.objects.bulk_create([IndexCounter(agency=agency, year=year, last=0)], ignore_conflicts=True)
        counter = IndexCounter.objects.select_for_update().get(agency=agency, year=year)
        first = counter.last + 1
        counter.last += n
        counter.save(update_fields=["last"])
    return [format_index_number(agency, year, s) for s in range(first, first + n)]


def note_index_numbers(agency, numbers) -> None:
    """Raise the counters past index numbers that came from outside (import), so new ones never collide."""
    highest: dict[int, int] = {}
    for number in numbers:
        m = _INDEX_RE.match(number or "")
        if m and m["code"] == agency.credit_code:
            y = int(m["year"])
            highest[y] = max(highest.get(y, 0), int(m["serial"]))
    for year, serial in highest.items():
        IndexCounter.objects.bulk_create([IndexCounter(agency=agency, year=year, last=0)], ignore_conflicts=True)
        counter = IndexCounter.objects.select_for_update().get(agency=agency, year=year)
        if counter.last < serial:
            counter.last = serial
            counter.save(update_fields=["last"])


# -- items ---------------------------------------------------------------------------------------------

BODY_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "h2", "h3", "h4", "ul", "ol", "li",
             "table", "thead", "tbody", "tr", "th", "td", "caption", "blockquote", "a", "span", "div", "hr",
             "pre", "code"}


def sanitize_body(html: str) -> str:
    """Rich text as stored and shown: whitelist of tags, links only to http(s)/mailto, no scripts or styles."""
    return nh3.clean(html or "", tags=BODY_TAGS, attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"},
                                                             "th": {"colspan", "rowspan", "scope"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer").strip()


def body_html(item: Item) -> SafeString:
    """The body as pages and the API show it: cleaned again on the way out, so HTML that reached the
    database by another path (an older version, a raw SQL fix) still cannot carry a script."""
    return mark_safe(sanitize_body(item.body))  # noqa: S308 - nh3 output is safe HTML
def date_problems(date_made: date | None, *, date_changed: date | None = None, validity_date: date | None = None,
                  issued_on: date | None = None, today: date | None = None) -> dict[str, str]:
    """Dates a careful clerk would refuse, field → Chinese message. The index number takes the year of
    成文日期 (Art. 12), so a future one would number the item in a year that has not begun."""
    today = today or timezone.localdate()
    out = {}
    if date_made and date_made > today:
        out["date_made"] = f"成文日期（{date_made:%Y-%m-%d}）晚于今天：尚未成文的信息不能编入目录。"
    if date_changed and date_changed > today:
        out["date_changed"] = "变更日期不能晚于今天。"
    if issued_on and issued_on > today:
        out["issued_on"] = "制发日期不能晚于今天。"
    if date_made and validity_date and validity_date < date_made:
        out["validity_date"] = "废止或失效日期不能早于成文日期。"
    if date_made and date_changed and date_changed < date_made:
        out["date_changed"] = "变更日期不能早于成文日期。"
    return out


def compute_due(item: Item, cal=None) -> None:
    """Art. 26: due 20 working days after the day the information was made or changed."""
    start = item.date_changed or item.date_made
    if not start:
        item.due_on, item.due_provisional = None, False
        return
    due = add_working_days(cal or current_calendar(), start, PUBLICATION_WORKING_DAYS)
    item.due_on, item.due_provisional = due.date, due.provisional


def working_days_left(item: Item, today: date | None = None) -> int | None:
    if not item.due_on or item.state in (Item.State.PUBLISHED, Item.State.WITHDRAWN):
        return None
    return working_days_between(current_calendar(), today or timezone.localdate(), item.due_on)


def _require(user, action: str, agency) -> None:
    if not can(user, action, agency):
        raise PermissionDenied("您在该机关没有此项操作权限。")


EDITABLE_STATES = (Item.State.DRAFT,)


def _lock(item: Item, expected_version=None) -> Item:
    """The item's current row, locked until the transaction ends; refused when the caller's form was
    loaded at another version (gongkai.agencies.concurrency)."""
    current = Item.objects.select_for_update().select_related("agency", "category").get(pk=item.pk)
    if is_stale(current.version, expected_version):
        raise ValidationError(STALE_MESSAGE, code="stale")
    return current


@transaction.atomic
def save_item(item: Item, user, request=None, *, expected_version=None) -> Item:
    """Create or update a draft (catalog.edit). New items get an index number; body is sanitised;
    the Art. 26 deadline is (re)computed; title/summary/body are scanned for personal numbers.

    An update is checked against the locked row at ``expected_version`` (the edit form's hidden field;
    by default the version ``item`` was loaded at), so it never overwrites a colleague's change."""
    _require(user, "catalog.edit", item.agency)
    creating = item.pk is None
    if not creating:
        current = _lock(item, item.version if expected_version is None else expected_version)
        if current.state not in EDITABLE_STATES:
            raise ValidationError("只有拟稿状态的信息可以修改；请先退回或撤回。")
    if item.category.agency_id != item.agency_id:
        raise ValidationError("分类不属于本机关。")
    item.body = sanitize_body(item.body)
    if not item.issuer:
        item.issuer = item.agency.name
    if item.doc_kind != Item.DocKind.OTHER and not item.issued_on:
        item.issued_on = item.date_made
    if item.validity == Item.Validity.VALID:
        item.validity_date = None
    elif not item.validity_date:
        raise ValidationError("废止或失效的信息请填写废止或失效日期。")
    problems = date_problems(item.date_made, date_changed=item.date_changed, validity_date=item.validity_date,
                             issued_on=item.issued_on if item.doc_kind != Item.DocKind.OTHER else None)
    if problems:
        raise ValidationError(problems)
    compute_due(item)
    if creating:
        item.created_by = user
        item.index_number = allocate_index_numbers(item.agency, item.date_made.year)[0]
    try:
        with transaction.atomic():
            if not creating:
                item.version = current.version + 1
            item.save()
    except IntegrityError:
        if not creating:
            item.version = current.version
        raise ValidationError("本机关已有标题、文号和成文日期都相同的信息。") from None
    audit.record(actor=user, action="catalog.create" if creating else "catalog.edit", agency=item.agency,
                 target=item, summary=f"{'新建' if creating else '修改'}主动公开信息：{item.index_number} {item.title}",
                 request=request)
    scan_item(item, attachments=False)
    return item


# -- attachments ---------------------------------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The attachment kind from the content (never from the file name), or None if not accepted."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"PK\x03\x04"):
        try:  # member count and directory size checked before zipfile lists the members
            names = set(open_zip(data).namelist())
        except ReportError:
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(f"附件“{upload.name}”超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。")
    data = upload.read()
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(f"附件“{upload.name}”超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。")
    if not data:
        raise ValidationError(f"附件“{upload.name}”是空文件。")
    return data


def _checked_kind(name: str, data: bytes) -> str:
    kind = sniff(data)
    if kind is None:
        raise ValidationError(f"附件“{name}”不是可接受的文件类型：仅接受 PDF、Word（DOCX）、Excel（XLSX）和 "
                              "PNG/JPEG/GIF 图片（按文件内容判断，不按扩展名）。")
    return kind


def _safe_name(name: str, kind: str) -> str:
    base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", (name or "").rsplit("/", 1)[-1]).strip() or "附件"
    ext = {"jpeg": "jpg"}.get(kind, kind)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{ext}"


def check_upload(upload) -> str:
    """Validate an uploaded attachment (size, type by content) before anything is saved; returns the kind."""
    data = _read_upload(upload)
    upload.seek(0)
    return _checked_kind(upload.name, data)


@transaction.atomic
def add_attachment(item: Item, upload, user, request=None) -> Attachment:
    _require(user, "catalog.edit", item.agency)
    if _lock(item).state not in EDITABLE_STATES:  # not while a colleague submits it for review
        raise ValidationError("只有拟稿状态的信息可以添加附件。")
    upload.seek(0)
    data = _read_upload(upload)
    kind = _checked_kind(upload.name, data)
    name = _safe_name(upload.name, kind)
    att = Attachment(item=item, agency_id=item.agency_id, name=name, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     uploaded_by=user)
    att.file.save(name, ContentFile(data), save=False)
    att.save()
    audit.record(actor=user, action="catalog.attach", agency=item.agency, target=item,
                 summary=f"上传附件：{name}（{item.index_number}）", data={"sha256": att.sha256}, request=request)
    _scan_attachment(item, att, allow=allowed_numbers(item.agency))  # unreadable: an open hit, not an error
    return att


@transaction.atomic
def remove_attachment(att: Attachment, user, request=None) -> None:
    item = att.item
    _require(user, "catalog.edit", item.agency)
    if _lock(item).state not in EDITABLE_STATES:
        raise ValidationError("只有拟稿状态的信息可以删除附件。")
    name = att.name
    att.file.delete(save=False)
    att.delete()
    audit.record(actor=user, action="catalog.detach", agency=item.agency, target=item,
                 summary=f"删除附件：{name}（{item.index_number}）", request=request)


# -- privacy scan (Art. 15, Art. 17) -------------------------------------------------------------------

def allowed_numbers(agency) -> list[str]:
    """The agency's own published office numbers (Art. 12 guide) are not personal information."""
    return re.findall(r"[\d()（）\- ]{7,}", f"{agency.phone or ''} / {agency.fax or ''}")


@dataclass
class _Found:
    field: str
    where: str
    hit: privacy.Hit
    count: int = 1


def _upsert_hits(item: Item, attachment: Attachment | None, found: list[_Found], sweep=None) -> int:
    """Store the hits of one source (fields of the item, or one attachment). A hit already cleared or
    redacted keeps its status; open hits no longer found are closed. Returns new open hits."""
    merged: dict[tuple[str, str], _Found] = {}
    for f in found:
        key = (f.field, f.hit.digest)
        if key in merged:
            merged[key].count += 1
        else:
            merged[key] = f
    existing = {(h.field, h.digest): h for h in PrivacyHit.objects.filter(item=item, attachment=attachment)}
    new = 0
    for key, f in merged.items():
        h = existing.pop(key, None)
        if h is None:
            PrivacyHit.objects.create(item=item, agency_id=item.agency_id, attachment=attachment, field=f.field, where=f.where[:120],
                                      kind=f.hit.kind, masked=f.hit.masked, digest=f.hit.digest,
                                      occurrences=f.count, sweep=sweep)
            new += 1
        elif h.status == PrivacyHit.Status.REDACTED:
            # Came back (e.g. re-edited): open again.
            h.status, h.reason, h.occurrences, h.where = PrivacyHit.Status.OPEN, "", f.count, f.where[:120]
            h.save(update_fields=["status", "reason", "occurrences", "where"])
            new += 1
        elif h.occurrences != f.count or h.where != f.where[:120]:
            h.occurrences, h.where = f.count, f.where[:120]
            h.save(update_fields=["occurrences", "where"])
    gone = [h.pk for h in existing.values() if h.status == PrivacyHit.Status.OPEN]
    if gone:
        PrivacyHit.objects.filter(pk__in=gone).update(
            status=PrivacyHit.Status.REDACTED, reason="重新检查时已不再出现（内容已修改或替换）",
            resolved_at=timezone.now())
    return new


def scan_fields(item: Item, allow=()) -> list[_Found]:
    out = []
    for field in ("title", "summary", "body"):
        for h in privacy.scan_text(getattr(item, field) or "", allow):
            out.append(_Found(field, "", h))
    return out


def _scan_attachment(item: Item, att: Attachment, allow, sweep=None) -> tuple[int, str | None]:
    """(new open hits, the reason it could not be read or None). The file is parsed in a bounded child
    process; one that cannot be read is itself an open hit ("无法读取，需人工审查") that blocks publication
    until a reviewer has checked it by hand and cleared it (Art. 17)."""
    if att.kind not in privacy.SCANNERS:
        return 0, None  # images: no text layer to read (no OCR)
    with att.file.open("rb") as fp:
        data = fp.read()
    try:
        found = [_Found("attachment", fh.where, fh.hit) for fh in privacy.scan_bounded(att.kind, data, allow)]
        error = None
    except privacy.UnreadableFile as exc:
        error = str(exc)
        found = [_Found("attachment", error, privacy.unreadable_hit(hashlib.sha256(data).hexdigest()))]
    return _upsert_hits(item, att, found, sweep), error


def scan_item(item: Item, attachments: bool = True, sweep=None) -> tuple[int, list[str]]:
    """Scan fields (and attachments) of ``item``; returns (new open hits, unreadable-attachment messages).
    An unreadable attachment is an open hit too, so it blocks publication until a reviewer clears it."""
    allow = allowed_numbers(item.agency)
    new = _upsert_hits(item, None, scan_fields(item, allow), sweep)
    errors = []
    if attachments:
        for att in item.attachments.all():
            n, error = _scan_attachment(item, att, allow, sweep)
            new += n
            if error:
                errors.append(f"{item.index_number} 附件“{att.name}”：{error}")
    return new, errors


def open_hits(item: Item):
    return item.privacy_hits.filter(status=PrivacyHit.Status.OPEN).select_related("attachment")


@transaction.atomic
def clear_hit(hit: PrivacyHit, user, reason: str, request=None) -> None:
    """A reviewer confirms the number may be published (e.g. a public service hotline); reason required."""
    _require(user, "catalog.publish", hit.item.agency)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写可以公开的理由。")
    if not PrivacyHit.objects.select_for_update().filter(pk=hit.pk, status=PrivacyHit.Status.OPEN).exists():
        raise ValidationError("该问题已处理。")  # also when a colleague handled it a moment ago
    hit.status, hit.reason, hit.resolved_by, hit.resolved_at = PrivacyHit.Status.CLEARED, reason, user, timezone.now()
    hit.save(update_fields=["status", "reason", "resolved_by", "resolved_at"])
    audit.record(actor=user, action="catalog.privacy_clear", agency=hit.item.agency, target=hit.item,
                 summary=f"确认可公开：{hit.kind_label} {hit.masked}（{hit.item.index_number}）",
                 data={"hit": hit.pk, "reason": reason}, request=request)


def _store_new_content(att: Attachment, data: bytes, name: str, kind: str, user) -> None:
    old = att.file.name
    att.file.save(name, ContentFile(data), save=False)
    att.name, att.kind, att.size = name, kind, len(data)
    att.sha256, att.redacted, att.uploaded_by = hashlib.sha256(data).hexdigest(), True, user
    att.save()
    if old and old != att.file.name:
        att.file.storage.delete(old)  # the unredacted file must not stay on disk


@transaction.atomic
def redact_hit(hit: PrivacyHit, user, request=None) -> None:
    """Replace the number by its masked form: in the item's field, or by rewriting a DOCX/XLSX
    attachment. PDFs and images need a redacted replacement (``replace_attachment``)."""
    _require(user, "catalog.publish", hit.item.agency)
    item = _lock(hit.item)  # the field is rewritten from the current text, and the version moves on
    if not PrivacyHit.objects.select_for_update().filter(pk=hit.pk, status=PrivacyHit.Status.OPEN).exists():
        raise ValidationError("该问题已处理。")
    allow = allowed_numbers(item.agency)
    if hit.attachment_id is None:
        text, n = privacy.redact_text(getattr(item, hit.field) or "", {hit.digest}, allow)
        if not n:
            raise ValidationError("在原文中没有找到该号码，请重新检查。")
        setattr(item, hit.field, text)
        item.version += 1  # an edit form loaded before the redaction must not write the number back
        item.save(update_fields=[hit.field, "updated_at", "version"])
    else:
        att = hit.attachment
        if hit.kind == privacy.UNREADABLE:
            raise ValidationError("无法读取的附件不能自动脱敏：请人工审查后确认可公开，或上传可读取的替换文件。")
        if att.kind not in privacy.REDACTORS:
            raise ValidationError(f"{att.get_kind_display()}附件无法自动脱敏，请上传脱敏后的替换文件。")
        with att.file.open("rb") as fp:
            try:
                data, n = privacy.redact_bounded(att.kind, fp.read(), {hit.digest}, allow)
            except privacy.UnreadableFile as exc:
                raise ValidationError(f"附件无法自动脱敏（{exc}），请上传脱敏后的替换文件。") from None
        if not n:
            raise ValidationError("在附件中没有找到该号码，请重新检查。")
        _store_new_content(att, data, att.name, att.kind, user)
    hit.status, hit.resolved_by, hit.resolved_at = PrivacyHit.Status.REDACTED, user, timezone.now()
    hit.reason = "已替换为脱敏文字"
    hit.save(update_fields=["status", "resolved_by", "resolved_at", "reason"])
    audit.record(actor=user, action="catalog.privacy_redact", agency=item.agency, target=item,
                 summary=f"脱敏处理：{hit.kind_label} {hit.masked}（{hit.location}，{item.index_number}）",
                 data={"hit": hit.pk}, request=request)
    scan_item(item)


@transaction.atomic
def replace_attachment(att: Attachment, upload, user, request=None) -> None:
    """The reviewer uploads a redacted version of an attachment; the original file is deleted."""
    item = att.item
    _require(user, "catalog.publish", item.agency)
    if item.state not in (Item.State.SECRECY, Item.State.PUBLISHED):
        raise ValidationError("只有保密审查中或已发布的信息可由审核人替换附件；拟稿中请由拟稿人修改。")
    data = _read_upload(upload)
    kind = _checked_kind(upload.name, data)
    old_name = att.name
    _store_new_content(att, data, _safe_name(upload.name, kind), kind, user)
    audit.record(actor=user, action="catalog.attachment_replace", agency=item.agency, target=item,
                 summary=f"以脱敏文件替换附件：{old_name} → {att.name}（{item.index_number}）",
                 data={"sha256": att.sha256}, request=request)
    scan_item(item)


# -- review workflow (先审后发, Art. 17) -----------------------------------------------------------------

S = Item.State


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    action: str  # permission action in agencies.permissions.MATRIX
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("提交审核", (S.DRAFT,), "catalog.edit"),
    "approve": Transition("审核通过", (S.REVIEW1, S.REVIEW2), "catalog.publish"),
    "reject": Transition("退回修改", (S.REVIEW1, S.REVIEW2, S.SECRECY), "catalog.publish", needs_reason=True),
    "publish": Transition("发布", (S.SECRECY,), "catalog.publish"),
    "withdraw": Transition("撤回", (S.PUBLISHED,), "catalog.publish", needs_reason=True),
    "reopen": Transition("重新拟稿", (S.WITHDRAWN,), "catalog.edit"),
}


def available_transitions(item: Item, user) -> list[tuple[str, Transition]]:
    return [(k, t) for k, t in TRANSITIONS.items() if item.state in t.sources and can(user, t.action, item.agency)]


def transition(item: Item, name: str, user, *, reason: str = "", secrecy_confirmed: bool = False,
               request=None, expected_version=None) -> Item:
    """Move ``item`` along the review workflow; permission-checked and audited. Raises PermissionDenied
    or ValidationError (Chinese message). ``expected_version``: the version the reviewer's page showed;
    a reviewer never approves or publishes a text changed since."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise ValidationError("未知操作。")
    with transaction.atomic():
        item = _lock(item, expected_version)
        _require(user, t.action, item.agency)
        if item.state not in t.sources:
            raise ValidationError(f"当前状态为“{item.get_state_display()}”，不能{t.label}。")
        reason = (reason or "").strip()
        if t.needs_reason and not reason:
            raise ValidationError(f"{t.label}需要填写理由。")
        before = item.state
        levels = CatalogSettings.for_agency(item.agency).review_levels
        errors: list[str] = []
        if name == "submit":
            item.state, item.reject_reason, item.level1_by = S.REVIEW1, "", None
        elif name == "approve":
            if item.state == S.REVIEW1:
                item.level1_by = user
                item.state = S.REVIEW2 if levels >= 2 else S.SECRECY
            else:
                if item.level1_by_id == user.pk:
                    raise ValidationError("二级审核应由一级审核人以外的人员办理。")
                item.state = S.SECRECY
            if item.state == S.SECRECY:
                _, errors = scan_item(item)
        elif name == "reject":
            item.state, item.reject_reason, item.secrecy_confirmed = S.DRAFT, reason, False
        elif name == "publish":
            # The files may have changed since the last scan. An unreadable one is an open hit below,
            # which a reviewer clears after checking the file by hand.
            _, errors = scan_item(item)
            n_open = open_hits(item).count()
            if n_open:
                raise ValidationError(f"隐私检查发现 {n_open} 处个人信息尚未处理，请逐项脱敏或确认可公开后再发布"
                                      "（《条例》第十五条、第十七条）。")
            if not secrecy_confirmed:
                raise ValidationError("请确认已完成保密审查：不涉及国家秘密，不含应保护的个人隐私和商业秘密"
                                      "（《条例》第十七条）。")
            item.state, item.secrecy_confirmed = S.PUBLISHED, True
            item.published_at = timezone.now()
            item.date_published = timezone.localdate()
        elif name == "withdraw":
            item.state, item.withdraw_reason = S.WITHDRAWN, reason
        elif name == "reopen":
            item.state, item.secrecy_confirmed = S.DRAFT, False
        item.version += 1
        item.save()
        data = {"from": before, "to": item.state}
        if reason:
            data["reason"] = reason
        if errors:
            data["unreadable"] = errors
        audit.record(actor=user, action=f"catalog.{name}", agency=item.agency, target=item,
                     summary=f"{t.label}：{item.index_number} {item.title}", data=data, request=request)
    return item


# -- periodic sweep --------------------------------------------------------------------------------------

def sweep(agency=None, user=None) -> SweepReport:
    """Re-scan every published item (of ``agency`` or all) and record the hits in a SweepReport.
    Hits in published items stay on the privacy page until redacted, cleared or the item is withdrawn."""
    report = SweepReport.objects.create(agency=agency, started_at=timezone.now())
    qs = Item.objects.published().select_related("agency")
    if agency is not None:
        qs = qs.filter(agency=agency)
    scanned = atts = new = 0
    errors: list[str] = []
    for item in qs.annotate(n_attachments=Count("attachments")).iterator(chunk_size=500):
        with transaction.atomic():
            n, errs = scan_item(item, sweep=report)
        new += n
        errors += errs
        scanned += 1
        atts += item.n_attachments
    report.items_scanned, report.attachments_scanned, report.new_hits = scanned, atts, new
    report.hits_found = PrivacyHit.objects.filter(
        item__in=qs, status=PrivacyHit.Status.OPEN).count()
    report.errors = errors
    report.finished_at = timezone.now()
    report.save()
    audit.record(actor=user, action="catalog.sweep", agency=agency, target=report,
                 summary=f"隐私巡检：检查已发布信息 {scanned} 条，未处理问题 {report.hits_found} 处，新发现 {new} 处")
    return report


# -- annual report link (table 二, narrative) ---------------------------------------------------------

def table2(agency, year: int) -> dict[str, dict[str, int]]:
    """Rows ``regulations`` and ``normative_documents`` of Report.proactive for ``year``, keyed by the
    columns of the layout in force (gongkai.report.layouts): 2021 layout issued / repealed / in_force,
    2019 layout made / published / total_published. Counts published catalogue items only."""
    return table2_by_agency([agency.pk], year)[agency.pk]


TABLE2_KINDS = {"regulations": Item.DocKind.REGULATION, "normative_documents": Item.DocKind.NORMATIVE}


def _table2_filters(year: int) -> dict[str, Q]:
    """What each column of table 二 (1) counts among published regulations / normative documents."""
    end = date(year, 12, 31)
    not_ended = Q(validity=Item.Validity.VALID) | Q(validity_date__isnull=True) | Q(validity_date__gt=end)
    return {
        "issued": Q(issued_on__year=year),
        "repealed": Q(validity=Item.Validity.REPEALED, validity_date__year=year),
        "in_force": Q(issued_on__lte=end) & not_ended,
        "made": Q(issued_on__year=year),
        "published": Q(date_published__year=year),
        "total_published": Q(date_published__lte=end),
    }


def table2_by_agency(agency_ids, year: int) -> dict[int, dict[str, dict[str, int]]]:
    """``table2`` for many agencies in one GROUP BY query (supervision totals): {agency id: rows}."""
    layout = LAYOUTS[layout_for_year(year)]
    kinds = TABLE2_KINDS
    filters = _table2_filters(year)
    ids = list(agency_ids)
    wanted = {c.key for c in layout.proactive_row("regulations").columns}  # only the layout's columns
    rows = {(r["agency_id"], r["doc_kind"]): r for r in Item.objects.published()
            .filter(agency_id__in=ids, doc_kind__in=kinds.values()).values("agency_id", "doc_kind")
            .annotate(**{k: Count("id", filter=f) for k, f in filters.items() if k in wanted}).order_by()}
    out: dict[int, dict[str, dict[str, int]]] = {}
    for pk in ids:
        out[pk] = {}
        for key, kind in kinds.items():
            values = rows.get((pk, kind), {})
            out[pk][key] = {c.key: values.get(c.key, 0) for c in layout.proactive_row(key).columns}
    return out


def table2_items(agency, year: int, row: str, column: str):
    """The published items behind one cell of ``table2`` (the annual report's drill-down): the same
    filters as the count, so the list and the number always agree. Unknown row or column → none."""
    filters = _table2_filters(year)
    if row not in TABLE2_KINDS or column not in filters:
        return Item.objects.none()
    return (Item.objects.published().filter(agency=agency, doc_kind=TABLE2_KINDS[row]).filter(filters[column])
            .order_by("-issued_on", "-id"))


def category_counts(agency, year: int, include_empty: bool = False) -> list[tuple[str, int]]:
    """(root category name, items published in ``year``) in catalogue order; sub-categories count
    towards their root. Empty categories are left out unless ``include_empty``."""
    roots = root_of(agency)
    per_cat = dict(Item.objects.published().filter(agency=agency, date_published__year=year)
                   .values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    totals: dict[int, int] = {}
    for cat_id, n in per_cat.items():
        root = roots.get(cat_id)
        if root is not None:
            totals[root.pk] = totals.get(root.pk, 0) + n
    out = []
    for cat, depth in category_tree(agency):
        if depth == 0 and (totals.get(cat.pk) or include_empty):
            out.append((cat.name, totals.get(cat.pk, 0)))
    return out


def narrative(agency, year: int) -> str:
    """The sentence of section 一（一）: "主动公开信息共计465条，包含机构职能6条、…"."""
    counts = category_counts(agency, year)
    total = sum(n for _, n in counts)
    if not counts:
        return f"{year}年主动公开信息共计0条。"
    return f"{year}年主动公开信息共计{total}条，包含" + "、".join(f"{name}{n}条" for name, n in counts) + "。"


def recompute_due() -> int:
    """Recompute the Art. 26 deadline of every item not yet published (after a calendar change)."""
    cal = current_calendar()
    changed = []
    for item in Item.objects.exclude(state__in=(S.PUBLISHED, S.WITHDRAWN)).only(
            "id", "date_made", "date_changed", "due_on", "due_provisional").iterator(chunk_size=2000):
        before = (item.due_on, item.due_provisional)
        compute_due(item, cal)
        if (item.due_on, item.due_provisional) != before:
            changed.append(item)
    Item.objects.bulk_update(changed, ["due_on", "due_provisional"], batch_size=1000)
    return len(changed)


def statistics(agencies, on: date | None = None, months: int = 12) -> dict:
    """Numbers for the workbench charts over ``agencies`` (a queryset): items published per month (last
    ``months`` months), per root category this year (one agency), and per agency when there are several.
    A fixed number of queries whatever the number of items."""
    from django.db.models.functions import TruncMonth

    from gongkai.charts import last_months, month_start  # matplotlib loads only when charts are drawn

    on = on or timezone.localdate()
    firsts = last_months(on, months)
    published = Item.objects.published().filter(agency__in=agencies)
    per_month = {month_start(m): n for m, n in
                 published.filter(date_published__gte=firsts[0]).annotate(m=TruncMonth("date_published"))
                 .values_list("m").annotate(n=Count("id")).values_list("m", "n")}
    out = {"months": [f"{d.year}-{d.month:02d}" for d in firsts], "published": [per_month.get(d, 0) for d in firsts],
           "categories": [], "per_agency": []}
    ids = list(agencies.values_list("pk", flat=True)[:2])
    if len(ids) == 1:
        out["categories"] = category_counts(agencies.get(), on.year)
    else:
        rows = (Item.objects.filter(agency__in=agencies).values("agency__name").order_by("agency__name")
                .annotate(published=Count("id", filter=Q(state=S.PUBLISHED, date_published__year=on.year)),
                          overdue=Count("id", filter=~Q(state__in=(S.PUBLISHED, S.WITHDRAWN)) & Q(due_on__lt=on))))
        out["per_agency"] = [(r["agency__name"], r["published"], r["overdue"]) for r in rows]
    return out
