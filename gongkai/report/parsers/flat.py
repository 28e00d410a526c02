"""A page flattened into one line → the lines ``core`` reads.

Some crawlers and copy-paste paths drop every line break and separator: title, headings, table labels
and the digits of all cells run together ("…规章000行政规范性文件000第二十条第（五）项…"), with page
furniture (当前位置, 字号：大 中 小, 打印本页) around them. This module cuts such a line at the section
headings and, between 二 and 五, at every label of the layouts (found inside the line after the same
normalisation as ``normalize.norm``); the text between two labels becomes that label's cell. Digit runs
are left whole: ``core`` splits them only when one split fits the digits and the table's identities
(``digits.py``), else the cells are unknown. Nothing here reads a number.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
)
from ..render.grid import CONTENT_HEADER
from .normalize import _DROP, norm, strip_numbering

# A line this long that holds table labels is a flattened page (a real table row is far shorter).
MIN_FLAT = 300
_HINTS = ("本年新收", "第二十条", "复议后起诉", "上年结转")
# Full row labels a prose paragraph does not quote: three of them in one long line make it a table.
_TABLE_WORDS = ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "结转下年度继续办理", "未经复议直接起诉",
                "第二十条第", "行政事业性收费", "本年度办理结果", "属于国家秘密", "信访举报投诉类申请")
# Page markers inside the text ("-3-", "— 4 —"): dropped, never a cell.
_PAGE_MARK = re.compile(r"(?<![\d.])[-—–－]{1,2}\s*\d{1,3}\s*[-—–－]{1,2}(?![\d.])")
# Web-page furniture around the report.
_FURNITURE = re.compile(
    r"字号[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?"
    r"|[【\[]?\s*(?:打印本页|打印本文|关闭窗口|关闭本页|返回顶部|分享到|收藏本页|打印)\s*[】\]]?"
    r"|当前位置[:：]"
)
_NUMBERING_PUNCT = ".．、,，)）"


def _anchors() -> dict[str, list[str]]:
    """Normalised label texts of both layouts (with and without their numbering), by first character,
    longest first: the cut points inside a flattened table."""
    labels: set[str] = {BALANCE_NOTE, APPLICANT_HEADER, ORGANISATION_HEADER, LITIGATION_HEADER, CONTENT_HEADER,
                        "信息内容", "单位：件", "单位：万元"}
    labels |= {c.label for c in APPLICANT_COLUMNS} | {c.label for c in APPEAL_COLUMNS} | {g for _, g in APPEAL_GROUPS}
    for layout in LAYOUTS.values():
        for p in layout.proactive:
            labels |= {p.label, p.subtable, *(c.label for c in p.columns)}
        for a in (*layout.applications, *LAYOUT_2021_COLLAPSED_OTHER_ROWS):
            labels |= {a.label, *a.groups}
    keys: set[str] = set()
    for label in labels:
        n = norm(label)
        for form in {n, strip_numbering(n)}:
            if len(form) >= 2:
                keys.add(form)
                # the variants norm() folds ("合计" for 总计 …), as they may be printed
                for variant, official in (("合计", "总计"), ("法人或者其他", "法人或其他"), ("下一年度", "下年度")):
                    if official in form:
                        keys.add(form.replace(official, variant))
    out: dict[str, list[str]] = {}
    for k in keys:
        out.setdefault(k[0], []).append(k)
    for v in out.values():
        v.sort(key=len, reverse=True)
    return out


_ANCHORS = _anchors()

# Section headings inside a line: the ordinal, then (within a few characters) the section's words.
_SECTION_RE = [
    ("一", r"总体情况|概述"),
    ("二", r"主动公开政府信息(?:情况)?"),
    ("三", r"收到和处理政府信息公开申请(?:情况)?"),
    ("四", r"(?:政府信息公开)?行政复议[、，,]?\s*行政诉讼(?:情况)?"),
    ("五", r"(?:政府信息公开工作)?存在的?主要问题(?:及|和)(?:改进|整改)(?:情况|措施)?|存在的主要问题"),
    ("六", r"其他需要报告的?事项"),
]
_HEADING_IN_LINE = re.compile("|".join(
    rf"(?P<h{i}>{num}\s*[、.．]\s*(?:{words}))" for i, (num, words) in enumerate(_SECTION_RE)))
_TITLE_END = re.compile(r"\d{4}\s*年度?[^。；，]{0,30}?(?:政府信息公开|政务公开|信息公开)[^。；，]{0,12}?报告")


def _flat_line(line: str) -> bool:
    if len(line) < MIN_FLAT or not any(h in line for h in _HINTS):
        return False
    squeezed = re.sub(r"\s+", "", line)
    return sum(w in squeezed for w in _TABLE_WORDS) >= 3


def is_flat(lines: list[str]) -> bool:
    return any(_flat_line(line) for line in lines)


def unflatten(lines: list[str]) -> list[str]:
    """Each flattened line cut into headings, title, furniture, prose and table rows; others kept
    (``lines`` itself is returned when none is flattened, the usual case)."""
    flat = [i for i, line in enumerate(lines) if len(line) >= MIN_FLAT and _flat_line(line)]
    if not flat:
        return lines
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in flat:
            out.extend(_cut(line))
        else:
            out.append(line)
    return out


def _cut(line: str) -> list[str]:
    text = _PAGE_MARK.sub("", re.sub(r"[ \t\u3000\xa0]+", "", line))
    heads = [(m.start(), m.end(), _SECTION_RE[int(m.lastgroup[1:])][0]) for m in _HEADING_IN_LINE.finditer(text)]
    # First occurrence of each section, in order (a heading word quoted later in prose is not a heading).
    seen: set[str] = set()
    kept = []
    for s, e, num in heads:
        if num not in seen and (not kept or s >= kept[-1][1]):
            kept.append((s, e, num))
            seen.add(num)
    out: list[str] = []
    first = kept[0][0] if kept else len(text)
    out.extend(_preamble(text[:first]))
    ends = [s for s, _, _ in kept[1:]] + [len(text)]
    tables = {"二", "三", "四"}
    for (s, e, num), end in zip(kept, ends):
        out += ["", text[s:e], ""]
        body = text[e:end]
        if num in tables:
            out.extend(_table_lines(body))
        elif body:
            out.append(body)
    if not kept:
        out.extend(_table_lines(text))
    return out


def _preamble(text: str) -> list[str]:
    """Furniture, title and the text before 一、: the title on a line of its own."""
    out: list[str] = []
    parts = _FURNITURE.split(text)
    for part in parts:
        m = _TITLE_END.search(part)
        if m and not out and len(part[: m.end()]) <= 80:
            out += [part[: m.end()], part[m.end():]]
        elif m and len(part[: m.end()]) <= 80 and not any(_TITLE_END.search(x) for x in out):
            out += [part[: m.end()], part[m.end():]]
        else:
            out.append(part)
    return [x for x in out if x]


@lru_cache(maxsize=64)
def _normed(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` as ``norm`` sees it (NFKC, no punctuation), with each character's index in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        if folded:
            for c in folded:
                chars.append(c)
                where.append(i)
    return "".join(chars), tuple(where)


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as ``norm`` keeps it: NFKC, or "" for punctuation and white space."""
    folded = unicodedata.normalize("NFKC", ch)
    return "" if _DROP.fullmatch(folded) else folded


