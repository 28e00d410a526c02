"""Annual-report benchmarks: parse cost over bare extraction per format, PDF rendering, batch audit.

Goals (each line prints "goal ≤ 1.5" and OK/FAIL):
- parse time / time of the bare extraction of the same input (lxml, PDFium text, python-docx, splitlines;
  PDF goal ≤ 3);
- seconds to render one report to PDF;
- audit of 1,000 generated reports: time per file at 1,000 over time per file at 100 (linear), and peak
  memory of any audit process at 1,000 over at 100 (flat). Peak memory is the largest ru_maxrss of the
  audit process and its workers (RUSAGE_CHILDREN of a wrapper process per run).
"""
from __future__ import annotations

import copy
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOAL = 1.5
AUDIT_FILES = 1000
AUDIT_SAMPLE = 100


# A PDF's bare extraction (PDFium's text) has no layout: rebuilding lines and ruled tables costs more.
GOALS = {"pdf": 3.0}


def _line(name: str, value: float, detail: str, unit: str = "×", goal: float = GOAL) -> None:
    verdict = "OK" if value <= goal else "FAIL"
    print(f"{name:<40} {value:9.2f}{unit:<2} goal ≤ {goal}{unit.strip()}  {verdict}   {detail}", flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} µs"


def _timeit(fn, budget: float = 1.5, max_runs: int = 50) -> float:
    """Median seconds of ``fn()``, repeated within about ``budget`` seconds (at least 3 runs)."""
    times = []
    started = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - started < budget and len(times) < max_runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _seed_report():
    from gongkai.report.model import Report

    data = json.loads((SHARED / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))
    return Report.from_dict(data)


def _markdown(report) -> bytes:
    """The report as Markdown: section headings, prose, pipe tables (merged cells repeated)."""
    from gongkai.report.layouts import SECTION_TITLES
    from gongkai.report.model import format_cell
    from gongkai.report.render.grid import grids, report_title

    out = [f"# {report_title(report)}", ""]
    tables = {g.table: g for g in grids(report)}
    for num, title in SECTION_TITLES.items():
        out += [f"## {title}", ""]
        if num in report.sections:
            out += [report.sections[num], ""]
        grid = tables.get({"2": "proactive", "3": "applications", "4": "appeals"}.get(num, ""))
        if grid:
            matrix = [[""] * grid.ncols for _ in range(grid.nrows)]
            for c in grid.cells:
                text = format_cell(c.value) if c.kind == "data" else c.text
                for r in range(c.row, c.row + c.rowspan):
                    for k in range(c.col, c.col + c.colspan):
                        matrix[r][k] = text
            out.append("| " + " | ".join(matrix[0]) + " |")
            out.append("|" + "---|" * grid.ncols)
            out += ["| " + " | ".join(row) + " |" for row in matrix[1:]]
            out.append("")
    return "\n".join(out).encode("utf-8")


def _bare(fmt: str):
    """The bare extraction each parser cannot avoid, for the same bytes."""
    if fmt in ("text", "markdown"):
        return lambda data: data.decode("utf-8").splitlines()
    if fmt == "html":
        import lxml.html

        return lambda data: lxml.html.fromstring(data)
    if fmt == "docx":
        import docx

        return lambda data: docx.Document(io.BytesIO(data))
    if fmt == "pdf":
        import pypdfium2 as pdfium

        def extract(data):
            # PDFium's text of every page: what parsers/pdfium.py reads characters from.
            pdf = pdfium.PdfDocument(data)
            try:
                out = []
                for i in range(len(pdf)):
                    page = pdf[i]
                    textpage = page.get_textpage()
                    out.append(textpage.get_text_range())
                    textpage.close()
                    page.close()
                return out
            finally:
                pdf.close()

        return extract
    raise ValueError(fmt)


def bench_parse() -> None:
    from gongkai.report.parsers import parse_bytes
    from gongkai.report.render import render

    seed = _seed_report()
    inputs = [
        ("text", "seed.txt", (SHARED / "seeds" / "000_0e482e19bd443c5d.txt").read_bytes()),
        ("html", "seed.html", render(seed, "html")),
        ("docx", "seed.docx", render(seed, "docx")),
        ("markdown", "seed.md", _markdown(seed)),
    ]
    inputs += [("pdf", p.name, p.read_bytes()) for p in sorted((SHARED / "corpus").glob("*.pdf"))]
    for fmt, name, data in inputs:
        label = f"parse {fmt} ({name})"
        try:
            parse_bytes(data, name)
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"{label:<40} parse failed: {type(exc).__name__}: {exc}   FAIL", flush=True)
            continue
        budget = 4.0 if fmt == "pdf" else 1.5
        t_parse = _timeit(lambda: parse_bytes(data, name), budget=budget)
        bare = _bare(fmt)
        t_bare = _timeit(lambda: bare(data), budget=budget)
        _line(label, t_parse / t_bare, f"parse {_ms(t_parse)} / bare {_ms(t_bare)}", goal=GOALS.get(fmt, GOAL))


