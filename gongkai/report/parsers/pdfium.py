"""Positioned characters, ruling edges and ruled tables of a PDF page, read with PDFium (pypdfium2).

This replaces pdfplumber/pdfminer as the reader under ``pdf.py`` (pdfminer's pure-Python content
interpreter was 93% of a parse). Its output has pdfplumber's shapes, so ``pdf.py`` is unchanged above it:

- characters as dicts ``text, x0, x1, top, bottom, size`` in top-down page coordinates (pdfplumber's
  ``top``/``bottom``) with pdfminer's box (x0 at the origin, as wide as the advance, one font size high
  from the font's descent line), which pdf.py's thresholds were tuned on; a glyph without a Unicode
  mapping is ``UNMAPPED``;
- edges (``x0, x1, top, bottom, width, height, orientation``) built from every painted path the way
  pdfminer classifies them: a two-point subpath is a line, a closed axis-aligned four-point subpath a
  rectangle (four edges, so filled thin rectangles drawn by browsers are rules), anything else a curve
  whose axis-aligned point pairs are edges;
- ruled tables from those edges: pdfplumber's "lines" strategy (snap, join, intersections, cells) and its
  ``cells_to_tables`` redone step for step on plain lists: the cells ``page.find_tables()`` gave.

pdfplumber/pdfminer read no PDF any more; tests/report/test_parse_pdfium.py compares this reader with
them on every corpus page. The ctypes calls per character are the cost: the page text comes in one
``FPDFText_GetText`` call; each visible character costs a box, a text-object and a mapping-error call;
size and font metrics are asked per text object or font, the origin only where the loose box is not
pdfminer's box (Type 3 fonts, vertical writing, radicals PDFium normalises). The page walk passes over
the text layer's objects without a call and reads each path's points in one go (``_segments``).
"""
from __future__ import annotations

import ctypes
import functools
import re
import struct
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import groupby, repeat
from operator import itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import ReportError

ENCRYPTED = "PDF 已加密（需要打开密码），无法读取；请提供未加密的文件"
BROKEN = "PDF 文件已损坏或格式不正确，无法读取"

_BEZIER = pdfium_c.FPDF_SEGMENT_BEZIERTO
_MOVE = pdfium_c.FPDF_SEGMENT_MOVETO
_LINE = pdfium_c.FPDF_SEGMENT_LINETO
_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
_TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
# PDFium puts the character code where a glyph has no Unicode mapping, and flags it; pdfminer wrote
# "(cid:N)". Both are unreadable: the caller turns them into "?", never into a guessed character.
UNMAPPED = "\ufffd"


def open_document(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF, or raise ``ReportError`` with the user's reason (encrypted, damaged)."""
    if b"%PDF-" not in data[:1024]:
        raise ReportError("不是 PDF 文件（文件头不是 %PDF）")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReportError(ENCRYPTED) from None
        raise ReportError(BROKEN) from None
    except Exception:
        raise ReportError(BROKEN) from None
    return pdf


@dataclass
class PageContent:
    width: float
    height: float
    chars: list[dict]  # visible characters (no whitespace)
    edges: list[dict] = field(default_factory=list)
    images: int = 0
    unmapped: int = 0


def read_page(page: pdfium.PdfPage) -> PageContent:
    """Characters, edges and image count of one page."""
    raw = page.raw
    box = _mediabox(raw)
    x_off, y_top = box[0], box[3]
    content = PageContent(width=box[2] - box[0], height=box[3] - box[1], chars=[])
    textpage = pdfium_c.FPDFText_LoadPage(raw)
    if not textpage:
        raise ReportError("PDF 页面内容无法解析：文字层")
    try:
        text_objects: set[int] = set()
        content.chars, content.unmapped = _chars(textpage, x_off, y_top, text_objects)
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)
    edges: list[dict] = []
    content.images = _walk(raw, None, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), x_off, y_top, edges, text_objects)
    content.edges = edges
    return content


