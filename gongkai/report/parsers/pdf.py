"""PDF annual reports → ``core.Document`` → ``Report``.

One pass over each page with PDFium (``pdfium.py``: positioned characters, ruling edges, and ruled
tables found from those edges with pdfplumber's geometry): tables are rebuilt as grids with merged
cells expanded; every character outside a table becomes prose lines. Page furniture (page numbers,
running headers) is dropped, tables split across pages are joined, and PDF-producer quirks (CJK
radical code points, full-width digits) are normalised, so that ``core.assemble`` sees the same clean
document it gets from HTML or DOCX.

Tables printed without ruling lines reach ``core`` as text lines; ``_assemble_unruled`` puts each row's
numbers on the line of its label (they are often printed vertically centred, above or below the first
label line) and lifts vertically printed group labels (one character per line) out of the row flow.
Nothing is ever guessed: a glyph without a Unicode mapping becomes ``?`` (unreadable), never a digit.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from ..errors import ReportError
from ..layouts import APPEAL_GROUPS, LAYOUTS, LITIGATION_HEADER
from ..model import Report
from .pdfium import ENCRYPTED, UNMAPPED, find_tables, open_document, read_page

# -- text normalisation ------------------------------------------------------------------------

# CJK Radicals Supplement code points without an NFKC mapping that PDF producers emit for the
# ordinary (simplified) character; the Kangxi radicals U+2F00–U+2FD5 are handled by NFKC.
_RADICALS = str.maketrans({
    "⺁": "厂", "⺇": "几", "⺌": "小", "⺍": "小", "⺎": "兀", "⺏": "尢", "⺐": "尢", "⺑": "尣",
    "⺕": "彐", "⺖": "忄", "⺗": "心", "⺘": "扌", "⺙": "攵", "⺛": "旡", "⺜": "日", "⺝": "月",
    "⺟": "母", "⺠": "民", "⺡": "氵", "⺢": "水", "⺣": "灬", "⺤": "爫", "⺦": "丬", "⺧": "牛",
    "⺨": "犭", "⺩": "王", "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻", "⺮": "竹", "⺯": "糹",
    "⺰": "纟", "⺲": "罒", "⺳": "网", "⺶": "羊", "⺷": "羊", "⺸": "羊", "⺹": "耂", "⺺": "聿",
    "⺻": "聿", "⺼": "月", "⺽": "臼", "⺾": "艹", "⺿": "艹", "⻀": "艹", "⻁": "虎", "⻂": "衤",
    "⻃": "襾", "⻄": "西", "⻅": "见", "⻆": "角", "⻇": "角", "⻈": "讠", "⻉": "贝", "⻋": "车",
    "⻌": "辶", "⻍": "辶", "⻎": "辶", "⻏": "阝", "⻐": "钅", "⻑": "長", "⻒": "镸", "⻓": "长",
    "⻔": "门", "⻕": "阜", "⻖": "阝", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风",
    "⻜": "飞", "⻝": "食", "⻟": "食", "⻠": "饣", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼",
    "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯",
    "⻮": "齿", "⻯": "竜", "⻰": "龙", "⻱": "龜", "⻲": "亀", "⻳": "龟",
})


def _needs_nfkc(ch: str) -> bool:
    return bool(_NFKC.match(ch))


# Only compatibility/radical ideographs and full-width digits/letters: Kangxi radicals, CJK
# compatibility ideographs (and supplement), full-width digits and Latin, ideographic space,
# full-width '.' and '%'.
_NFKC = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f\uff10-\uff19\uff21-\uff3a"
                   "\uff41-\uff5a\u3000\uff0e\uff05]")


def _nfkc(m: re.Match) -> str:
    return unicodedata.normalize("NFKC", m.group())


def normalise_text(text: str) -> str:
    """Map producer-specific code points to the ordinary characters.

    Only compatibility/radical ideographs and full-width digits/letters are NFKC-normalised: full-width
    CJK punctuation (（，：) is kept as printed, so the prose sections read like the source.
    """
    text = _NFKC.sub(_nfkc, text.translate(_RADICALS))
    # A glyph without a Unicode mapping (PDFium flags it, the reader puts UNMAPPED; pdfminer wrote
    # "(cid:123)") is unreadable: "?", never a guessed character.
    return _CID.sub("?", text) if "(" in text or UNMAPPED in text else text


_CID = re.compile(r"\(cid:\d+\)|" + UNMAPPED)


def _is_wide(ch: str) -> bool:
    """CJK ideographs and full-width punctuation: no space is needed next to them."""
    return ch > "\u2e7f"


def _join(a: str, b: str) -> str:
    if not a or not b:
        return a + b
    if _is_wide(a[-1]) or _is_wide(b[0]):
        return a + b
    return a + " " + b


def _tidy(text: str) -> str:
    """Drop spaces that justified CJK text puts between characters ("号 ， 邮 编")."""
    if " " not in text and "\u00a0" not in text:
        return text.strip()
    text = _SPACES.sub(" ", text).strip()
    return _WIDE_SPACE.sub("", text)


_SPACES = re.compile(r"[ \u00a0]+")
_WIDE_SPACE = re.compile(r"(?<=[^\x00-\u2e7f]) (?=[^\x00-\u2e7f])")


# -- geometry helpers --------------------------------------------------------------------------

@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    x1: float
    # Runs of characters separated by a wide gap: the cells of an unruled table row.
    segments: list[tuple[float, float, str]]
    row: bool = False  # rebuilt from an unruled table: always label + values as cells
    # Prose lines of one paragraph are joined: a line that is indented (or centred) starts a
    # paragraph, a line that stops short of the right margin ends one.
    starts: bool = True
    ends: bool = True

    @property
    def numbers(self) -> list[str]:
        """Trailing numeric segments (the values of a table row)."""
        out: list[str] = []
        for seg in reversed(self.segments):
            if not _is_cell_value(seg):
                break
            out.insert(0, seg[2])
        return out

    @property
    def text(self) -> str:
        # (A single segment is never a row: its numbers are not needed.)
        if len(self.segments) > 1 and (nums := self.numbers) and (
            self.row or len(nums) > 1 or self.segments[-1][0] - self.segments[-2][1] > 0.9 * (self.bottom - self.top)
        ):
            # An unruled table row: label and values as tab-separated cells, like a ruled row.
            return "\t".join(_tidy(seg[2]) for seg in self.segments)
        out = ""
        for seg in self.segments:
            out = _join(out, seg[2]) if out else seg[2]
        return _tidy(out)


_x0 = itemgetter("x0")


def _chars_to_lines(chars: list[dict]) -> list[_Line]:
    """Group characters into visual lines (by vertical overlap), left to right, split at wide gaps."""
    if not chars:
        return []
    if len(chars) == 1:  # most cells of a table: one digit
        seg = _segment(chars)
        ch = chars[0]
        return [_Line(top=ch["top"], bottom=ch["bottom"], x0=seg[0], x1=seg[1], segments=[seg])] if seg[2] else []
    rows: list[list[dict]] = []
    tops = [c["top"] for c in chars]
    top = tops[0]
    if tops.count(top) == len(tops) and top - top == 0.0:
        # One top for all (a cell's number or label on one line): the sort below is by x0 alone, and
        # every character is on the first one's line (unless its height is NaN).
        chars = sorted(chars, key=_x0)
        h = chars[0]["bottom"] - top
        if h == h:
            rows.append(chars)
            chars = []
    else:
        # By line (top to 0.1) then x0; the keys computed in one pass, indexes sorted (stable, like chars).
        # (round is slow; a page has far fewer distinct tops than characters. Equal floats round equal;
        # a NaN, equal to nothing, is rounded per character as before.)
        distinct = set(tops)
        if any(t != t for t in distinct):
            keys = [(round(t, 1), c["x0"]) for t, c in zip(tops, chars)]
        else:
            rounded = {t: round(t, 1) for t in distinct}
            keys = [(rounded[t], c["x0"]) for t, c in zip(tops, chars)]
        chars = [chars[i] for i in sorted(range(len(chars)), key=keys.__getitem__)]
    row = None
    ref_top = ref_h = 0.0
    for ch in chars:
        top = ch["top"]
        h = ch["bottom"] - top
        if h < 1.0:
            h = 1.0
        # Same line as the row's first character when they overlap by half the smaller height.
        if row is not None and abs(top - ref_top) <= 0.5 * (h if h < ref_h else ref_h):
            row.append(ch)
            continue
        row = [ch]
        rows.append(row)
        ref_top, ref_h = top, h
    lines: list[_Line] = []
    for row in rows:
        row.sort(key=_x0)
        segments: list[tuple[float, float, str]] = []
        prev = row[0]
        cur: list[dict] = [prev]
        for k in range(1, len(row)):
            ch = row[k]
            gap = ch["x0"] - prev["x1"]
            size = prev["size"]
            if size < 1.0:
                size = 1.0
            text = ch["text"]
            # A wide gap, a jump in baseline (cells of one row are centred independently), or
            # a number set apart from the text before it (a value next to a long label).
            # (``x > "\u2e7f"`` is _is_wide, written out: this runs once per character.)
            if (
                gap > 0.9 * size or abs(ch["bottom"] - prev["bottom"]) > 0.2 * size
                # OCR: a number read as a box of its own is a cell of its own, however close
                or ch.get("box", -1) != prev.get("box", -1) and (ch.get("number") or prev.get("number"))
                or (gap > 0.35 * size and text.isdigit() and (prev["text"][-1:] or "a") > "\u2e7f")
            ):
                segments.append(_segment(cur))
                cur = []
            elif gap > 0.25 * size and not ((text[:1] or "a") > "\u2e7f" or (prev["text"][-1:] or "a") > "\u2e7f"):
                ch = {**ch, "text": " " + text}
            cur.append(ch)
            prev = ch
        segments.append(_segment(cur))
        segments = [s for s in segments if s[2]]
        if segments:
            lines.append(_Line(
                top=min([c["top"] for c in row]), bottom=max([c["bottom"] for c in row]),
                x0=segments[0][0], x1=segments[-1][1], segments=segments,
            ))
    return lines


class _Seg(NamedTuple):
    x0: float
    x1: float
    text: str
    xs: tuple[float, ...] = ()  # x0 of each character of ``text`` when known


def _segment(chars: list[dict]) -> _Seg:
    text = _tidy(normalise_text("".join([c["text"] for c in chars])))
    xs = tuple([c["x0"] for c in chars if c["text"].strip()])
    return _Seg(chars[0]["x0"], chars[-1]["x1"], text, xs if len(xs) == len(text) else ())


def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float, tol: float = 2.0) -> int:
    """Index of the grid edge nearest to ``v``."""
    i = bisect_right(edges, v + tol) - 1
    return max(i, 0)


# -- tables ------------------------------------------------------------------------------------

@dataclass
class _Grid:
    page: int
    top: float
    bottom: float
    rows: list[list[str | None]]
    # Which source cell fills each slot (same id over a merged area): used to continue merged cells
    # across a page break.
    ids: list[list[int]]
    tops: list[float]  # top of each row on its page
    x0: float = 0.0
    x1: float = 0.0
    # No ruling at the top / bottom edge: the table was cut there by a page break.
    open_top: bool = False
    open_bottom: bool = False

    @property
    def ncols(self) -> int:
        return len(self.rows[0]) if self.rows else 0


def _build_grid(table, chars: list[dict], page_no: int, vedges: list[dict]) -> tuple[_Grid, list[dict], dict[int, list[dict]]]:
    """Rebuild a ruled table (its cells, as pdfplumber's ``find_tables`` gives them) as a full grid, each merged cell's text copied into every slot
    it covers. Returns the grid, the characters that fell outside every cell, and each cell's
    characters (by cell id).

    A table cut by a page break often has no border at the cut: its vertical rules run on past the
    last closed cell. The grid is extended to where they end, and slots covered by no closed cell
    become cells (one per column and run of rows), so that nothing printed there is lost."""
    cells = [c for c in table.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
    xs = _cluster([v for c in cells for v in (c[0], c[2])])
    ys = _cluster([v for c in cells for v in (c[1], c[3])])
    # The page's vertical rules within 2 of a column edge (bisect in xs, once per rule of the page).
    rules = []
    n_xs = len(xs)
    for e in vedges:
        v = e["x0"]
        i = bisect_right(xs, v)
        if (i < n_xs and xs[i] - v <= 2.0) or (i > 0 and v - xs[i - 1] <= 2.0):
            rules.append(e)
    open_top = open_bottom = False
    if rules:
        top, bottom = min(e["top"] for e in rules), max(e["bottom"] for e in rules)
        near = [e for e in rules if e["bottom"] >= ys[0] - 2 and e["top"] <= ys[-1] + 2]
        if near and min(e["top"] for e in near) < ys[0] - 4 and top < ys[0] - 4:
            ys.insert(0, min(e["top"] for e in near))
            open_top = True
        if near and max(e["bottom"] for e in near) > ys[-1] + 4 and bottom > ys[-1] + 4:
            ys.append(max(e["bottom"] for e in near))
            open_bottom = True
    nrows, ncols = len(ys) - 1, len(xs) - 1
    owner = [[-1] * ncols for _ in range(nrows)]
    for i, (x0, top, x1, bottom) in enumerate(cells):
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                if r < nrows and c < ncols:
                    owner[r][c] = i
    next_id = len(cells)
    for c in range(ncols):
        for r in range(nrows):
            if owner[r][c] == -1:
                if r > 0 and owner[r - 1][c] >= len(cells):
                    owner[r][c] = owner[r - 1][c]  # same open cell, one more row
                else:
                    owner[r][c] = next_id
                    next_id += 1
    content: dict[int, list[dict]] = {}
    rest = []
    tx0, tx1, ttop, tbottom = xs[0], xs[-1], ys[0], ys[-1]
    # Each character's centre (computed in two passes: this runs over the page's characters per table).
    cxs = [(ch["x0"] + ch["x1"]) / 2 for ch in chars]
    cys = [(ch["top"] + ch["bottom"]) / 2 for ch in chars]
    for ch, cx, cy in zip(chars, cxs, cys):
        if not (tx0 <= cx <= tx1 and ttop <= cy <= tbottom):
            rest.append(ch)
            continue
        c, r = bisect_right(xs, cx) - 1, bisect_right(ys, cy) - 1
        if 0 <= r < nrows and 0 <= c < ncols and owner[r][c] >= 0:
            content.setdefault(owner[r][c], []).append(ch)
        else:
            rest.append(ch)
    texts = {}
    # A frame without a row of two cells is never a data table (``_is_data_table``; dropping empty rows
    # and columns cannot add one): its cells' text is not needed, and it leaves an empty grid.
    frame = not any(len(set(row)) >= 2 for row in owner)
    for i, cchars in ([] if frame else content.items()):
        if len(cchars) == 1:
            # One character (most value cells): what its one line's text, joined and tidied, comes to.
            seg = _segment(cchars)[2]
            text = _tidy(_tidy(seg)) if seg else ""
        else:
            text = ""
            for line in _chars_to_lines(cchars):
                text = _join(text, line.text)
            text = _tidy(text)
        # A page number caught inside a table that runs to the page foot is not a cell's content.
        texts[i] = "" if _DECORATED_PAGE_NUMBER.match(text) else text
    rows: list[list[str | None]] = []
    for r in range(nrows):
        rows.append([texts.get(owner[r][c], "") if owner[r][c] >= 0 else None for c in range(ncols)])
    grid = _Grid(page=page_no, top=ttop, bottom=tbottom, rows=rows, ids=[[page_no * 10000 + i for i in row] for row in owner],
                 tops=ys[:-1], x0=tx0, x1=tx1, open_top=open_top, open_bottom=open_bottom)
    _drop_empty(grid)
    return grid, rest, {page_no * 10000 + i: cchars for i, cchars in content.items()}


def _drop_empty(grid: _Grid) -> None:
    """Drop empty rows and columns left by stray rules. A row of three or more separate empty cells
    is a row of blank values (e.g. table 四 left blank) and stays."""
    keep = [i for i, row in enumerate(grid.rows) if any(v for v in row) or len(set(grid.ids[i])) >= 3]
    grid.rows = [grid.rows[i] for i in keep]
    grid.ids = [grid.ids[i] for i in keep]
    grid.tops = [grid.tops[i] for i in keep]
    if grid.rows:
        cols = [c for c in range(grid.ncols) if any(row[c] for row in grid.rows)]
        # A column is dropped only if it has no text and is not part of a merged cell's span.
        cols = [c for c in range(grid.ncols) if c in cols or any(
            row[c] is not None and c > 0 and grid.ids[r][c] == grid.ids[r][c - 1] for r, row in enumerate(grid.rows))]
        grid.rows = [[row[c] for c in cols] for row in grid.rows]
        grid.ids = [[ids[c] for c in cols] for ids in grid.ids]


def _fill_merged(grid: _Grid) -> None:
    """Copy each cell's text to every slot of its merged area (after a row was completed)."""
    text: dict[int, str] = {}
    for row, ids in zip(grid.rows, grid.ids):
        for v, i in zip(row, ids):
            if v:
                text[i] = v
    for row, ids in zip(grid.rows, grid.ids):
        for c, i in enumerate(ids):
            if row[c] == "" and text.get(i):
                row[c] = text[i]


def _is_data_table(grid: _Grid) -> bool:
    """A ruled box around prose is not a table: keep grids where some row has several cells."""
    return grid.ncols >= 2 and any(len(set(ids)) >= 2 for ids in grid.ids)


def _split_prose_rows(grid: _Grid) -> set[int]:
    """Full-width rows before the first and after the last multi-cell row of a ruled frame that
    holds prose and a table together: they are paragraphs and headings, removed from the grid (their
    cell ids are returned, so their characters go back to the text). Sub-table titles
    (第二十条第（一）项) stay in the table."""
    multi = [i for i, ids in enumerate(grid.ids) if len(set(ids)) >= 2]
    first, last = multi[0], multi[-1]

    def prose(i: int) -> bool:
        text = grid.rows[i][0] or ""
        return len(set(grid.ids[i])) == 1 and "第二十条" not in text and _key(text) not in _GROUPS

    start = 0
    while start < first and prose(start):
        start += 1
    end = len(grid.rows)
    while end > last + 1 and prose(end - 1):
        end -= 1
    moved = {i for r in (*range(start), *range(end, len(grid.rows))) for i in grid.ids[r]}
    grid.rows, grid.ids = grid.rows[start:end], grid.ids[start:end]
    grid.tops = grid.tops[start:end]
    if grid.rows:
        grid.top = grid.tops[0]  # the paragraphs moved out sort above it in the flow
    return moved


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _group_labels() -> set[str]:
    labels = {LITIGATION_HEADER, *(label for _, label in APPEAL_GROUPS)}
    for layout in LAYOUTS.values():
        for row in layout.applications:
            labels.update(row.groups)
    return {_key(x) for x in labels}


_GROUPS = _group_labels()


def _continues(prev: _Grid, nxt: _Grid) -> bool:
    """A table at the top of a page continues the table that ended the previous page."""
    if nxt.page != prev.page + 1 or prev.ncols != nxt.ncols:
        return False
    if abs(prev.x0 - nxt.x0) > 8 or abs(prev.x1 - nxt.x1) > 8:
        return False
    return True


def _join_grids(prev: _Grid, nxt: _Grid) -> None:
    """Append ``nxt`` to ``prev``, continuing merged label cells cut by the page break."""
    rows, ids = nxt.rows, nxt.ids
    # Repeated header rows on the continuation page.
    while rows and rows[0] in prev.rows[:4] and not _has_number(rows[0]):
        rows, ids = rows[1:], ids[1:]
    if rows and (prev.open_bottom or nxt.open_top) and all(not a or not b for a, b in zip(prev.rows[-1], rows[0])):
        # One row broken by the page: its values on one page, the rest of its label on the next.
        prev.rows[-1] = [a or b if (a or b) is not None else None for a, b in zip(prev.rows[-1], rows[0])]
        _fill_merged(prev)
        rows, ids = rows[1:], ids[1:]
    if rows:
        last, last_ids = prev.rows[-1], prev.ids[-1]
        for c in range(nxt.ncols):
            top_id = ids[0][c]
            span = [r for r in range(len(rows)) if ids[r][c] == top_id]
            mine, theirs = rows[0][c], last[c]
            if theirs is None or mine is None or _is_number(theirs) or _is_number(mine or ""):
                continue
            prev_span = sum(1 for r in range(len(prev.rows)) if prev.ids[r][c] == last_ids[c])
            if mine == "" and (prev_span > 1 or len(span) > 1):
                # A merged (group) cell cut by the page; a plain empty cell stays empty.
                fill, prev_fill = theirs, None
            elif theirs and _key(theirs + mine) in _GROUPS and _key(mine) not in _GROUPS:
                fill = prev_fill = theirs + mine
            else:
                continue
            for r in span:
                rows[r][c] = fill
                ids[r][c] = last_ids[c]
            if prev_fill:
                for r in range(len(prev.rows)):
                    if prev.ids[r][c] == last_ids[c]:
                        prev.rows[r][c] = prev_fill
    prev.rows.extend(rows)
    prev.ids.extend(ids)
    prev.tops.extend(nxt.tops[len(nxt.tops) - len(rows):])
    prev.bottom = nxt.bottom
    prev.page = nxt.page


_NUMBER = re.compile(r"^[-+−]?\d[\d,，]*(\.\d+)?$")
_BLANK_AT = -1.0  # x of a blank cell put in by ``_place_by_columns`` (no text was printed there)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.replace(" ", "")))


def _is_cell_value(seg) -> bool:
    """A segment that is a number, or a blank cell placed by column (``_place_by_columns``)."""
    return _is_number(seg[2]) or seg[2] == "?" or (seg[2] == "" and seg[0] == seg[1] == _BLANK_AT)


def _has_number(row: list[str | None]) -> bool:
    return any(v and _is_number(v) for v in row)


# -- page furniture ----------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^[-—–－―_~·•\s]*(第\s*)?\d{1,4}\s*(页)?\s*([/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–－―_~·•\s]*$"
)
_DECORATED_PAGE_NUMBER = re.compile(r"^\s*([-—–－―]+\s*\d{1,4}\s*[-—–－―]+|第\s*\d{1,4}\s*页.*)\s*$")


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", _key(text))


