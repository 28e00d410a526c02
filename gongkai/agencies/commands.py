"""``gongkai audit verify``: check the audit log's hash chain."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="审计日志")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="子命令")
    v = audit_sub.add_parser("verify", help="校验审计日志是否完整（未被改动、删除或调换）")
    v.add_argument("--max", type=int, default=20, help="最多列出的问题条数（默认 20）")
    v.set_defaults(func=_verify)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _verify(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    if args.max < 1:
        raise CommandError("--max 应为正整数", 2)
    setup_django()
    from django.db import DatabaseError

    from gongkai.agencies import audit

    try:
        problems = audit.verify_chain(limit=args.max)
        total = audit.count()
    except DatabaseError as exc:
        raise CommandError(f"无法读取审计日志（数据库未建立？请先运行 gongkai migrate）：{str(exc).splitlines()[0]}", 2) from None
    if not problems:
        print(f"审计日志完整，共 {total} 条")
        return 0
    print(f"审计日志不完整，共 {total} 条，发现以下问题（最多列出 {args.max} 条）：")
    for line in problems:
        print(f"  - {line}")
    return 1