def _mediabox(raw) -> tuple[float, float, float, float]:
    l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if pdfium_c.FPDFPage_GetMediaBox(raw, l, b, r, t):
        x0, x1 = sorted((l.value, r.value))
        y0, y1 = sorted((b.value, t.value))
        return x0, y0, x1, y1
    return 0.0, 0.0, pdfium_c.FPDF_GetPageWidthF(raw), pdfium_c.FPDF_GetPageHeightF(raw)


def _plain(fn, restype, *argtypes):
    """The same PDFium function taking and returning plain addresses: pypdfium2's bindings wrap every
    handle in a pointer object, whose conversion costs more than the call (per object, per segment)."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, ctypes.c_void_p).value)


def _untyped(fn, restype):
    """The PDFium function without declared argument types: ctypes converts a Python int to a C int and
    passes a ``c_void_p`` as a pointer, faster than checking declared types (a third of the cost of the
    calls made per character). Every pointer argument must be a ``c_void_p``."""
    fn = ctypes.CFUNCTYPE(restype)(ctypes.cast(fn, ctypes.c_void_p).value)
    fn.argtypes = None
    return fn


_VP, _INT = ctypes.c_void_p, ctypes.c_int
# Once per page object (most are text): the page as c_void_p, the index as int.
_PAGE_OBJECT = _untyped(pdfium_c.FPDFPage_GetObject, _VP)
_FORM_OBJECT = _plain(pdfium_c.FPDFFormObj_GetObject, _VP, _VP, ctypes.c_ulong)
_FORM_COUNT = _plain(pdfium_c.FPDFFormObj_CountObjects, _INT, _VP)
_OBJ_TYPE = _plain(pdfium_c.FPDFPageObj_GetType, _INT, _VP)
_SEG_COUNT = _plain(pdfium_c.FPDFPath_CountSegments, _INT, _VP)
_SEGMENT = _plain(pdfium_c.FPDFPath_GetPathSegment, _VP, _VP, _INT)
# The same, per path object of the walk (the object and the matrix buffer as c_void_p).
_OBJ_TYPE_U = _untyped(pdfium_c.FPDFPageObj_GetType, _INT)
_OBJ_MATRIX_U = _untyped(pdfium_c.FPDFPageObj_GetMatrix, _INT)
_SEG_COUNT_U = _untyped(pdfium_c.FPDFPath_CountSegments, _INT)
_SEGMENT_U = _untyped(pdfium_c.FPDFPath_GetPathSegment, _VP)
_SEG_POINT = _plain(pdfium_c.FPDFPathSegment_GetPoint, _INT, _VP, ctypes.POINTER(ctypes.c_float),
                    ctypes.POINTER(ctypes.c_float))
_SEG_TYPE = _plain(pdfium_c.FPDFPathSegment_GetType, _INT, _VP)
_SEG_CLOSE = _plain(pdfium_c.FPDFPathSegment_GetClose, _INT, _VP)
# Per character (textpage and rectangle as c_void_p, index as int): the text object under it (its
# identity), its box, whether its glyph has no Unicode.
_OBJECT_AT = _untyped(pdfium_c.FPDFText_GetTextObject, _VP)
_LOOSE_BOX = _untyped(pdfium_c.FPDFText_GetLooseCharBox, _INT)
_RECT = struct.Struct("4f")
_MAP_ERROR = _untyped(pdfium_c.FPDFText_HasUnicodeMapError, _INT)
_FONT_OF = _plain(pdfium_c.FPDFTextObj_GetFont, _VP, _VP)
_CHAR_MATRIX = _plain(pdfium_c.FPDFText_GetMatrix, _INT, _VP, _INT, _VP)
_FONT_SIZE = _plain(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, _VP, _INT)


# Characters that are drawn: no whitespace (pdfplumber's chars were filtered the same way), no NUL, no
# PDFium's U+FFFE placeholder. re's \s is str.isspace().
_VISIBLE = re.compile("[^\\s\\x00\\ufffe]")


def _chars(textpage, x_off: float, y_top: float, text_objects: set[int]) -> tuple[list[dict], int]:
    """Visible characters and the number unmapped; the text objects met go into ``text_objects``."""
    n = pdfium_c.FPDFText_CountChars(textpage)
    if n <= 0:
        return [], 0
    buf = (ctypes.c_ushort * (n * 2 + 1))()
    got = pdfium_c.FPDFText_GetText(textpage, 0, n, buf)
    text = ctypes.string_at(buf, max(got - 1, 0) * 2).decode("utf-16-le", errors="replace")
    if len(text) != n:
        # Characters outside the BMP come as surrogate pairs: index by character, not by UTF-16 unit.
        get = pdfium_c.FPDFText_GetUnicode
        text = "".join(chr(get(textpage, i)) for i in range(n))
    char_matrix = (ctypes.c_float * 6)()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ox_p, oy_p = ctypes.byref(ox), ctypes.byref(oy)
    origin = pdfium_c.FPDFText_GetCharOrigin
    loose, map_error, object_at, font_of = _LOOSE_BOX, _MAP_ERROR, _OBJECT_AT, _FONT_OF
    tp = ctypes.cast(textpage, ctypes.c_void_p).value
    chars: list[dict] = []
    append = chars.append
    unmapped = 0
    last = -1
    size = em = miner_descent = 0.0
    # em × size, the box height tolerance and the widest box, kept as em and size change.
    em_size = tol = wide_max = 0.0
    type3 = False
    fonts: dict[int | None, tuple[float, float, float, bool]] = {}
    # Per font: how many of its glyphs PDFium flags as unmapped; and the runs of characters in one font
    # (start index in chars, that font's counter), to find its characters afterwards.
    by_font: dict[int | None, list] = {}
    no_font: list = [0]
    of_font = no_font
    runs: list[tuple[int, list]] = [(0, no_font)]
    last_font = -1
    # The per-character calls made in bulk (map runs them without a Python loop): the text object, the
    # mapping error and the loose box (FS_RECTF: left, top, right, bottom) of every visible character.
    # A box PDFium fails to give keeps the previous one's values, as one reused FS_RECTF would.
    at = [m.start() for m in _VISIBLE.finditer(text)]
    k = len(at)
    tp_p = ctypes.c_void_p(tp)
    objects = list(map(object_at, repeat(tp_p, k), at))
    errors = list(map(map_error, repeat(tp_p, k), at))
    boxes = (ctypes.c_float * (4 * k + 4))()
    base = ctypes.addressof(boxes) + 16
    got_box = list(map(loose, repeat(tp_p, k), at, map(ctypes.c_void_p, range(base, base + 16 * k, 16))))
    rects = _RECT.iter_unpack(boxes)
    rect = next(rects)  # the zeros before the first box
    for i, obj, error, ok, box in zip(at, objects, errors, got_box, rects):
        obj = obj or 0
        if obj != last:
            # Font metrics belong to the text object (often one per character): its font is asked once
            # per object, the font's metrics once per font.
            last = obj
            text_objects.add(obj)
            font = font_of(obj) if obj else None
            if font != last_font:
                last_font = font
                if font:
                    of_font = by_font.get(font)
                    if of_font is None:
                        of_font = by_font[font] = [0]
                    metrics = fonts.get(font)
                    if metrics is None:
                        metrics = fonts[font] = _font_metrics(font)
                    em, miner_descent, type3 = metrics[0] - metrics[1], metrics[2], metrics[3]
                    em_size = em * size
                else:
                    em, miner_descent, type3 = 0.0, 0.0, False
                    em_size = em * size
                    of_font = no_font
                runs.append((len(chars), of_font))
        # An unmapped glyph reads as its character code: any code point, a digit included.
        if error:
            ch = UNMAPPED
            unmapped += 1
            of_font[0] += 1
        else:
            ch = text[i]
        if ok:
            rect = box
        left, top, right, bottom = rect
        high, wide = top - bottom, right - left
        # The loose box is (ascent - descent) × size high: the size it implies is checked with PDFium
        # (text matrix × font size, two calls) only when it changes.
        if not em or abs(high - em_size) > tol:
            size = _size(tp, i, char_matrix)
            em_size, tol, wide_max = em * size, 1e-4 * size, 3 * size
        height = em_size if em else -1.0
        # pdfminer's box (what pdf.py's thresholds were tuned on): x0 at the origin, as wide as the
        # advance, one font size high from the descent line. PDFium's loose box is that box where it
        # is as high as the font's ascent - descent; its top is then moved to one size above the bottom.
        # (FPDFText_GetCharOrigin costs ten times a box call: it is asked only where needed.)
        if not type3 and abs(high - height) < 0.05 and wide <= wide_max:
            bottom = y_top - bottom
            append({"text": ch, "x0": left - x_off, "x1": right - x_off, "top": bottom - size,
                    "bottom": bottom, "size": size})
            continue
        origin(textpage, i, ox_p, oy_p)
        if abs(left - ox.value) < 0.05 and abs(high - height) < 0.05 and wide <= wide_max:
            # A Type 3 font declares no descent (pdfminer: 0; PDFium measures the glyph procedures), and
            # its loose box is the drawing's bounds, not its advance: an ideograph advances one em.
            bottom = y_top - oy.value - miner_descent * size
            x1 = left + size if type3 and ch > "\u2e7f" else right
            append({"text": ch, "x0": left - x_off, "x1": x1 - x_off, "top": bottom - size,
                    "bottom": bottom, "size": size})
            continue
        # Not the loose box: PDFium gives the tight glyph box for characters it normalised (a CJK
        # radical read as the ordinary ideograph), and an unusable one for vertical writing.
        x0 = ox.value
        if wide > wide_max:
            # Vertical writing (Identity-V): the origin is the top left corner of the glyph's em square,
            # which is pdfminer's box.
            top = y_top - oy.value - size
            append({"text": ch, "x0": x0 - x_off, "x1": x0 + size - x_off, "top": top, "bottom": top + size,
                     "size": size})
            continue
        # An ideograph advances one em.
        x1 = x0 + size if ch > "\u2e7f" else max(right, x0)
        bottom = y_top - oy.value - miner_descent * size
        append({"text": ch, "x0": x0 - x_off, "x1": x1 - x_off, "top": bottom - size, "bottom": bottom,
                "size": size})
    # A font without a ToUnicode map: PDFium flags most of its glyphs, but may still give others a code
    # point of its own making (the glyph's code read as Unicode, e.g. U+0783 for an em dash) without
    # the flag. When most of a font's glyphs on the page are unmapped, none of them is trusted.
    if unmapped:
        runs.append((len(chars), no_font))
        spans: dict[int, list[range]] = {}
        for (start, counter), (stop, _) in zip(runs, runs[1:]):
            if counter is not no_font and counter[0] and stop > start:
                spans.setdefault(id(counter), [counter]).append(range(start, stop))
        for counter, *ranges in spans.values():
            flagged = counter[0]
            if 2 * flagged >= sum(map(len, ranges)) > flagged:
                for k in (k for r in ranges for k in r):
                    if chars[k]["text"] != UNMAPPED:
                        chars[k]["text"] = UNMAPPED
                        unmapped += 1
    return chars, unmapped






def _size(tp: int, i: int, matrix) -> float:
    """pdfminer's size: the font size in page units (Tf scaled by the text matrix and CTM). ``matrix``
    is a buffer of six floats (FS_MATRIX) reused from call to call."""
    if _CHAR_MATRIX(tp, i, ctypes.addressof(matrix)):
        c, d = matrix[2], matrix[3]
    else:
        c = d = 0.0  # what an untouched FS_MATRIX gives
    return _FONT_SIZE(tp, i) * (c * c + d * d) ** 0.5


def _font_metrics(font: int | None) -> tuple[float, float, float, bool]:
    """A font's ascent and descent per unit of size (PDFium's, which make its loose box), pdfminer's
    descent, and whether it is a Type 3 font."""
    if not font:
        return 0.0, 1.0, 0.0, False  # no loose box height matches: every character takes the origin path
    handle = ctypes.cast(font, pdfium_c.FPDF_FONT)
    ascent, descent = ctypes.c_float(), ctypes.c_float()
    if not (pdfium_c.FPDFFont_GetAscent(handle, ctypes.c_float(1000.0), ctypes.byref(ascent))
            and pdfium_c.FPDFFont_GetDescent(handle, ctypes.c_float(1000.0), ctypes.byref(descent))):
        return 0.0, 1.0, 0.0, False
    a, d = ascent.value / 1000.0, descent.value / 1000.0
    # A Type 3 font (the only kind without /BaseFont; browsers print CJK text in them) declares no
    # descent: pdfminer took 0, PDFium measures the glyph procedures. 0 keeps pdfminer's boxes, and
    # with them the line and cell splits pdf.py was tuned on.
    type3 = pdfium_c.FPDFFont_GetBaseFontName(handle, None, 0) <= 1
    return a, d, 0.0 if type3 else d, type3


def _mul(m, n):
    """m then n (PDF row-vector convention: p' = p·m·n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _walk(page_raw, form, ctm, x_off: float, y_top: float, edges: list[dict], text_objects: set[int] = frozenset(),
          depth: int = 0) -> int:
    """Edges of every path object (into ``edges``), through form XObjects; returns the image count.
    ``text_objects`` (the text layer's objects, known to be text) are passed over without a call."""
    if depth > 12:
        return 0
    if form is None:
        count, get, parent = pdfium_c.FPDFPage_CountObjects(page_raw), _PAGE_OBJECT, ctypes.cast(page_raw, _VP)
    else:
        count, get, parent = _FORM_COUNT(form), _FORM_OBJECT, form
    images = 0
    m = (ctypes.c_float * 6)()
    m_p = _VP(ctypes.addressof(m))
    get_type, get_matrix, unpack = _OBJ_TYPE_U, _OBJ_MATRIX_U, _MATRIX.unpack_from
    # Most objects are text (often one per character): known from the text layer, or one type call.
    last_m = mat = None
    for obj in list(map(get, repeat(parent, count), range(count))):  # every object, fetched in bulk
        if obj in text_objects:
            continue
        handle = _VP(obj)
        kind = get_type(handle)
        if kind == _TEXT:
            continue
        if kind == _IMAGE:
            images += 1
        elif kind == _PATH or kind == _FORM:
            get_matrix(handle, m_p)
            raw_m = unpack(m)
            if raw_m != last_m:  # the paths of a page mostly share one matrix
                last_m, mat = raw_m, _mul(raw_m, ctm)
            if kind == _FORM:
                images += _walk(page_raw, obj, mat, x_off, y_top, edges, text_objects, depth + 1)
            else:
                _path_edges(handle, mat, x_off, y_top, edges)
    return images


