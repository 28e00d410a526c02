"""Scans and table images → ``Report`` through offline OCR.

RapidOCR (``rapidocr-onnxruntime``) runs the PP-OCR detection and recognition models shipped in its
wheel: nothing is downloaded, nothing leaves the machine. Each page image gives text boxes with a
position and a recognition confidence; the boxes become positioned characters, and from there the
PDF text-layer path takes over (``pdf.lines_from_pages``: rows rebuilt from positions, wrapped
labels joined, vertical group labels lifted out), then the shared assembly (``core.assemble``).

A number is never guessed: an OCR'd number with a confidence below ``HIGH_CONFIDENCE`` is accepted only
where its row's identity (表三 row total, 表四 group total) holds with the numbers as read; otherwise
the cell is ``"?"`` with the reason "识别置信度低".
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from statistics import median
from typing import Callable, Iterable

from ..errors import ReportError
from ..layouts import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS
from ..model import Report

# A recognised number at or above this confidence is taken as read; below it only where an identity holds.
HIGH_CONFIDENCE = 0.9
# Boxes below this are not text at all (specks, stamps): RapidOCR's own default cut is 0.5.
MIN_SCORE = 0.3
# Pages are rendered at 144 dpi: table digits are ~25 px high, enough for PP-OCR, and the time per page
# stays ~10 s on two cores. Larger images are scaled down to this long side first.
RENDER_SCALE = 2.0
MAX_SIDE = 2400
# Bounds on untrusted images: pixels decoded (decompression bombs) and pages OCR'd per file.
MAX_PIXELS = 60_000_000
MAX_OCR_PAGES = 40
LOW_REASON = "识别置信度低"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float


# CPU and wall-clock seconds the bounded worker grants for one OCR'd image (about 10 s a page on two
# cores when idle; the margin is for a busy machine).
PAGE_BUDGET = (60, 90)


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(text_score=MIN_SCORE)


def _quiet_engine_logs() -> None:
    import logging

    for name in ("RapidOCR", "rapidocr_onnxruntime", "onnxruntime"):
        logging.getLogger(name).setLevel(logging.ERROR)


def ocr_image(image) -> list[Box]:
    """One image (PIL) → text boxes, straightened when the scan is slightly rotated. The same image
    read again (a page checked twice, a picture repeated in a saved page) is not OCR'd again."""
    import hashlib

    img = _bounded(image)
    key = (img.size, hashlib.sha256(img.convert("RGB").tobytes()).hexdigest())
    hit = _RECENT.get(key)
    if hit is None:
        hit = _RECENT[key] = _ocr(img)
        while len(_RECENT) > 8:
            _RECENT.pop(next(iter(_RECENT)))
    return list(hit)


_RECENT: dict[tuple, tuple[Box, ...]] = {}


def _ocr(img) -> tuple[Box, ...]:
    import numpy as np

    from ..worker import grant

    _quiet_engine_logs()
    grant(*PAGE_BUDGET)  # in the bounded worker: this page may take seconds of CPU and wall clock
    arr = np.asarray(img.convert("RGB"))[:, :, ::-1]  # RapidOCR takes BGR like OpenCV
    try:
        result, _ = _engine()(arr, use_cls=False)
    except Exception as exc:  # the engine's own failures on a strange image: a clear error, no traceback
        raise ReportError(f"图片文字识别失败：{type(exc).__name__}") from None
    quads = [(q, str(t), float(s)) for q, t, s in (result or []) if str(t).strip()]
    angle = _skew(quads)
    cx, cy = img.width / 2, img.height / 2
    ca, sa = math.cos(-angle), math.sin(-angle)
    boxes = []
    for quad, text, score in quads:
        pts = [((x - cx) * ca - (y - cy) * sa + cx, (x - cx) * sa + (y - cy) * ca + cy) for x, y in quad]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text.strip(), score))
    return tuple(boxes)


def _bounded(image):
    if image.width * image.height > MAX_PIXELS:
        raise ReportError("图片尺寸过大，未读取")
    side = max(image.width, image.height)
    if side > MAX_SIDE:
        k = MAX_SIDE / side
        image = image.resize((max(1, round(image.width * k)), max(1, round(image.height * k))))
    return image


def _skew(quads) -> float:
    """The page's rotation (radians) from the long text boxes' top edges; 0 when there are too few."""
    angles = []
    for quad, text, _ in quads:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        if x1 - x0 > 3 * abs(quad[3][1] - y0) and len(text) >= 4:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return median(angles) if len(angles) >= 3 else 0.0


