"""Format-independent assembly of a report from extracted text and tables.

Contract shared by all format modules:

    @dataclass
    class Document:
        lines: list[str]                      # whole document, reading order, one line per entry
        tables: list[list[list[str | None]]]  # grids from table markup, rowspan/colspan expanded
        source: str                           # "text", "html", "docx", "pdf", "markdown"

    assemble(doc: Document) -> Report

Conventions of ``Document``:
- In ``lines``, a table cell may be written as its own line starting with a tab ("\\tlabel", "\\t0";
  "\\t" alone is an empty cell) and a line with no text and no tab separates table rows — the form a web
  page takes when copied as text. A line with two or more tabs is one table row, cells split at the
  tabs ("a\\tb\\tc"; "\\t\\t0" is two empty cells and a 0).
- In ``tables``, ``""`` is an empty cell and ``None`` a position covered by a merged cell that starts
  elsewhere (pdfplumber's convention); a grid may also repeat the merged text instead.

``assemble`` finds each table in ``tables`` (by its labels) or else in the lines between the section
headings, maps labels to the keys of ``layouts.py`` (exact after ``normalize.norm``, fuzzy only on a
miss, with a note) and reads the numbers after each label. The tables are those of Art. 50 of the
Regulations. A value that cannot be read with certainty is ``"?"`` with a reason, never a guess; a
missing table is a ``ReportError``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import ReportError
from ..layouts import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    BALANCE_NOTE,
    LAYOUT_2021_COLLAPSED_OTHER_ROWS,
    LAYOUTS,
    LITIGATION_HEADER,
    ORGANISATION_HEADER,
    SECTION_TITLES,
    TABLE_SECTIONS,
    Column,
    Layout,
    layout_for_year,
)
from ..model import Report
from ..render.grid import CONTENT_HEADER
from . import digits, flat
from .normalize import LabelIndex, Match, clean_cell, is_digit_run, norm, read_number

TABLE_NAMES = {
    "proactive": "表二：" + SECTION_TITLES["2"].split("、", 1)[1],
    "applications": "表三：" + SECTION_TITLES["3"].split("、", 1)[1],
    "appeals": "表四：" + SECTION_TITLES["4"].split("、", 1)[1],
}


# Sources whose row cells come from positions on a page: never re-split across cells.
POSITIONED_SOURCES = ("pdf", "ocr", "html-ocr")


@dataclass
class Document:
    lines: list[str]
    tables: list[list[list[str | None]]] = field(default_factory=list)
    source: str = "text"
    # OCR'd input: the same document with each low-confidence number as "?" (see ``ocr.py``). ``assemble``
    # reads both and keeps a low-confidence number only where its row's identity holds.
    masked: "Document | None" = None


# -- tokens --------------------------------------------------------------------------------------
@dataclass(slots=True)
class Tok:
    text: str
    row: int  # tokens of one table row share it
    value: bool  # reads as a number, a blank, or "?"
    col: int = -1  # column in its grid (tokens from table markup only)


class Stream(list):
    """Tokens in reading order; ``grid_rows`` keeps the grid rows (by ``Tok.row``) tokens came from."""

    def __init__(self, items=()):
        super().__init__(items)
        self.grid_rows: dict[int, list[str | None]] = {}


def _is_value(text: str) -> bool:
    return not text or (text.isdigit() and text.isascii()) or text in ("?", "？") or read_number(text) is not None


@lru_cache(maxsize=16384)
def _cell_parts(text: str, split: bool) -> tuple[tuple[str, bool], ...]:
    """A cell's tokens: (text, reads as a value). A line "2 0 0 0 0 0 2" is one token per number; a
    grid cell is one cell whatever it holds ("1 234" there is not read as two numbers, nor as 1234)."""
    text = clean_cell(text)
    if split and " " in text:
        parts = text.split()
        if all(_is_value(p) for p in parts):
            return tuple((p, True) for p in parts)
    return ((text, _is_value(text)),)


def _add_cell(out: list[Tok], text: str, row: int, split: bool = True) -> None:
    if text.isdigit() and text.isascii():
        out.append(Tok(text, row, True))  # the common case
        return
    for part, value in _cell_parts(text, split):
        out.append(Tok(part, row, value))


# A page number printed between rows ("- 3 -", "—3—", "第3页", "第 3 页 共 12 页", "3/12"), as text copied
# from a PDF viewer or a converter keeps it: never a cell.
PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
                         r"|\d{1,4}\s*/\s*\d{1,4})\s*$")


def stream_from_lines(lines: list[str]) -> list[Tok]:
    out: list[Tok] = []
    row = 0
    for line in lines:
        if "\t" not in line and not line.strip():
            row += 1
            continue
        if "\t" not in line and PAGE_NUMBER.match(line):
            continue
        parts = line.split("\t")
        if len(parts) == 2 and not parts[0].strip():
            parts = parts[1:]  # "\tcell": the tab is the cell's indentation (one cell per line)
        for p in parts:
            _add_cell(out, p, row)
        if len(parts) > 1:
            row += 1  # "a\tb\tc" is a whole row
    return out


def stream_from_grid(grid: list[list[str | None]], first_row: int = 0) -> Stream:
    out = Stream()
    for r, cells in enumerate(grid):
        out.grid_rows[first_row + r] = cells
        for c, cell in enumerate(cells):
            if cell is not None:
                start = len(out)
                _add_cell(out, cell, first_row + r, split=False)
                for tok in out[start:]:
                    tok.col = c
    return out


# -- labels of each table ------------------------------------------------------------------------
def _column_labels(layout: Layout) -> list[str]:
    out = []
    for row in layout.proactive:
        out += [c.label for c in row.columns]
    return out


# Header and group cells of the tables: never row labels. The group labels are those of the 2019 rows,
# so （六）其他处理 (a row of its own there, a group in 2021) is left to the row matching.
_COMMON_HEADERS = (
    CONTENT_HEADER, APPLICANT_HEADER, ORGANISATION_HEADER, BALANCE_NOTE, LITIGATION_HEADER,
    *(c.label for c in APPLICANT_COLUMNS), *(c.label for c in APPEAL_COLUMNS), *(g for _, g in APPEAL_GROUPS),
    *dict.fromkeys(g for r in LAYOUTS["2019"].applications for g in r.groups), "单位：件", "单位：万元",
)


def _all_labels(layout: Layout) -> set[str]:
    labels = {r.label for r in layout.proactive} | {r.subtable for r in layout.proactive}
    labels |= set(_column_labels(layout))
    for r in layout.applications:
        labels.add(r.label)
        labels.update(r.groups)
    return {norm(x) for x in labels}


_L2019, _L2021 = _all_labels(LAYOUTS["2019"]), _all_labels(LAYOUTS["2021"])
MARKERS = {"2019": _L2019 - _L2021, "2021": _L2021 - _L2019}


def _proactive_index(layout: Layout) -> LabelIndex:
    rows = {r.key: r.label for r in layout.proactive}
    ignore = (*_COMMON_HEADERS, *_column_labels(layout), *(r.subtable for r in layout.proactive))
    return LabelIndex(rows, ignore)


# Table 三 rows of both layouts: the 2021 rows plus the single （六）其他处理 row ("other").
_APP_ROWS = {r.key: r for r in (*LAYOUTS["2021"].applications, *LAYOUT_2021_COLLAPSED_OTHER_ROWS)}
_APP_INDEX = LabelIndex({k: r.label for k, r in _APP_ROWS.items()}, _COMMON_HEADERS,
                        prefixes=tuple({g for r in _APP_ROWS.values() for g in r.groups}))
_PROACTIVE_INDEX = {name: _proactive_index(layout) for name, layout in LAYOUTS.items()}
_APPEAL_WORDS = {norm(x) for x in (LITIGATION_HEADER, *(g for _, g in APPEAL_GROUPS))}


# -- row reading ---------------------------------------------------------------------------------
_VALUE_WORD = r"(?:[-—–/／]+|[+-]?\d[\d,.]*)"
_TRAILING_VALUES = re.compile(
    r"^(?P<label>.*?[^\d\s.,\-—–/／])\s*(?P<values>" + _VALUE_WORD + r"(?:\s+" + _VALUE_WORD + r")*)$")


@dataclass
class RowRead:
    match: Match
    label_text: str
    values: list[Tok]
    pos: int  # token index of the label


def _match_at(stream: list[Tok], i: int, index: LabelIndex) -> tuple[Match, int, list[Tok], str] | None:
    """The label starting at token ``i`` (joined over up to 3 tokens when broken), its end, trailing values."""
    tok = stream[i]
    text = tok.text
    if index.is_ignored(text):
        return None
    m = index.lookup(text, fuzzy=False)
    if m:
        return m, i + 1, [], text
    # A label broken over lines: join the following text tokens while the result is still a label's start.
    joined, j = text, i + 1
    while index.prefix_of(joined) and j < len(stream) and j - i <= 3 and not stream[j].value:
        joined += stream[j].text
        j += 1
        m = index.lookup(joined, fuzzy=False)
        if m:
            return m, j, [], joined
        # The row's numbers printed on the label's middle line (a column-aligned PDF text).
        tm = _TRAILING_VALUES.match(joined)
        if tm:
            m = index.lookup(tm.group("label"), fuzzy=False) or index.unique_prefix(tm.group("label"))
            if m:
                return m, j, [Tok(v, stream[j - 1].row, True) for v in tm.group("values").split()], tm.group("label")
    if j > i + 1 and j < len(stream) and stream[j].value and stream[j].row == stream[j - 1].row:
        # A label wrapped in its cell, its numbers beside the last piece ("1、申请人…逾期不补" /
        # "正、行政机关不再处理其政府信 67 3 …"): the pieces joined start exactly one label.
        m = index.unique_prefix(joined)
        if m:
            return m, j, [], joined
    # Digits run on after the label ("（一）予以公开0000000", "规章 0 0 0").
    tm = _TRAILING_VALUES.match(text)
    if tm:
        label = tm.group("label")
        m = index.lookup(label, fuzzy=False) or index.unique_prefix(label)
        if m is None and " " in label.strip():
            # The tail of a group label broken across a page ("法提供 2.没有现成信息需要另行制作 11 0 …"):
            # the row label is the text after a space, matched exactly.
            parts = label.split()
            for k in range(1, len(parts)):
                m = index.lookup(" ".join(parts[k:]), fuzzy=False)
                if m:
                    break
        if m is None:
            m = index.lookup(label, fuzzy=True)  # a glyph lost in extraction: reported as a fuzzy match
        if m:
            vals = [Tok(v, tok.row, True) for v in tm.group("values").split()]
            return m, i + 1, vals, tm.group("label")
    m = index.unique_prefix(text) or index.lookup(text, fuzzy=True)
    if m:
        return m, i + 1, [], text
    return None


def _stray_value(text: str, index: LabelIndex) -> bool:
    """Text where a number belongs ("若干", "1,2"): a cell of the row, to be reported unreadable —
    unless it is a label or header of the table."""
    return len(text) <= 12 and not index.is_ignored(text) and not index.prefix_of(text) and index.lookup(text) is None


def _positional(stream: list[Tok], label: Tok, n: int) -> list[Tok] | None:
    """A grid row short of numbers read by column instead: when the columns right of the label are
    exactly the row's ``n`` cells, or its last ``n`` columns hold only numbers and blanks, a position
    holding ``None`` (a PDF reader's empty cell) is a blank. Anything else stays unread."""
    cells = getattr(stream, "grid_rows", {}).get(label.row)
    if cells is None:
        return None
    after = cells[label.col + 1:]
    if len(after) < n:
        return None
    if len(after) == n:
        start = 0
    elif all(c is None for c in after[n:]):
        start = 0  # the row's cells, then positions covered by its last cell's span
    elif not any(after[:-n]):
        start = len(after) - n  # the label's span, then the row's cells
    else:
        return None
    picked = after[start:start + n]
    if all(c is None or _is_value(clean_cell(c)) for c in picked) and any(c is None for c in picked):
        return [Tok(clean_cell(c or ""), label.row, True, label.col + 1 + start + k) for k, c in enumerate(picked)]
    return None


def _numbers_row_below(stream: list[Tok], k: int, n: int) -> list[int] | None:
    """A label row without numbers whose very next row is exactly ``n`` numbers and nothing else, and
    is not followed by another row of numbers: the numbers of the label's row, set between the lines
    of a label wrapped in a tall cell (text rebuilt from a PDF's positions). Runs of number rows
    (labels and numbers printed apart) are left alone."""
    if k >= len(stream) or not stream[k].value:
        return None
    end = _row_end(stream, k)
    if end is None:
        return None
    if end - k != n or end < len(stream) and stream[end].value:
        return None
    return list(range(k, end))


def _row_end(stream: list[Tok], k: int) -> int | None:
    """End of the grid row that starts at ``k`` when every cell of it is a value cell, else None."""
    row, end = stream[k].row, k
    while end < len(stream) and stream[end].row == row:
        if not stream[end].value:
            return None
        end += 1
    return end


def _grid_values_below(stream: list[Tok], k: int, n: int) -> list[int] | None:
    """A grid row of a label with every value cell empty, whose next grid row has no label and ends in
    exactly ``n`` cells holding numbers (a converter that set each row's values on a row of their own):
    those are the label's values. A row of values is never a row by itself, so nothing else claims it."""
    if k >= len(stream) or stream[k].col < 0:
        return None
    end = _row_end(stream, k)
    if end is None:
        return None
    cells = list(range(k, end))
    if len(cells) < n or any(clean_cell(stream[p].text) for p in cells[:-n]):
        return None
    picked = cells[-n:]
    if not any(clean_cell(stream[p].text) for p in picked):
        return None
    return picked


def read_rows(stream: list[Tok], index: LabelIndex, width: dict[str, int]) -> tuple[dict[str, RowRead], list[int]]:
    """Rows found by label (first occurrence wins) and the positions of value tokens no row took."""
    rows: dict[str, RowRead] = {}
    taken: set[int] = set()
    i = 0
    while i < len(stream):
        if stream[i].value:
            i += 1
            continue
        hit = _match_at(stream, i, index)
        if hit is None:
            i += 1
            continue
        m, j, vals, label_text = hit
        n = width.get(m.key, 0)
        row = stream[j - 1].row
        k = j
        while k < len(stream) and len(vals) < n and stream[k].row == row and (
                stream[k].value or _stray_value(stream[k].text, index)):
            vals.append(stream[k])
            taken.add(k)
            k += 1
        if len(vals) < n and stream[j - 1].col >= 0:
            by_position = _positional(stream, stream[j - 1], n)
            if by_position is not None:
                vals = by_position
        elif n and len(vals) == n and stream[j - 1].col >= 0 and not any(clean_cell(v.text) for v in vals):
            below = _grid_values_below(stream, k, n)
            if below is not None:
                vals = [stream[p] for p in below]
                taken.update(below)
                k = below[-1] + 1
        elif not vals and n and stream[j - 1].col < 0:
            below = _numbers_row_below(stream, k, n)
            if below is not None:
                vals = [stream[p] for p in below]
                taken.update(below)
                k = below[-1] + 1
        if m.key not in rows or (not rows[m.key].values and vals):
            rows[m.key] = RowRead(m, label_text, vals, i)
        i = k
    orphans = [p for p, t in enumerate(stream) if t.value and p not in taken]
    return rows, orphans


# -- cells ---------------------------------------------------------------------------------------
class Filler:
    """Writes cells into the report: numbers, blanks, "?" with reasons, notes."""

    def __init__(self, report: Report, positioned: bool = False):
        self.report = report
        # Cells placed by position (PDF, OCR): separate numbers are separate cells, never one run of digits
        # to re-split ("2" and "12" in a row of 3 is a row with a blank, not 2, 1, 2).
        self.positioned = positioned

    def cell(self, key: str, col: Column, text: str) -> None:
        r = self.report
        if text.isdigit() and text.isascii() and col.kind != "text":
            r.set(key, int(text))  # the common case
            return
        t = clean_cell(text)
        if t in ("?", "？"):
            r.mark_unreadable(key, f"原文此格为“{t}”（无法辨认）")
            return
        if col.kind == "text":
            num = read_number(t)
            r.set(key, None if num is not None and num.value is None else t)
            return
        num = read_number(t)
        if num is None:
            r.mark_unreadable(key, f"无法识别为数字：“{t}”")
            return
        value = num.value
        if value is not None and col.kind != "decimal" and not isinstance(value, int):
            r.mark_unreadable(key, f"应为整数，原文为“{t}”")
            return
        if num.note:
            r.notes.append(f"{key}：单元格“{t}”中的说明文字“{num.note}”未计入数值")
        r.set(key, value)

    def row(self, table: str, row: str, columns: tuple[Column, ...], vals: list[Tok], candidates: list | None = None) -> list | None:
        """Fill one row; returns the candidate splits when run-together digits stay ambiguous."""
        n = len(columns)
        keys = [f"{table}.{row}.{c.key}" for c in columns]
        if len(vals) == n:
            for key, col, tok in zip(keys, columns, vals):
                self.cell(key, col, tok.text)
            return None
        texts = [v.text for v in vals]
        if (vals and all(is_digit_run(t) for t in texts) and sum(map(len, texts)) >= n and all(c.kind != "text" for c in columns)
                and not ((self.positioned or any(v.col >= 0 for v in vals)) and len(vals) > 1)):
            return self.digits(table, row, columns, texts)
        reason = f"本行应有 {n} 个数值，只读到 {len(vals)} 个（{'、'.join(texts) or '无'}），无法确定各格"
        for key in keys:
            self.report.mark_unreadable(key, reason)
        return None

    def digits(self, table: str, row: str, columns: tuple[Column, ...], texts: list[str]) -> list | None:
        n = len(columns)
        rule = {"applications": digits.group_totals(7), "appeals": digits.group_totals(5)}.get(table)
        try:
            found = digits.splits(texts, n, accept=rule, partial=rule)
        except digits.TooManySplits:
            found = None
        raw = " ".join(texts)
        keys = [f"{table}.{row}.{c.key}" for c in columns]
        if found and len(found) == 1:
            for key, value in zip(keys, found[0]):
                self.report.set(key, value)
            self.report.notes.append(
                f"{table}.{row}：数字连写为“{raw}”，按本行合计关系只有一种拆分：{'、'.join(map(str, found[0]))}"
            )
            return None
        if found:
            reason = f"数字连写为“{raw}”，有 {len(found)} 种拆分都符合合计关系，无法确定"
        elif found is None:
            reason = f"数字连写为“{raw}”，拆分方式过多，无法确定"
        else:
            reason = f"数字连写为“{raw}”，没有符合合计关系的拆分"
        for key in keys:
            self.report.mark_unreadable(key, reason)
        return found or None


# -- the document ------------------------------------------------------------------------------
# Section headings are recognised by their words, not their numbers: agencies renumber them
# ("（四）", "4.") and reword 五 ("政府信息公开工作存在的主要问题及改进情况").
_SPACE = " \t\r\n\u3000\xa0\ufeff"
_HEADING_PREFIX = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[（(]?[一二三四五六七八九十0-9]{1,2}[)）]?[、.．,，:：\s]*)?")
_SECTION_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("1", ("总体情况", "概述")),
    ("2", ("主动公开政府信息情况", "主动公开政府信息")),
    ("3", ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请")),
    ("4", ("行政复议行政诉讼情况", "行政复议行政诉讼")),
    ("5", ("存在的主要问题及改进情况", "存在的主要问题和改进情况", "主要问题及改进情况", "存在问题及改进",
           "存在的主要问题及整改措施", "存在的主要问题及整改情况", "存在的主要问题和整改措施", "主要问题及整改措施",
           "存在的主要问题")),
    ("6", ("其他需要报告的事项", "其他需要报告事项")),
]
_TITLE = re.compile(r"([0-9０-９]{4})\s*年度?(?P<mid>[^。；，0-9]{0,30}?)(?:政府信息公开|政务公开|信息公开)[^。；]{0,12}?报告")
_AGENCY_JUNK = re.compile(r"^(?:关于|《)+|(?:关于|的)$|[《》“”\"\s【】]")
_YEAR_START = re.compile(r"[0-9０-９]{4}\s*年")
_CJK_SPACED = re.compile(r"(?<=[\u3400-\u9fff])[ \u3000\xa0]+(?=[\u3400-\u9fff])")
_AGENCY_LINE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f（）()·]{2,40}$")


