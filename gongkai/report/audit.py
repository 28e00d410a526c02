"""Audit many annual reports at once: parse and check every file, then the cross-year rules.

    run_audit(paths, out, progress=sys.stderr) -> AuditSummary

Files are parsed in worker processes (one per core), largest first, so that a long PDF never runs alone at
the end. Each worker holds at most two files (the one it parses and the next), so every core stays busy
and at most 2 × workers files are in flight whatever their number. Each worker is bounded like
``gongkai.report.worker``: its address space is capped, and each file gets a CPU-time and a wall-clock
budget (kernel signals whose default action ends the worker), so a hostile file costs one worker, which is
replaced, and only that file is reported as "文件过大或过于复杂". Workers are replaced one at a time after
200 files (library caches). A worker returns a small dict (counts, findings, the few cells the
cross-year rules need), never a Report. Results go to a temporary SQLite file as they arrive, so the
caller's memory stays flat; the cross-year rules and the output read it back, in input order. The output
(.xlsx via openpyxl write-only, or one standalone .html) is written atomically.
"""
from __future__ import annotations

import gc
import html
import importlib
import json
import multiprocessing
import os
import resource
import signal
import sqlite3
import sys
import tempfile
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
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


# A worker holds at most this many files: one it parses and one waiting, so it never waits for the caller.
DEPTH = 2
# Files one worker process reads before it is replaced (PDF and DOCX libraries keep caches that would
# otherwise make a long-lived worker grow over 10,000 files). Replaced one at a time: the others go on.
FILES_PER_WORKER = 200


def _serve(conn) -> None:
    """Worker loop: (index, path) in, (index, result) out, until None or the caller goes away."""
    bound_worker()
    try:  # end with the caller however it ends (its pipe's other end lives on in sibling workers)
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            conn.send((task[0], audit_file(task[1])))
    except (EOFError, OSError, KeyboardInterrupt):
        return


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.tasks: deque[tuple[int, str]] = deque()  # sent, not answered yet (the first is being parsed)
        self.sent = 0
        self.retiring = False  # told to exit after the files it holds
        self.broken = False  # a send failed: it has died, its pipe will say so
        self.answered = False

    def send(self, task: tuple[int, str] | None) -> bool:
        try:
            self.conn.send(task)
        except OSError:  # it died: the caller learns it from the pipe's end
            return False
        if task is not None:
            self.tasks.append(task)
            self.sent += 1
        return True

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _results(files: list[str], order: list[int], workers: int, depth: int = DEPTH,
             files_per_worker: int = FILES_PER_WORKER) -> Iterator[tuple[int, dict]]:
    """(index into ``files``, audit_file result) for every file, as they finish, taking files in ``order``.

    Each of ``workers`` processes holds at most ``depth`` files, so at most ``workers × depth`` are in
    flight and every worker always has the next file at hand. A worker that dies (its per-file CPU or
    wall-clock budget, out of memory) fails only the file it was parsing: the file it held next goes back
    to the queue and a new worker takes its place.
    """
    ctx = multiprocessing.get_context("fork")  # workers inherit the imported parsers
    pending = deque(order)
    workers = max(1, workers)
    pool: list[_Worker] = []
    stillborn = 0
    try:
        while True:
            active = [w for w in pool if not w.retiring and not w.broken]
            while len(active) < workers and len(pending) > sum(depth - len(w.tasks) for w in active):
                active.append(_Worker(ctx))
                pool.append(active[-1])
            # Files held by retiring workers count too: never more than workers × depth in flight.
            room = workers * depth - sum(len(w.tasks) for w in pool)
            while room > 0 and pending:
                ready = [w for w in active if len(w.tasks) < depth and not w.retiring and not w.broken]
                if not ready:
                    break
                w = min(ready, key=lambda w: len(w.tasks))  # the least busy first
                idx = pending.popleft()
                if not w.send((idx, files[idx])):
                    pending.appendleft(idx)
                    w.broken = True
                    continue
                room -= 1
                if w.sent >= files_per_worker:
                    w.retiring = True
                    w.broken = not w.send(None)
            waiting = {w.conn: w for w in pool if w.tasks or w.retiring or w.broken}
            if not waiting:
                break  # nothing in flight and nothing pending
            for conn in wait(list(waiting)):
                w = waiting[conn]
                try:
                    idx, result = conn.recv()
                except (EOFError, OSError):  # the worker is gone (retired, or killed by a limit)
                    pool.remove(w)
                    w.close()
                    stillborn = stillborn + 1 if w.broken and not w.answered else 0
                    if stillborn > 3 * workers:  # workers die before reading a file: never loop for ever
                        raise ReportError("无法启动审查进程（系统资源不足？），请稍后再试")
                    if w.tasks:
                        idx, path = w.tasks.popleft()
                        pending.extendleft(reversed([i for i, _ in w.tasks]))
                        yield idx, {"file": path, "ok": False, "reason": TOO_COMPLEX}
                    continue
                w.tasks.popleft()
                w.answered = True
                yield idx, result
    finally:
        for w in pool:
            w.close()


