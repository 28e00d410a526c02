"""``gongkai report …``: parse, check, render and audit annual reports from the command line.

    gongkai report parse FILE                      canonical JSON on stdout
    gongkai report check FILE [--previous FILE] [--json]
    gongkai report render FILE --to html|docx|pdf|xlsx|json -o OUT
    gongkai report audit PATH... -o OUT.xlsx|OUT.html

FILE is .txt .html .htm .docx .pdf .md .json .xlsx (as rendered here), or ``-`` for standard input. Exit codes: 0 ok, 1 ``check``
found an error-level finding, 2 the input could not be read as a report (one Chinese line on stderr).
Pure Python: no Django here.
"""
from __future__ import annotations

import argparse
import json
import sys

from .checks import ERROR, check, has_errors
from .errors import ReportError
from .model import Report

RENDER_FORMATS = ("html", "docx", "pdf", "xlsx", "json")


def _error(message: str, code: int = 2):
    from gongkai.cli import CommandError

    # One line, whatever the underlying message looked like.
    return CommandError(" ".join(str(message).split()), code)


def load_report(path: str) -> Report:
    """Parse FILE (or ``-``); every failure becomes a one-line Chinese CommandError (exit 2)."""
    name = "标准输入" if path == "-" else path
    try:
        from .worker import parse_file

        # In a bounded child process (address space, CPU, wall clock): a hostile file stops with one line.
        return parse_file(path, progress=page_progress(name))  # "-": standard input, same 50 MB cap
    except ReportError as exc:  # parse_file names missing, unreadable and oversized files too
        raise _error(f"无法读取为年度报告（{name}）：{exc.message}") from None
    except Exception as exc:  # a parser bug must still end in a clear message, not a traceback
        raise _error(f"无法读取为年度报告（{name}）：{type(exc).__name__}: {exc}") from None


def page_progress(name: str, stream=None, after: float = 1.0):
    """Page progress on a terminal's stderr for a long file (OCR takes seconds a page); None elsewhere,
    so pipes and logs stay clean. Nothing shows for a file read within ``after`` seconds."""
    import time

    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    start = time.monotonic()
    shown = False

    def report(done: int, total: int) -> None:
        nonlocal shown
        if not shown and time.monotonic() - start < after:
            return
        shown = True
        stream.write(f"\r正在读取 {name}：第 {min(done + 1, total)}/{total} 页" if done < total else
                     f"\r已读取 {name}：共 {total} 页\n")
        stream.flush()

    return report


def _parse(args: argparse.Namespace) -> int:
    report = load_report(args.file)
    sys.stdout.write(report.to_json() + "\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    report = load_report(args.file)
    previous = load_report(args.previous) if args.previous else None
    findings = check(report, previous)
    if args.json:
        sys.stdout.write(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(format_findings(report, findings))
    return 1 if has_errors(findings) else 0


def format_findings(report: Report, findings: list) -> str:
    """The human-readable list printed by ``check``."""
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    title = f"{report.agency or '（未识别机关名称）'} {report.year or '（未识别年度）'} 年度报告（{report.layout} 年版格式）"
    lines = [f"{title}：{errors} 个错误，{warnings} 个警告"]
    for f in findings:
        tag = "错误" if f.severity == ERROR else "警告"
        lines.append(f"[{tag}] {f.message}（规则 {f.rule}）")
    for u in report.unreadable:
        lines.append(f"[无法识别] {u['cell']}：{u['reason']}（相关核对未进行）")
    for note in report.notes:
        lines.append(f"[说明] {note}")
    if not findings:
        lines.append("未发现问题。")
    return "\n".join(lines) + "\n"


def _render(args: argparse.Namespace) -> int:
    from .audit import write_atomic

    report = load_report(args.file)
    try:
        from .render import render
    except ImportError as exc:
        raise _error(f"渲染功能不可用：{exc}") from None
    try:
        data = render(report, args.to, findings=check(report))
    except ReportError as exc:
        raise _error(f"无法生成 {args.to} 文件：{exc.message}") from None
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        write_atomic(args.output, data)
    except ReportError as exc:
        raise _error(exc.message) from None
    return 0


def _audit(args: argparse.Namespace) -> int:
    from .audit import run_audit

    try:
        s = run_audit(args.paths, args.output, progress=sys.stderr)
    except ReportError as exc:
        raise _error(exc.message) from None
    for p in s.missing:
        print(f"注意：找不到 {p}，已跳过", file=sys.stderr)
    print(f"审查完成：共 {s.files} 个文件，解析成功 {s.parsed} 个，无法读取 {s.failed} 个；"
          f"错误 {s.errors} 条，警告 {s.warnings} 条。结果已写入 {args.output}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="年度报告：解析、核对、生成、批量审查")
    rsub = report.add_subparsers(dest="report_command", metavar="子命令", required=True)

    p = rsub.add_parser("parse", help="解析年度报告，输出标准 JSON")
    p.add_argument("file", help="报告文件（.txt .html .docx .pdf .md .json .xlsx），- 表示标准输入")
    p.set_defaults(func=_parse)

    p = rsub.add_parser("check", help="核对年度报告的数据（勾稽关系等）")
    p.add_argument("file", help="报告文件，- 表示标准输入")
    p.add_argument("--previous", metavar="FILE", help="上一年度的报告，用于跨年核对（结转、现行有效件数）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出核对结果")
    p.set_defaults(func=_check)

    p = rsub.add_parser("render", help="把年度报告生成为 HTML/Word/PDF/Excel/JSON")
    p.add_argument("file", help="报告文件，- 表示标准输入")
    p.add_argument("--to", required=True, choices=RENDER_FORMATS, help="输出格式")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="输出文件，- 表示标准输出")
    p.set_defaults(func=_render)

    p = rsub.add_parser("audit", help="批量审查文件夹中的年度报告，输出 Excel 或 HTML 汇总")
    p.add_argument("paths", nargs="+", metavar="PATH", help="报告文件或文件夹")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="输出文件（.xlsx 或 .html）")
    p.set_defaults(func=_audit)