# Every accepted heading contains one of these (a cheap filter before normalising the line).
_HEADING_HINT = re.compile(r"情\s*况|事\s*项|概\s*述|问\s*题|复\s*议|诉\s*讼|总\s*体|改\s*进|主\s*动|申\s*请")
# First characters a heading can have: its numbering, or the first character of a title word.
_HEADING_START = frozenset("一二三四五六七八九十123456７８９０１２３４５６（(第 \u3000【[#*" + "".join(
    w[0] for _, words in _SECTION_WORDS for w in words) + "政关本")
_HEADING_LEAD = re.compile(r"^(?:关于)?(?:本机关|本单位|本年度|\d{4}年度?)?(?:政府信息公开工作|政府信息公开|政务公开工作)?")


def _heading_number(text: str) -> str | None:
    """The section a heading line names (by its words), or None."""
    prefix = _HEADING_PREFIX.match(text)
    numbered = bool(prefix and prefix.group(0).strip())
    if not numbered and text.endswith("。"):
        return None  # an unnumbered line ending a sentence is prose
    key = norm(text[prefix.end():] if prefix else text)
    key = _HEADING_LEAD.sub("", key, count=1)
    if not key or len(key) > 30:
        return None
    for num, words in _SECTION_WORDS:
        # Numbered: the title may carry a few more words; unnumbered: it must be the title itself.
        if any(key.startswith(w) and len(key) <= len(w) + 6 if numbered else key == w or key == w + "情况" for w in words):
            return num
    return None


