"""PDF: WeasyPrint from the HTML page, with an installed Chinese font embedded.

The font is located once through fontconfig (``fc-list :lang=zh``). It is referenced by its family name
rather than by an ``@font-face`` url: Noto CJK ships as .ttc collections, and WeasyPrint loads a
collection from a url without its face index (it would take the Japanese face); fontconfig's family
match picks the exact Simplified Chinese face. Without any Chinese font the PDF would print tofu, so
that is a ``ReportError`` instead.
"""
from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import ReportError
from ..model import Report
from .html import render_html

NO_FONT_MESSAGE = "未安装中文字体（fonts-noto-cjk），无法生成 PDF"

# Preferred families, best first: Simplified Chinese faces of Noto / Source Han.
SERIF_FAMILIES = ("Noto Serif CJK SC", "Source Han Serif SC", "Noto Serif SC")
SANS_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC")


@dataclass(frozen=True)
class CJKFonts:
    body: str  # family for the text and tables
    heading: str  # family for the title and section headings


def _installed_chinese_families() -> list[str]:
    try:
        out = subprocess.run(["fc-list", "-f", "%{family}\n", ":lang=zh"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    families: list[str] = []
    for line in out.splitlines():
        for name in line.split(","):
            name = name.strip()
            if name and name not in families:
                families.append(name)
    return families


@functools.lru_cache(maxsize=1)
def find_cjk_fonts() -> CJKFonts | None:
    """The Chinese font families to embed, or None when fontconfig knows none (cached per process)."""
    installed = _installed_chinese_families()
    if not installed:
        return None

    def pick(preferred: tuple[str, ...]) -> str | None:
        return next((f for f in preferred if f in installed), None)

    # Any other Chinese font still beats tofu; prefer a Simplified Chinese, non-monospace one.
    fallback = next((f for f in installed if f.endswith(" SC") and "Mono" not in f), installed[0])
    body = pick(SERIF_FAMILIES) or pick(SANS_FAMILIES) or fallback
    return CJKFonts(body=body, heading=pick(SANS_FAMILIES) or body)


def _font_css(fonts: CJKFonts) -> str:
    return (f'html, table.gk-table {{ font-family: "{fonts.body}"; }}\n'
            f'h1, h2 {{ font-family: "{fonts.heading}"; }}\n')


def render_pdf(report: Report, findings: Iterable[Any] | None = None) -> bytes:
    fonts = find_cjk_fonts()
    if fonts is None:
        raise ReportError(NO_FONT_MESSAGE)
    from weasyprint import HTML  # imported late: loading WeasyPrint costs ~0.3 s

    return HTML(string=render_html(report, findings, extra_css=_font_css(fonts))).write_pdf()
