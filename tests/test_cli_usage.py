"""Mistyped command lines are answered in Chinese with exit code 2, like every other user error."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv, expected", [
    (["report", "render", "x.txt", "--to", "pptx", "-o", "out"], "无效的选项 'pptx'"),
    (["report"], "缺少必需的参数"),
    (["report", "parse", "a.txt", "--bogus"], "无法识别的参数：--bogus"),
    (["no-such-command"], "无效的选项 'no-such-command'"),
    (["serve", "--port", "abc"], "端口应为 1 至 65535 的整数"),
    (["serve", "--port", "70000"], "端口应为 1 至 65535 的整数"),
])
def test_usage_errors_are_chinese(argv, expected):
    res = subprocess.run([sys.executable, "-m", "gongkai.cli", *argv], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert expected in res.stderr
    assert "error:" not in res.stderr and "usage:" not in res.stderr and "Traceback" not in res.stderr


def test_database_down_is_one_chinese_line(tmp_path):
    # Port 1 on localhost refuses connections: Django's OperationalError used to end in a traceback.
    import os

    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/gongkai_none"}
    res = subprocess.run([sys.executable, "-m", "gongkai.cli", "migrate"], capture_output=True, text=True,
                         timeout=60, env=env, cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.startswith("gongkai: 数据库操作失败") and "Traceback" not in res.stderr