_INLINE_SPLIT = re.compile(r"[：:。]")


def find_headings(lines: list[str], inline: dict[int, str] | None = None) -> list[tuple[int, str]]:
    """(line index, section number) of each section heading, first occurrence of each number.

    A numbered heading that runs on into its text ("一、总体情况：2024年，…") counts; the text after
    it goes into ``inline`` by line index.
    """
    found: list[tuple[int, str, str | None]] = []
    for i, line in enumerate(lines):
        if not line or line[0] not in _HEADING_START or not _HEADING_HINT.search(line[:40]):
            continue
        text = line.strip(_SPACE)
        num = rest = None
        if len(text) <= 60 and not ("。" in text.rstrip("。") or "，" in text):
            num = _heading_number(_TOC_PAGE.sub("", text))
        if num is None:
            m = _INLINE_SPLIT.search(text, 0, 34)
            if m and text[m.end():].strip(_SPACE):
                head = text[: m.start()]
                if _HEADING_PREFIX.match(head).group(0).strip() and "，" not in head:
                    num = _heading_number(head)
                    rest = text[m.end():].strip(_SPACE)
        if num is not None:
            found.append((i, num, rest))
    toc = _table_of_contents(lines, found)
    later = {num: i for i, num, _ in found}  # last line naming each section
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, num, rest in found:
        if i < later[num] and _subheading_number(lines[i], num):
            continue  # "（一）主动公开政府信息情况。…" under 一: a sub-heading, the real 二 comes later
        if num not in seen and i not in toc:
            out.append((i, num))
            seen.add(num)
            if rest and inline is not None:
                inline[i] = rest
    return out


