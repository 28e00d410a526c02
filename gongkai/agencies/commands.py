"""``gongkai audit verify``: check the audit log's keyed hash chain, against the published head too."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="审计日志")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="子命令")
    v = audit_sub.add_parser("verify", help="校验审计日志是否完整（未被改动、删除或调换）")
    v.add_argument("--max", type=int, default=20, help="最多列出的问题条数（默认 20）")
    v.add_argument("--head", metavar="序号:哈希",
                   help="此前记下的链头（审计日志页面所示），日志中必须仍有这一条且哈希相同")
    v.add_argument("--no-head-file", action="store_true",
                   help="不与链头文件（GONGKAI_AUDIT_HEAD_FILE，默认 var/audit-head.log）核对")
    v.set_defaults(func=_verify)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _verify(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    if args.max < 1:
        raise CommandError("--max 应为正整数", 2)
    setup_django()
    from django.db import DatabaseError

    from gongkai.agencies import audit

    if args.head:
        try:
            audit.parse_head(args.head)
        except ValueError as exc:
            raise CommandError(f"--head {args.head!r} 无效：{exc}", 2) from None
    try:
        problems = audit.verify_chain(limit=args.max, head=args.head, use_head_file=not args.no_head_file)
        total = audit.count()
    except DatabaseError as exc:
        raise CommandError(f"无法读取审计日志（数据库未建立？请先运行 gongkai migrate）：{str(exc).splitlines()[0]}", 2) from None
    checked = []
    if args.head:
        checked.append(f"已核对指定链头 {args.head}")
    if not args.no_head_file:
        last = audit.last_published()
        checked.append(f"已与链头文件 {audit.head_file()} 核对（公布至第 {last['seq']} 条）" if last
                       else f"链头文件 {audit.head_file()} 不存在或为空，未核对")
    if not problems:
        print(f"审计日志完整，共 {total} 条")
        for line in checked:
            print(line)
        return 0
    print(f"审计日志不完整，共 {total} 条，发现以下问题（最多列出 {args.max} 条）：")
    for line in problems:
        print(f"  - {line}")
    return 1


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"应为非负整数，实际为 {value!r}")
    return int(value)


def register_generate(sub: argparse._SubParsersAction) -> None:
    """``gongkai demo generate``: the generated city (gongkai.agencies.generate)."""
    g = sub.add_parser("generate", help="生成演示城市：机关树、主动公开目录、依申请公开案件及办理过程、复议诉讼（批量写入）")
    g.add_argument("--agencies", type=_count, default=20, help="机关数（默认 20）")
    g.add_argument("--years", type=_count, default=3, help="年数（默认 3，截至 --until）")
    g.add_argument("--items", type=_count, help="目录条数（默认每机关每年 100 条）")
    g.add_argument("--applications", type=_count, help="申请件数（默认每机关每年 10 件）")
    g.add_argument("--seed", type=_count, default=1, help="随机种子（相同参数生成相同数据）")
    g.add_argument("--until", help="最后一天 YYYY-MM-DD（默认今天）")
    g.set_defaults(func=_generate)


def _generate(args: argparse.Namespace) -> int:
    import time

    from gongkai.cli import CommandError, setup_django

    setup_django()
    from django.db import DatabaseError

    from gongkai.agencies.generate import GenerateError, Params, generate

    params = Params(agencies=args.agencies, years=args.years, items=args.items, applications=args.applications,
                    seed=args.seed, until=args.until)
    started = time.perf_counter()
    try:
        counts = generate(params, progress=print)
    except GenerateError as exc:
        raise CommandError(str(exc), 2) from None
    except DatabaseError as exc:
        raise CommandError(f"写入数据库失败，未写入任何数据（请先运行 gongkai migrate）：{str(exc).splitlines()[0]}", 2) from None
    if counts.get("skipped"):
        print("数据库中已有相同参数生成的演示城市，未重复生成。")
        return 0
    print(f"已生成（{time.perf_counter() - started:.1f} 秒）：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0
