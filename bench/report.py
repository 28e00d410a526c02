"""Annual-report benchmarks: parse cost over bare extraction per format, PDF rendering, batch audit.

Goals (each line prints its goal and OK/FAIL):
- parse time / time of the bare extraction of the same input (lxml, PDFium text, python-docx, splitlines;
  goal ≤ 1.5, PDF ≤ 3);
- seconds to render one report to PDF;
- batch audit of 2,000 generated reports of mixed formats (HTML, DOCX, JSON, text, Markdown, PDF):
  wall-clock time ÷ the ideal, the sum of each file's one-file CPU time (parse + checks in one warm
  process, measured in the same run) ÷ cores, goal ≤ 1.3; time per file at 2,000 over at 200 (linear),
  and peak memory at 2,000 over at 200 (flat). Peak memory is the largest ru_maxrss of the audit process
  and its workers (RUSAGE_CHILDREN of a wrapper process per run). The inputs are cached in
  var/bench/audit-v<GENERATOR_VERSION>-2000/.
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
AUDIT_FILES = 2000
AUDIT_SAMPLE = 200
AUDIT_GOAL = 1.3  # batch audit wall over the ideal (sum of one-file CPU ÷ cores)


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
        budget = 2.0 if fmt == "pdf" else 1.0  # at least 3 runs each: a PDF takes about a second a run
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
    t = _timeit(lambda: render(seed, "pdf", findings), budget=2.0, max_runs=5)
    _line("render one report to PDF", t, f"{t * 1000:.0f} ms", unit="s")


GENERATOR_VERSION = 2  # bump when _generate changes: cached inputs under var/bench/ are then remade


def _kind(i: int) -> str:
    """The format of generated file ``i``: 35 % HTML, 25 % DOCX, 20 % JSON, 10 % text, 5 % Markdown,
    1 % PDF (half printed by WeasyPrint, half real reports of the corpus), the rest JSON."""
    k = i % 20
    if k < 7:
        return "html"
    if k < 12:
        return "docx"
    if k < 16:
        return "json"
    if k < 18:
        return "txt"
    if k == 18:
        return "md"
    return "pdf" if i % 100 == 19 else "json"


def _generate(folder: Path, n: int) -> None:
    """``n`` reports of mixed formats in sub-folders of AUDIT_SAMPLE files (each folder the same mix).

    Agencies repeat over four consecutive years, so the cross-year rules run; every tenth report has a
    broken total, so there are findings to write. HTML, JSON and Markdown are rendered per report (fast);
    DOCX is rendered for a few variants, then each copy gets its own agency and year by editing
    word/document.xml; text is the seed report with its agency and year replaced; PDF are a few blobs
    reused (WeasyPrint takes seconds a report; a PDF's text cannot be edited cheaply).
    """
    import zipfile

    from gongkai.report.render import render

    folder.mkdir(parents=True, exist_ok=True)
    seed = _seed_report()
    seed_text = (SHARED / "seeds" / "000_0e482e19bd443c5d.txt").read_text(encoding="utf-8")
    corpus = [p.read_bytes() for p in sorted((SHARED / "corpus").glob("*.pdf"))]
    pdf: list[bytes] = []
    docx = []  # four variants under the seed's agency and year, edited per copy below
    for v in range(4):
        variant = copy.deepcopy(seed)
        for col in ("natural_person", "total"):
            variant.set(f"applications.new_received.{col}", 2 + v)
            variant.set(f"applications.granted.{col}", v)
            variant.set(f"applications.total_processed.{col}", 2 + v)
        if v == 0:
            variant.set("applications.total_processed.total", 99)
        docx.append(render(variant, "docx"))
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
        fmt = _kind(i)
        if fmt in ("html", "json"):
            data = render(report, fmt)
        elif fmt == "md":
            data = _markdown(report)
        elif fmt == "txt":
            data = seed_text.replace(seed.agency, report.agency).replace(str(seed.year), str(report.year)).encode()
        elif fmt == "docx":
            base = docx[(i // 20) % len(docx)]
            out = io.BytesIO()
            with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
                for item in zin.infolist():
                    body = zin.read(item)
                    if item.filename == "word/document.xml":
                        body = (body.decode().replace(seed.agency, report.agency)
                                .replace(str(seed.year), str(report.year)).encode())
                    zout.writestr(item, body)
            data = out.getvalue()
        else:
            if len(pdf) < 2:
                pdf.append(render(report, "pdf"))
            blobs = pdf + corpus
            data = blobs[(i // 100) % len(blobs)]
        (sub / f"r{i:05d}.{fmt}").write_bytes(data)


def _inputs(n: int) -> Path:
    """The generated reports, cached under var/bench/ by generator version and count."""
    folder = ROOT / "var" / "bench" / f"audit-v{GENERATOR_VERSION}-{n}"
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        t = time.perf_counter()
        _generate(folder / "reports", n)
        (folder / "complete").write_text("", encoding="utf-8")
        print(f"(generated {n} reports in {time.perf_counter() - t:.1f} s, kept in {folder})", flush=True)
    return folder / "reports"


_WRAPPER = """
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)
"""


def _audit(paths: list[Path], out: Path) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds of it and its workers) of ``gongkai report audit`` in
    a fresh wrapper process."""
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-m", "gongkai.cli", "report", "audit",
           *map(str, paths), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    rc, wall, rss, cpu = res.stdout.split()
    if rc != "0":
        raise RuntimeError(f"audit exited {rc}")
    return float(wall), int(rss), float(cpu)


