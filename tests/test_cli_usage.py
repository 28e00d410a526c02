"""Mistyped command lines are answered in Chinese with exit code 2, like every other user error."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv, expected", [
    (["report", "render", "x.txt", "--to", "pptx", "-o", "out"], "无效的选项 'pptx'"),
    (["report"], "缺少必需的参数"),
    (["report", "parse", "a.txt", "--bogus"], "无法识别的参数：--bogus"),
    (["no-such-command"], "无效的选项 'no-such-command'"),
])
def test_usage_errors_are_chinese(argv, expected):
    res = subprocess.run([sys.executable, "-m", "gongkai.cli", *argv], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert expected in res.stderr
    assert "error:" not in res.stderr and "usage:" not in res.stderr and "Traceback" not in res.stderr
