"""Bulk import of an existing (already published) catalogue from CSV or XLSX, and export.

All-or-nothing: every row is validated first and the errors are reported row by row (row number as in
the spreadsheet, column, reason, in Chinese); only a file without errors is written, in one
transaction, with bulk_create in batches. Idempotent: a row whose natural key (title, document number,
date made) or index number is already in the catalogue is skipped, so re-importing adds nothing twice.
Rows whose text contains personal numbers are imported into secrecy review (Art. 17), not published.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction

from gongkai.agencies import audit

from . import privacy
from .models import Category, Item, PrivacyHit
from .services import (
    _require, allocate_index_numbers, allowed_numbers, compute_due, date_problems, note_index_numbers, sanitize_body,
)
from gongkai.report.render.spreadsheet import csv_text, csv_value, text_row
from gongkai.workdays.services import current_calendar

# Column order of import templates and exports; headers are the model fields' Chinese names.
FIELDS = ("index_number", "title", "document_number", "issuer", "date_made", "date_published", "category",
          "topic", "summary", "body", "validity", "validity_date", "doc_kind", "issued_on")
REQUIRED = ("title", "date_made", "date_published", "category")
HEADERS = {f: str(Item._meta.get_field(f).verbose_name) for f in FIELDS}
STATE_HEADER = "状态"  # export only; ignored on import
MAX_LEN = {f: Item._meta.get_field(f).max_length for f in FIELDS
           if getattr(Item._meta.get_field(f), "max_length", None) and f != "category"}
VALIDITY = {label: key for key, label in Item.Validity.choices}
DOC_KINDS = {label: key for key, label in Item.DocKind.choices} | {"规范性文件": Item.DocKind.NORMATIVE, "": "other"}
BATCH = 2000
MAX_ERRORS = 5000  # beyond this the report is cut (the file is refused anyway)
MAX_XLSX_BYTES = 50 * 1024 * 1024  # read whole into memory and handed to the bounded worker


class ImportFileError(Exception):
    """The file as a whole cannot be read (message in Chinese)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        col = f"“{self.column}”列" if self.column else ""
        return f"第{self.row}行{col}：{self.reason}"


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    held: int = 0  # created in secrecy review because of privacy hits
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# -- reading -------------------------------------------------------------------------------------------

def _detect_encoding(fp) -> str:
    sample = fp.read(1 << 16)
    fp.seek(0)
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError("无法识别文件编码：CSV 文件请保存为 UTF-8 或 GB18030（GBK）编码。") from None


# Images, archives, executables, recognised by their first bytes: a PNG is the wrong kind of file, not
# a CSV in a wrong encoding. (A stray NUL inside a CSV stays a row error.)
_BINARY_MAGIC = (b"\x89PNG\r\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x1f\x8b", b"Rar!\x1a", b"7z\xbc\xaf", b"\x7fELF")


def _binary(fp) -> bool:
    sample = fp.read(16)
    fp.seek(0)
    return sample.startswith(_BINARY_MAGIC)


def read_rows(fp, filename: str) -> Iterator[tuple[int, list]]:
    """(spreadsheet row number, cell values) for every row, header included, streaming."""
    head = fp.read(8)
    fp.seek(0)
    if head.startswith(b"PK\x03\x04"):
        yield from _xlsx_rows(fp)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("文件扩展名为 .xlsx，但内容不是 Excel 工作簿。")
    elif head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")) or _binary(fp):
        raise ImportFileError("不是 CSV 或 XLSX 文件：请上传 CSV 或 XLSX（旧版 .xls 请另存为 .xlsx）。")
    else:
        yield from _csv_rows(fp)


def _csv_rows(fp):
    enc = _detect_encoding(fp)
    text = io.TextIOWrapper(fp, encoding=enc, newline="")
    try:
        for n, row in enumerate(csv.reader(text), 1):
            yield n, [csv_value(c) for c in row]  # undo the export's formula guard
    except UnicodeDecodeError:
        raise ImportFileError(f"文件中有无法按 {enc} 解码的内容，请检查文件编码。") from None
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式错误：{exc}") from None
    finally:
        text.detach()