# -- boxes → the PDF path's pages --------------------------------------------------------------
_NUMBER = re.compile(r"^[-+]?\d[\d,，.]*$")


def _is_low_number(box: Box) -> bool:
    return box.score < HIGH_CONFIDENCE and bool(_NUMBER.match(box.text.replace(" ", "")))


def _chars(boxes: Iterable[Box], mask: bool, scale: float) -> list[dict]:
    """Positioned characters, spread evenly over their box (a low-confidence number as "?" when masking).

    An OCR box is padded around its glyphs: the characters get the glyph band (the middle 80 %), as a
    text layer gives them, so tightly set rows stay apart. Numbers of neighbouring cells that the
    detector read as one box ("215 216") are set a full character apart, as separate cells."""
    from .pdf import normalise_text

    out = []
    for n, b in enumerate(boxes):
        b = Box(b.x0 / scale, b.top / scale, b.x1 / scale, b.bottom / scale, b.text, b.score)
        number = bool(_NUMBER.match(b.text.replace(" ", "")))
        text = normalise_text(b.text)
        if mask and _is_low_number(b):
            text = "?"
        height = b.bottom - b.top
        mid = (b.top + b.bottom) / 2
        size = max(0.8 * height, 1.0)
        top, bottom = mid - size / 2, mid + size / 2
        parts = text.split()
        if len(parts) > 1 and all(_NUMBER.match(x) for x in parts):
            w = (b.x1 - b.x0) / max(len("".join(parts)) + len(parts) - 1, 1)
            x = b.x0
            for part in parts:
                for ch in part:
                    out.append({"text": ch, "x0": x, "x1": x + w, "top": top, "bottom": bottom, "size": size,
                                "box": n, "number": True})
                    x += w
                x += size  # a cell boundary: a gap wider than the segment split (0.9 × size)
            continue
        w = (b.x1 - b.x0) / max(len(text), 1)
        for k, ch in enumerate(text):
            if ch.strip():
                out.append({"text": ch, "x0": b.x0 + k * w, "x1": b.x0 + (k + 1) * w,
                            "top": top, "bottom": bottom, "size": size, "box": n, "number": number})
    return out


