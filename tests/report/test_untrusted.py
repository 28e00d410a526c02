"""Untrusted files (issue 7, item 1): guards before opening, and parsing in a bounded child process.

The hostile files are generated here at test time: a 1,000-page and a 20,000-page PDF that share one
content stream, a DOCX of ~0.7 MB whose body unpacks to 190 MB, and a DOCX with an entity-expansion bomb.
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gongkai.report import limits, worker
from gongkai.report.audit import run_audit
from gongkai.report.errors import ReportError
from gongkai.report.parsers import parse_bytes
from tests import hostile

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024 ** 3


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    (d / "pages-1000.pdf").write_bytes(hostile.pdf_pages(1000))
    (d / "pages-20000.pdf").write_bytes(hostile.pdf_pages(20_000))
    (d / "bomb-190mb.docx").write_bytes(hostile.docx_bomb(190))
    (d / "entities.docx").write_bytes(hostile.docx_entity_bomb())
    return d


def _one_gib():
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


def gongkai_bounded(*args):
    """The CLI as a user runs it, in 1 GiB of address space and 30 s (the issue's bar)."""
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *map(str, args)], capture_output=True, cwd=ROOT,
                          timeout=30, preexec_fn=_one_gib)


def test_hostile_files_are_generated_as_the_issue_describes(hostile_dir):
    assert (hostile_dir / "pages-1000.pdf").stat().st_size < 200_000
    assert (hostile_dir / "pages-20000.pdf").stat().st_size < 3_500_000
    bomb = hostile_dir / "bomb-190mb.docx"
    assert bomb.stat().st_size < 1_000_000
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("word/document.xml").file_size > 190_000_000


@pytest.mark.parametrize("name, reason", [
    ("pages-1000.pdf", "PDF 共 1000 页，超过 200 页上限"),
    ("pages-20000.pdf", "PDF 共 20000 页，超过 200 页上限"),
    ("bomb-190mb.docx", "疑似压缩炸弹"),
    ("entities.docx", "DOCTYPE/实体声明"),
])
def test_cli_parse_refuses_hostile_files_within_30s_and_1gib(hostile_dir, name, reason):
    res = gongkai_bounded("report", "parse", hostile_dir / name)
    err = res.stderr.decode()
    assert res.returncode == 2, err
    assert reason in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert res.stdout == b""


def test_cli_audit_goes_on_past_hostile_files(hostile_dir, shared, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in hostile_dir.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "seed.txt").write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    out = tmp_path / "out.xlsx"
    res = gongkai_bounded("report", "audit", folder, "-o", out)
    assert res.returncode == 0, res.stderr.decode()
    rows = {Path(r[0]).name: r for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows["seed.txt"][4] == "是"
    assert "超过 200 页上限" in rows["pages-20000.pdf"][7] and "疑似压缩炸弹" in rows["bomb-190mb.docx"][7]


# -- the guards (before any library opens the file) ------------------------------------------------------
def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_member_count_is_checked_from_the_end_record():
    data = _zip({f"m{i}.txt": b"" for i in range(limits.MAX_ZIP_MEMBERS + 1)})
    with pytest.raises(ReportError, match="压缩包内文件过多（1001 个）"):
        limits.check_zip(data)
    with pytest.raises(ReportError, match="文件过多"):
        parse_bytes(data, "a.docx")


def test_zip_total_unpacked_size_is_capped(monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNPACKED", 3 * 1024 * 1024)
    data = _zip({f"word/m{i}.bin": os.urandom(1024 * 1024) for i in range(4)})
    with pytest.raises(ReportError, match="文件解压后过大（4 MB），超过 3 MB 上限"):
        limits.check_zip(data)


def test_zip_ratio_is_capped_but_real_office_files_pass(shared):
    with pytest.raises(ReportError, match="疑似压缩炸弹"):
        limits.check_zip(hostile.docx_bomb(3))
    from gongkai.report.model import Report
    from gongkai.report.render import render

    report = Report.from_dict(json.loads((shared / "fixtures" / "seed-2024.json").read_text("utf-8")))
    for fmt in ("docx", "xlsx"):
        limits.check_zip(render(report, fmt)).close()
        assert parse_bytes(render(report, fmt), f"r.{fmt}").agency == report.agency


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    b'<?xml version="1.0"?>\n<!-- a comment <x> --><?pi x?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode("utf-16"),
    b"<!--" + b"-" * (limits.MAX_PROLOG + 10),  # a prolog that never ends: refused, not skipped
])
def test_a_dtd_in_any_xml_part_is_refused(xml):
    with pytest.raises(ReportError, match="DOCTYPE"):
        limits.check_zip(_zip({"[Content_Types].xml": b"<Types/>", "xl/styles.xml": xml}))


def test_entity_bomb_docx_is_refused_not_expanded():
    with pytest.raises(ReportError, match="DOCTYPE/实体声明"):
        parse_bytes(hostile.docx_entity_bomb(), "a.docx")
    # The parser itself would not expand it either (defence in depth behind the DTD refusal).
    from lxml import etree

    xml = zipfile.ZipFile(io.BytesIO(hostile.docx_entity_bomb())).read("word/document.xml")
    try:
        root = etree.fromstring(xml, limits.xml_parser())
    except etree.XMLSyntaxError:  # libxml2 ≥ 2.11 stops at its amplification limit
        return
    assert len(etree.tostring(root)) < 10_000


def test_pdf_page_cap_counts_an_understated_page_tree():
    data = hostile.pdf_pages(300).replace(b"/Count 300", b"/Count 1  ")
    assert limits.pdf_page_count(data) == 1  # pdfium believes /Count …
    with pytest.raises(ReportError, match="PDF 共 300 页"):  # … the guard counts the page objects too
        parse_bytes(data, "a.pdf")
    assert limits.check_pdf_pages(hostile.pdf_pages(3)) == 3