_PAREN_NUMBER = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十])\s*[)）]")
_CN_ORDINAL = {c: str(k) for k, c in enumerate("一二三四五六七八九", 1)}


def _subheading_number(line: str, num: str) -> bool:
    """A "（一）…" line naming section ``num`` by a different ordinal: the sub-heading numbering of a
    section's text, not the section heading itself."""
    m = _PAREN_NUMBER.match(line)
    return bool(m) and _CN_ORDINAL.get(m.group(1)) != num


# "一、总体情况……1" / "一、总体情况 .... 3": a table-of-contents entry with its page number.
_TOC_PAGE = re.compile(r"[\s.…·。]{2,}\d{0,3}$|\s+\d{1,3}$")


def _table_of_contents(lines: list[str], found: list[tuple[int, str, str | None]]) -> set[int]:
    """Lines of a table of contents: three or more headings with nothing but blank lines between them,
    when the same sections come again later (the body)."""
    toc: set[int] = set()
    run: list[tuple[int, str]] = []

    def close() -> None:
        if len(run) >= 3:
            later = {num for i, num, _ in found if i > run[-1][0]}
            if {num for _, num in run} <= later:
                toc.update(i for i, _ in run)

    for i, num, _ in found:
        if run and num not in {n for _, n in run} and all(not lines[k].strip(_SPACE) for k in range(run[-1][0] + 1, i)):
            run.append((i, num))
        else:
            close()
            run = [(i, num)]
    close()
    return toc


