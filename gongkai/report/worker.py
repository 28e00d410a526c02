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
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading
from typing import Any, Callable

from .errors import ReportError
from .limits import TOO_COMPLEX
from .model import Report

MEMORY_MB = 1024
CPU_SECONDS = 20
WALL_SECONDS = 25
# Loaded once in the fork server, so that each child starts with them imported (third-party and pure).
PRELOAD = ["gongkai.report.parsers", "gongkai.report.parsers.docx", "gongkai.report.parsers.html",
           "gongkai.report.parsers.xlsx", "gongkai.report.parsers.pdf", "gongkai.report.checks",
           "openpyxl", "docx", "pdfplumber", "pypdfium2", "lxml.etree"]

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


def _child(conn, func: Callable, args: tuple, memory: int, cpu: int) -> None:
    try:
        lower_limit(resource.RLIMIT_CORE, 0, 0)
        lower_limit(resource.RLIMIT_AS, memory, memory)
        lower_limit(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU at the soft limit, SIGKILL at the hard one
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


def run(func: Callable, *args: Any) -> Any:
    """``func(*args)`` in a bounded child process. ``func`` must be a module-level function and its
    arguments and result picklable. Raises ReportError(TOO_COMPLEX) when a limit stopped the child.

    At most GONGKAI_PARSE_CONCURRENCY children (default: one per core) run at once per process, so the
    memory all of them may take is bounded too; a caller waits for a slot at most the wall-clock limit."""
    memory, cpu, wall = limits()
    slots = _slots()
    if not slots.acquire(timeout=wall):
        raise ReportError("服务器正忙：同时解析的文件过多，请稍后再试")
    try:
        return _run(func, args, memory, cpu, wall)
    finally:
        slots.release()


def _run(func: Callable, args: tuple, memory: int, cpu: int, wall: int) -> Any:
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, func, args, memory, cpu), name="gongkai-parse")
    try:
        proc.start()
    except OSError as exc:  # no process could be started (out of processes/memory)
        receiver.close()
        sender.close()
        raise ReportError(f"暂时无法解析文件（无法启动解析进程：{exc.strerror or exc}），请稍后再试") from None
    sender.close()
    try:
        if not receiver.poll(wall):
            raise ReportError(TOO_COMPLEX)
        try:
            status, value = receiver.recv()
        except (EOFError, OSError):  # the child died: killed by a limit, or crashed
            raise ReportError(TOO_COMPLEX) from None
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
def _parse_bytes(data: bytes, filename: str | None) -> Report:
    from .parsers import parse_bytes

    return parse_bytes(data, filename)


def _parse_file(path: str) -> Report:
    from .parsers import parse_file

    return parse_file(path)


def parse_bytes(data: bytes, filename: str | None = None) -> Report:
    """``parsers.parse_bytes`` in a bounded child."""
    return run(_parse_bytes, data, filename)


def parse_file(path: str | os.PathLike) -> Report:
    """``parsers.parse_file`` in a bounded child; standard input (``"-"``) is read here, with its cap."""
    if str(path) == "-":
        from .parsers import read_stdin

        return parse_bytes(read_stdin(sys.stdin.buffer), None)
    return run(_parse_file, os.fspath(path))
