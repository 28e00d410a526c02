"""PDF renderer: WeasyPrint with an embedded Chinese font, a clear error without one, and speed."""
from __future__ import annotations

import subprocess
import time

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.layouts import BALANCE_NOTE, SECTION_TITLES
from gongkai.report.model import Report
from gongkai.report.render import pdf as pdf_module
from gongkai.report.render import render


@pytest.fixture(scope="module")
def seed(shared) -> Report:
    return Report.from_json((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_pdf(seed, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render(seed, "pdf"))
    return path


def test_cjk_font_embedded(seed_pdf):
    out = subprocess.run(["pdffonts", str(seed_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    cjk = [r for r in rows if "CJK" in r[0]]
    assert cjk, f"no CJK font in:\n{out}"
    # name type... emb sub uni: every font is embedded (no reliance on the reader's fonts).
    assert all(r[-5] == "yes" for r in rows), out
    found = pdf_module.find_cjk_fonts()
    assert any(found.body.replace(" ", "-") in r[0] for r in cjk)


def test_text_is_real_chinese_not_tofu(seed, seed_pdf):
    text = subprocess.run(["pdftotext", "-layout", str(seed_pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告" in flat
    for title in SECTION_TITLES.values():
        assert title in flat
    for label in ("申请人情况", "法人或其他组织", "未经复议直接起诉", "第二十条第（八）项"):
        assert label in flat
    assert BALANCE_NOTE[1:9] in flat  # the corner note wraps over lines
    assert "28591" in flat
    assert "\ufffd" not in text


def test_a4_pages(seed_pdf):
    info = subprocess.run(["pdfinfo", str(seed_pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    assert "595.28 x 841.89" in size or "(A4)" in size


def test_no_chinese_font_is_a_clear_error(seed, monkeypatch):
    monkeypatch.setattr(pdf_module, "_installed_chinese_families", lambda: [])
    pdf_module.find_cjk_fonts.cache_clear()
    try:
        with pytest.raises(ReportError) as err:
            render(seed, "pdf")
        assert str(err.value) == "未安装中文字体（fonts-noto-cjk），无法生成 PDF"
    finally:
        pdf_module.find_cjk_fonts.cache_clear()


def test_fc_list_missing_means_no_font(seed, monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("fc-list")

    monkeypatch.setattr(pdf_module.subprocess, "run", missing)
    pdf_module.find_cjk_fonts.cache_clear()
    try:
        assert pdf_module.find_cjk_fonts() is None
    finally:
        pdf_module.find_cjk_fonts.cache_clear()


def test_prefers_simplified_chinese_serif():
    fonts = pdf_module.find_cjk_fonts()
    installed = pdf_module._installed_chinese_families()
    if "Noto Serif CJK SC" in installed:
        assert fonts.body == "Noto Serif CJK SC"
    assert fonts.body in installed and fonts.heading in installed


def test_findings_highlighted_in_pdf_too(seed):
    findings = [{"rule": "row_total", "severity": "error", "cells": ["applications.new_received.total"], "message": "总计不符"}]
    assert render(seed, "pdf", findings) != render(seed, "pdf")


def test_fast_enough(seed):
    render(seed, "pdf")  # warm: imports, font lookup
    # CPU time, not wall time: the test machine is shared, and rendering runs in this process.
    start = time.process_time()
    render(seed, "pdf")
    assert time.process_time() - start < 1.5
