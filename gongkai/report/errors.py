"""Errors of the report toolkit. Messages are Chinese, one line, meant for the person at the screen."""
from __future__ import annotations

import errno


class ReportError(Exception):
    """The input cannot be read as an annual report (CLI exit code 2)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


_OS_REASONS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是文件夹，不是文件",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.ENAMETOOLONG: "文件名过长",
}


def os_reason(exc: OSError) -> str:
    """An ``OSError`` in Chinese for the message after “无法读取/写入…：”; the system text otherwise."""
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc))
