"""Server-rendered charts: matplotlib → inline SVG, always with the same numbers as a table.

Pure Python (no Django): views pass plain labels and numbers and get back a ``Chart`` whose ``svg`` is
markup made here (text escaped by matplotlib's SVG writer, no script) and whose ``table`` is the same data
for people who read rather than look (and for screen readers). Templates include it with
``{% include "charts/chart.html" with chart=… %}``, the one place that marks the SVG safe.
"""
from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display on a server
from matplotlib.figure import Figure  # noqa: E402

# Text stays text in the SVG (selectable, scales, the browser's own CJK font); matplotlib still needs a
# CJK font to measure it, and Debian's fonts-noto-cjk is a set-up requirement (Makefile).
_RC = {
    "svg.fonttype": "none",
    "font.family": ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}
# One palette readable by people with common colour-vision deficiencies (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_LOCK = threading.Lock()  # matplotlib's rcParams are process-global
_MAX_POINTS = 400  # a chart of more bars than this is unreadable; callers aggregate first


def last_months(on: date, n: int = 12) -> list[date]:
    """The first days of the ``n`` calendar months ending with ``on``'s month, oldest first (chart axes)."""
    y, m = on.year, on.month
    out = []
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def month_start(value) -> date:
    """A database month truncation (a date, or a datetime on some backends) as the month's first day."""
    return date(value.year, value.month, 1)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # markup produced here; safe to include
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"


def _table(labels, series: dict[str, list[float]], label_header: str) -> tuple[tuple, tuple]:
    headers = (label_header, *series.keys())
    rows = tuple((str(lab), *(_fmt(vals[i]) for vals in series.values())) for i, lab in enumerate(labels))
    return headers, rows


# SVG presentation attributes that matplotlib writes as CSS: moved out of style="" so that the page's
# Content-Security-Policy (no 'unsafe-inline' styles) still lets the chart draw.
_PRESENTATION = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linejoin", "stroke-linecap",
    "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "stroke-miterlimit", "opacity", "font-size",
    "font-family", "font-weight", "font-style", "text-anchor", "dominant-baseline", "clip-path",
})


def _style_to_attributes(match: re.Match) -> str:
    attrs = []
    for decl in match.group(1).split(";"):
        name, _, value = decl.partition(":")
        name, value = name.strip(), value.strip()
        if name in _PRESENTATION and value and '"' not in value:
            attrs.append(f'{name}="{value}"')
    return " ".join(attrs)


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inlined in HTML
    svg = re.sub(r'<style type="text/css">.*?</style>', "", svg, flags=re.S)  # its defaults are set below
    svg = re.sub(r'style="([^"]*)"', _style_to_attributes, svg)
    # Accessible name for the image; the table beside it carries the numbers.
    from xml.sax.saxutils import escape

    svg = re.sub(r"<svg ", f'<svg role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
                 'stroke-linejoin="round" stroke-linecap="butt" ', svg, count=1)
    return re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)  # let CSS size it (viewBox is kept)


def _integer_ticks(ax, series: dict[str, list[float]], axis: str) -> None:
    """Counts get whole-number ticks (no "2.5 件")."""
    if all(float(v).is_integer() for vals in series.values() for v in vals):
        from matplotlib.ticker import MaxNLocator

        getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))


def _check(labels, series):
    if len(labels) > _MAX_POINTS:
        raise ValueError(f"too many points for a chart: {len(labels)}")
    for name, vals in series.items():
        if len(vals) != len(labels):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(labels)} labels")


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]], *, label_header: str = "",
              unit: str = "", horizontal: bool = False, stacked: bool = False) -> Chart:
    """Grouped (or stacked) bars; ``series`` maps a legend name to one value per label."""
    _check(labels, series)
    with _LOCK, matplotlib.rc_context(_RC):
        height = max(2.6, 0.32 * len(labels) + 1.2) if horizontal else 3.2
        fig = Figure(figsize=(7.2, height), dpi=96)
        ax = fig.add_subplot()
        n = max(len(series), 1)
        width = 0.8 if stacked else 0.8 / n
        base = [0.0] * len(labels)
        positions = range(len(labels))
        for i, (name, vals) in enumerate(series.items()):
            offs = [p if stacked else p - 0.4 + width * (i + 0.5) for p in positions]
            draw = ax.barh if horizontal else ax.bar
            kwargs = {"left": base} if horizontal else {"bottom": base}
            draw(offs, vals, width, label=name, color=PALETTE[i % len(PALETTE)], **(kwargs if stacked else {}))
            if stacked:
                base = [b + v for b, v in zip(base, vals)]
        _integer_ticks(ax, series, "x" if horizontal else "y")
        if horizontal:
            ax.set_yticks(list(positions), labels)
            ax.invert_yaxis()
            ax.set_xlabel(unit)
        else:
            ax.set_xticks(list(positions), labels, rotation=30 if len(labels) > 8 else 0,
                          ha="right" if len(labels) > 8 else "center")
            ax.set_ylabel(unit)
        if len(series) > 1:
            ax.legend(frameon=False, fontsize="small")
        svg = _svg(fig, title)
    headers, rows = _table(labels, series, label_header)
    return Chart(title=title, svg=svg, headers=headers, rows=rows)


def line_chart(title: str, labels: list[str], series: dict[str, list[float]], *, label_header: str = "",
               unit: str = "") -> Chart:
    """One line per series over ordered labels (months, years)."""
    _check(labels, series)
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.2, 3.2), dpi=96)
        ax = fig.add_subplot()
        for i, (name, vals) in enumerate(series.items()):
            ax.plot(range(len(labels)), vals, marker="o", label=name, color=PALETTE[i % len(PALETTE)])
        ax.set_xticks(list(range(len(labels))), labels)
        _integer_ticks(ax, series, "y")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        if len(series) > 1:
            ax.legend(frameon=False, fontsize="small")
        svg = _svg(fig, title)
    headers, rows = _table(labels, series, label_header)
    return Chart(title=title, svg=svg, headers=headers, rows=rows)