def _table_lines(text: str) -> list[str]:
    """A flattened table: one line per label, its following text (the row's cells) after a tab."""
    normed, where = _normed(text)
    cuts: list[tuple[int, int, bool]] = []  # (start, end) in ``text``, whether its numbering is uncertain
    p = 0
    while p < len(normed):
        hit = next((a for a in _ANCHORS.get(normed[p], ()) if normed.startswith(a, p)), None)
        if hit is None:
            p += 1
            continue
        start = where[p]
        end = where[p + len(hit) - 1] + 1
        while start > 0 and text[start - 1] in "（(“\"【[":
            start -= 1  # the opening mark too ("（一）予以公开")
        while end < len(text) and text[end] in "）)”\"】":
            end += 1  # the closing mark of the label belongs to it
        uncertain = False
        if hit[0].isdigit() and start > 0 and text[start - 1].isdigit() and (
                start + 1 >= len(text) or text[start + 1] not in _NUMBERING_PUNCT):
            # "…00012属于…": is the 2 the numbering or the row's last digit? Not guessed.
            uncertain = True
        cuts.append((start, end, uncertain))
        p += len(hit)
    out: list[str] = []
    pos = 0
    pending: str | None = None
    for start, end, uncertain in cuts:
        gap = text[pos:start]
        if pending is not None:
            out += [pending + ("\t" + ("?" if uncertain else gap) if gap else ""), ""]
        elif gap:
            out += [gap, ""]
        pending = text[start:end]
        pos = end
    if pending is not None:
        gap = text[pos:]
        out += [pending + ("\t" + gap if gap else ""), ""]
    elif text[pos:]:
        out.append(text[pos:])
    return out