_PERIOD_YEAR = re.compile(r"统计(?:期限|期间|时限|时间)?(?:范围)?\s*(?:为|是|自|从|[:：])*\s*(\d{4})\s*年\s*0?1\s*月\s*0?1\s*日")


def find_title(lines: list[str]) -> tuple[str | None, int | None]:
    """Agency and year from the title "…XXXX年政府信息公开工作年度报告" (agency before the year or on the line above)."""
    head = lines[:200]
    for i, raw in enumerate(head):
        line = raw.strip(_SPACE)
        if len(line) > 80:
            continue
        m = _TITLE.search(line)
        if not m and _YEAR_START.search(line) and "。" not in line:
            # A title wrapped over two lines ("2024年政府信息公开" / "工作年度报告").
            nxt = next((x.strip(_SPACE) for x in head[i + 1:i + 3] if x.strip(_SPACE)), "")
            if nxt and len(line) + len(nxt) <= 80:
                line = line + nxt
                m = _TITLE.search(line)
        if not m:
            continue
        year = int(clean_cell(m.group(1)))
        if not 2000 <= year <= 2100:
            continue
        agency = _AGENCY_JUNK.sub("", line[: m.start()]) or _AGENCY_JUNK.sub("", m.group("mid"))
        if not agency:
            for prev in reversed(lines[max(0, i - 3):i]):
                p = _CJK_SPACED.sub("", prev.strip(_SPACE)).strip("【】[]")  # "淄 博 市 …" as typeset
                if p:
                    if _AGENCY_LINE.match(p) and "报告" not in p:
                        agency = p
                    break
        return agency or None, year
    for raw in lines[:100]:
        # "统计期限自2024年1月1日起", "数据统计期限为2025年1月1日至12月31日"
        m = _PERIOD_YEAR.search(clean_cell(raw))
        if m:
            return None, int(m.group(1))
    return None, None


def section_text(lines: list[str], start: int, end: int) -> str:
    """The prose as printed (no width folding), one paragraph per line."""
    out = [line.strip(_SPACE) for line in lines[start:end]]
    return "\n".join(x for x in out if x and not PAGE_NUMBER.match(x))


_GRID_MARKS = {
    "applications": ("本年新收", "上年结转", "本年度办理结果", "予以公开"),
    "appeals": ("复议后起诉", "未经复议直接起诉", "尚未审结"),
    "proactive": ("第二十条", "信息内容", "规章", "行政许可", "行政处罚"),
}
_LINE_ANCHORS = {
    "proactive": ("第二十条第一项",),
    "applications": ("本列数据的勾稽关系", "本年新收政府信息公开申请数量"),
    "appeals": ("未经复议直接起诉",),
}


def merge_continuations(tables: list[list[list[str | None]]]) -> list[list[list[str | None]]]:
    """A table split by a page break comes as two grids: a grid with none of the tables' marks and the
    width of a marked grid just before it is that table's continuation (its rows, e.g. 表四's data row)."""
    out: list[list[list[str | None]]] = []
    prev_marked = False
    for grid in tables:
        width = max((len(r) for r in grid), default=0)
        text = norm("".join(c for r in grid for c in r if c))
        marked = any(m in text for marks in _GRID_MARKS.values() for m in marks)
        if not marked and prev_marked and out and width == max(len(r) for r in out[-1]):
            out[-1] = out[-1] + [r for r in grid if any(r)]
            continue
        out.append(grid)
        prev_marked = marked
    return out


def _grid_streams(tables: list[list[list[str | None]]]) -> dict[str, Stream]:
    streams: dict[str, Stream] = {}
    row = 0
    for grid in tables:
        text = norm("".join(c for r in grid for c in r if c))
        toks = stream_from_grid(grid, row)
        row += len(grid) + 1
        for kind, marks in _GRID_MARKS.items():
            if any(m in text for m in marks):
                target = streams.setdefault(kind, Stream())
                target.extend(toks)
                target.grid_rows.update(toks.grid_rows)
                if kind in ("applications", "appeals"):
                    break  # a table 三 mentions no appeal words; 四 none of 三's
    return streams


