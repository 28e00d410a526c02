"""Builders of the inputs agencies publish beyond text: browser- and WeasyPrint-printed PDFs, scans made
by rasterising those PDFs with a slight rotation and noise, and PNGs of a table. Each takes a ``Report``
(the seed fixture or a generated one): the expected values are that report, never spelled by hand."""
from __future__ import annotations

import io
import json
from pathlib import Path

from gongkai.report.model import Report
from gongkai.report.render.html import render_html

COMPACT_CSS = """
@page { size: A4; margin: 8mm 10mm; }
html { font-size: 8pt; line-height: 1.25; }
h1 { font-size: 11pt; margin: 0 0 0.3em; } h2 { font-size: 9pt; margin: 0.3em 0 0.1em; }
p { margin: 0.1em 0; }
table.gk-table, table.gk-applications, table.gk-appeals { font-size: 7.5pt; margin: 0.2em 0 0.4em; }
table.gk-table th, table.gk-table td { padding: 1px 2px; }
"""


def seed_report(shared: Path) -> Report:
    return Report.from_json((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


def weasy_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def compact_html(report: Report) -> str:
    """The whole report on one A4 page (short prose, small type): one page to OCR."""
    short = Report.from_json(report.to_json())
    short.sections = {k: v[:60] for k, v in report.sections.items()}
    return render_html(short, extra_css=COMPACT_CSS)


def rasterise(pdf: bytes, page: int = 0, scale: float = 2.0, angle: float = 0.6, noise: float = 10.0,
              seed: int = 7):
    """A page as a scanner gives it: rendered, turned by ``angle`` degrees, with grey noise."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    img = doc[page].render(scale=scale).to_pil().convert("L")
    doc.close()
    img = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    arr = np.asarray(img).astype("float32")
    arr += np.random.default_rng(seed).normal(0.0, noise, arr.shape)
    return Image.fromarray(arr.clip(0, 255).astype("uint8")).convert("RGB")


def image_pdf(images) -> bytes:
    """Images as a PDF without a text layer (what a scanner writes)."""
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=144.0, save_all=True, append_images=list(images[1:]))
    return out.getvalue()


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def cells(report: Report) -> dict[str, object]:
    """Every table cell of a report by key (table.row.column)."""
    data = json.loads(report.to_json())
    return {f"{t}.{r}.{c}": v for t in ("proactive", "applications", "appeals")
            for r, cols in data.get(t, {}).items() for c, v in cols.items()}


def assert_cells(got: Report, expected: Report, max_unknown: int | None = None) -> int:
    """Every cell equals the reference or is "?" with a reason; never a wrong number. Returns the
    number of "?" cells."""
    want, have = cells(expected), cells(got)
    reasons = {u["cell"]: u["reason"] for u in got.unreadable}
    wrong = {k: (v, have.get(k)) for k, v in want.items() if have.get(k) != v and have.get(k) != "?"}
    assert not wrong, f"wrong values: {wrong}"
    unknown = [k for k, v in want.items() if have.get(k) == "?"]
    assert all(reasons.get(k) for k in unknown), [k for k in unknown if not reasons.get(k)]
    if max_unknown is not None:
        assert len(unknown) <= max_unknown, (len(unknown), unknown[:10], [reasons[k] for k in unknown[:3]])
    return len(unknown)


def section_html(report: Report, section: str, css: str = "") -> str:
    """One table section of the official layout on a page of its own (a table image is cut from it)."""
    import re

    from gongkai.report.render.html import PAGE_CSS, TABLE_CSS, render_tables_html

    tables = render_tables_html(report)
    part = re.search(rf'<section class="gk-section" id="section-{section}">.*?</section>', tables, re.S).group(0)
    return f'<html><head><meta charset="utf-8"><style>{PAGE_CSS}{TABLE_CSS}{css}</style></head><body>{part}</body></html>'


def table_image(report: Report, section: str, angle: float = 0.4, noise: float = 8.0):
    """A picture of one table as agencies paste it into a page: the printed table cut out, turned a
    little, with noise."""
    import numpy as np
    from PIL import Image

    page = rasterise(weasy_pdf(section_html(report, section)), angle=0.0, noise=0.0).convert("L")
    arr = np.asarray(page)
    ys, xs = np.nonzero(arr < 200)
    box = (max(int(xs.min()) - 12, 0), max(int(ys.min()) - 12, 0), int(xs.max()) + 12, int(ys.max()) + 12)
    img = page.crop(box).rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    arr = np.asarray(img).astype("float32") + np.random.default_rng(3).normal(0.0, noise, (img.height, img.width))
    return Image.fromarray(arr.clip(0, 255).astype("uint8")).convert("RGB")