_MATRIX = struct.Struct("6f")
# PDFium's FPDF_PATHSEGMENT handles point into the path's contiguous array of CFX_Path::Point (x, y as
# float, type and close flag as bytes, padded to 12). Reading that array at once replaces four ctypes
# calls per segment. The layout is PDFium's, not its API's: it is checked against the API on the first
# paths of the process (and the array's contiguity on every path); on any mismatch the API is used.
_POINT = struct.Struct("ffBBxx")
_POINT_CHECKS = 20
_layout = {"checks": _POINT_CHECKS, "ok": True}


@functools.lru_cache(maxsize=64)
def _point_array(n: int):
    """The ctypes type of n points' bytes (a view at an address, read before PDFium moves on)."""
    return ctypes.c_char * (_POINT.size * n)


def _segments_api(obj, n: int) -> list[tuple[float, float, int, int]]:
    x, y = ctypes.c_float(), ctypes.c_float()
    x_p, y_p = ctypes.byref(x), ctypes.byref(y)
    out = []
    for i in range(n):
        seg = _SEGMENT(obj, i)
        _SEG_POINT(seg, x_p, y_p)
        out.append((x.value, y.value, _SEG_TYPE(seg), 1 if _SEG_CLOSE(seg) else 0))
    return out


def _segments(obj: ctypes.c_void_p, n: int):
    """(x, y, type, close) of each segment of a path (``obj`` a c_void_p)."""
    layout = _layout
    if layout["ok"]:
        first = _SEGMENT_U(obj, 0)
        last = _SEGMENT_U(obj, n - 1) if n > 1 else first
        if first and last and last - first == _POINT.size * (n - 1):
            points = list(_POINT.iter_unpack(_point_array(n).from_address(first)))
            if not layout["checks"]:
                return points
            layout["checks"] -= 1
            api = _segments_api(obj, n)
            if points == api:
                return points
            layout["ok"] = False
            return api
    return _segments_api(obj, n)