# -- document ----------------------------------------------------------------------------------

@dataclass
class _Page:
    number: int
    width: float
    height: float
    items: list[tuple[float, object]]  # (top, _Line | _Grid)


_ENCRYPTED = ENCRYPTED


@dataclass
class _TextLayer:
    chars: int = 0  # visible characters
    unmapped: int = 0  # glyphs without a Unicode mapping (read as "?")
    images: int = 0


class _Table(NamedTuple):
    cells: list[tuple[float, float, float, float]]


def _read_pages(data: bytes, progress=None) -> tuple[list[_Page], _TextLayer]:
    pdf = open_document(data)
    pages: list[_Page] = []
    layer = _TextLayer()
    try:
        total = len(pdf)
        for index in range(total):
            if progress:
                progress(index, total)
            page = pdf[index]
            try:
                content = read_page(page)
            finally:
                page.close()
            page_no = index + 1
            chars = content.chars
            layer.chars += len(chars)
            layer.unmapped += content.unmapped
            layer.images += content.images
            items: list[tuple[float, object]] = []
            vedges = [e for e in content.edges if e["orientation"] == "v"]
            for cells in find_tables(content.edges):
                grid, rest, cell_chars = _build_grid(_Table(cells), chars, page_no, vedges)
                if not grid.rows or not _is_data_table(grid):
                    continue  # a ruled frame around prose: its characters stay free text
                moved = _split_prose_rows(grid)
                chars = rest + [ch for i in moved for ch in cell_chars.get(i, [])]
                items.append((grid.top, grid))
            for line in _chars_to_lines(chars):
                items.append((line.top, line))
            items.sort(key=lambda it: it[0])  # stable: rows of a framed paragraph keep their order
            pages.append(_Page(page_no, content.width, content.height, items))
        if progress:
            progress(total, total)
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(f"PDF 页面内容无法解析：{type(exc).__name__}") from None
    finally:
        pdf.close()
    return pages, layer