def _line_regions(lines: list[str], headings: list[tuple[int, str]]) -> dict[str, tuple[int, int]]:
    starts: dict[str, int] = {}
    by_num = {num: i for i, num in headings}
    for kind, num in TABLE_SECTIONS.items():
        if num in by_num:
            starts[kind] = by_num[num]
    if len(starts) < 3:
        keys = [(i, norm(line)) for i, line in enumerate(lines)]
        for kind, anchors in _LINE_ANCHORS.items():
            if kind in starts:
                continue
            for i, k in keys:
                if any(a in k for a in anchors) and len(k) < 60:
                    starts[kind] = max(0, i - 2)
                    break
    bounds = sorted({i for i, _ in headings} | set(starts.values()) | {len(lines)})
    regions = {}
    for kind, s in starts.items():
        end = next((b for b in bounds if b > s), len(lines))
        regions[kind] = (s, end)
    return regions


def assemble(doc: Document) -> Report:
    if doc.masked is not None:
        from .ocr import accept_by_identity

        read = _assemble(Document(doc.lines, doc.tables, doc.source))
        report = _assemble(doc.masked)
        accept_by_identity(report, read)
        return report
    return _assemble(doc)


def _assemble(doc: Document) -> Report:
    lines = doc.lines
    lines = flat.unflatten(lines)  # a page flattened into one line: cut at headings and labels
    inline: dict[int, str] = {}
    headings = find_headings(lines, inline)
    agency, year = find_title(lines)
    tables = merge_continuations(doc.tables) if doc.tables else []
    grid_streams = _grid_streams(tables) if tables else {}
    regions = _line_regions(lines, headings)

    line_streams: dict[str, list[Tok]] = {}

    def stream(kind: str, prefer_grid: bool = True) -> list[Tok]:
        if prefer_grid and kind in grid_streams:
            return grid_streams[kind]
        if kind not in line_streams:
            s, e = regions.get(kind, (0, 0))
            line_streams[kind] = stream_from_lines(lines[s + 1:e]) if e else []
        return line_streams[kind]

    report = Report(year=year, agency=agency)
    report.headings = [num for _, num in headings]
    fill = Filler(report, positioned=doc.source in POSITIONED_SOURCES)

    # -- which tables are there: table 三 decides whether this is a report at all -------------
    app_width = {k: len(APPLICANT_COLUMNS) for k in _APP_ROWS}
    app_streams = [stream("applications", True)]
    app_read = read_table(app_streams[0], _APP_INDEX, app_width, _APP_GROUPS)
    if not _complete(app_read, app_width) and "applications" in grid_streams:
        app_streams.append(stream("applications", False))
        app_read = _best([app_read, read_table(app_streams[1], _APP_INDEX, app_width, _APP_GROUPS)])
    # Each table is read from its grid (table markup) and, only when that does not do, from the lines.
    pro_streams = [lambda: stream("proactive", True), lambda: stream("proactive", False)]
    appeal_streams = [lambda: stream("appeals", True), lambda: stream("appeals", False)]

    def has_pro(st: list[Tok]) -> bool:
        return any(not t.value and (_match_at(st, i, _PROACTIVE_INDEX["2021"]) or _match_at(st, i, _PROACTIVE_INDEX["2019"]))
                   for i, t in enumerate(st))

    have_pro = has_pro(pro_streams[0]()) or has_pro(pro_streams[1]())
    have_apps = len(app_read.rows) >= 3
    have_appeals = any(_is_appeal_head(t) for t in appeal_streams[0]()) or any(_is_appeal_head(t) for t in appeal_streams[1]())
    if not (have_pro or have_apps or have_appeals):
        raise ReportError("不是政府信息公开工作年度报告：未找到表二、表三、表四（主动公开、依申请公开、复议诉讼）的表格")
    if not have_pro:
        raise ReportError(f"未找到{TABLE_NAMES['proactive']}")
    if not have_apps:
        raise ReportError(f"未找到{TABLE_NAMES['applications']}")
    if not have_appeals:
        raise ReportError(f"未找到{TABLE_NAMES['appeals']}")

    # -- layout: from the labels printed, the year only breaks ties ------------------------------
    seen = {norm(t.text) for s in (pro_streams[0](), *app_streams) for t in s if not t.value}
    seen |= {norm(r.match.label) for r in app_read.rows.values()}
    score = {name: len(marks & seen) for name, marks in MARKERS.items()}
    if score["2019"] != score["2021"]:
        report.layout = max(score, key=score.get)
    else:
        report.layout = layout_for_year(year)
    if year is not None and report.layout != layout_for_year(year):
        report.notes.append(f"按表格标签识别为 {report.layout} 年版式（报告年度 {year}）")

    _fill_proactive(report, fill, pro_streams)
    _fill_applications(report, fill, app_read)
    _fill_appeals(report, fill, appeal_streams, tables)

    # -- sections 一, 五, 六 -------------------------------------------------------------------
    bounds = [i for i, _ in headings] + [len(lines)]
    for (i, num), end in zip(headings, bounds[1:]):
        if num in ("1", "5", "6"):
            text = section_text(lines, i + 1, end)
            if i in inline:
                text = inline[i] + ("\n" + text if text else "")
            report.sections[num] = text
    return report


def _fuzzy_notes(report: Report, table: str, rows: dict[str, RowRead]) -> None:
    for key, r in rows.items():
        if r.match.fuzzy:
            report.notes.append(
                f"{TABLE_NAMES[table].split('：')[0]}的标签“{clean_cell(r.label_text)}”与标准标签“{r.match.label}”"
                f"近似（相似度 {r.match.ratio:.0%}），已按后者读取"
            )


@dataclass
class TableRead:
    rows: dict[str, RowRead]
    notes: list[str]

    @property
    def score(self) -> tuple[int, int]:
        filled = sum(1 for r in self.rows.values() for v in r.values if clean_cell(v.text))
        return filled, len(self.rows)


