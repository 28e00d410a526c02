"""Audit many annual reports at once: parse and check every file, then the cross-year rules.

    run_audit(paths, out, progress=sys.stderr) -> AuditSummary

Files are parsed in worker processes (one per core), submitted in a bounded window so memory stays flat
for 10,000 files. Each worker is bounded like ``gongkai.report.worker``: its address space is capped, and
each file gets a CPU-time and a wall-clock budget (kernel signals whose default action ends the worker), so
a hostile file costs at most one worker, which is replaced, and is reported as "文件过大或过于复杂". A worker
returns a small dict (counts, findings, the few cells the cross-year rules
need), never a Report. Findings are spooled to a temporary file, so only one summary row per file stays in
memory. The output (.xlsx via openpyxl write-only, or one standalone .html) is written atomically.
"""
from __future__ import annotations

import gc
import html
import json
import os
import resource
import signal
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from .checks import ERROR, WARNING, check, check_cross_year
from .errors import ReportError, os_reason
from .limits import TOO_COMPLEX
from .model import Report
from .worker import limits, lower_limit

REPORT_EXTENSIONS = (".txt", ".html", ".htm", ".docx", ".pdf", ".md", ".json")
SUMMARY_HEADER = ("文件", "机关", "年度", "版式", "解析成功", "错误数", "警告数", "说明")
FINDING_HEADER = ("文件", "规则", "级别", "单元格", "说明")
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}
# Files one pool of worker processes handles before it is replaced (keeps worker memory flat).
FILES_PER_POOL = 200
# The cells the cross-year rules read (carry_over, in_force_trend): all a worker sends back of a report.
CROSS_YEAR_ROWS = ("applications.carried_over", "applications.carried_forward",
                   "proactive.regulations", "proactive.normative_documents")


@dataclass
class AuditSummary:
    files: int = 0
    parsed: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0
    missing: tuple[str, ...] = ()


# -- output files ----------------------------------------------------------------------------------
@contextmanager
def atomic_output(path: str | Path) -> Iterator[str]:
    """Yield a temporary path next to ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    except OSError as exc:
        raise ReportError(f"无法写入输出文件 {path}：{os_reason(exc)}") from None
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportError(f"无法写入输出文件 {path}：{os_reason(exc)}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path: str | Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


# -- input files -----------------------------------------------------------------------------------
def collect_files(paths: list[str], exclude: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(report-like files under ``paths`` in a stable order, paths that do not exist).

    A file named explicitly is taken whatever its extension; inside folders only report-like ones.
    """
    skip = {os.path.realpath(p) for p in exclude}
    found: list[str] = []
    missing: list[str] = []
    for p in paths:
        if os.path.isfile(p):
            found.append(p)
        elif os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith((".", "~$")) or not name.lower().endswith(REPORT_EXTENSIONS):
                        continue
                    full = os.path.join(root, name)
                    if os.path.realpath(full) not in skip:
                        found.append(full)
        else:
            missing.append(p)
    return found, missing


# -- one file (runs in a worker process) -----------------------------------------------------------
_worker_ready = False


def bound_worker() -> None:
    """Pool initializer: cap the worker's address space and forbid core files (see ``worker.limits``)."""
    memory, _, _ = limits()
    lower_limit(resource.RLIMIT_CORE, 0, 0)
    lower_limit(resource.RLIMIT_AS, memory, memory)


