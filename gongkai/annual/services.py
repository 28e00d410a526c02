"""年报体检: check uploaded annual reports, one batch per browser (store.py).

Uploaded files are read in memory and never written to disk by us; what stays is the canonical JSON of
each report and its findings, in a bounded store with expiry (``store.py``, 30 minutes).
Nothing is saved on the server: the JSON download is the user's copy, and uploading it again restores
the check. Parsing, checking and rendering are ``gongkai.report``; this module only validates uploads,
pairs two years of one agency (``previous=``) and prepares labels for the page.
"""
from __future__ import annotations

import json
import logging
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable

from django.conf import settings

from gongkai.report.checks import ERROR, WARNING, cell_label, check, table_name
from gongkai.report.errors import ReportError
from gongkai.report.model import Report
from gongkai.report.limits import open_zip
from gongkai.report.worker import OCR_TOO_LONG, parse_bytes

from . import store

logger = logging.getLogger(__name__)

# Extension → the kind of content it must have (content sniffing; see ``sniff``).
EXTENSIONS = {
    ".txt": "text", ".md": "text", ".json": "text", ".html": "text", ".htm": "text",
    ".docx": "docx", ".pdf": "pdf", ".png": "image", ".jpg": "image", ".jpeg": "image",
}
ACCEPT = ",".join(EXTENSIONS)
KIND_NAMES = {"text": "文本文件", "docx": "Word 文档（.docx）", "pdf": "PDF 文件", "zip": "ZIP 压缩包",
              "ole": "旧版 Office 文件（.doc/.xls）", "binary": "二进制文件", "image": "图片"}

# Chinese names of the check rules (``gongkai.report.checks.RULES``), for the findings list.
RULE_NAMES = {
    "balance": "勾稽关系",
    "outcome_sum": "办理结果合计",
    "row_total": "行合计",
    "appeal_total": "复议诉讼合计",
    "carry_over": "跨年度结转",
    "non_negative": "非负整数",
    "blank_cell": "空白单元格",
    "in_force_trend": "现行有效件数",
    "layout_year": "格式版本",
    "prose_numbers": "正文数字",
    "sections": "章节完整",
}
SEVERITY_NAMES = {ERROR: "错误", WARNING: "提示"}


def max_bytes() -> int:
    return int(settings.GONGKAI_REPORT_UPLOAD_MAX_BYTES)


def max_files() -> int:
    # Each PDF takes a second or two to parse and the request is synchronous: keep batches small.
    return int(settings.GONGKAI_REPORT_UPLOAD_MAX_FILES)


def session_max_bytes() -> int:
    return int(settings.GONGKAI_REPORT_SESSION_MAX_BYTES)