def _drop_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and running headers/footers.

    A decorated number ("— 4 —", "-4-", "第4页", "第 4 页 共 6 页") is a page number anywhere. A bare
    number in the top/bottom margin is one only when it follows the page count (same offset from the
    page index on several pages): a lone value of a table near the page foot is kept. A running
    header is text (not values) repeated in the margins of several pages; its first copy is kept,
    as it may be the report's title."""
    def in_margin(page: _Page, line: _Line) -> bool:
        return line.top < 0.1 * page.height or line.bottom > 0.9 * page.height

    seen: Counter[str] = Counter()
    offsets: Counter[int] = Counter()
    for page in pages:
        for _, item in page.items:
            if isinstance(item, _Line) and in_margin(page, item):
                if _PAGE_NUMBER.match(item.text):
                    offsets[int(re.search(r"\d+", item.text).group()) - page.number] += 1
                elif not item.numbers:
                    seen[_furniture_key(item.text)] += 1
    page_offsets = {k for k, n in offsets.items() if n >= 2 or len(pages) == 1}
    repeated = {k for k, n in seen.items() if n >= 2}
    kept_once: set[str] = set()
    for page in pages:
        out = []
        for top, item in page.items:
            if isinstance(item, _Line):
                text = item.text.strip()
                if _DECORATED_PAGE_NUMBER.match(text):
                    continue
                if in_margin(page, item) and _PAGE_NUMBER.match(text):
                    if int(re.search(r"\d+", text).group()) - page.number in page_offsets:
                        continue
                k = _furniture_key(text)
                if in_margin(page, item) and not item.numbers and k in repeated:
                    if k in kept_once:
                        continue
                    kept_once.add(k)
            out.append((top, item))
        page.items = out


