"""Parse untrusted files in a bounded child process, never in the calling (web or CLI) process.

    run(func, *args) -> func(*args), computed in a child with limits
    parse_bytes(data, filename) -> Report;  parse_file(path) -> Report

The child is forked from a small fork server (``multiprocessing`` "forkserver", the parsers preloaded
once), so it starts in milliseconds, shares nothing with the caller's threads, and gives back all its
memory when it exits. Before it runs ``func`` it lowers its own limits: address space (RLIMIT_AS), CPU
seconds (RLIMIT_CPU, the kernel kills it past the hard limit) and no core files; the caller waits a
wall-clock time at most and then kills it. A child that dies, runs out of memory or time becomes one
Chinese line, ``ReportError(TOO_COMPLEX)``; exceptions ``func`` raises (``ReportError`` and the like)
come back as they were. Limits can be tuned with GONGKAI_PARSE_MEMORY_MB, GONGKAI_PARSE_CPU_SECONDS,
GONGKAI_PARSE_WALL_SECONDS and GONGKAI_PARSE_CONCURRENCY. Pure Python: no Django here.

Long work reports itself: the child sends ``progress(done, total)`` messages that the caller's callback
receives, and OCR (seconds a page) asks for more time page by page with ``grant(cpu, wall)``: the soft
CPU limit rises within a hard ceiling (GONGKAI_PARSE_OCR_SECONDS) and the caller's wall clock moves with
it, so a scanned report is read while a text file that spins still stops at the base limits.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading
import time
from typing import Any, Callable

from .errors import ReportError
from .limits import TOO_COMPLEX
from .model import Report

MEMORY_MB = 1024
CPU_SECONDS = 20
WALL_SECONDS = 25
# The most CPU seconds that grant() may add to one child (OCR of a scanned report, 40 pages at most).
OCR_SECONDS = 900
# The OCR engine (onnxruntime, OpenCV) reserves address space for its thread pools and arenas: an OCR'd
# image may use this much more address space than other parsing (resident memory stays far lower).
OCR_MEMORY_MB = 1024
# Loaded once in the fork server, so that each child starts with them imported (third-party and pure).
PRELOAD = ["gongkai.report.parsers", "gongkai.report.parsers.docx", "gongkai.report.parsers.html",
           "gongkai.report.parsers.xlsx", "gongkai.report.parsers.pdf", "gongkai.report.checks",
           "gongkai.report.parsers.pdfium", "openpyxl", "docx", "pypdfium2",
           "lxml.etree"]
_channel = None  # in a child: the pipe to the caller, for progress and grant messages
_grant_left: int | None = None  # in a child: CPU seconds grant() may still give (None: the ceiling only)
OCR_TOO_LONG = ("这是扫描件或图片，需要文字识别的页数超过此处允许的时长；请用命令行 "
                "gongkai report parse 读取（逐页识别，不受此限）")

_lock = threading.Lock()
_context = None
_semaphore = None


def _env(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def limits() -> tuple[int, int, int]:
    """(address space in bytes, CPU seconds, wall-clock seconds) for one child."""
    return (_env("GONGKAI_PARSE_MEMORY_MB", MEMORY_MB) * 1024 * 1024, _env("GONGKAI_PARSE_CPU_SECONDS", CPU_SECONDS),
            _env("GONGKAI_PARSE_WALL_SECONDS", WALL_SECONDS))


def _ctx():
    global _context
    with _lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def lower_limit(kind: int, soft: int, hard: int) -> None:
    """Set a resource limit no higher than the one this process already has (raising it would fail)."""
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def grant(cpu: int, wall: int) -> None:
    """In a child: ``cpu`` more CPU seconds (within the hard ceiling) and ``wall`` more seconds of the
    caller's patience, for a step known to be slow (one OCR page). Elsewhere: nothing to do."""
    global _grant_left
    if _channel is None:
        return
    if _grant_left is not None:
        if cpu > _grant_left:
            raise ReportError(OCR_TOO_LONG)
        _grant_left -= cpu
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft != resource.RLIM_INFINITY and hard != resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft + cpu, hard - 1), hard))
    _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard_as, hard_as))  # the OCR engine's reservations
    _channel.send(("grant", wall))


def send_progress(done: int, total: int) -> None:
    """A ``progress`` callback for parsers running in a child: forwarded to the caller's callback."""
    if _channel is not None:
        _channel.send(("progress", (done, total)))


