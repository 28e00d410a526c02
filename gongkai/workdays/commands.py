"""``gongkai workdays add DATE N`` and ``gongkai workdays between A B``.

Uses the database calendar when the database is migrated (so years entered by an administrator count),
otherwise chinesecalendar directly, so the command works before ``make run``.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date

MAX_DAYS = 3650


def _parse_date(text: str) -> date:
    from gongkai.cli import CommandError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式不正确：{text}（应为 YYYY-MM-DD，例如 2024-09-25）") from None


def _parse_count(text: str) -> int:
    from gongkai.cli import CommandError

    try:
        n = int(text)
    except ValueError:
        raise CommandError(f"工作日数应为整数：{text}") from None
    if not 0 <= n <= MAX_DAYS:
        raise CommandError(f"工作日数应在0到{MAX_DAYS}之间：{text}")
    return n


def load_calendar():
    """(calendar, where it came from) — the database if migrated and reachable, else chinesecalendar."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from gongkai.cli import setup_django
    from gongkai.law.calendar import WorkCalendar

    try:
        setup_django()
        from django.db import connection

        if "workdays_calendaryear" in connection.introspection.table_names():
            from gongkai.workdays.models import CalendarYear
            from gongkai.workdays.services import current_calendar

            if CalendarYear.objects.exists():
                return current_calendar(), "database"
    except (DatabaseError, ImproperlyConfigured):
        pass  # no usable database: the package still answers for 2004–2026
    return WorkCalendar.from_chinese_calendar(), "chinesecalendar"


def _add(args: argparse.Namespace) -> int:
    from gongkai.cli import CommandError
    from gongkai.law.calendar import add_working_days

    start, n = _parse_date(args.date), _parse_count(args.n)
    cal, _ = load_calendar()
    try:
        due = add_working_days(cal, start, n)
    except ValueError as exc:  # past 9999-12-31
        raise CommandError(str(exc)) from None
    print(due.date.isoformat())
    if due.provisional:
        print(f"注意：{due.reason}，暂按星期一至星期五为工作日计算。", file=sys.stderr)
    return 0


def _between(args: argparse.Namespace) -> int:
    from gongkai.law.calendar import working_days_between

    a, b = _parse_date(args.a), _parse_date(args.b)
    cal, _ = load_calendar()
    print(working_days_between(cal, a, b))
    missing = [y for y in range(min(a, b).year, max(a, b).year + 1) if not cal.covers(y)]
    if missing:
        from gongkai.law.calendar import uncovered_reason

        print(f"注意：{uncovered_reason(missing)}，暂按星期一至星期五为工作日计算。", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("workdays", help="工作日计算（法定期限）")
    sub = p.add_subparsers(dest="workdays_command", metavar="操作")
    a = sub.add_parser("add", help="自DATE次日起算的第N个工作日，例如 add 2024-09-25 20")
    a.add_argument("date", metavar="DATE", help="起算日期 YYYY-MM-DD")
    a.add_argument("n", metavar="N", help="工作日数")
    a.set_defaults(func=_add)
    b = sub.add_parser("between", help="A之后至B（含）的工作日数")
    b.add_argument("a", metavar="A", help="开始日期 YYYY-MM-DD（不计）")
    b.add_argument("b", metavar="B", help="结束日期 YYYY-MM-DD（计入）")
    b.set_defaults(func=_between)

    def _usage(_args):
        p.print_help(sys.stderr)
        return 2

    p.set_defaults(func=_usage)