# -- tables without ruling lines -----------------------------------------------------------------

_ROW_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[.、．]\D)")


_PUNCT = re.compile(r"[、，,.．:：（）()\s]")


def _loose(text: str) -> str:
    """A group label's key without punctuation: OCR and some producers drop the "、" of "三、"."""
    return _PUNCT.sub("", _key(text))


_GROUPS_LOOSE = {_loose(g) for g in _GROUPS}


def _group_prefix(text: str) -> bool:
    k = _loose(text)
    return bool(k) and any(g.startswith(k) for g in _GROUPS_LOOSE)


def _split_group_prefix(segs: list[tuple[float, float, str]], pending: dict) -> list[tuple[float, float, str]]:
    """Cut a group-label fragment printed flush against the row label ("（三）不4.保护…")."""
    if not segs:
        return segs
    x0, x1, text, xs = segs[0][0], segs[0][1], segs[0][2], getattr(segs[0], "xs", ())
    x = round(x0 / 4)
    so_far = next((t for c, (t, _) in pending.items() if abs(c - x) <= 1), "")
    for k in range(len(text) - 1, 0, -1):
        head, tail = text[:k], text[k:]
        if _ROW_MARKER.match(tail) and (_group_prefix(so_far + head) or _group_prefix(head)):
            cut = xs[k] if xs else x0 + (x1 - x0) * k / len(text)
            return [_Seg(x0, cut, head), _Seg(cut, x1, tail), *segs[1:]]
    return segs