def _path_edges(obj: ctypes.c_void_p, mat, x_off: float, y_top: float, edges: list[dict]) -> None:
    """Split a path into subpaths and classify each like pdfminer's ``paint_path``."""
    n = _SEG_COUNT_U(obj)
    if n <= 0:
        return
    a, b, c, d, e, f = mat
    points = _segments(obj, n)
    if n == 5:
        # The commonest path of a ruled page, a rectangle (move, four lines, the last one closing): the
        # shape and points the loop below gives it, without the loop.
        p0, p1, p2, p3, p4 = points
        if (p0[2] == _MOVE and p1[2] == _LINE and p2[2] == _LINE and p3[2] == _LINE and p4[2] == _LINE
                and not (p0[3] or p1[3] or p2[3] or p3[3]) and p4[3]):
            pts = [(a * px + c * py + e - x_off, y_top - (b * px + d * py + f)) for px, py, _, _ in points]
            pts.append(pts[0])
            _classify("mllllh", pts, edges)
            return
    shape = ""
    pts: list[tuple[float, float]] = []
    bezier = 0
    for px, py, kind, close in points:
        pt = (a * px + c * py + e - x_off, y_top - (b * px + d * py + f))
        if kind == _MOVE:
            if shape:
                _classify(shape, pts, edges)
            shape, pts, bezier = "m", [pt], 0
        elif kind == _BEZIER:
            bezier += 1
            if bezier == 3:  # one "c": two control points, then its end point
                shape += "c"
                pts.append(pt)
                bezier = 0
        else:
            shape += "l"
            pts.append(pt)
        if close and shape:
            shape += "h"
            pts.append(pts[0])
    if shape:
        _classify(shape, pts, edges)


