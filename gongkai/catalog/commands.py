"""``gongkai catalog sweep|scan|import|export``: the privacy sweep, a privacy scan of files before they
are published (exit 1 on hits, 2 on a file that cannot be read), bulk import with a row-by-row error
report (exit 2, nothing imported, when any row is bad) and export, from the command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _agency(slug: str):
    from gongkai.agencies.models import Agency
    from gongkai.cli import CommandError

    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise CommandError(f"没有找到机关：{slug}")
    return agency


def _sweep(args: argparse.Namespace) -> int:
    from gongkai.cli import setup_django

    setup_django()
    from gongkai.catalog.services import sweep

    report = sweep(_agency(args.agency) if args.agency else None)
    print(f"巡检完成：检查已发布信息 {report.items_scanned} 条、附件 {report.attachments_scanned} 个，"
          f"未处理问题 {report.hits_found} 处（新发现 {report.new_hits} 处）。报告编号 {report.pk}")
    for e in report.errors:
        print(f"  无法读取：{e}")
    return 1 if report.hits_found else 0


def _import(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from gongkai.catalog.importer import ImportFileError, import_catalog

    agency = _agency(args.agency)
    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise CommandError(f"没有找到用户：{args.user}")
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"找不到文件：{path}")
    try:
        with path.open("rb") as fh:
            result = import_catalog(agency, fh, path.name, user)
    except ImportFileError as exc:
        raise CommandError(f"{exc} 未导入任何数据。") from None
    except PermissionDenied:
        raise CommandError(f"用户 {args.user} 在{agency.name}没有导入目录的权限（需要审核人或负责人）。") from None
    if not result.ok:
        for e in result.errors:
            print(e, file=sys.stderr)
        more = "（仅列出一部分）" if result.errors_truncated else ""
        raise CommandError(f"发现 {len(result.errors)} 处错误{more}，未导入任何数据。")
    print(f"导入完成：共 {result.rows} 行，新增 {result.created} 条（其中 {result.held} 条转入保密审查），"
          f"跳过已有 {result.skipped} 条。")
    return 0


def _export(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError, setup_django

    setup_django()
    from gongkai.catalog.importer import csv_lines, xlsx_bytes
    from gongkai.catalog.models import Item
    from gongkai.report.audit import atomic_output, write_atomic
    from gongkai.report.errors import ReportError

    agency = _agency(args.agency)
    items = Item.objects.filter(agency=agency).order_by("date_made", "id")
    out = Path(args.output)
    # Through a temporary file: a failed export never leaves a truncated file in place of a good one.
    try:
        if args.format == "xlsx":
            write_atomic(out, xlsx_bytes(items))
        else:
            with atomic_output(out) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.writelines(csv_lines(items))
    except ReportError as exc:
        raise CommandError(str(exc)) from None
    print(f"已导出 {items.count()} 条到 {out}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    """Scan files before publishing them (no database needed). Each file is read in the bounded worker;
    a file that cannot be read is reported and the others are still scanned."""
    from gongkai.catalog import privacy
    from gongkai.report.errors import ReportError
    from gongkai.report.parsers import MAX_BYTES, decode_text

    hits = unreadable = 0
    for name in args.files:
        path = Path(name)
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            print(f"{name}：{privacy.UNREADABLE_TEXT}（无法打开文件：{exc.strerror or exc}）", file=sys.stderr)
            unreadable += 1
            continue
        try:
            if len(data) > MAX_BYTES:
                raise privacy.UnreadableFile(f"文件超过 {MAX_BYTES // 1024 // 1024} MB")
            kind = privacy.file_kind(data)
            if kind is not None:
                found = privacy.scan_bounded(kind, data, args.allow)
            else:  # plain text, HTML, CSV: line by line
                try:
                    text = decode_text(data)
                except ReportError as exc:
                    raise privacy.UnreadableFile(f"不是 PDF、Word、Excel 或文本文件：{exc.message}") from None
                found = [privacy.FileHit(f"第{i}行", h) for i, line in enumerate(text.splitlines(), 1)
                         for h in privacy.scan_text(line, args.allow)]
        except privacy.UnreadableFile as exc:
            print(f"{name}：{privacy.UNREADABLE_TEXT}（{exc}）", file=sys.stderr)
            unreadable += 1
            continue
        for f in found:
            print(f"{name}\t{f.where}\t{f.hit.label}\t{f.hit.masked}")
        hits += len(found)
    print(f"检查完成：{len(args.files)} 个文件，发现个人信息 {hits} 处，无法读取 {unreadable} 个。", file=sys.stderr)
    return 2 if unreadable else 1 if hits else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="主动公开目录：隐私巡检、文件隐私检查、批量导入、导出")
    cmds = p.add_subparsers(dest="catalog_command", metavar="子命令", required=True)
    s = cmds.add_parser("sweep", help="对已发布信息进行隐私巡检（有未处理问题时退出码为 1）")
    s.add_argument("--agency", help="机关网址标识；不填则检查全部机关")
    s.set_defaults(func=_sweep)
    i = cmds.add_parser("import", help="从 CSV 或 XLSX 批量导入目录（有错误则一条也不导入）")
    i.add_argument("file")
    i.add_argument("--agency", required=True, help="机关网址标识")
    i.add_argument("--user", required=True, help="以哪位工作人员的身份导入（审核人或负责人）")
    i.set_defaults(func=_import)
    c = cmds.add_parser("scan", help="发布前检查文件中的个人信息（有发现时退出码为 1，无法读取时为 2）")
    c.add_argument("files", nargs="+", metavar="FILE", help="PDF、Word（DOCX）、Excel（XLSX）或文本文件")
    c.add_argument("--allow", action="append", default=[], metavar="号码",
                   help="可以公开的号码（如本机关公布的办公电话，《条例》第十二条），可重复")
    c.set_defaults(func=_scan)
    e = cmds.add_parser("export", help="导出目录为 CSV 或 XLSX")
    e.add_argument("--agency", required=True, help="机关网址标识")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("-o", "--output", required=True, help="输出文件")
    e.set_defaults(func=_export)