def _assemble_unruled(lines: list[_Line], carry: dict[int, str]) -> list[_Line]:
    """Rebuild the rows of a table printed without ruling lines.

    Group labels printed in their own column (vertically, one character per line, or wrapped as
    "（三）不" / "予公开") are lifted out of the row flow and emitted once, before the first row they
    head. A label wrapped over several lines becomes one label, and a line holding only numbers (the
    values of a tall cell, vertically centred: printed before, between or after the label's lines)
    is given to the label block it sits in or, failing that, to the neighbouring block still
    without values. Numbers are never moved between two blocks that both already have values.

    ``carry`` holds group labels cut by the page break ("（四）无" / "法提供"): those still incomplete
    at the start of the call are continued here; those incomplete at the end are left in it for the
    next page instead of being emitted (the caller empties it when no page follows).
    """
    # 1. Strip group-label fragments, accumulating them per column (x position).
    pending: dict[int, tuple[str, int]] = {x: (text, 0) for x, text in carry.items()}  # x → (text, first row)
    carry.clear()
    groups_at: dict[int, list[str]] = {}
    rows: list[_Line] = []
    for line in lines:
        segs = _split_group_prefix(list(line.segments), pending)
        while segs and not _is_cell_value(segs[0]) and not re.search(r"\d", segs[0][2]):
            x = round(segs[0][0] / 4)
            col = next((c for c in pending if abs(c - x) <= 1), None)
            so_far = pending[col][0] if col is not None else ""
            if col is not None and _group_prefix(so_far + segs[0][2]):
                pending[col] = (so_far + segs[0][2], pending[col][1])
            elif _group_prefix(segs[0][2]) and (len(segs) > 1 or not line.numbers) and len(_key(segs[0][2])) < 12:
                if col is not None:
                    del pending[col]
                pending[x] = (segs[0][2], len(rows))
                groups_at.setdefault(len(rows), [])
            else:
                break
            segs = segs[1:]
        for c, (text, at) in list(pending.items()):
            if _loose(text) in _GROUPS_LOOSE:
                groups_at.setdefault(at, []).append(text)
                del pending[c]
        if segs:
            rows.append(_Line(line.top, line.bottom, segs[0][0], segs[-1][1], segs))
    carry.update({x: text for x, (text, _) in pending.items()})

    # 2. Label blocks: a row marker starts a block; aligned wrapped lines continue it.
    blocks: list[dict] = []
    loose: list[tuple[int, _Line]] = []  # numeric-only lines, by position in ``rows``
    # In a table whose rows are numbered (一、 （一） 1.), an unnumbered line under a label goes on
    # with that label, however loosely the lines of a tall cell are spaced.
    valued = [line for line in rows if line.numbers and len(line.numbers) < len(line.segments)]
    numbered = bool(valued) and sum(bool(_ROW_MARKER.match(line.segments[0][2])) for line in valued) >= 0.6 * len(valued)
    for i, line in enumerate(rows):
        label = [seg for seg in line.segments if not _is_cell_value(seg)]
        if not label:
            loose.append((i, line))
            continue
        prev = blocks[-1] if blocks else None
        text = "\t".join(seg[2] for seg in label)  # separate cells (e.g. a header row) stay apart
        height = line.bottom - line.top
        # Wrapped lines of one label sit tight; the next row starts after the cell padding. A line
        # of values printed between two label lines (centred in the tall cell) also binds them.
        gap = line.top - prev["bottom"] if prev else 0.0
        values_between = prev is not None and not prev["numbers"] and any(
            prev["last"] < j < i for j, _ in loose) and gap < 2 * height
        if (
            prev is not None and not _ROW_MARKER.match(text) and abs(label[0][0] - prev["x0"]) <= 3
            and (gap < 0.75 * height or values_between or (numbered and gap < 2 * height))
            and len(label) == 1 and prev["cells"] == 1 and not (prev["numbers"] and line.numbers)
        ):
            prev["text"] += text
            prev["bottom"] = line.bottom
            prev["numbers"] = prev["numbers"] or line.numbers
            prev["last"] = i
            continue
        blocks.append({"text": text, "x0": label[0][0], "top": line.top, "bottom": line.bottom,
                       "numbers": line.numbers, "first": i, "last": i, "cells": len(label)})
    for i, line in loose:
        centre = (line.top + line.bottom) / 2
        inside = [b for b in blocks if b["top"] <= centre <= b["bottom"] and not b["numbers"]]
        above = [b for b in blocks if b["last"] < i]
        below = [b for b in blocks if b["first"] > i]
        a, b = (above[-1] if above else None), (below[0] if below else None)
        choice = inside[0] if inside else None
        if choice is None:
            free = [x for x in (a, b) if x is not None and not x["numbers"]]
            if len(free) == 1:
                choice = free[0]
            elif len(free) == 2:
                choice = min(free, key=lambda x: abs((x["top"] + x["bottom"]) / 2 - centre))
        if choice is None:
            blocks.append({"text": "", "x0": line.x0, "top": line.top, "bottom": line.bottom,
                           "numbers": line.numbers, "first": i, "last": i, "cells": 0})
        else:
            choice["numbers"] = line.numbers
    blocks.sort(key=lambda b: b["first"])

    # 3. Emit: group labels, then each block as one row line.
    out: list[_Line] = []
    emitted = set()
    for b in blocks:
        for at in [at for at in groups_at if at <= b["first"] and at not in emitted]:
            emitted.add(at)
            out.extend(_Line(b["top"], b["top"], b["x0"], b["x0"], [(0, 0, g)]) for g in groups_at[at])
        segs = ([(b["x0"], b["x0"], b["text"])] if b["text"] else []) + [
            (_BLANK_AT, _BLANK_AT, n) if n == "" else (0, 0, n) for n in b["numbers"]]
        out.append(_Line(b["top"], b["bottom"], b["x0"], b["x0"], segs, row=True))
    for at in sorted(set(groups_at) - emitted):
        out.extend(_Line(0, 0, 0, 0, [(0, 0, g)]) for g in groups_at[at])
    return out