def _one_file_cpu(files: list[Path]) -> float:
    """Sum over ``files`` of the CPU seconds one file takes in one warm process (parse + checks, as a
    worker does): the median of a few files per kind (a PDF: each distinct blob), times the kind's count."""
    import gc
    import hashlib

    from gongkai.report.audit import _audit_file

    groups: dict[str, list[Path]] = {}
    for f in files:
        key = f.suffix
        if key == ".pdf":
            key += hashlib.sha1(f.read_bytes()).hexdigest()
        elif key == ".docx":
            key += str(int(f.stem[1:]) // 20 % 4)  # the four rendered variants
        groups.setdefault(key, []).append(f)
    for group in groups.values():
        _audit_file(str(group[0]))  # warm: lazy imports, caches
    gc.freeze()  # as a worker does: collecting after each file then sees only that file's objects
    total = 0.0
    for key, group in sorted(groups.items()):
        sample = group[:1] if key.startswith(".pdf") else group[:5]
        times = []
        for f in sample:
            t = time.process_time()
            _audit_file(str(f))
            gc.collect()
            times.append(time.process_time() - t)
        total += statistics.median(times) * len(group)
    return total


def bench_audit() -> None:
    import os

    reports = _inputs(AUDIT_FILES)
    files = sorted(p for p in reports.rglob("*") if p.is_file())
    cores = len(os.sched_getaffinity(0))
    cpu = _one_file_cpu(files)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(
        {k: sum(f.suffix == "." + k for f in files) for k in ("html", "docx", "json", "txt", "md", "pdf")}.items()))
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    try:
        small_wall, small_rss, _ = _audit([reports / "000"], tmp / "audit-small.xlsx")
        big_wall, big_rss, big_cpu = _audit([reports], tmp / "audit-big.xlsx")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ideal = cpu / cores
    print(f"audit {len(files)} files ({kinds}): {big_wall:.1f} s wall, peak {big_rss / 1024:.0f} MiB; "
          f"one-file CPU summed {cpu:.1f} s over {cores} cores = {ideal:.1f} s ideal; "
          f"audit {AUDIT_SAMPLE} files: {small_wall:.1f} s, peak {small_rss / 1024:.0f} MiB", flush=True)
    # Not a goal: what the audit spends beyond the files' own work (start-up, workers, IPC, the output).
    # Unlike the wall-clock ratio it hardly moves with other load on the machine.
    print(f"(audit CPU {big_cpu:.1f} s = {big_cpu / cpu:.2f}× the summed one-file CPU; "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)
    _line(f"batch audit {len(files)} files: wall ÷ ideal", big_wall / ideal,
          f"{big_wall:.1f} s vs {ideal:.1f} s (sum of one-file CPU ÷ {cores} cores)", goal=AUDIT_GOAL)
    per_small = small_wall / AUDIT_SAMPLE
    per_big = big_wall / len(files)
    _line(f"audit time/file {len(files)} vs {AUDIT_SAMPLE}", per_big / per_small,
          f"{per_big * 1000:.1f} ms vs {per_small * 1000:.1f} ms per file")
    _line(f"audit peak memory {len(files)} vs {AUDIT_SAMPLE}", big_rss / small_rss,
          f"{big_rss / 1024:.0f} MiB vs {small_rss / 1024:.0f} MiB")


def run() -> None:
    for step in (bench_parse, bench_render_pdf, bench_audit):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a bench informs; show what failed and go on
            print(f"{step.__name__} failed: {type(exc).__name__}: {exc}   FAIL", flush=True)