def _xlsx_rows(fp):
    """Rows of the first sheet, read in a bounded child process (``sheets.xlsx_rows``)."""
    from gongkai.report.errors import ReportError
    from gongkai.report.worker import run

    from .sheets import xlsx_rows

    data = fp.read(MAX_XLSX_BYTES + 1)
    if len(data) > MAX_XLSX_BYTES:
        raise ImportFileError(f"文件过大：Excel 文件不能超过 {MAX_XLSX_BYTES // (1024 * 1024)} MB，可分成几个文件导入。")
    try:
        yield from run(xlsx_rows, data)
    except ReportError as exc:
        raise ImportFileError(f"无法读取 Excel 文件：{exc.message}") from None


# -- validating ------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))$")


def parse_date(value) -> date:
    """A date from a cell: a date/datetime, or 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text):
        text = text.split(" ")[0]
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(f"日期格式不正确：“{text[:20]}”，应写作 2024-03-05")
    y, mo, d = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError(f"日期不存在：“{text[:20]}”") from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Validator:
    def __init__(self, agency, existing_keys: dict[tuple, str], existing_index: set[str]):
        self.agency = agency
        self.categories = {c.name: c.pk for c in Category.objects.filter(agency=agency)}
        self.existing_keys = existing_keys  # natural key → index number
        self.existing_index = existing_index
        self.seen_keys: dict[tuple, int] = {}
        self.seen_index: dict[str, int] = {}

    def row(self, n: int, raw: dict[str, object]) -> tuple[dict | None, list[RowError], bool]:
        """(clean values or None, errors, skip because already imported)."""
        errs: list[RowError] = []

        def err(f, reason):
            errs.append(RowError(n, HEADERS.get(f, f), reason))

        v = {f: _text(raw.get(f)) for f in FIELDS}
        for f in REQUIRED:
            if not v[f]:
                err(f, "必填，不能为空")
        for f, limit in MAX_LEN.items():
            if len(v[f]) > limit:
                err(f, f"超过 {limit} 个字符")
        for f in FIELDS:
            if "\x00" in v[f]:  # PostgreSQL text cannot hold it: the write would fail half-way
                err(f, "含有空字符（NUL），请检查文件是否损坏")
        out: dict = {f: v[f] for f in ("index_number", "title", "document_number", "issuer", "topic", "summary")}
        body = v["body"]
        out["body"] = sanitize_body(body) if any(c in body for c in "<>&") else body
        for f in ("date_made", "date_published", "validity_date", "issued_on"):
            out[f] = None
            if v[f]:
                try:
                    out[f] = parse_date(raw.get(f))
                except ValueError as exc:
                    err(f, str(exc))
        if out["date_made"] and out["date_published"] and out["date_published"] < out["date_made"]:
            err("date_published", "发布日期早于成文日期")
        for f, message in date_problems(out["date_made"], validity_date=out["validity_date"],
                                        issued_on=out["issued_on"]).items():
            err(f, message.rstrip("。"))
        if v["category"]:
            out["category_id"] = self.categories.get(v["category"])
            if out["category_id"] is None:
                err("category", f"分类“{v['category'][:30]}”不存在，请先在分类管理中添加或改用已有分类")
        out["validity"] = VALIDITY.get(v["validity"] or "有效")
        if out["validity"] is None:
            err("validity", "应为“有效”“废止”或“失效”")
        elif out["validity"] != Item.Validity.VALID and not v["validity_date"]:
            err("validity_date", "废止或失效的信息必须填写废止或失效日期")
        elif out["validity"] == Item.Validity.VALID and v["validity_date"]:
            err("validity_date", "有效的信息不应填写废止或失效日期")
        out["doc_kind"] = DOC_KINDS.get(v["doc_kind"])
        if out["doc_kind"] is None:
            err("doc_kind", "应为“规章”“行政规范性文件”或“其他”（可留空）")
        elif out["doc_kind"] != Item.DocKind.OTHER and not out["issued_on"]:
            out["issued_on"] = out["date_made"]  # same rule as services.save_item
        if errs:
            return None, errs, False

        key = (out["title"], out["document_number"], out["date_made"])
        idx = out["index_number"]
        if key in self.seen_keys:
            return None, [RowError(n, "", f"与第{self.seen_keys[key]}行重复（标题、文号、成文日期均相同）")], False
        if idx and idx in self.seen_index:
            return None, [RowError(n, HEADERS["index_number"], f"索引号与第{self.seen_index[idx]}行重复")], False
        self.seen_keys[key] = n
        if idx:
            self.seen_index[idx] = n
        if key in self.existing_keys:
            if idx and self.existing_keys[key] != idx:
                return None, [RowError(n, HEADERS["index_number"],
                                       f"本机关已有相同标题、文号和成文日期的信息，但索引号为 {self.existing_keys[key]}")], False
            return None, [], True
        if idx and idx in self.existing_index:
            return None, [RowError(n, HEADERS["index_number"], "索引号已被本机关其他信息使用")], False
        return out, [], False


def _header_map(header: list) -> dict[int, str]:
    by_label = {label: f for f, label in HEADERS.items()}
    mapping = {}
    for i, h in enumerate(header):
        f = by_label.get(_text(h).lstrip("\ufeff").rstrip("*"))
        if f:
            mapping[i] = f
    return mapping


def import_catalog(agency, fp, filename: str, user, request=None) -> ImportResult:
    """Validate the whole file, then (only if there is no error) import it in one transaction."""
    _require(user, "catalog.publish", agency)
    result = ImportResult()
    rows = read_rows(fp, filename)
    first = next(rows, None)
    if first is None:
        raise ImportFileError("文件是空的。")
    mapping = _header_map(first[1])
    missing = [HEADERS[f] for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise ImportFileError(f"第1行应为表头，缺少必需的列：{'、'.join(missing)}。可先下载导入模板。")

    existing_keys: dict[tuple, str] = {}
    existing_index: set[str] = set()
    for t, dn, dm, idx in Item.objects.filter(agency=agency).values_list(
            "title", "document_number", "date_made", "index_number").iterator(chunk_size=5000):
        existing_keys[(t, dn, dm)] = idx
        existing_index.add(idx)
    other_index = None  # index numbers of other agencies are checked lazily, only for given ones
    val = _Validator(agency, existing_keys, existing_index)
    clean: list[dict] = []
    for n, cells in rows:
        if not any(_text(c) for c in cells):
            continue
        result.rows += 1
        raw = {f: cells[i] if i < len(cells) else None for i, f in mapping.items()}
        out, errs, skip = val.row(n, raw)
        if skip:
            result.skipped += 1
        elif errs:
            if len(result.errors) < MAX_ERRORS:
                result.errors.extend(errs)
            else:
                result.errors_truncated = True
        else:
            out["_row"] = n
            clean.append(out)
    if result.rows == 0:
        raise ImportFileError("文件中没有数据行。")
    given = [r["index_number"] for r in clean if r["index_number"]]
    if given:
        other_index = set()
        for i in range(0, len(given), 5000):
            other_index |= set(Item.objects.filter(index_number__in=given[i:i + 5000]).values_list(
                "index_number", flat=True))
        for r in clean:
            if r["index_number"] in other_index:
                result.errors.append(RowError(r["_row"], HEADERS["index_number"], "索引号已被其他机关的信息使用"))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    try:
        _write(agency, clean, user, result, request)
    except IntegrityError:
        raise ImportFileError("导入期间目录发生了变化（有相同的信息或索引号被同时录入），未导入任何数据，请重新导入。") from None
    return result


@transaction.atomic
def _write(agency, clean: list[dict], user, result: ImportResult, request) -> None:
    cal = current_calendar()
    allow = allowed_numbers(agency)
    note_index_numbers(agency, [r["index_number"] for r in clean if r["index_number"]])
    by_year: dict[int, list[dict]] = {}
    for r in clean:
        if not r["index_number"]:
            by_year.setdefault(r["date_made"].year, []).append(r)
    for year, rs in by_year.items():
        for r, number in zip(rs, allocate_index_numbers(agency, year, len(rs))):
            r["index_number"] = number
    held: list[tuple[Item, list]] = []
    for i in range(0, len(clean), BATCH):
        objs = []
        hits_of = []
        for r in clean[i:i + BATCH]:
            item = Item(agency=agency, index_number=r["index_number"], title=r["title"],
                        document_number=r["document_number"], issuer=r["issuer"] or agency.name,
                        date_made=r["date_made"], date_published=r["date_published"],
                        category_id=r["category_id"], topic=r["topic"], summary=r["summary"], body=r["body"],
                        validity=r["validity"], validity_date=r["validity_date"], doc_kind=r["doc_kind"],
                        issued_on=r["issued_on"], created_by=user, imported=True, secrecy_confirmed=True,
                        state=Item.State.PUBLISHED)
            compute_due(item, cal)
            found = [(f, h) for f in ("title", "summary", "body") for h in privacy.scan_text(r[f], allow)]
            if found:
                item.state, item.secrecy_confirmed = Item.State.SECRECY, False
            objs.append(item)
            hits_of.append(found)
        Item.objects.bulk_create(objs, batch_size=BATCH)
        held += [(o, f) for o, f in zip(objs, hits_of) if f]
    result.created = len(clean)
    result.held = len(held)
    if held:
        if any(o.pk is None for o, _ in held):  # backends without RETURNING: look the ids up
            ids = dict(Item.objects.filter(agency=agency, index_number__in=[o.index_number for o, _ in held])
                       .values_list("index_number", "pk"))
            for o, _ in held:
                o.pk = ids[o.index_number]
        hit_rows = {}
        for o, found in held:
            for f, h in found:
                key = (o.pk, f, h.digest)
                if key in hit_rows:
                    hit_rows[key].occurrences += 1
                else:
                    hit_rows[key] = PrivacyHit(item_id=o.pk, agency_id=agency.pk, field=f, kind=h.kind, masked=h.masked, digest=h.digest)
        PrivacyHit.objects.bulk_create(hit_rows.values(), batch_size=BATCH)
    audit.record(actor=user, action="catalog.import", agency=agency,
                 summary=f"批量导入主动公开目录：新增 {result.created} 条（其中 {result.held} 条含个人信息，转入保密审查），"
                         f"跳过已有 {result.skipped} 条",
                 data={"created": result.created, "skipped": result.skipped, "held": result.held}, request=request)


# -- export ---------------------------------------------------------------------------------------------

def export_header() -> list[str]:
    return [HEADERS[f] for f in FIELDS] + [STATE_HEADER]


def export_rows(items) -> Iterator[list[str]]:
    """Rows in the import format (plus 状态), so that an export can be re-imported unchanged."""
    validity = dict(Item.Validity.choices)
    kinds = dict(Item.DocKind.choices)
    states = dict(Item.State.choices)
    for it in items.select_related("category").iterator(chunk_size=2000):
        yield [it.index_number, it.title, it.document_number, it.issuer, _d(it.date_made), _d(it.date_published),
               it.category.name, it.topic, it.summary, it.body, validity[it.validity], _d(it.validity_date),
               kinds[it.doc_kind], _d(it.issued_on), states[it.state]]


def _d(value) -> str:
    return value.isoformat() if value else ""


class _Echo:
    def write(self, value):
        return value


def csv_lines(items) -> Iterable[str]:
    """Streaming CSV (UTF-8 with BOM, so that Excel opens the Chinese correctly); staff-typed text that
    a spreadsheet would run as a formula is marked as text (``report.render.spreadsheet``)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export_header())
    for row in export_rows(items):
        yield writer.writerow([csv_text(v) for v in row])


def xlsx_bytes(items) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("主动公开目录")
    ws.append(export_header())
    for row in export_rows(items):
        ws.append(text_row(ws, row))  # text cells, never formulas
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv() -> str:
    """An empty import template with one example row."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([HEADERS[f] + ("*" if f in REQUIRED else "") for f in FIELDS])
    w.writerow(["", "关于印发某某工作方案的通知", "临审批发〔2024〕1号", "", "2024-01-05", "2024-01-08", "业务工作",
                "", "摘要", "", "有效", "", "其他", ""])
    return "\ufeff" + buf.getvalue()
