"""``gongkai annual build|publish``: an agency's annual report (Art. 49, 50) from the command line.

    gongkai annual build --agency AGENCY --year YEAR --to json|html|docx|pdf|xlsx [-o OUT]
    gongkai annual publish --agency AGENCY --year YEAR [--note 更正说明]
    gongkai annual remind      (queue the Art. 49 reminder e-mails; the worker sends them)

AGENCY is the full name or the unified social credit code. ``build`` writes the report as it would be
published now (JSON is the canonical report JSON with the drafted or edited sections); ``publish``
publishes it when no check finds an error (exit 1 with the errors otherwise).
"""
from __future__ import annotations

import argparse
import sys

from gongkai.report.render import FORMATS


def _year(value: str) -> int:
    if not value.isdigit() or not 2008 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"年度应为四位数字年份（2008–2100），实际为 {value!r}")
    return int(value)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("annual", help="编制、发布本机关政府信息公开工作年度报告")
    asub = p.add_subparsers(dest="annual_command", metavar="子命令")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    b = asub.add_parser("build", help="按平台数据生成年度报告（不发布）")
    b.add_argument("--agency", required=True, help="机关全称或统一社会信用代码")
    b.add_argument("--year", required=True, type=_year, help="报告年度，如 2024")
    b.add_argument("--to", required=True, choices=[f for f in FORMATS], help="输出格式")
    b.add_argument("-o", "--output", help="输出文件（默认写到标准输出，仅限 json、html）")
    b.set_defaults(func=_build)

    pub = asub.add_parser("publish", help="核对无错误后发布年度报告（已发布过的须填写更正说明）")
    pub.add_argument("--agency", required=True, help="机关全称或统一社会信用代码")
    pub.add_argument("--year", required=True, type=_year, help="报告年度，如 2024")
    pub.add_argument("--note", default="", help="更正说明（再次发布时必填）")
    pub.set_defaults(func=_publish)

    rem = asub.add_parser("remind", help="将年度报告公布提醒邮件加入后台任务队列（每日由 cron 运行）")
    rem.set_defaults(func=_remind)


def find_agency(text: str):
    from gongkai.agencies.models import Agency
    from gongkai.cli import CommandError

    text = (text or "").strip()
    agency = Agency.objects.filter(name=text).first() or Agency.objects.filter(credit_code=text.upper()).first()
    if agency is None:
        raise CommandError(f"没有找到机关：{text}（请使用机关全称或统一社会信用代码）")
    return agency


def _build(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    setup_django()
    from gongkai.report.audit import write_atomic
    from gongkai.report.errors import ReportError
    from gongkai.report.render import render

    from .compile import build

    agency = find_agency(args.agency)
    report = build(agency, args.year)
    data = render(report, args.to)
    if not args.output:
        if args.to not in ("json", "html"):
            raise CommandError(f"{args.to} 是二进制格式，请用 -o 指定输出文件")
        sys.stdout.write(data.decode("utf-8"))
        return 0
    try:
        write_atomic(args.output, data)
    except ReportError as exc:
        raise CommandError(str(exc)) from None
    print(f"已生成 {agency.name} {args.year} 年度报告：{args.output}", file=sys.stderr)
    return 0


def _publish(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    setup_django()
    from .compile import PublishError, publish

    agency = find_agency(args.agency)
    try:
        obj = publish(agency, args.year, None, args.note)
    except PublishError as exc:
        for f in exc.findings:
            print(f"[错误] {f.message}（规则 {f.rule}）", file=sys.stderr)
        raise CommandError(exc.message, 1) from None
    print(f"已发布 {agency.name} {args.year} 年度报告第 {obj.version} 版（SHA-256 {obj.content_hash}）")
    return 0


def _remind(args: argparse.Namespace) -> int:
    from gongkai.cli import setup_django

    setup_django()
    from .tasks import send_report_reminders

    result = send_report_reminders.enqueue()
    print(f"已加入队列：{result.id}")
    return 0