# -- results on disk ---------------------------------------------------------------------------------
class _Store:
    """Every result as it arrives, in a temporary SQLite file: summary rows, findings and the cells of
    the cross-year rules, keyed by the file's place in the input. The caller keeps nothing per file, and
    the output is written from here in input order whatever order the files finished in."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096; BEGIN;
            CREATE TABLE rows(idx INTEGER PRIMARY KEY, file, agency, year, layout, ok, errors, warnings, reason);
            CREATE TABLE findings(idx INTEGER, file, rule, severity, cells, message);
            CREATE INDEX findings_idx ON findings(idx);
            CREATE TABLE years(agency TEXT, year INTEGER, idx INTEGER, suffix TEXT, entry TEXT,
                               PRIMARY KEY (agency, year));
            CREATE INDEX years_suffix ON years(suffix, year);
        """)

    def add(self, idx: int, res: dict) -> None:
        if not res["ok"]:
            self.db.execute("INSERT INTO rows VALUES (?,?,?,?,?,?,0,0,?)",
                            (idx, res["file"], "", "", "", "否", res["reason"]))
            return
        findings = res["findings"]
        errors = sum(f["severity"] == ERROR for f in findings)
        self.db.execute("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?)",
                        (idx, res["file"], res["agency"] or "", res["year"] or "", f"{res['layout']}年版", "是",
                         errors, len(findings) - errors, ""))
        self._findings(idx, res["file"], findings)
        if res["agency"] and res["year"]:
            agency = res["agency"].strip()
            entry = json.dumps({k: res[k] for k in ("file", "agency", "year", "layout", "other_collapsed", "cross")},
                               ensure_ascii=False)
            # First file in input order wins for an agency-year (the same report in several formats).
            self.db.execute("INSERT INTO years VALUES (?,?,?,?,?) ON CONFLICT(agency, year) DO UPDATE SET "
                            "idx=excluded.idx, entry=excluded.entry WHERE excluded.idx < years.idx",
                            (agency, res["year"], idx, agency[-AGENCY_SUFFIX:], entry))

    def _findings(self, idx: int, file: str, findings: list[dict]) -> None:
        self.db.executemany("INSERT INTO findings VALUES (?,?,?,?,?,?)", [
            (idx, file, f["rule"], SEVERITY_LABELS[f["severity"]], ", ".join(f["cells"]), f["message"])
            for f in findings])

    def cross_year(self) -> None:
        """The cross-year rules where the same agency appears in consecutive years, one agency-year at a
        time (two entries in memory)."""
        lookup = self.db.cursor()
        for agency, year, idx, entry in self.db.execute("SELECT agency, year, idx, entry FROM years "
                                                        "ORDER BY agency, year"):
            prev = self._previous(lookup, agency, year)
            if not prev:
                continue
            entry = json.loads(entry)
            found = []
            for f in check_cross_year(_cross_report(entry), _cross_report(prev)):
                d = f.to_dict()
                d["message"] += f"（上年报告：{prev['file']}）"
                found.append(d)
            if found:
                self._findings(idx, entry["file"], found)
                errors = sum(f["severity"] == ERROR for f in found)
                self.db.execute("UPDATE rows SET errors = errors + ?, warnings = warnings + ? WHERE idx = ?",
                                (errors, len(found) - errors, idx))

    def _previous(self, cur, agency: str, year: int) -> dict | None:
        """Last year's entry of the same agency: the same name, or else the one name that is a longer or
        shorter form of it ("洪泽区人民政府" / "淮安市洪泽区人民政府"), never a guess among several."""
        row = cur.execute("SELECT entry FROM years WHERE agency = ? AND year = ?", (agency, year - 1)).fetchone()
        if row or len(agency) < AGENCY_SUFFIX:
            return json.loads(row[0]) if row else None
        names = [(a, e) for a, e in cur.execute("SELECT agency, entry FROM years WHERE suffix = ? AND year = ?",
                                                (agency[-AGENCY_SUFFIX:], year - 1))
                 if a.endswith(agency) or agency.endswith(a)]
        return json.loads(names[0][1]) if len(names) == 1 else None

    def totals(self) -> tuple[int, int]:
        errors, warnings = self.db.execute("SELECT TOTAL(errors), TOTAL(warnings) FROM rows").fetchone()
        return int(errors), int(warnings)

    def rows(self) -> Iterator[list]:
        for row in self.db.execute("SELECT file, agency, year, layout, ok, errors, warnings, reason FROM rows "
                                   "ORDER BY idx"):
            yield list(row)

    def findings(self) -> Iterator[list]:
        for row in self.db.execute("SELECT file, rule, severity, cells, message FROM findings ORDER BY idx, rowid"):
            yield list(row)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def run_audit(paths: list[str], out: str | Path, progress: IO[str] | None = sys.stderr,
              workers: int | None = None) -> AuditSummary:
    """Audit every report under ``paths`` and write ``out`` (.xlsx or .html). ReportError: nothing to do.

    Files are parsed largest first (a big PDF started last would leave the other cores idle at the end);
    the output lists them in input order.
    """
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
    order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
    bar = Progress(len(files), progress)
    _preload()

    with tempfile.TemporaryDirectory(prefix="gongkai-audit-") as tmpdir:
        store = _Store(os.path.join(tmpdir, "audit.sqlite3"))
        try:
            for idx, res in _results(files, order, workers or os.cpu_count() or 1):
                store.add(idx, res)
                if res["ok"]:
                    summary.parsed += 1
                else:
                    summary.failed += 1
                    if progress:
                        progress.write(f"\n无法读取 {res['file']}：{res['reason']}\n" if bar.tty else
                                       f"无法读取 {res['file']}：{res['reason']}\n")
                bar.advance(summary.failed)
            store.cross_year()
            summary.errors, summary.warnings = store.totals()
            with atomic_output(out) as tmp:
                if fmt == "xlsx":
                    _write_xlsx(tmp, store.rows(), store.findings())
                else:
                    _write_html(tmp, store.rows(), store.findings(), summary)
        finally:
            store.db.close()
    return summary


def _preload() -> None:
    """Import every parser and its libraries once, here: forked workers start with them loaded instead
    of importing them again each time a worker is replaced."""
    from .worker import PRELOAD

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional reader; the worker reports it per file
            pass


def _write_xlsx(path: str, rows: Iterator[list], findings: Iterator[list]) -> None:
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


def _write_html(path: str, rows: Iterator[list], findings: Iterator[list], summary: AuditSummary) -> None:
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
