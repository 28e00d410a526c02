"""Renderers: ``Report`` → a published form of the annual report.

Entry points:

    render(report, fmt, findings=None) -> bytes     # fmt: html, docx, pdf, xlsx, json
    render_tables_html(report, findings=None) -> str  # just tables 二–四, for embedding in a page

Every format prints the official layout (Art. 50 of the Regulations) from ``grid.py``, which reads
its labels from ``layouts.py``. A null cell prints as an empty cell.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..errors import ReportError
from ..model import Report
from .html import TABLE_CSS, render_html, render_tables_html

FORMATS = ("html", "docx", "pdf", "xlsx", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

__all__ = ["FORMATS", "MEDIA_TYPES", "TABLE_CSS", "render", "render_html", "render_tables_html"]


def render(report: Report, fmt: str, findings: Iterable[Any] | None = None) -> bytes:
    """The report in ``fmt``; ``findings`` (check results) are highlighted in HTML and PDF."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt == "html":
        return render_html(report, findings).encode("utf-8")
    if fmt == "json":
        return report.to_json().encode("utf-8")
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(report, findings)
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(report)
    if fmt == "xlsx":
        from .xlsx import render_xlsx

        return render_xlsx(report)
    raise ReportError(f"不支持的输出格式“{fmt}”，可选：{'、'.join(FORMATS)}")
