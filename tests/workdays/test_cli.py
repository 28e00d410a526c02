"""``gongkai workdays`` as a real subprocess: before migrate (chinesecalendar) and on a migrated database."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    e["GONGKAI_VAR"] = str(tmp_path)  # a fresh, unmigrated SQLite database
    return e


def gongkai(env, *args):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_add_before_migrate(env):
    r = gongkai(env, "workdays", "add", "2024-09-25", "20")
    assert (r.returncode, r.stdout, r.stderr) == (0, "2024-10-28\n", "")
    r = gongkai(env, "workdays", "add", "2025-01-20", "7")
    assert r.stdout == "2025-02-05\n"


def test_between(env):
    r = gongkai(env, "workdays", "between", "2024-09-25", "2024-10-28")
    assert (r.returncode, r.stdout) == (0, "20\n")
    r = gongkai(env, "workdays", "between", "2025-01-24", "2025-02-08")
    assert r.stdout == "6\n"


def test_provisional_notice_on_stderr(env):
    r = gongkai(env, "workdays", "add", "2026-12-20", "20")
    assert r.returncode == 0 and r.stdout == "2027-01-15\n"
    assert "临时结果：2027年的节假日安排尚未录入" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("add", "2024-13-01", "3"), "日期格式不正确：2024-13-01"),
    (("add", "2024-09-25", "二十"), "工作日数应为整数"),
    (("add", "2024-09-25", "-1"), "工作日数应在0到3650之间"),
    (("between", "2024-09-25", "yesterday"), "日期格式不正确：yesterday"),
    (("add", "9999-12-31", "20"), "超出了可计算的日期范围"),
])
def test_bad_input_exit_2(env, args, message):
    r = gongkai(env, "workdays", *args)
    assert r.returncode == 2 and r.stdout == ""
    assert message in r.stderr and "Traceback" not in r.stderr


def test_uses_the_database_calendar_once_migrated(env):
    assert gongkai(env, "migrate", "--noinput").returncode == 0
    script = (
        "from gongkai.cli import setup_django; setup_django()\n"
        "from datetime import date\n"
        "from gongkai.workdays.services import enter_year\n"
        "enter_year(2027, [(date(2027, 1, 1), date(2027, 1, 3), '元旦')], [], notice='测试通知')\n"
    )
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = gongkai(env, "workdays", "add", "2026-12-20", "20")
    assert (r.returncode, r.stdout, r.stderr) == (0, "2027-01-18\n", "")


def test_years_without_schedule_listed_as_ranges(env):
    r = gongkai(env, "workdays", "between", "2003-12-01", "2030-01-10")
    assert r.returncode == 0
    assert "临时结果：2003年、2027年至2030年的节假日安排尚未录入" in r.stderr and len(r.stderr) < 200
