"""Label normalisation, label lookup with a fuzzy fallback, and reading one cell's number.

Agencies retype the official labels (layouts.py) with full/half-width punctuation, curly or straight
quotes, "、" or "，", spaces and line breaks inside, other numbering ("1、" "（1）") and the odd typo.
``norm`` folds all of that away so a label is found by one dict lookup; only a miss falls back to
fuzzy matching against the few labels of one table, with a threshold, and the caller records a note.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache

# Punctuation and spacing that never tells two labels apart (after NFKC folded full-width forms).
_DROP = re.compile(r"[\s\u3000\xa0\u200b\ufeff\"'“”‘’「」『』〝〞,，、.。．:：;；!！?？()（）\[\]【】〔〕<>《》〈〉·・•_\-—–－~～/／\\|*#]+")
_NUMBERING = re.compile(r"^第?[0-9一二三四五六七八九十]+")


@lru_cache(maxsize=16384)  # labels repeat across the thousands of reports of a batch
def norm(text: str) -> str:
    """Matching key of a label: NFKC, no punctuation, no white space; synonyms agencies print folded
    ("合计" for 总计, "法人或者" for 法人或, "下一年度" for 下年度)."""
    key = _DROP.sub("", unicodedata.normalize("NFKC", text))
    for variant, official in _SYNONYMS:
        if variant in key:
            key = key.replace(variant, official)
    return key


_SYNONYMS = (("合计", "总计"), ("法人或者其他", "法人或其他"), ("下一年度", "下年度"), ("上一年度", "上年"))


def strip_numbering(key: str) -> str:
    """``norm`` key without its leading "一" / "1" / "第一" numbering."""
    return _NUMBERING.sub("", key, count=1)


@dataclass(frozen=True)
class Match:
    key: str
    label: str  # the official label it matched
    fuzzy: bool = False
    ratio: float = 1.0


class LabelIndex:
    """Official labels of one table → keys: exact normalised lookup first, fuzzy only on a miss.

    ``ignore`` are texts known not to be row labels (headers, group labels): they never fuzzy-match.
    """

    FUZZY_THRESHOLD = 0.8

    def __init__(self, labels: dict[str, str], ignore: tuple[str, ...] = (), prefixes: tuple[str, ...] = ()):
        self.labels = labels  # key -> official label
        # Group labels some agencies print in front of the row label in one cell ("（三）不予公开1.属于国家秘密").
        self.prefixes = sorted({norm(p) for p in prefixes} | {strip_numbering(norm(p)) for p in prefixes}, key=len, reverse=True)
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str | None] = {}
        for key, label in labels.items():
            n = norm(label)
            self.exact[n] = key
            s = strip_numbering(n)
            self.loose[s] = None if s in self.loose and self.loose[s] != key else key
        self.ignored = {norm(t) for t in ignore}
        for n in self.ignored:  # "其他", "总计": a header word never stands for "3.其他" / "（七）总计"
            s = strip_numbering(n)
            if s in self.loose:
                self.loose[s] = None
        self.keys = list(self.exact.items())
        self._fuzzy_cache: dict[str, Match | None] = {}
        self._prefix_cache: dict[str, bool] = {}

    def is_ignored(self, text: str) -> bool:
        return norm(text) in self.ignored

    def lookup(self, text: str, fuzzy: bool = True) -> Match | None:
        n = norm(text)
        if not n:
            return None
        key = self.exact.get(n)
        if key is None and n not in self.ignored:
            s = strip_numbering(n)
            if s and s not in self.ignored:
                key = self.loose.get(s)
        if key is None:
            bare = strip_numbering(n)
            for p in self.prefixes:
                for form in (n, bare):
                    if form.startswith(p) and len(form) > len(p):
                        rest = form[len(p):]
                        key = self.exact.get(rest) or self.loose.get(strip_numbering(rest))
                        if key is not None:
                            break
                if key is not None:
                    break
        if key is not None:
            return Match(key, self.labels[key])
        if not fuzzy or n in self.ignored or len(n) < 3:
            return None
        if n not in self._fuzzy_cache:
            if len(self._fuzzy_cache) > 10_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[n] = self._fuzzy(n)
        return self._fuzzy_cache[n]

    def prefix_of(self, text: str) -> bool:
        """Whether ``text`` is the start of some label (a label broken over lines)."""
        n = norm(text)
        if len(n) < 2:
            return False
        hit = self._prefix_cache.get(n)
        if hit is None:
            s = strip_numbering(n)
            hit = any(k.startswith(n) and k != n for k, _ in self.keys) or bool(s) and any(
                k.startswith(s) and k != s for k in self.loose)
            if len(self._prefix_cache) > 10_000:
                self._prefix_cache.clear()
            self._prefix_cache[n] = hit
        return hit

    def unique_prefix(self, text: str) -> Match | None:
        """An abbreviated label ("（二）部分公开") that starts exactly one official label."""
        n = norm(text)
        if len(strip_numbering(n)) < 4 or n in self.ignored:
            return None
        hits = {key for k, key in self.keys if k.startswith(n)}
        if len(hits) == 1:
            key = hits.pop()
            return Match(key, self.labels[key])
        return None

    def _fuzzy(self, n: str) -> Match | None:
        scored = []
        for k, key in self.keys:
            if not 0.6 * len(k) <= len(n) <= 1.5 * len(k):
                continue
            ratio = SequenceMatcher(None, n, k, autojunk=False).ratio()
            if ratio >= self.FUZZY_THRESHOLD:
                scored.append((ratio, key))
        if not scored:
            return None
        scored.sort(reverse=True)
        if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.05 and scored[1][1] != scored[0][1]:
            return None  # two labels about as close: do not pick one
        ratio, key = scored[0]
        return Match(key, self.labels[key], fuzzy=True, ratio=ratio)


# -- numbers -------------------------------------------------------------------------------------
# A dash, slash or "无" in a count cell means the agency left it empty: blank (null), never an invented 0.
BLANKS = {"", "-", "--", "---", "—", "——", "–", "－", "/", "\\", "無", "无", "空", "null", "none", "n/a", "/"}
_NUM = re.compile(
    r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"(?P<unit>件|条|个|项|次|人|家|份|篇|起|万元|元)?"
    r"(?P<rest>.*)$"
)


_SPACES = re.compile(r"\s+")
_SPLIT_DIGITS = re.compile(r"\d\s+\d")
_DASHES = re.compile(r"[-—–/\\]+")


@dataclass(frozen=True)
class Number:
    """One cell read as a number: ``value`` is int/float, None for blank; ``note`` is ignored trailing text."""

    value: int | float | None
    text: str
    note: str = ""


@lru_cache(maxsize=16384)
def clean_cell(text: str) -> str:
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()


@lru_cache(maxsize=16384)
def read_number(text: str) -> Number | None:
    """A count or amount cell → ``Number``; ``None`` when the cell does not read as a number at all.

    "12（其中修订16件）" → 12 with the bracketed note kept aside: a note is never a number to use.
    """
    if text.isdigit() and text.isascii():
        return Number(int(text), text)  # the common case, fast
    t = clean_cell(text)
    if _SPLIT_DIGITS.search(t):
        return None  # "1 234", "100 200": two numbers or one? Not guessed.
    compact = _SPACES.sub("", t)
    if compact.lower() in BLANKS or _DASHES.fullmatch(compact):
        return Number(None, t)
    m = _NUM.match(compact)
    if not m:
        return None
    rest = m.group("rest")
    if rest and not rest.startswith(("(", "[", "<")):
        return None
    raw = m.group("num").replace(",", "")
    try:
        d = Decimal(raw)
    except InvalidOperation:
        return None
    value: int | float = int(d) if d == d.to_integral_value() else float(d)
    return Number(value, t, rest)


def is_value_like(text: str) -> bool:
    return read_number(text) is not None


_DIGITS_RUN = re.compile(r"^\d+$")


def is_digit_run(text: str) -> bool:
    return bool(_DIGITS_RUN.match(text))