def _child(conn, func: Callable, args: tuple, memory: int, cpu: int, grant_cap: int | None = None) -> None:
    global _channel, _grant_left
    _channel, _grant_left = conn, grant_cap
    try:
        lower_limit(resource.RLIMIT_CORE, 0, 0)
        lower_limit(resource.RLIMIT_AS, memory, memory + _env("GONGKAI_PARSE_OCR_MEMORY_MB", OCR_MEMORY_MB) * 2**20)
        # SIGXCPU at the soft limit; grant() may raise it up to the hard ceiling for OCR pages.
        ceiling = cpu + _env("GONGKAI_PARSE_OCR_SECONDS", OCR_SECONDS)
        lower_limit(resource.RLIMIT_CPU, cpu, ceiling)
        try:
            message = ("ok", func(*args))
        except MemoryError:
            message = ("limit", None)
        except Exception as exc:
            message = ("raise", exc)
        try:
            conn.send(message)
        except MemoryError:
            conn.send(("limit", None))
        except Exception as exc:  # an exception or result that does not pickle
            conn.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def _slots() -> threading.BoundedSemaphore:
    global _semaphore
    with _lock:
        if _semaphore is None:
            _semaphore = threading.BoundedSemaphore(_env("GONGKAI_PARSE_CONCURRENCY", os.cpu_count() or 1))
        return _semaphore


def run(func: Callable, *args: Any, progress: Callable[[int, int], None] | None = None,
        grant_cap: int | None = None) -> Any:
    """``func(*args)`` in a bounded child process. ``func`` must be a module-level function and its
    arguments and result picklable. Raises ReportError(TOO_COMPLEX) when a limit stopped the child.

    At most GONGKAI_PARSE_CONCURRENCY children (default: one per core) run at once per process, so the
    memory all of them may take is bounded too; a caller waits for a slot at most the wall-clock limit."""
    memory, cpu, wall = limits()
    slots = _slots()
    if not slots.acquire(timeout=wall):
        raise ReportError("服务器正忙：同时解析的文件过多，请稍后再试")
    try:
        return _run(func, args, memory, cpu, wall, progress, grant_cap)
    finally:
        slots.release()


def _run(func: Callable, args: tuple, memory: int, cpu: int, wall: int, progress=None, grant_cap=None) -> Any:
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, func, args, memory, cpu, grant_cap), name="gongkai-parse")
    try:
        proc.start()
    except OSError as exc:  # no process could be started (out of processes/memory)
        receiver.close()
        sender.close()
        raise ReportError(f"暂时无法解析文件（无法启动解析进程：{exc.strerror or exc}），请稍后再试") from None
    sender.close()
    deadline = time.monotonic() + wall
    try:
        while True:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                raise ReportError(TOO_COMPLEX)
            try:
                status, value = receiver.recv()
            except (EOFError, OSError):  # the child died: killed by a limit, or crashed
                raise ReportError(TOO_COMPLEX) from None
            if status == "grant":  # a slow step (OCR page) announced itself: wait that much longer
                deadline += min(max(int(value), 0), 600)
            elif status == "progress":
                if progress is not None:
                    progress(*value)
            else:
                break
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
        proc.close()
    if status == "ok":
        return value
    if status == "limit":
        raise ReportError(TOO_COMPLEX)
    raise value


# -- parsing --------------------------------------------------------------------------------------------
def _parse_bytes(data: bytes, filename: str | None, with_progress: bool = False) -> Report:
    from .parsers import parse_bytes

    return parse_bytes(data, filename, send_progress if with_progress else None)


def _parse_file(path: str, with_progress: bool = False) -> Report:
    from .parsers import parse_file

    return parse_file(path, send_progress if with_progress else None)


def parse_bytes(data: bytes, filename: str | None = None, progress=None, ocr_seconds: int | None = None) -> Report:
    """``parsers.parse_bytes`` in a bounded child; ``progress(done, total)`` is called here, per page.
    ``ocr_seconds`` caps the CPU time OCR pages may be granted (a web request cannot wait for a long scan)."""
    return run(_parse_bytes, data, filename, progress is not None, progress=progress, grant_cap=ocr_seconds)


def parse_file(path: str | os.PathLike, progress=None) -> Report:
    """``parsers.parse_file`` in a bounded child; standard input (``"-"``) is read here, with its cap."""
    if str(path) == "-":
        from .parsers import read_stdin

        return parse_bytes(read_stdin(sys.stdin.buffer), None, progress)
    return run(_parse_file, os.fspath(path), progress is not None, progress=progress)
