"""The annual report as data: the canonical JSON of ``shared/spec/annual-report.md``.

A cell is an ``int`` (a ``float`` for the 2021 fee amount in 万元, a ``str`` for the 2019 procurement
amount), ``None`` where the source left it blank, or ``UNREADABLE`` (``"?"``) where a parser could not
read it with certainty; every ``"?"`` is listed in ``unreadable`` with the reason. Values are never
guessed: a table that is missing is an error (``ReportError``), never zeros.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator

from .errors import ReportError
from .layouts import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    LAYOUT_2021_COLLAPSED_OTHER_ROWS,
    LAYOUTS,
    PROSE_SECTIONS,
    ApplicationRow,
    Column,
    Layout,
)

UNREADABLE = "?"
TABLES = ("proactive", "applications", "appeals")

Cell = int | float | str | None


@dataclass
class Report:
    layout: str = "2021"
    year: int | None = None
    agency: str | None = None
    proactive: dict[str, dict[str, Cell]] = field(default_factory=dict)
    applications: dict[str, dict[str, Cell]] = field(default_factory=dict)
    appeals: dict[str, dict[str, Cell]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    # [{"cell": "applications.granted.total", "reason": "…"}] for every "?" cell.
    unreadable: list[dict[str, str]] = field(default_factory=list)
    # What the parser did that a reader should know (fuzzy label matches, collapsed rows, …).
    notes: list[str] = field(default_factory=list)
    # Section numbers ("1"–"6") in the order their headings appear in the source, as parsers saw them;
    # empty when unknown (e.g. built in code). Used by the ``sections`` check (all six, in order).
    headings: list[str] = field(default_factory=list)

    # -- shape -----------------------------------------------------------------------------------
    @property
    def spec(self) -> Layout:
        return LAYOUTS[self.layout]

    @property
    def other_collapsed(self) -> bool:
        """A 2021-layout report that printed （六）其他处理 as a single row ``other``."""
        return self.layout == "2021" and "other" in self.applications

    def application_rows(self) -> tuple[ApplicationRow, ...]:
        if self.other_collapsed:
            return LAYOUT_2021_COLLAPSED_OTHER_ROWS
        return self.spec.applications

    def outcome_rows(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.application_rows() if r.is_outcome)

    def shape(self) -> dict[str, list[tuple[str, tuple[Column, ...]]]]:
        """Rows and their columns for each table, in print order."""
        return {
            "proactive": [(r.key, r.columns) for r in self.spec.proactive],
            "applications": [(r.key, APPLICANT_COLUMNS) for r in self.application_rows()],
            "appeals": [(k, APPEAL_COLUMNS) for k, _ in APPEAL_GROUPS],
        }

    def cells(self) -> Iterator[tuple[str, Column, Cell]]:
        """Every cell as (``table.row.column`` key, column, value), in print order."""
        for table, rows in self.shape().items():
            data = getattr(self, table)
            for row, columns in rows:
                for col in columns:
                    yield f"{table}.{row}.{col.key}", col, data.get(row, {}).get(col.key)

    def get(self, key: str) -> Cell:
        table, row, col = key.split(".")
        return getattr(self, table).get(row, {}).get(col)

    def set(self, key: str, value: Cell) -> None:
        table, row, col = key.split(".")
        getattr(self, table).setdefault(row, {})[col] = value

    def mark_unreadable(self, key: str, reason: str) -> None:
        self.set(key, UNREADABLE)
        self.unreadable = [u for u in self.unreadable if u["cell"] != key]
        self.unreadable.append({"cell": key, "reason": reason})

    # -- canonical JSON --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"layout": self.layout, "year": self.year, "agency": self.agency}
        for table, rows in self.shape().items():
            data = getattr(self, table)
            out[table] = {row: {c.key: data.get(row, {}).get(c.key) for c in cols} for row, cols in rows}
        out["sections"] = {k: self.sections[k] for k in PROSE_SECTIONS if k in self.sections}
        if self.unreadable:
            out["unreadable"] = list(self.unreadable)
        if self.notes:
            out["notes"] = list(self.notes)
        if self.headings:
            out["headings"] = list(self.headings)
        return out

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Any) -> "Report":
        """Validate canonical JSON; a wrong shape is a ``ReportError`` naming the first problem."""
        if not isinstance(data, dict):
            raise ReportError("JSON 顶层应为对象（年度报告），实际不是")
        layout = str(data.get("layout", ""))
        if layout not in LAYOUTS:
            raise ReportError(f"JSON 中的 layout 应为 2019 或 2021，实际为 {data.get('layout')!r}")
        year = data.get("year")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100):
            raise ReportError(f"JSON 中的 year 应为年份整数，实际为 {year!r}")
        agency = data.get("agency")
        if agency is not None and not isinstance(agency, str):
            raise ReportError("JSON 中的 agency 应为机关名称字符串")
        report = cls(layout=layout, year=year, agency=agency)
        apps = data.get("applications")
        if isinstance(apps, dict) and layout == "2021" and "other" in apps:
            report.applications["other"] = {}  # collapsed-other variant; shape() follows it
        for table in TABLES:
            tdata = data.get(table)
            if not isinstance(tdata, dict):
                raise ReportError(f"JSON 缺少表格 {table}")
            for row, columns in report.shape()[table]:
                rdata = tdata.get(row)
                if not isinstance(rdata, dict):
                    raise ReportError(f"JSON 表格 {table} 缺少行 {row}")
                for col in columns:
                    if col.key not in rdata:
                        raise ReportError(f"JSON 单元格 {table}.{row}.{col.key} 缺失")
                    report.set(f"{table}.{row}.{col.key}", _cell_from_json(rdata[col.key], col, f"{table}.{row}.{col.key}"))
        sections = data.get("sections") or {}
        if not isinstance(sections, dict) or not all(isinstance(v, str) for v in sections.values()):
            raise ReportError("JSON 中的 sections 应为 {\"1\": 文本, …}")
        report.sections = {str(k): v for k, v in sections.items()}
        unreadable = data.get("unreadable") or []
        if not isinstance(unreadable, list) or not all(
            isinstance(u, dict) and isinstance(u.get("cell"), str) and isinstance(u.get("reason"), str) for u in unreadable
        ):
            raise ReportError("JSON 中的 unreadable 应为 [{\"cell\": …, \"reason\": …}] 列表")
        report.unreadable = [{"cell": u["cell"], "reason": u["reason"]} for u in unreadable]
        for key, _, value in report.cells():
            if value == UNREADABLE and not any(u["cell"] == key for u in report.unreadable):
                raise ReportError(f"JSON 单元格 {key} 为“?”，但 unreadable 中未说明原因")
        notes = data.get("notes") or []
        report.notes = [str(n) for n in notes] if isinstance(notes, list) else []
        headings = data.get("headings") or []
        if not isinstance(headings, list) or not all(isinstance(h, str) for h in headings):
            raise ReportError("JSON 中的 headings 应为章节序号列表，如 [\"1\", \"2\"]")
        report.headings = list(headings)
        return report

    @classmethod
    def from_json(cls, text: str | bytes) -> "Report":
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReportError(f"不是有效的 JSON：{exc}") from None
        return cls.from_dict(data)

    @classmethod
    def empty(cls, layout: str = "2021", year: int | None = None, agency: str | None = None, fill: Cell = 0) -> "Report":
        """A report of the layout's shape with every cell set to ``fill``."""
        report = cls(layout=layout, year=year, agency=agency)
        for key, col, _ in report.cells():
            # The 2019 procurement amount is printed text, so its zero is "0".
            report.set(key, "0" if fill == 0 and col.kind == "text" else fill)
        return report