def _numeric_segments(line: _Line) -> list[tuple[float, float, str]]:
    k = len(line.numbers)
    return list(line.segments[len(line.segments) - k:]) if k else []


def _place_by_columns(lines: list[_Line]) -> None:
    """Blank cells leave no text in a printed PDF: a row of 7 columns with one blank shows 6 numbers,
    and which one is missing is told only by position. Within each block of rows under one header
    line, the columns are where the fullest rows (or the header's cells) put their numbers; a row
    with fewer numbers has each one placed in the nearest column, and every column left empty becomes
    a blank cell. Nothing is placed when a number is not clearly in one column."""
    block: list[_Line] = []
    header: _Line | None = None

    def close() -> None:
        full = max((len(line.numbers) for line in block), default=0)
        centres: list[float] = []
        if full >= 2:
            rows = [_numeric_segments(line) for line in block if len(line.numbers) == full]
            centres = [sorted((seg[0] + seg[1]) / 2 for seg in col)[len(col) // 2] for col in zip(*rows)]
        if header is not None and len(header.segments) - 1 > len(centres) >= 0:
            cells = header.segments[1:]
            if len(cells) >= 2:
                centres = [(seg[0] + seg[1]) / 2 for seg in cells]
        if len(centres) < 2:
            return
        gap = min(b - a for a, b in zip(centres, centres[1:]))
        if gap <= 0:
            return
        def split_row(i: int) -> bool:
            """Numbers on a line of their own, short of a full row: part of a row whose numbers were
            set on two lines (a tall cell, a scan turned slightly). Then no line near it is placed."""
            line = block[i]
            return len(line.numbers) == len(line.segments) and len(line.numbers) < len(centres)

        for i, line in enumerate(block):
            segs = _numeric_segments(line)
            if not segs or len(segs) >= len(centres):
                continue
            if any(0 <= j < len(block) and split_row(j) for j in (i - 1, i, i + 1)):
                continue
            slots: dict[int, tuple[float, float, str]] = {}
            for seg in segs:
                mid = (seg[0] + seg[1]) / 2
                k = min(range(len(centres)), key=lambda i: abs(centres[i] - mid))
                if abs(centres[k] - mid) > 0.35 * gap or k in slots:
                    break
                slots[k] = seg
            else:
                if list(slots) != sorted(slots):
                    continue
                placed = [slots.get(k, _Seg(_BLANK_AT, _BLANK_AT, "")) for k in range(len(centres))]
                line.segments = line.segments[: len(line.segments) - len(segs)] + placed
                line.row = True

    for line in lines:
        if not line.numbers and len(line.segments) >= 2:
            close()
            block, header = [], line
        elif line.numbers:
            block.append(line)
    close()


def _is_tabular(line: _Line) -> bool:
    """A line of an unruled table: values after a label, values only, or a group-label fragment."""
    if line.numbers:
        return True
    return len(line.segments) > 1 or (len(line.text) <= 4 and not _PAGE_NUMBER.match(line.text))


def _unruled_tables(pages: list[_Page], place_blanks: bool = True) -> None:
    """Apply ``_assemble_unruled`` to each run of text lines that contains a table."""
    carry: dict[int, str] = {}  # group-label fragments cut by a page break

    def emit_carry(out: list[tuple[float, object]]) -> None:
        out.extend((0.0, _Line(0, 0, 0, 0, [(0, 0, text)])) for text in carry.values())
        carry.clear()

    for page in pages:
        out: list[tuple[float, object]] = []
        run: list[_Line] = []
        margin = min((item.x0 for _, item in page.items if isinstance(item, _Line)), default=0.0)

        def flush() -> None:
            # Only runs where several lines carry numbers are tables; prose is left untouched.
            if sum(1 for line in run if line.numbers) >= 2:
                start = next(i for i, line in enumerate(run) if _is_tabular(line))
                end = max(i for i, line in enumerate(run) if line.numbers) + 1
                # Wrapped label lines before the first / after the last values (a row cut by the
                # page break): they sit in the label column, well right of the text margin.
                def in_label_column(line: _Line) -> bool:
                    return (line.x0 > margin + 30 and len(line.text) <= 25) or (
                        line.x0 > margin and _group_prefix(line.text))

                while end < len(run) and in_label_column(run[end]):
                    end += 1
                while start > 0 and in_label_column(run[start - 1]):
                    start -= 1
                out.extend((line.top, line) for line in run[:start])
                if place_blanks:
                    _place_by_columns(run[start:end])
                out.extend((line.top, line) for line in _assemble_unruled(run[start:end], carry))
                out.extend((line.top, line) for line in run[end:])
                if end < len(run):
                    emit_carry(out)  # the table ended on this page
            else:
                emit_carry(out)
                out.extend((line.top, line) for line in run)
            run.clear()

        for top, item in page.items:
            if isinstance(item, _Line):
                run.append(item)
            else:
                flush()
                emit_carry(out)
                out.append((top, item))
        flush()
        if page is pages[-1]:
            emit_carry(out)
        page.items = out


def _mark_paragraphs(pages: list[_Page]) -> None:
    """Set ``starts``/``ends`` of prose lines from the text block's edges over the whole document (a
    page holding only a heading and an indented first line has no full line to measure)."""
    prose = [it for page in pages for _, it in page.items
             if isinstance(it, _Line) and not it.row and it.x1 > it.x0 and "\t" not in it.text]
    if not prose:
        return
    # The leftmost start shared by two lines or more (one stray line does not move the margin).
    starts = Counter(round(it.x0 / 2) for it in prose)
    left = 2 * min((x for x, n in starts.items() if n >= 2), default=min(starts))
    right = 2 * Counter(round(it.x1 / 2) for it in prose).most_common(1)[0][0]
    # Official documents have (nearly) equal side margins: a document with little prose gives its
    # right edge by symmetry.
    right = max(right, pages[0].width - left)
    for line in prose:
        h = max(line.bottom - line.top, 1.0)
        inset = line.x0 > left + 0.8 * h
        # A centred line after a full one is the wrapped end of a centred title ("…年度报" / "告").
        centred = inset and line.x1 < right - 0.8 * h and abs((line.x0 + line.x1) / 2 - (left + right) / 2) < h
        line.starts = bool(_ROW_MARKER.match(line.text)) or (inset and not centred)
        # Ragged right edges fall short by up to two characters (a closing mark may not start a
        # line, so it pulls its character down with it); a new paragraph is told by its indent.
        line.ends = line.x1 < right - 2.5 * h


def _flow(pages: list[_Page]) -> list[object]:
    """All items in reading order, tables continued across page breaks joined into one."""
    flow: list[object] = []
    for page in pages:
        for i, (_, item) in enumerate(page.items):
            if isinstance(item, _Grid) and i == 0 and flow and isinstance(flow[-1], _Grid) and _continues(flow[-1], item):
                _join_grids(flow[-1], item)
                continue
            if (
                i == 0 and isinstance(item, _Line) and item.row and not item.numbers and flow
                and isinstance(flow[-1], _Line) and flow[-1].row and len(flow[-1].numbers) == len(flow[-1].segments)
            ):
                # An unruled row broken by the page: its values end one page, its label starts the next.
                flow[-1] = _Line(item.top, item.bottom, item.x0, item.x1, item.segments + flow[-1].segments, row=True)
                continue
            flow.append(item)
    return flow


def _table_lines(grid: _Grid) -> list[str]:
    """A table row as one line: its cells joined by tabs (labels, then numbers), each merged cell once."""
    label_cols = _label_columns(grid)
    out = []
    for row, ids in zip(grid.rows, grid.ids):
        cells = [
            v for i, v in enumerate(row)
            if v is not None and (i == 0 or ids[i] != ids[i - 1]) and (v or i not in label_cols)
        ]
        out.append("\t".join(cells))
    return out


def _label_columns(grid: _Grid) -> set[int]:
    """The label area: columns where some row holding values has text that is not a value. A value
    column that happens to be all blank has no such text, so its blanks are kept."""
    data = [row for row in grid.rows if _has_number(row)]
    return {c for c in range(grid.ncols) if any(row[c] and not _is_number(row[c]) for row in data)}


def _covered_as_none(grid: _Grid) -> list[list[str | None]]:
    """The grid with a merged cell's text in its first slot only and ``None`` in the slots it
    covers (pdfplumber's convention), so a value spanning columns is read once. An empty cell in
    the label area (a label cell split in two by a stray rule, "（七）总计 | ") is ``None`` too: only
    an empty cell among the values is a blank value."""
    labels = _label_columns(grid)
    out: list[list[str | None]] = []
    seen: set[int] = set()
    for row, ids in zip(grid.rows, grid.ids):
        cells: list[str | None] = []
        for c, (v, i) in enumerate(zip(row, ids)):
            cells.append(None if i in seen or v is None or (v == "" and c in labels) else v)
            seen.add(i)
        out.append(cells)
    return out


def extract_document(data: bytes, progress=None):
    """Read a PDF into a ``core.Document`` (lines in reading order + table grids)."""
    lines, tables = extract_lines_and_tables(data, progress)
    from .core import Document

    return Document(lines=lines, tables=tables, source="pdf")


def extract_lines_and_tables(data: bytes, progress=None) -> tuple[list[str], list[list[list[str | None]]]]:
    pages, layer = _read_pages(data, progress)
    if is_scan(layer, len(pages)):
        raise ReportError(NO_TEXT_LAYER)
    if layer.unmapped > 0.3 * layer.chars:
        raise ReportError("PDF 的文字无法解码（字体缺少 Unicode 映射），无法读取；请提供原始文档或另存为新的 PDF")
    return lines_from_pages(pages)


NO_TEXT_LAYER = "PDF 没有文字层（可能是扫描件），无法读取"


def is_scan(layer: _TextLayer, pages: int) -> bool:
    # A scan may carry a stamp or page numbers as text: a few characters a page over images is no text layer.
    return layer.chars < 20 or bool(layer.images and layer.chars < 40 * pages)


def lines_from_pages(pages: list[_Page], place_blanks: bool = True) -> tuple[list[str], list[list[list[str | None]]]]:
    """Pages of positioned text (from the text layer, or from OCR) → lines in reading order and grids.
    ``place_blanks``: a number missing from a row is a blank cell (a text layer prints every number it
    has; OCR may miss one, so there a missing number leaves the row unread)."""
    _drop_furniture(pages)
    _unruled_tables(pages, place_blanks)
    _mark_paragraphs(pages)
    flow = _flow(pages)
    lines: list[str] = []
    tables: list[list[list[str | None]]] = []
    joinable = False
    for item in flow:
        if isinstance(item, _Grid):
            tables.append(_covered_as_none(item))
            lines.extend(_table_lines(item))
            joinable = False
        else:
            if joinable and not item.starts and "\t" not in item.text:
                lines[-1] = _join(lines[-1], item.text)
            else:
                lines.append(item.text)
            joinable = not item.ends and "\t" not in item.text
    return lines, tables


def parse_pdf(data: bytes, progress=None) -> Report:
    """Parse the bytes of a PDF annual report. Raises ``ReportError`` (Chinese message) on bad input.
    A PDF without a text layer (a scan) is read by offline OCR (``ocr.py``); ``progress(done, total)``
    is called after each page it reads."""
    try:
        document = extract_document(data, progress)
    except ReportError as exc:
        if str(exc) != NO_TEXT_LAYER:
            raise
        from .ocr import parse_scanned_pdf

        return parse_scanned_pdf(data, progress)
    from .core import assemble

    return assemble(document)