def _complete(read: TableRead, width: dict[str, int]) -> bool:
    """Every row found has all its cells (so another reading of the table cannot do better)."""
    return len(read.rows) >= min(len(width), 20) and all(
        len(r.values) == width[k] and any(clean_cell(v.text) for v in r.values) for k, r in read.rows.items())


def _best(reads: list[TableRead]) -> TableRead:
    """The reading that found the most numbers (the grid wins a tie)."""
    best = reads[0]
    for r in reads[1:]:
        if r.score > best.score:
            best = r
    return best


# Rows that are only a group label when their sub-rows are printed (2021 （六）其他处理).
_APP_GROUPS = {"other": LAYOUTS["2021"].other_subrows}


def read_table(stream: list[Tok], index: LabelIndex, width: dict[str, int],
               groups: dict[str, tuple[str, ...]] | None = None) -> TableRead:
    rows, orphans = read_rows(stream, index, width)
    for key, subrows in (groups or {}).items():
        if key in rows and not rows[key].values and any(k in rows for k in subrows):
            del rows[key]
    notes = []
    if _shattered(stream, rows, orphans, width):
        notes.append("的数值与标签分开排列，已按顺序逐行对应")
    return TableRead(rows, notes)


def _shattered(stream: list[Tok], rows: dict[str, RowRead], orphans: list[int], width: dict[str, int]) -> bool:
    """Labels printed apart from their numbers (a table of labels, then a run of numbers): pair them in
    print order when the count of loose numbers is exactly what the label-only rows need."""
    pending = sorted((r.pos, k) for k, r in rows.items() if not any(clean_cell(v.text) for v in r.values))
    if not pending:
        return False
    first, last = pending[0][0], pending[-1][0]
    # Only a block of labels, then a block of numbers: numbers interleaved with the labels (a PDF read
    # cell by cell, columns out of order) cannot be paired by order without risking a wrong row.
    if any(first < p < last and clean_cell(stream[p].text) for p in orphans):
        return False
    loose_pos = [p for p in orphans if p > first and clean_cell(stream[p].text)]
    loose = [stream[p] for p in loose_pos]
    # The block's last label took the first numbers after it as its own (they follow it in the same
    # row); when the loose numbers go on right after those, they are all one block of numbers.
    after = min(((r.pos, k) for k, r in rows.items() if r.pos > last), default=None)
    if after and loose_pos:
        r = rows[after[1]]
        n = len(r.values)
        if n and all(stream[after[0] + 1 + x] is v for x, v in enumerate(r.values)
                     if after[0] + 1 + x < len(stream)) and loose_pos[0] == after[0] + 1 + n:
            pending.append(after)
            loose = r.values + loose
    need = sum(width[k] for _, k in pending)
    if not loose or len(loose) != need:
        return False
    pos = 0
    for _, k in pending:
        rows[k].values = loose[pos:pos + width[k]]
        pos += width[k]
    return True


def _fill_proactive(report: Report, fill: Filler, streams: list) -> None:
    layout = report.spec
    index = _PROACTIVE_INDEX[layout.name]
    width = {r.key: len(r.columns) for r in layout.proactive}
    read = read_table(streams[0](), index, width)
    if not _complete(read, width):
        read = _best([read, read_table(streams[1](), index, width)])
    rows = read.rows
    report.notes += ["表二" + n for n in read.notes]
    _fuzzy_notes(report, "proactive", rows)
    for prow in layout.proactive:
        if prow.key not in rows:
            for col in prow.columns:
                report.mark_unreadable(f"proactive.{prow.key}.{col.key}", f"表二中未找到“{prow.label}”这一行")
            continue
        fill.row("proactive", prow.key, prow.columns, rows[prow.key].values)


# Layout 2019's single row （六）其他处理, which some 2021-layout reports print instead of its three sub-rows.
_OTHER_LABEL = LAYOUTS["2019"].application_row("other").label
COLLAPSED_OTHER_NOTE = f"表三将“{_OTHER_LABEL}”印为一行（未分三项），按一行记录"


def _fill_applications(report: Report, fill: Filler, read: TableRead) -> None:
    rows = read.rows
    subrows = LAYOUTS["2021"].other_subrows
    has_sub = any(k in rows for k in subrows)
    if report.layout == "2021" and not has_sub and "other" in rows:
        report.applications["other"] = {}
        report.notes.append(COLLAPSED_OTHER_NOTE)
    shape = report.application_rows()
    report.notes += ["表三" + n for n in read.notes]
    _fuzzy_notes(report, "applications", {k: v for k, v in rows.items() if k in {r.key for r in shape}})
    ambiguous: dict[str, list[list[int]]] = {}
    for arow in shape:
        if arow.key not in rows:
            reason = f"表三中未找到“{arow.label}”这一行"
            if report.layout == "2019" and arow.key == "other" and has_sub:
                reason = f"表三将“{_OTHER_LABEL}”分三项填报，与 2019 年版式的一行不符，未合计"
            for col in APPLICANT_COLUMNS:
                report.mark_unreadable(f"applications.{arow.key}.{col.key}", reason)
            continue
        found = fill.row("applications", arow.key, APPLICANT_COLUMNS, rows[arow.key].values)
        if found:
            ambiguous[arow.key] = found
    if ambiguous:
        _resolve_by_columns(report, ambiguous)