def _cell_from_json(value: Any, col: Column, key: str) -> Cell:
    if value is None or value == UNREADABLE:
        return value
    if isinstance(value, bool):
        raise ReportError(f"JSON 单元格 {key} 应为数字，实际为 {value!r}")
    if col.kind == "text":
        if isinstance(value, (str, int)):
            return str(value)
        raise ReportError(f"JSON 单元格 {key} 应为文本，实际为 {value!r}")
    if col.kind == "decimal":
        if isinstance(value, int) or isinstance(value, float) and math.isfinite(value):
            return value
        if isinstance(value, str):
            return parse_decimal(value, key)
        raise ReportError(f"JSON 单元格 {key} 应为数字，实际为 {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ReportError(f"JSON 单元格 {key} 应为整数，实际为 {value!r}")


def parse_decimal(text: str, key: str = "") -> int | float:
    """'0', '12.5', '1,234.50' → number; integral values stay ``int`` so JSON prints 0, not 0.0."""
    try:
        d = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ReportError(f"单元格 {key} 的金额“{text}”不是数字") from None
    # NaN/Infinity are not amounts, and int() of "1e999999999" would build a billion-digit number.
    if not d.is_finite() or d.adjusted() > 15:
        raise ReportError(f"单元格 {key} 的金额“{text}”不是有效的数字")
    return int(d) if d == d.to_integral_value() else float(d)


def format_cell(value: Cell) -> str:
    """How a cell prints in every renderer: blank for null, the number otherwise."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