# -- the bounded worker ---------------------------------------------------------------------------------
def _spin():
    while True:
        pass


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def _sleep():
    time.sleep(60)


def _peak_then_small(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return os.getpid()


def _refuse():
    raise ReportError("不是年度报告")


@pytest.mark.parametrize("func, env", [(_spin, "GONGKAI_PARSE_CPU_SECONDS"), (_hog, "GONGKAI_PARSE_MEMORY_MB"),
                                       (_sleep, "GONGKAI_PARSE_WALL_SECONDS")])
def test_worker_stops_a_child_at_its_limit(monkeypatch, func, env):
    monkeypatch.setenv(env, "512" if env.endswith("MB") else "1")
    started = time.monotonic()
    with pytest.raises(ReportError) as exc:
        worker.run(func)
    assert exc.value.message == limits.TOO_COMPLEX
    assert time.monotonic() - started < 10


def test_worker_returns_results_and_errors_and_keeps_memory_out_of_the_caller():
    with open("/proc/self/clear_refs", "w") as fh:  # reset this process's peak RSS (VmHWM)
        fh.write("5")
    pid = worker.run(_peak_then_small, 400)
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS"))
    assert pid != os.getpid()
    assert peak - rss < 100 * 1024  # kB: the 400 MB were the child's, never ours
    with pytest.raises(ReportError, match="不是年度报告"):
        worker.run(_refuse)  # the function's own errors come back as they were


def test_worker_parse_matches_in_process_parse(shared):
    data = (shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes()
    assert worker.parse_bytes(data, "seed.txt").to_dict() == parse_bytes(data, "seed.txt").to_dict()
    with pytest.raises(ReportError, match="文件为空"):
        worker.parse_bytes(b"", "a.txt")


def test_audit_worker_killed_by_cpu_budget_fails_only_its_file(tmp_path, shared, monkeypatch):
    """A file that passes every guard but burns CPU: the pool worker's per-file budget ends it."""
    import gongkai.report.parsers as parsers

    real = parsers.parse_file

    def slow(path):
        if "slow" in str(path):
            _spin()
        return real(path)

    monkeypatch.setattr(parsers, "parse_file", slow)  # workers are forked: they inherit the patch
    monkeypatch.setenv("GONGKAI_PARSE_CPU_SECONDS", "1")
    seed = (shared / "fixtures" / "seed-2024.json").read_bytes()
    for name in ("a.json", "b-slow.json", "c.json"):
        (tmp_path / name).write_bytes(seed)
    out = tmp_path / "out.xlsx"
    s = run_audit([str(tmp_path)], out, progress=None, workers=2)
    assert (s.files, s.parsed, s.failed) == (3, 2, 1)
    rows = {Path(r[0]).name: r for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows["b-slow.json"][7] == limits.TOO_COMPLEX


def test_worker_bounds_how_many_children_run_at_once(monkeypatch):
    import threading

    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(worker, "_semaphore", slots)
    monkeypatch.setenv("GONGKAI_PARSE_WALL_SECONDS", "1")
    slots.acquire()  # another request's child is running
    with pytest.raises(ReportError, match="服务器正忙"):
        worker.run(_refuse)
    slots.release()
    with pytest.raises(ReportError, match="不是年度报告"):
        worker.run(_refuse)


# -- long work inside the bounds: progress messages and per-page grants (OCR) ---------------------------
def _spin_for(seconds: float, granted: bool) -> str:
    """Burn CPU for ``seconds``; with ``granted`` it first asks for more, as an OCR page does."""
    if granted:
        worker.grant(10, 10)
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return "done"


def _pages(total: int) -> int:
    for done in range(1, total + 1):
        worker.send_progress(done, total)
    return total


def test_a_granted_slow_step_finishes_where_an_ungranted_one_is_stopped(monkeypatch):
    monkeypatch.setenv("GONGKAI_PARSE_CPU_SECONDS", "1")
    monkeypatch.setenv("GONGKAI_PARSE_WALL_SECONDS", "2")
    assert worker.run(_spin_for, 2.5, True) == "done"
    with pytest.raises(ReportError):
        worker.run(_spin_for, 2.5, False)


def test_progress_reaches_the_callers_callback():
    seen = []
    assert worker.run(_pages, 3, progress=lambda done, total: seen.append((done, total))) == 3
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_ocr_runs_inside_the_bounded_worker(shared):
    """The OCR engine reserves more address space than the base limit: the page grant allows it, so a
    table image is read (here a picture of table 四 alone: the text is found, tables 二/三 are missing)."""
    from gongkai.report.model import Report
    from tests.report.scans import png, table_image

    report = Report.from_dict(json.loads((shared / "fixtures/seed-2024.json").read_text()))
    with pytest.raises(ReportError) as err:
        worker.parse_bytes(png(table_image(report, "4")), "t4.png")
    assert "未找到表二" in err.value.message, err.value.message


def test_ocr_past_the_callers_cap_is_refused_with_the_command_line_named(shared):
    """A page request caps OCR (web 年报体检: about two pages); past it one line names the CLI instead."""
    from gongkai.report.model import Report
    from tests.report.scans import png, table_image

    report = Report.from_dict(json.loads((shared / "fixtures/seed-2024.json").read_text()))
    with pytest.raises(ReportError) as err:
        worker.parse_bytes(png(table_image(report, "4")), "t4.png", ocr_seconds=1)
    assert err.value.message == worker.OCR_TOO_LONG and "gongkai report parse" in err.value.message