@contextmanager
def _file_budget() -> Iterator[None]:
    """CPU seconds and wall-clock seconds for one file. No handler is installed for SIGXCPU or SIGALRM:
    their default action ends the worker even inside C code, and the pool reports the file as too complex."""
    _, cpu, wall = limits()
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    limit = int(used.ru_utime + used.ru_stime) + cpu + 1
    resource.setrlimit(resource.RLIMIT_CPU, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.alarm(wall)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def audit_file(path: str) -> dict:
    """Parse and check one file; a small picklable dict, never an exception."""
    global _worker_ready
    if not _worker_ready:
        # Objects inherited from the parent live as long as the worker: keep them out of every
        # collection below, so collecting after each file stays cheap.
        gc.freeze()
        _worker_ready = True
    try:
        with _file_budget():
            return _audit_file(path)
    finally:
        # python-docx/lxml documents are reference cycles holding much C memory that the collector's
        # thresholds do not see; without this a worker grows by ~0.25 MB per DOCX file.
        gc.collect()


def _audit_file(path: str) -> dict:
    from .parsers import parse_file

    try:
        report = parse_file(path)
        findings = check(report)
    except ReportError as exc:
        return {"file": path, "ok": False, "reason": exc.message}
    except OSError as exc:
        return {"file": path, "ok": False, "reason": f"无法读取文件：{os_reason(exc)}"}
    except MemoryError:
        return {"file": path, "ok": False, "reason": TOO_COMPLEX}
    except Exception as exc:  # a parser bug must not stop 10,000 other files
        return {"file": path, "ok": False, "reason": f"无法读取为年度报告：{type(exc).__name__}: {exc}"}
    cross = {}
    for row in CROSS_YEAR_ROWS:
        table, key = row.split(".")
        cross[row] = dict(getattr(report, table).get(key, {}))
    return {
        "file": path, "ok": True, "agency": report.agency, "year": report.year, "layout": report.layout,
        "other_collapsed": report.other_collapsed, "findings": [f.to_dict() for f in findings], "cross": cross,
    }


# Names agree on at least this many trailing characters before one may be a longer form of the other.
AGENCY_SUFFIX = 6


def _previous(agency_years: dict, by_suffix: dict, agency: str, year: int) -> dict | None:
    """Last year's entry of the same agency: the same name, or else the one name that is a longer or
    shorter form of it ("洪泽区人民政府" / "淮安市洪泽区人民政府"), never a guess among several."""
    exact = agency_years.get((agency, year - 1))
    if exact or len(agency) < AGENCY_SUFFIX:
        return exact
    names = [a for a in by_suffix.get((agency[-AGENCY_SUFFIX:], year - 1), [])
             if a.endswith(agency) or agency.endswith(a)]
    return agency_years[(names[0], year - 1)] if len(names) == 1 else None


def _cross_report(entry: dict) -> Report:
    """The few rows the cross-year rules need, as a Report (so the rules stay in one place)."""
    report = Report(layout=entry["layout"], year=entry["year"], agency=entry["agency"])
    if entry["other_collapsed"]:
        report.applications["other"] = {}
    for row, values in entry["cross"].items():
        table, key = row.split(".")
        getattr(report, table)[key] = dict(values)
    return report


# -- the run ---------------------------------------------------------------------------------------
class Progress:
    """A bar on a terminal; otherwise a plain "已处理 n/N" line now and then (logs stay short)."""

    def __init__(self, total: int, stream: IO[str] | None):
        self.total, self.stream, self.done = total, stream, 0
        self.tty = bool(stream) and hasattr(stream, "isatty") and stream.isatty()
        self.step = max(1, total // 20)
        self.last = 0.0

    def advance(self, failed: int = 0) -> None:
        self.done += 1
        errors = f"，无法读取 {failed} 个" if failed else ""
        if not self.stream:
            return
        if self.tty:
            now = time.monotonic()
            if now - self.last > 0.1 or self.done == self.total:
                self.last = now
                width = 30
                filled = width * self.done // max(1, self.total)
                self.stream.write(f"\r已处理 [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}{errors}")
                if self.done == self.total:
                    self.stream.write("\n")
                self.stream.flush()
        elif self.done % self.step == 0 or self.done == self.total:
            self.stream.write(f"已处理 {self.done}/{self.total}{errors}\n")
            self.stream.flush()


def _results(files: list[str], workers: int) -> Iterator[dict]:
    """audit_file over ``files`` in order, at most ``4 × workers`` tasks in flight (imap-like).

    Workers are replaced every FILES_PER_POOL files: PDF and DOCX libraries keep caches that would
    otherwise make a long-lived worker grow over 10,000 files.
    """
    window_size = 4 * workers
    pending = iter(files)
    exhausted = False
    while not exhausted:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=bound_worker)
        window: deque = deque()
        submitted = 0
        try:
            while True:
                while len(window) < window_size and submitted < FILES_PER_POOL and not exhausted:
                    path = next(pending, None)
                    if path is None:
                        exhausted = True
                        break
                    window.append((path, executor.submit(audit_file, path)))
                    submitted += 1
                if not window:
                    break
                path, future = window.popleft()
                try:
                    result = future.result()
                except BrokenProcessPool:
                    # A worker died (e.g. out of memory) and took every unfinished task with it: retry
                    # this file alone to learn whether it is the culprit, then go on in a fresh pool.
                    executor.shutdown(wait=False, cancel_futures=True)
                    result = _audit_alone(path)
                    executor = ProcessPoolExecutor(max_workers=workers, initializer=bound_worker)
                    retry = [p for p, _ in window]
                    window.clear()
                    for p in retry:
                        window.append((p, executor.submit(audit_file, p)))
                yield result
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def _audit_alone(path: str) -> dict:
    with ProcessPoolExecutor(max_workers=1, initializer=bound_worker) as solo:
        try:
            return solo.submit(audit_file, path).result()
        except BrokenProcessPool:  # killed by a limit (or crashed) on this file alone
            return {"file": path, "ok": False, "reason": TOO_COMPLEX}


def run_audit(paths: list[str], out: str | Path, progress: IO[str] | None = sys.stderr,
              workers: int | None = None) -> AuditSummary:
    """Audit every report under ``paths`` and write ``out`` (.xlsx or .html). ReportError: nothing to do."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "html", "htm"):
        raise ReportError(f"输出文件应以 .xlsx 或 .html 结尾：{out}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise ReportError(f"无法写入输出文件 {out}：所在文件夹不存在或没有写权限")
    files, missing = collect_files(paths, exclude=(str(out),))
    if missing and not files and len(missing) == len(paths):
        raise ReportError("找不到要审查的文件或文件夹：" + "、".join(missing))
    summary = AuditSummary(files=len(files), missing=tuple(missing))
    rows: list[list] = []
    index: dict[str, int] = {}
    agency_years: dict[tuple[str, int], dict] = {}
    bar = Progress(len(files), progress)
    from . import parsers  # noqa: F401 - imported once here, shared by every forked worker

    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        def spill(file: str, f: dict) -> None:
            rows[index[file]][5 if f["severity"] == ERROR else 6] += 1
            spool.write(json.dumps([file, f["rule"], SEVERITY_LABELS[f["severity"]], ", ".join(f["cells"]), f["message"]],
                                   ensure_ascii=False) + "\n")

        for res in _results(files, workers or os.cpu_count() or 1):
            index[res["file"]] = len(rows)
            if not res["ok"]:
                summary.failed += 1
                rows.append([res["file"], "", "", "", "否", 0, 0, res["reason"]])
                if progress:
                    progress.write(f"\n无法读取 {res['file']}：{res['reason']}\n" if bar.tty else
                                   f"无法读取 {res['file']}：{res['reason']}\n")
            else:
                summary.parsed += 1
                rows.append([res["file"], res["agency"] or "", res["year"] or "", f"{res['layout']}年版", "是", 0, 0, ""])
                for f in res["findings"]:
                    spill(res["file"], f)
                if res["agency"] and res["year"]:
                    # First file wins for an agency-year (the same report in several formats).
                    agency_years.setdefault((res["agency"].strip(), res["year"]), {
                        k: res[k] for k in ("file", "agency", "year", "layout", "other_collapsed", "cross")})
            bar.advance(summary.failed)

        # Cross-year rules where the same agency appears in consecutive years.
        by_suffix: dict[tuple[str, int], list[str]] = {}
        for agency, year in agency_years:
            by_suffix.setdefault((agency[-AGENCY_SUFFIX:], year), []).append(agency)
        for (agency, year), entry in sorted(agency_years.items()):
            prev = _previous(agency_years, by_suffix, agency, year)
            if prev:
                for f in check_cross_year(_cross_report(entry), _cross_report(prev)):
                    d = f.to_dict()
                    d["message"] += f"（上年报告：{prev['file']}）"
                    spill(entry["file"], d)
        summary.errors = sum(r[5] for r in rows)
        summary.warnings = sum(r[6] for r in rows)
        spool.seek(0)
        findings = (json.loads(line) for line in spool)
        with atomic_output(out) as tmp:
            if fmt == "xlsx":
                _write_xlsx(tmp, rows, findings)
            else:
                _write_html(tmp, rows, findings, summary)
    return summary


def _write_xlsx(path: str, rows: list[list], findings: Iterator[list]) -> None:
    from openpyxl import Workbook

    from .render.spreadsheet import text_row

    # File names and agency names come from the audited files: text, never formulas (render/spreadsheet.py).
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    ws.append(SUMMARY_HEADER)
    for row in rows:
        ws.append(text_row(ws, row))
    ws = wb.create_sheet("问题")
    ws.append(FINDING_HEADER)
    for f in findings:
        ws.append(text_row(ws, f))
    wb.save(path)


_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em;font-size:14px}th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eee}tr.fail td{background:#fdecea}td.n{text-align:right}"""


def _write_html(path: str, rows: list[list], findings: Iterator[list], summary: AuditSummary) -> None:
    e = html.escape
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>年度报告审查结果</title>'
                 f"<style>{_CSS}</style></head><body>\n<h1>年度报告审查结果</h1>\n")
        fh.write(f"<p>共 {summary.files} 个文件，解析成功 {summary.parsed} 个，无法读取 {summary.failed} 个；"
                 f"错误 {summary.errors} 条，警告 {summary.warnings} 条。</p>\n")
        fh.write('<h2>汇总</h2>\n<table id="summary"><thead><tr>' + "".join(f"<th>{h}</th>" for h in SUMMARY_HEADER)
                 + "</tr></thead><tbody>\n")
        for r in rows:
            cls = ' class="fail"' if r[4] == "否" else ""
            cells = "".join(f'<td class="n">{e(str(v))}</td>' if i in (2, 5, 6) else f"<td>{e(str(v))}</td>"
                            for i, v in enumerate(r))
            fh.write(f"<tr{cls}>{cells}</tr>\n")
        fh.write('</tbody></table>\n<h2>问题</h2>\n<table id="findings"><thead><tr>'
                 + "".join(f"<th>{h}</th>" for h in FINDING_HEADER) + "</tr></thead><tbody>\n")
        for f in findings:
            fh.write("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in f) + "</tr>\n")
        fh.write("</tbody></table>\n</body></html>\n")
