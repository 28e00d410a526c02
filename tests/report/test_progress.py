"""Long work is visible: page progress of ``gongkai report parse|check`` on a terminal, and the audit bar
with the count of files that failed so far (the audit goes on past them)."""
from __future__ import annotations

import io

from gongkai.report.audit import run_audit
from gongkai.report.commands import page_progress
from gongkai.report.parsers import parse_file

from .scans import weasy_pdf
from .test_parse_pdf import report_html


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_page_progress_on_a_terminal_only(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(weasy_pdf(report_html(ruled=True)))
    tty = Terminal()
    parse_file(path, progress=page_progress("report.pdf", tty, after=0.0))
    out = tty.getvalue()
    assert "\r正在读取 report.pdf：第 1/3 页" in out and out.endswith("\r已读取 report.pdf：共 3 页\n")
    assert page_progress("report.pdf", io.StringIO()) is None  # a pipe or a log: nothing
    quiet = Terminal()
    parse_file(path, progress=page_progress("report.pdf", quiet, after=60.0))
    assert quiet.getvalue() == ""  # a file read quickly shows nothing


def test_audit_bar_counts_failures_and_goes_on(tmp_path, shared):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-seed.txt").write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    (folder / "b-junk.txt").write_text("这不是年度报告", encoding="utf-8")
    (folder / "c-seed.txt").write_bytes((shared / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes())
    tty = Terminal()
    summary = run_audit([str(folder)], tmp_path / "out.html", progress=tty, workers=1)
    assert (summary.parsed, summary.failed) == (2, 1)
    out = tty.getvalue()
    assert "3/3，无法读取 1 个" in out
    assert "无法读取 " in out and "b-junk.txt" in out