def _scale(boxes: list[Box]) -> float:
    """Pixels per PDF point, from the text's height: the PDF path's geometry is in points, and body text
    of a report is set at about 10.5 pt (an OCR box is about 1.4 × the type size)."""
    heights = sorted(b.bottom - b.top for b in boxes if len(b.text) >= 2)
    if not heights:
        return 1.0
    return max(heights[len(heights) // 2] / (1.4 * 10.5), 0.25)


def document_from_boxes(pages: list[tuple[float, float, list[Box]]], mask: bool = False):
    """(width, height, boxes) per page (pixels) → ``core.Document``."""
    from .core import Document
    from .pdf import _chars_to_lines, _Page, lines_from_pages

    built = []
    for n, (width, height, boxes) in enumerate(pages, 1):
        scale = _scale(boxes)
        lines = _chars_to_lines(_chars(boxes, mask, scale))
        built.append(_Page(n, width / scale, height / scale, [(line.top, line) for line in lines]))
    lines, tables = lines_from_pages(built, place_blanks=False)
    return Document(lines=lines, tables=tables, source="ocr")


def report_from_boxes(pages: list[tuple[float, float, list[Box]]]) -> Report:
    from .core import assemble

    report = assemble(documents_from_boxes(pages))
    report.notes.append(OCR_NOTE)
    return report


OCR_NOTE = "本报告由图片经文字识别（OCR）读取，请核对原件"


def has_low(pages: list[tuple[float, float, list[Box]]]) -> bool:
    return any(_is_low_number(b) for _, _, boxes in pages for b in boxes)


def documents_from_boxes(pages: list[tuple[float, float, list[Box]]]):
    """The document as read, carrying (``masked``) the same with low-confidence numbers as "?"."""
    doc = document_from_boxes(pages)
    if has_low(pages):
        doc.masked = document_from_boxes(pages, mask=True)
    return doc


def _rows_with_identity(report: Report) -> dict[str, list[str]]:
    """Row key prefix → its cells, where the last cell is the sum of the others (row_total, appeal_total)."""
    out = {}
    for arow in report.application_rows():
        out[f"applications.{arow.key}."] = [f"applications.{arow.key}.{c.key}" for c in APPLICANT_COLUMNS]
    for g, _ in APPEAL_GROUPS:
        out[f"appeals.{g}."] = [f"appeals.{g}.{c.key}" for c in APPEAL_COLUMNS]
    return out


def accept_by_identity(report: Report, read: Report) -> None:
    """``report`` was assembled with low-confidence numbers as "?", ``read`` with them as read: a cell
    "?" only in ``report`` is a low-confidence number, kept where its row's identity holds in ``read``."""
    low = {u["cell"] for u in report.unreadable} - {u["cell"] for u in read.unreadable}
    if not low:
        return
    identities = _rows_with_identity(report)
    accepted: set[str] = set()
    for prefix, cells in identities.items():
        if not any(c in low for c in cells):
            continue
        values = [read.get(c) for c in cells]
        if all(isinstance(v, int) for v in values) and sum(values[:-1]) == values[-1]:
            for c, v in zip(cells, values):
                if c in low:
                    report.set(c, v)
                    accepted.add(c)
    report.unreadable = [u for u in report.unreadable if u["cell"] not in accepted]
    for u in report.unreadable:
        if u["cell"] in low:
            was = read.get(u["cell"])
            u["reason"] = f"{LOW_REASON}：识别为“{was}”，本行合计关系不能印证" if u["cell"] in _in_identity(identities) \
                else f"{LOW_REASON}：识别为“{was}”"
    if accepted:
        report.notes.append(f"{len(accepted)} 个识别置信度较低的数字经本行合计关系印证后采用")


def _in_identity(identities: dict[str, list[str]]) -> set[str]:
    return {c for cells in identities.values() for c in cells}


# -- inputs ------------------------------------------------------------------------------------
def parse_images(images: list, progress: Progress | None = None) -> Report:
    """PIL images, one page each, in order."""
    if len(images) > MAX_OCR_PAGES:
        raise ReportError(f"图片页数过多（{len(images)} 页），超过 {MAX_OCR_PAGES} 页的识别上限，未读取")
    pages = []
    for k, img in enumerate(images):
        if progress:
            progress(k, len(images))
        boxes = ocr_image(img)
        pages.append((float(img.width), float(img.height), boxes))
    if progress:
        progress(len(images), len(images))
    if not any(boxes for _, _, boxes in pages):
        raise ReportError("图片中没有识别出文字")
    return report_from_boxes(pages)


def parse_image_bytes(data: bytes, progress: Progress | None = None) -> Report:
    """An uploaded PNG/JPEG (a scanned page or a photo of a table)."""
    return parse_images([open_image(data)], progress)


def open_image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise ReportError("图片尺寸过大，未读取")
        img.load()
    except ReportError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ReportError("图片文件已损坏或格式不支持，无法读取") from None
    return img.convert("RGB")


def parse_scanned_pdf(data: bytes, progress: Progress | None = None) -> Report:
    """A PDF without a text layer: each page rendered (pypdfium2) and OCR'd."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:
        raise ReportError("PDF 文件已损坏或格式不正确，无法读取") from None
    try:
        n = len(pdf)
        if n > MAX_OCR_PAGES:
            raise ReportError(f"扫描件页数过多（{n} 页），超过 {MAX_OCR_PAGES} 页的识别上限，未读取")
        pages = []
        for k in range(n):
            if progress:
                progress(k, n)
            page = pdf[k]
            w, h = page.get_size()
            scale = min(RENDER_SCALE, MAX_SIDE / max(w, h, 1))
            img = page.render(scale=scale).to_pil()
            boxes = ocr_image(img)
            pages.append((float(img.width), float(img.height), boxes))
        if progress:
            progress(n, n)
    finally:
        pdf.close()
    if not any(boxes for _, _, boxes in pages):
        raise ReportError("PDF 没有文字层，扫描图像中也没有识别出文字，无法读取")
    return report_from_boxes(pages)


def files_beside(page_path) -> Callable[[str], bytes | None]:
    """``<img src>`` of a saved web page → the image file's bytes, read only from the page's own folder
    (and its sub-folders, as browsers save them: "报告_files/1.png"); never a URL, an absolute path or a
    path out of the folder; at most ``MAX_IMAGE_FILE`` bytes."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    folder = Path(page_path).resolve().parent

    def read(src: str) -> bytes | None:
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or not parts.path:
            return None
        try:
            target = (folder / unquote(parts.path)).resolve()
            if folder not in target.parents or not target.is_file() or target.stat().st_size > MAX_IMAGE_FILE:
                return None
            return target.read_bytes()
        except (OSError, ValueError):
            return None

    return read


MAX_IMAGE_FILE = 20 * 1024 * 1024
