"""The ``gongkai`` command.

Each area registers its own sub-commands from its own ``commands.py`` (COMMAND_MODULES), so this file
only dispatches and adds the Django-level commands (migrate, demo, serve, worker, dbcheck, manage).
``gongkai.report.commands`` is pure; Django-backed commands call ``setup_django()`` first.
Every user error ends with a one-line Chinese message on stderr and a non-zero exit code.
"""
from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys

# Modules that contribute sub-commands: each has ``register(subparsers)``; the parsers it adds set
# ``func`` to a callable taking the parsed args and returning an exit code.
COMMAND_MODULES = (
    "gongkai.report.commands",
    "gongkai.workdays.commands",
    "gongkai.agencies.commands",
    "gongkai.catalog.commands",
    "gongkai.annual.commands",
    "gongkai.backup",
)


# argparse's own messages (usage errors, help headings) in Chinese: argparse looks its strings up through
# the module-level gettext alias ``argparse._``, so a lookup table is enough, no locale files needed.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可能是 %(matches)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}
argparse._ = lambda message: _ARGPARSE_ZH.get(message, message)


class CommandError(Exception):
    """A user-facing failure: message printed on stderr, exit code kept."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.message = message
        self.code = code


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()


def _manage(argv: list[str]) -> int:
    setup_django()
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(["gongkai", *argv])
    except DatabaseError as exc:  # e.g. the server is down: one Chinese line, not a traceback
        raise CommandError(f"数据库操作失败（可用 gongkai dbcheck 检查连接）：{str(exc).splitlines()[0]}", 1) from None
    return 0


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 1 至 65535 的整数，实际为 {value!r}")
    return int(value)


def _register_django(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="建立或升级数据库")
    p.add_argument("--noinput", action="store_true")
    p.set_defaults(func=lambda a: _manage(["migrate", "--noinput", "-v", "0"]))

    p = sub.add_parser("demo", help="载入演示数据（可重复执行）；demo generate 生成整座演示城市")
    p.set_defaults(func=lambda a: _manage(["load_demo"]))
    from gongkai.agencies.commands import register_generate

    register_generate(p.add_subparsers(dest="demo_command", metavar="子命令"))

    p = sub.add_parser("serve", help="启动网站")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8000)
    p.add_argument("--production", action="store_true",
                   help="以生产模式运行：gunicorn，GONGKAI_PRODUCTION=1，置于 nginx 之后（见 docs/deploy.md）")
    p.add_argument("--workers", type=int, default=int(os.environ.get("GONGKAI_WORKERS", 2)),
                   help="gunicorn 进程数（默认 2，每进程 4 个线程）")
    p.add_argument("--no-worker", action="store_true",
                   help="开发模式下不随网站启动后台任务进程（另行运行 gongkai worker 时使用）")
    p.set_defaults(func=_serve)

    p = sub.add_parser("worker", help="运行后台任务（django-tasks 数据库队列；可在多台机器上运行多个进程）")
    p.add_argument("--interval", type=float, default=1.0, help="队列为空时每隔多少秒查看一次（默认 1）")
    p.add_argument("--batch", action="store_true", help="队列为空时退出")
    p.set_defaults(func=_worker)

    p = sub.add_parser("dbcheck", help="检查数据库能否连接")
    p.add_argument("--url", help="数据库地址，默认取 DATABASE_URL")
    p.set_defaults(func=_dbcheck)

    p = sub.add_parser("manage", help="Django 管理命令", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=lambda a: _manage(a.rest))


# Access log without query strings (tracking codes) or bodies: %(U)s is the path only.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss %({x-request-id}o)s'


def _die_with_parent() -> None:
    """In the dev worker child: SIGTERM when the server dies, however it dies (Linux prctl PDEATHSIG)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not Linux: the finally clause below still stops it on Ctrl-C
        pass


def _serve(args: argparse.Namespace) -> int:
    if not args.production:  # the one-command demo (make run): Django's development server
        # and a task worker beside it (年报体检 reads scans in the background), so nothing else is needed.
        if args.no_worker:
            return _manage(["runserver", f"{args.host}:{args.port}", "--noreload"])
        worker = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "worker"], preexec_fn=_die_with_parent)
        try:
            return _manage(["runserver", f"{args.host}:{args.port}", "--noreload"])
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    if not 1 <= args.workers <= 64:
        raise CommandError("--workers 应为 1 至 64 的整数", 2)
    os.environ["GONGKAI_PRODUCTION"] = "1"
    _manage(["collectstatic", "--noinput", "-v", "0"])  # WhiteNoise serves STATIC_ROOT
    argv = [sys.executable, "-m", "gunicorn", "gongkai.wsgi:application",
            "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers), "--threads", "4",
            # A worker is replaced after a bounded number of requests: memory a request took is given back.
            "--max-requests", "1000", "--max-requests-jitter", "100",
            "--timeout", "120", "--graceful-timeout", "20",
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT, "--error-logfile", "-"]
    sys.stdout.flush()
    os.execv(sys.executable, argv)  # keeps the pid: a supervisor (systemd) stops gunicorn directly
    return 0  # not reached
def _worker(args: argparse.Namespace) -> int:
    setup_django()
    import logging

    from django.db import DatabaseError

    from gongkai import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        return worker.run(interval=args.interval, batch=args.batch)
    except DatabaseError as exc:
        raise CommandError(f"数据库操作失败（可用 gongkai dbcheck 检查连接）：{str(exc).splitlines()[0]}", 1) from None


def _dbcheck(args: argparse.Namespace) -> int:
    if args.url:
        os.environ["DATABASE_URL"] = args.url
    setup_django()
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        if connection.vendor == "postgresql" and "does not exist" in str(exc):
            _create_postgres_database(connection.settings_dict)
            return _dbcheck(argparse.Namespace(url=None))
        raise CommandError(f"无法连接数据库：{str(exc).splitlines()[0]}", 1) from None
    print(f"数据库可用：{connection.vendor}")
    return 0


def _create_postgres_database(params: dict) -> None:
    """The server is up but our database is not there yet (a fresh machine): create it."""
    import psycopg
    from psycopg import sql

    conninfo = {k: v for k, v in {"host": params.get("HOST"), "port": params.get("PORT"), "user": params.get("USER"),
                                  "password": params.get("PASSWORD")}.items() if v}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["NAME"])))
    except psycopg.Error as exc:
        raise CommandError(f"无法创建数据库 {params['NAME']}：{str(exc).splitlines()[0]}", 1) from None
    print(f"已创建数据库 {params['NAME']}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongkai", description="gongkai 政府信息公开工作平台")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _register_django(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"gongkai: {exc.message}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("gongkai: 已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    # Run the imported module's main, so CommandError raised by area commands (which import
    # gongkai.cli) is the class caught here, not a second copy living in __main__.
    from gongkai.cli import main as _main

    sys.exit(_main())