def _classify(shape: str, pts: list[tuple[float, float]], edges: list[dict]) -> None:
    if len(shape) < 2 or shape[0] != "m":
        return  # a lone "m" paints nothing (pdfminer drops it too)
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-1]
    if shape in ("mlh", "ml"):
        (x0, t0), (x1, t1) = pts[0], pts[1]
        left, right, top, bottom = min(x0, x1), max(x0, x1), min(t0, t1), max(t0, t1)
        # pdfplumber: a line is horizontal only when exactly flat; every other line is "v".
        edges.append(_edge("h" if top == bottom else "v", left, right, top, bottom, "line"))
        return
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                 or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
            left, right = min(x0, x2), max(x0, x2)
            top, bottom = min(y0, y2), max(y0, y2)
            # _edge's four dicts, written out: most paths of a ruled page are rectangles.
            width, height = right - left, bottom - top
            edges += (
                {"x0": left, "x1": right, "top": top, "bottom": top, "doctop": top, "width": width,
                 "height": 0.0, "orientation": "h", "object_type": "rect_edge"},
                {"x0": left, "x1": right, "top": bottom, "bottom": bottom, "doctop": bottom, "width": width,
                 "height": 0.0, "orientation": "h", "object_type": "rect_edge"},
                {"x0": left, "x1": left, "top": top, "bottom": bottom, "doctop": top, "width": 0.0,
                 "height": height, "orientation": "v", "object_type": "rect_edge"},
                {"x0": right, "x1": right, "top": top, "bottom": bottom, "doctop": top, "width": 0.0,
                 "height": height, "orientation": "v", "object_type": "rect_edge"},
            )
            return
    for (x0, t0), (x1, t1) in zip(pts, pts[1:]):
        orient = "v" if x0 == x1 else ("h" if t0 == t1 else None)
        if orient:
            edges.append(_edge(orient, min(x0, x1), max(x0, x1), min(t0, t1), max(t0, t1), "curve_edge"))


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float, kind: str,
          width: float | None = None, height: float | None = None) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0 if width is None else width, "height": bottom - top if height is None else height,
            "orientation": orientation, "object_type": kind}