def bench_render_pdf() -> None:
    from gongkai.report.checks import check
    from gongkai.report.render import render

    seed = _seed_report()
    findings = check(seed)
    render(seed, "pdf", findings)  # fonts and CSS loaded once
    t = _timeit(lambda: render(seed, "pdf", findings), budget=3.0, max_runs=5)
    _line("render one report to PDF", t, f"{t * 1000:.0f} ms", unit="s")


def _generate(folder: Path, n: int) -> None:
    """``n`` reports as HTML, DOCX, JSON and a few PDFs, in sub-folders of AUDIT_SAMPLE files.

    Agencies repeat over four consecutive years, so the cross-year rules run; every tenth report has
    a broken total, so there are findings to write.
    """
    from gongkai.report.render import render

    folder.mkdir(parents=True, exist_ok=True)
    seed = _seed_report()
    slow: dict[str, list[bytes]] = {"docx": [], "pdf": []}  # slow to render: a handful, reused
    for i in range(n):
        report = copy.deepcopy(seed)
        report.agency = f"基准测试市第{i // 4}局"
        report.year = 2021 + i % 4
        k = i % 7
        for col in ("natural_person", "total"):
            report.set(f"applications.new_received.{col}", 2 + k)
            report.set(f"applications.granted.{col}", k)
            report.set(f"applications.total_processed.{col}", 2 + k)
        if i % 10 == 0:
            report.set("applications.total_processed.total", 99)
        sub = folder / f"{i // AUDIT_SAMPLE:03d}"
        sub.mkdir(exist_ok=True)
        kind = i % 10
        fmt = "html" if kind < 4 else "docx" if kind < 7 else "pdf" if i % 50 == 9 else "json"
        if fmt in slow:
            if len(slow[fmt]) < 5:
                slow[fmt].append(render(report, fmt))
            data = slow[fmt][i % len(slow[fmt])]
        else:
            data = render(report, fmt)
        (sub / f"r{i:05d}.{fmt}").write_bytes(data)


_WRAPPER = """
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t
print(rc, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _audit(paths: list[Path], out: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of ``gongkai report audit`` in a fresh wrapper process."""
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-m", "gongkai.cli", "report", "audit",
           *map(str, paths), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    rc, wall, rss = res.stdout.split()
    if rc != "0":
        raise RuntimeError(f"audit exited {rc}")
    return float(wall), int(rss)


def bench_audit() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    try:
        t = time.perf_counter()
        _generate(tmp / "reports", AUDIT_FILES)
        print(f"(generated {AUDIT_FILES} reports in {time.perf_counter() - t:.1f} s)", flush=True)
        small_wall, small_rss = _audit([tmp / "reports" / "000"], tmp / "audit-100.xlsx")
        big_wall, big_rss = _audit([tmp / "reports"], tmp / "audit-1000.xlsx")
        per_small = small_wall / AUDIT_SAMPLE
        per_big = big_wall / AUDIT_FILES
        print(f"audit {AUDIT_SAMPLE} files: {small_wall:.1f} s, peak {small_rss / 1024:.0f} MiB; "
              f"audit {AUDIT_FILES} files: {big_wall:.1f} s, peak {big_rss / 1024:.0f} MiB", flush=True)
        _line(f"audit time/file {AUDIT_FILES} vs {AUDIT_SAMPLE}", per_big / per_small,
              f"{per_big * 1000:.1f} ms vs {per_small * 1000:.1f} ms per file")
        _line(f"audit peak memory {AUDIT_FILES} vs {AUDIT_SAMPLE}", big_rss / small_rss,
              f"{big_rss / 1024:.0f} MiB vs {small_rss / 1024:.0f} MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> None:
    for step in (bench_parse, bench_render_pdf, bench_audit):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a bench informs; show what failed and go on
            print(f"{step.__name__} failed: {type(exc).__name__}: {exc}   FAIL", flush=True)