def stored_size(report: dict[str, Any]) -> int:
    """Bytes the report takes in the session (its canonical JSON)."""
    return len(json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def sniff(data: bytes) -> str:
    """What the bytes are, by their first bytes: pdf, docx, zip, ole, image, binary or text."""
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in head[:16]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            # Member count and directory size checked before zipfile lists anything (limits.open_zip).
            with open_zip(data) as zf:
                return "docx" if "word/document.xml" in zf.namelist() else "zip"
        except (zipfile.BadZipFile, ValueError, OSError, ReportError):
            return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return "image"
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def validate(filename: str, size: int, data: bytes | None = None) -> str | None:
    """The Chinese reason a file is refused before parsing, or None. ``data`` None: check name and size only."""
    ext = PurePath(filename or "").suffix.lower()
    if ext not in EXTENSIONS:
        shown = ext or "（无扩展名）"
        return f"不支持的文件类型 {shown}；可上传 {'、'.join(EXTENSIONS)} 文件"
    if size == 0:
        return "文件为空"
    if size > max_bytes():
        return f"文件过大（{human_size(size)}），单个文件不能超过 {human_size(max_bytes())}"
    if data is not None:
        kind = sniff(data)
        expected = EXTENSIONS[ext]
        if kind != expected:
            return (f"扩展名为 {ext}，但文件内容是“{KIND_NAMES[kind]}”，不是“{KIND_NAMES[expected]}”；"
                    "请检查文件是否损坏或扩展名是否改错")
    return None


@dataclass
class Upload:
    filename: str
    size: int
    # Returns the file's bytes; called only for a file that passed the name and size checks, one file
    # at a time, so a batch never holds every upload in memory at once.
    read: Callable[[], bytes]


NOT_A_REPORT = "不是政府信息公开工作年度报告"


def new_entry(upload: Upload, index: int, files: dict[int, bytes]) -> dict[str, Any]:
    """Validate and parse one file. Never raises for bad input: the error goes into the entry.
    A file that needs OCR (seconds a page) is not parsed in the request: its bytes go into ``files`` and
    the entry is marked ``pending`` for the background task (``parse_pending``)."""
    entry: dict[str, Any] = {"index": index, "filename": upload.filename, "size": upload.size,
                             "error": None, "report": None, "findings": [], "previous": None}
    error = validate(upload.filename, upload.size)
    if error is None:
        try:
            data = upload.read()
        except OSError:
            data = None
        error = "文件未能读取，请重新上传" if data is None else validate(upload.filename, len(data), data)
    if error is None:
        # An image is always OCR; a PDF is tried here with no OCR allowed (ocr_seconds=0): a text layer is
        # read at once, a scan stops at its first page's grant() with OCR_TOO_LONG and goes to the task.
        needs_ocr = sniff(data) == "image"
        if not needs_ocr:
            error = _parse(entry, data, ocr_seconds=0)
            needs_ocr = error == OCR_TOO_LONG
        if needs_ocr:
            files[index], entry["pending"], error = data, {"done": 0, "total": 0}, None
    entry["error"] = error
    return entry


def _parse(entry: dict[str, Any], data: bytes, ocr_seconds: int, progress=None) -> str | None:
    """Parse ``data`` into ``entry["report"]``; the Chinese error, or None."""
    try:
        # In a bounded child process: a hostile file costs that process, never this one's memory.
        entry["report"] = parse_bytes(data, entry["filename"], progress, ocr_seconds=ocr_seconds).to_dict()
    except ReportError as exc:
        if exc.message == OCR_TOO_LONG:
            return OCR_TOO_LONG
        # Say the reason once: the parser's own "不是…年度报告：" would repeat the heading.
        reason = exc.message.removeprefix(f"{NOT_A_REPORT}：")
        return f"无法识别为政府信息公开工作年度报告：{reason}"
    except Exception:  # a parser bug must not stop the other files nor show a traceback
        logger.exception("parsing %r failed", entry["filename"])
        return "读取该文件时发生内部错误，未能识别；请换用其他格式（如 DOCX 或 TXT）再试"
    return None


def parse_pending(job: str) -> int:
    """The background task's work (``tasks.check_scans``): OCR each pending file of the job's batch,
    writing pages done/total into the batch after each page (the page polls ``status``), then check
    the whole batch again (a scan may be last year's report of another file). Returns files parsed."""
    token = store.job_token(job)
    batch = store.get(token) if token else None
    if batch is None:
        return 0  # expired or cleared: nobody is waiting
    done = 0
    for entry in batch["entries"]:
        if "pending" not in entry:
            continue
        data = store.take_file(token, entry["index"])
        if data is None:
            entry["error"] = "文件已过期，请重新上传"
        else:
            def progress(d: int, t: int, entry=entry) -> None:
                entry["pending"] = {"done": d, "total": t}
                store.put(token, batch)

            # No request waits for this: a long scan gets the command line's OCR allowance.
            entry["error"] = _parse(entry, data, ocr_seconds=None, progress=progress)
            done += 1
        del entry["pending"]
        store.put(token, batch)
    budget = session_max_bytes() - sum(stored_size(e["report"]) for e in batch["entries"]
                                       if e["report"] and e.get("size_checked"))
    for entry in batch["entries"]:
        if entry["report"] and not entry.get("size_checked"):
            budget = _fit(entry, budget)
    link_and_check(batch["entries"])
    store.put(token, batch)
    return done


def _fit(entry: dict[str, Any], budget: int) -> int:
    """Keep the report if it fits the rest of the batch's storage budget; returns the budget left."""
    entry["size_checked"] = True
    size = stored_size(entry["report"])
    if size > budget:
        entry["report"], entry["error"] = None, (
            f"识别出的报告内容过大（{human_size(size)}），超出在线体检可暂存的上限"
            f"（本次剩余 {human_size(budget)}，每次共 {human_size(session_max_bytes())}）；"
            "请删去报告中与年报无关的内容或分批上传")
        return budget
    return budget - size


def agency_key(name: str | None) -> str:
    return "".join((name or "").split())


def same_agency(a: str | None, b: str | None) -> bool:
    """Equal names, or one is the other with the higher level in front ("洪泽区人民政府" and
    "淮安市洪泽区人民政府": reports name the same agency both ways from one year to the next)."""
    a, b = agency_key(a), agency_key(b)
    short, long = sorted((a, b), key=len)
    return bool(short) and (a == b or len(short) >= 6 and long.endswith(short))


def link_and_check(entries: list[dict[str, Any]]) -> None:
    """Check every parsed report; one with last year's report of the same agency in the batch is
    also checked across years (carry-over, in-force documents)."""
    parsed = [e for e in entries if e["report"]]
    reports = {e["index"]: Report.from_dict(e["report"]) for e in parsed}
    for e in parsed:
        report = reports[e["index"]]
        previous = None
        if report.year:
            for other in parsed:  # the last uploaded wins when a year is uploaded twice
                r = reports[other["index"]]
                if other is not e and r.year == report.year - 1 and same_agency(r.agency, report.agency):
                    previous = other
        e["previous"] = previous["index"] if previous else None
        findings = check(report, reports[previous["index"]] if previous else None)
        e["findings"] = [f.to_dict() for f in findings]


def check_uploads(uploads: list[Upload], files: dict[int, bytes]) -> dict[str, Any]:
    """A new batch: one entry per file, in upload order; files beyond the limit are refused, not dropped silently.
    Scans are left ``pending``, their bytes put in ``files`` (see ``new_entry``)."""
    limit, budget = max_files(), session_max_bytes()
    entries = []
    for i, up in enumerate(uploads, start=1):
        if i > limit:
            entries.append({"index": i, "filename": up.filename, "size": up.size, "report": None, "findings": [],
                            "previous": None, "error": f"超出单次上传数量上限（{limit} 个文件），未处理；请分批上传"})
            continue
        entry = new_entry(up, i, files)
        if entry["report"]:
            # The batch is kept for the downloads (store.py): a report with megabytes of prose is refused.
            budget = _fit(entry, budget)
        entries.append(entry)
    link_and_check(entries)
    return {"batch": secrets.token_hex(6), "entries": entries}


def pending(batch: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Progress of the batch's files still being read: index, pages done and total (for the status JSON)."""
    return [{"index": e["index"], **e["pending"]} for e in (batch or {}).get("entries", []) if "pending" in e]


# -- for the page ----------------------------------------------------------------------------------
def describe_cell(report: Report, key: str) -> str:
    """'applications.total_processed.total' → '表三 “（七）总计”“总计”'."""
    try:
        return f"{table_name(key.split('.')[0])} {cell_label(report, key)}"
    except (KeyError, ValueError, StopIteration):
        return key  # a key outside the layout: show it rather than hide the finding


def download_name(report: Report, fmt: str) -> str:
    agency = (report.agency or "").strip() or "未知机关"
    year = f"{report.year}年" if report.year else ""
    name = f"{agency}{year}政府信息公开工作年度报告"
    name = "".join(ch for ch in name if ch not in '\\/:*?"<>|\r\n\t')
    return f"{name}.{fmt}"