def find_tables(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """Cells ``(x0, top, x1, bottom)`` of each ruled table: pdfplumber's "lines" strategy with its
    default settings (snap and join 3, edges of 3 or longer, intersections within 3), step for step and
    in the same float arithmetic, on plain lists instead of dicts copied at every step (which was most
    of a page's table time). tests/report/test_parse_pdfium.py compares it with ``page.find_tables()``."""
    v = [[e["x0"], e["x1"], e["top"], e["bottom"], e["height"]] for e in edges
         if e["orientation"] == "v" and e["height"] >= 1]
    h = [[e["x0"], e["x1"], e["top"], e["bottom"], e["width"]] for e in edges
         if e["orientation"] == "h" and e["width"] >= 1]
    # snap_edges: vertical edges by x0 (moving x0 and x1), horizontal ones by top (top and bottom).
    v = _snap(v, 0, 1, _TOL)
    h = _snap(h, 2, 3, _TOL)
    # merge_edges: groups by (orientation, position), "h" first; join_edge_group within each.
    h_out = _join(sorted(h, key=itemgetter(2)), 0, 1, _TOL, width_from_min=True)
    v_out = _join(sorted(v, key=itemgetter(0)), 2, 3, _TOL, width_from_min=False)
    h_out = [e for e in h_out if e[4] >= _TOL]
    v_out = [e for e in v_out if e[4] >= _TOL]
    if not h_out and not v_out:
        return []
    # edges_to_intersections
    points: dict[tuple[float, float], tuple[set, set]] = {}
    hs = sorted(h_out, key=itemgetter(2, 0))
    tops = [e[2] for e in hs]
    for ve in sorted(v_out, key=itemgetter(0, 2)):
        x, vkey = ve[0], (ve[0], ve[2], ve[1], ve[3])
        for he in hs[bisect_left(tops, ve[2] - _TOL):bisect_right(tops, ve[3] + _TOL)]:
            if he[0] - _TOL <= x <= he[1] + _TOL:
                vertex = (x, he[2])
                sets = points.get(vertex)
                if sets is None:
                    sets = points[vertex] = (set(), set())
                sets[0].add(vkey)
                sets[1].add((he[0], he[2], he[1], he[3]))
    return _cells_to_tables(_intersections_to_cells(points))


_TOL = 3


def _snap(objs: list[list], at: int, other: int, tol: float) -> list[list]:
    """pdfplumber's snap_objects: cluster by one coordinate (cluster_list over the distinct values),
    move each cluster to its mean; clusters in order, members in their original order. The lists in
    ``objs`` are moved in place (find_tables made them); the mean is summed in pdfplumber's order."""
    values = sorted(set([o[at] for o in objs]))
    cluster: dict[float, int] = {}
    k, last = 0, None
    for i, x in enumerate(values):
        if i and not x <= last + tol:
            k += 1
        cluster[x] = k
        last = x
    groups: list[list[list]] = [[] for _ in range(k + 1)] if values else []
    for o in objs:
        groups[cluster[o[at]]].append(o)
    out: list[list] = []
    for group in groups:
        total = 0
        for o in group:
            total = total + o[at]
        mean = total / len(group)
        for o in group:
            move = mean - o[at]
            o[at] = o[at] + move
            o[other] = o[other] + move
        out.extend(group)
    return out


def _join(edges: list[list], lo: int, hi: int, tol: float, width_from_min: bool) -> list[list]:
    """pdfplumber's merge_edges grouping + join_edge_group: edges on one line (same top for horizontal,
    same x0 for vertical) that touch or overlap within ``tol`` become one."""
    group_at = 2 if width_from_min else 0
    out: list[list] = []
    by_lo = itemgetter(lo)
    for _, run in groupby(edges, itemgetter(group_at)):  # runs of equal position, as pdfplumber groups
        group = sorted(run, key=by_lo)
        joined = [group[0]]
        for e in group[1:]:
            last = joined[-1]
            if e[lo] <= last[hi] + tol:
                if e[hi] > last[hi]:
                    # resize_object: width = x1 - x0 (horizontal); height grows by the difference
                    # (vertical), as pdfplumber computes them.
                    length = e[hi] - last[lo] if width_from_min else last[4] + (e[hi] - last[hi])
                    grown = list(last)
                    grown[hi], grown[4] = e[hi], length
                    joined[-1] = grown
            else:
                joined.append(e)
        out.extend(joined)
    return out


def _intersections_to_cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber.table.intersections_to_cells, step for step, with each point's edge sets (vertical,
    horizontal) built once: pdfplumber rebuilds them for every pair of points it tries. The points
    below one (same x) and right of it (same y) are slices of its column and its row."""
    points = sorted(intersections)
    n = len(points)
    by_y: dict[float, list] = {}
    at_row = []
    for p in points:
        row = by_y.setdefault(p[1], [])
        at_row.append(len(row))  # points are in x order: the ones after p in its row are right of it
        row.append(p)
    cells = []
    col_end = n
    ends = [0] * n  # end of each point's column (points are in (x, y) order)
    for i in range(n - 1, -1, -1):
        if i == n - 1 or points[i + 1][0] != points[i][0]:
            col_end = i + 1
        ends[i] = col_end
    for i in range(n - 1):
        pt = points[i]
        below = points[i + 1:ends[i]]
        if not below:
            continue
        right = by_y[pt[1]][at_row[i] + 1:]
        v_pt, h_pt = intersections[pt]
        found = None
        for below_pt in below:
            if v_pt.isdisjoint(intersections[below_pt][0]):
                continue
            for right_pt in right:
                if h_pt.isdisjoint(intersections[right_pt][1]):
                    continue
                corner = intersections.get((right_pt[0], below_pt[1]))
                if (corner is not None and not corner[0].isdisjoint(intersections[right_pt][0])
                        and not corner[1].isdisjoint(intersections[below_pt][1])):
                    found = (pt[0], pt[1], right_pt[0], below_pt[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _cells_to_tables(cells: list[tuple[float, float, float, float]]) -> list[list[tuple[float, float, float, float]]]:
    """pdfplumber.table.cells_to_tables, same passes and same order, without its ``list.remove`` per
    cell: each pass keeps the cells it did not take in a new list."""
    remaining = list(cells)
    corners: set[tuple[float, float]] = set()
    current: list[tuple[float, float, float, float]] = []
    tables = []
    while remaining:
        before = len(current)
        left = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            cc = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            # The first cell starts a table; a cell sharing a corner with it joins it.
            if not current or cc[0] in corners or cc[1] in corners or cc[2] in corners or cc[3] in corners:
                corners.update(cc)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(current)
            corners = set()
            current = []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]
