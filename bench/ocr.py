"""Issue 9 benchmarks: reading scans by OCR, and flattened one-line pages.

- OCR time per page ÷ the bare OCR engine's time on the same page image (goal ≤ 1.3): what the parser
  adds (rendering, rows rebuilt from positions, two assemblies for the confidence rule) over RapidOCR.
- Parse of the seed flattened into one line ÷ the parse of the seed with its line breaks (goal ≤ 2).
- Whole scanned pages (WeasyPrint- and Chromium-printed, turned 0.6°, with noise) read end to end: every
  cell must equal the reference or be "?" with a reason; the count of "?" is printed. These take about
  10 s a page on two cores, which is why they are here and not in ``make test``.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _line(name: str, value: float, goal: float, detail: str) -> None:
    verdict = "OK" if value <= goal else "FAIL"
    print(f"{name:<44} {value:8.2f}×  goal ≤ {goal}×  {verdict}   {detail}", flush=True)


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def flattened() -> None:
    from gongkai.report.parsers import parse_text

    text = (SHARED / "seeds" / "000_0e482e19bd443c5d.txt").read_text(encoding="utf-8")
    flat = re.sub(r"\s+", "", text)
    parse_text(text), parse_text(flat)  # warm caches
    base = _median(lambda: parse_text(text), 30)
    one_line = _median(lambda: parse_text(flat), 30)
    _line("flattened parse / parse with line breaks", one_line / base, 2,
          f"{one_line * 1000:.1f} ms vs {base * 1000:.1f} ms")


def ocr_ratio_and_scans() -> None:
    import numpy as np
    import pypdfium2 as pdfium

    from gongkai.report.parsers.ocr import RENDER_SCALE, _engine
    from gongkai.report.parsers.pdf import parse_pdf
    from tests.report.scans import assert_cells, compact_html, image_pdf, rasterise, seed_report, weasy_pdf
    from tests.report.test_parse_printed import with_blanks
    from tests.report.test_parse_samples import sample_report

    seed = seed_report(SHARED)
    scan_img = rasterise(weasy_pdf(compact_html(seed)), scale=RENDER_SCALE)
    scan = image_pdf([scan_img])
    # The bare engine on the very page image the parser renders from the scan.
    doc = pdfium.PdfDocument(scan)
    page = doc[0]
    w, h = page.get_size()
    img = page.render(scale=min(RENDER_SCALE, 2400 / max(w, h))).to_pil().convert("RGB")
    doc.close()
    arr = np.asarray(img)[:, :, ::-1]
    engine = _engine()
    # Load the models once, as a running server has them, on a strip of the page (a whole page is ~10 s).
    # The parser then goes first, so any first-full-page cost counts against it, not in its favour.
    engine(arr[: arr.shape[0] // 8], use_cls=False)
    t = time.perf_counter()
    report = parse_pdf(scan)
    full = time.perf_counter() - t
    t = time.perf_counter()
    engine(arr, use_cls=False)
    bare = time.perf_counter() - t
    _line("OCR per page / bare OCR engine", full / bare, 1.3, f"{full:.1f} s vs {bare:.1f} s (1 page)")
    _check("scan of the seed (WeasyPrint, 0.6°, noise)", report, seed, assert_cells)

    generated = with_blanks(sample_report("2021", 2023, seed=2))
    html = compact_html(generated)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            page.set_content(html)
            printed = page.pdf(format="A4", margin={"top": "8mm", "bottom": "8mm", "left": "10mm", "right": "10mm"})
            browser.close()
    except Exception as exc:  # no chromium here: say so, go on
        print(f"chromium print skipped: {exc}", flush=True)
        printed = None
    if printed:
        pages = len(pdfium.PdfDocument(printed))
        scan = image_pdf([rasterise(printed, page=k, angle=-0.5, seed=k) for k in range(pages)])
        t = time.perf_counter()
        report = parse_pdf(scan)
        _check(f"scan of a Chromium print with blanks ({pages} p, {time.perf_counter() - t:.0f} s)", report,
               generated, assert_cells)


def _check(name: str, report, expected, assert_cells) -> None:
    try:
        unknown = assert_cells(report, expected)
    except AssertionError as exc:
        print(f"{name:<44} FAIL   {str(exc)[:300]}", flush=True)
        return
    total = sum(1 for _ in expected.cells())
    print(f"{name:<44} OK     no wrong value; {unknown} of {total} cells \"?\" with a reason", flush=True)


def run() -> None:
    flattened()
    ocr_ratio_and_scans()


if __name__ == "__main__":
    run()