def _resolve_by_columns(report: Report, ambiguous: dict[str, list[list[int]]]) -> None:
    """Run-together digits with several splits: keep the one the column identities of 表三 allow
    (balance: 一+二 = 三（七）+四; outcome_sum: （七）总计 = sum of outcomes), when only that row is unknown."""
    cols = [c.key for c in APPLICANT_COLUMNS]
    outcomes = list(report.outcome_rows())
    identities = [
        ({"new_received": 1, "carried_over": 1, "total_processed": -1, "carried_forward": -1}),
        ({"total_processed": 1, **{k: -1 for k in outcomes}}),
    ]

    def known(row: str) -> list[int] | None:
        vals = [report.get(f"applications.{row}.{c}") for c in cols]
        return vals if all(isinstance(v, int) for v in vals) else None

    changed = True
    while changed and ambiguous:
        changed = False
        for row, cands in list(ambiguous.items()):
            for ident in identities:
                if row not in ident:
                    continue
                others = {r: known(r) for r in ident if r != row}
                if any(v is None for v in others.values()):
                    continue
                expected = [-sum(ident[r] * others[r][j] for r in others) * ident[row] for j in range(len(cols))]
                keep = [c for c in cands if c == expected]
                if len(keep) == 1:
                    for c, value in zip(cols, keep[0]):
                        report.set(f"applications.{row}.{c}", value)
                    report.unreadable = [u for u in report.unreadable if not u["cell"].startswith(f"applications.{row}.")]
                    report.notes.append(
                        f"applications.{row}：连写数字按本列勾稽关系确定为 {'、'.join(map(str, keep[0]))}"
                    )
                    del ambiguous[row]
                    changed = True
                    break


def _is_appeal_head(t: Tok) -> bool:
    """A header cell of table 四 ("行政复议", "复议后起诉", or several of them in one cell)."""
    if t.value or len(t.text) > 120:
        return False
    n = norm(t.text)  # without the spaces of a column-aligned line ("行政复议        行政诉讼")
    return len(n) <= 30 and any(w in n for w in _APPEAL_WORDS)


def _appeal_values(s: list[Tok], n: int) -> list[Tok] | None:
    """The data row of table 四: the first run of value cells after the header holding any number."""
    start = next((i for i, t in enumerate(s) if _is_appeal_head(t)), None)
    if start is None:
        return None
    runs: list[list[Tok]] = []
    cur: list[Tok] = []
    for t in s[start:]:
        if t.value:
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    real = [r for r in runs if any(clean_cell(t.text) for t in r)]
    if real:
        vals = real[0]
    else:  # all blank: the data row is the last run long enough (header fillers come before it)
        vals = next((r for r in reversed(runs) if len(r) >= n), runs[0] if runs else [])
    while len(vals) > n and not clean_cell(vals[-1].text):
        vals = vals[:-1]
    while len(vals) > n and not clean_cell(vals[0].text):
        vals = vals[1:]
    return vals


def _appeal_row_from_grids(tables: list[list[list[str | None]]], n: int) -> list[Tok] | None:
    """Table 四's data row read by position from a grid of at least 15 columns: its last row made only of
    numbers and blanks. Position decides, so a blank cell (or one a PDF reader left as ``None``) stays
    in its column."""
    for grid in tables:
        if not grid or max(len(r) for r in grid) < n:
            continue
        text = norm("".join(c for r in grid for c in r if c))
        if not any(m in text for m in _GRID_MARKS["appeals"]):
            continue
        for k, row in enumerate(reversed(grid)):
            cells = row[-n:] if len(row) >= n else None
            if cells is None:
                continue
            if k == 0 and "" in cells and not any(c for c in cells) and len(grid) > 1:
                return [Tok("", 0, True) for _ in cells]  # the data row printed empty: every cell blank
            if any(c for c in cells) and all(c is None or _is_value(clean_cell(c)) for c in cells):
                return [Tok(clean_cell(c or ""), 0, True) for c in cells]
    return None


def _fill_appeals(report: Report, fill: Filler, streams: list, tables: list | None = None) -> None:
    n = len(APPEAL_COLUMNS) * len(APPEAL_GROUPS)
    positional = _appeal_row_from_grids(tables or [], n)
    if positional is not None:
        head = Tok(APPEAL_GROUPS[0][1], 0, False)  # the stream form _appeal_values reads: header, then the row
        streams = [lambda: [head, *positional], *streams]
    found = []
    for thunk in streams:
        v = _appeal_values(thunk(), n)
        if v is not None:
            found.append(v)
            if len(v) == n and any(clean_cell(t.text) for t in v):
                break
    vals = next((v for v in found if len(v) == n and any(clean_cell(t.text) for t in v)), None)
    if vals is None:
        vals = next((v for v in found if any(clean_cell(t.text) for t in v)), found[0] if found else [])
    keys = [(g, c) for g, _ in APPEAL_GROUPS for c in APPEAL_COLUMNS]
    if len(vals) == n:
        for (g, col), tok in zip(keys, vals):
            fill.cell(f"appeals.{g}.{col.key}", col, tok.text)
        return
    texts = [v.text for v in vals]
    if vals and all(is_digit_run(t) for t in texts) and sum(map(len, texts)) >= n and not (fill.positioned and len(vals) > 1):
        _spread_appeals(report, texts, keys)
        return
    reason = f"表四应有 {n} 个数值，读到 {len(vals)} 个，无法确定各格"
    for g, col in keys:
        report.mark_unreadable(f"appeals.{g}.{col.key}", reason)


def _spread_appeals(report: Report, texts: list[str], keys: list[tuple[str, Column]]) -> None:
    n = len(keys)
    rule = digits.group_totals(len(APPEAL_COLUMNS))
    try:
        found = digits.splits(texts, n, accept=rule, partial=rule)
    except digits.TooManySplits:
        found = None
    raw = " ".join(texts)
    if found and len(found) == 1:
        for (g, col), value in zip(keys, found[0]):
            report.set(f"appeals.{g}.{col.key}", value)
        report.notes.append(f"表四：数字连写为“{raw}”，按各组总计关系只有一种拆分：{'、'.join(map(str, found[0]))}")
        return
    reason = (f"数字连写为“{raw}”，有 {len(found)} 种拆分都符合总计关系，无法确定" if found
              else f"数字连写为“{raw}”，无法唯一拆分")
    for g, col in keys:
        report.mark_unreadable(f"appeals.{g}.{col.key}", reason)
