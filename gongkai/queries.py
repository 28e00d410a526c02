"""Queries that stay fast as tables grow (a city: millions of items per table).

- ``distinct_years``: the years present in a date column, by a recursive "skip scan" (one index probe per
  year, in one query) instead of ``DISTINCT date_trunc(...)`` over every row (on SQLite Django's
  ``django_date_trunc`` is a Python function called once per row: 1.7 s at a million items).
- ``CappedPaginator``: counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap+1)``), so a list
  page costs the same at a thousand rows or ten million; ``count_label`` shows "1000+" beyond. A page
  is read in two steps: the ids of the page (the ordering index alone, no joins), then those rows with
  their related objects; joined and sorted in one query, SQLite put the one-row agency table first and
  sorted every item of the agency (2.8 s at 100,000).
- ``counts``/``union_all``: several ``COUNT(*)`` (or several ordered, limited selects) in one round
  trip, each its own sub-select, so each can be a range read over an index alone (one aggregate with a
  FILTER per count reads every row). Hand-written SQL: for a dozen small queries per page, building
  them through the ORM cost more than running them.
"""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property


def distinct_years(model, column: str, **equal) -> list[int]:
    """Years (newest first) in which ``model.column`` (a DateField) has a value, among rows matching the
    equality filters ``equal`` (column=value). Fast when an index starts with the filter columns followed
    by ``column``: each step is MIN(column) after the next 1 January."""
    table = connection.ops.quote_name(model._meta.db_table)
    col = connection.ops.quote_name(model._meta.get_field(column).column)
    where = " AND ".join(f"{connection.ops.quote_name(model._meta.get_field(k).column)} = %s" for k in equal)
    where = f"{where} AND " if where else ""
    params = list(equal.values())
    if connection.vendor == "postgresql":
        next_year = "(date_trunc('year', y.d) + interval '1 year')::date"
    else:  # SQLite stores dates as 'YYYY-MM-DD' text
        next_year = "printf('%%04d-01-01', CAST(substr(y.d, 1, 4) AS INTEGER) + 1)"
    sql = (f"WITH RECURSIVE y(d) AS (SELECT MIN({col}) FROM {table} WHERE {where}{col} IS NOT NULL "
           f"UNION ALL SELECT (SELECT MIN({col}) FROM {table} WHERE {where}{col} >= {next_year}) "
           f"FROM y WHERE y.d IS NOT NULL) SELECT d FROM y WHERE d IS NOT NULL")
    with connection.cursor() as cur:
        cur.execute(sql, params + params)
        rows = cur.fetchall()
    return sorted({int(str(d)[:4]) for (d,) in rows}, reverse=True)


def counts(parts: dict[str, tuple[str, list]]) -> dict[str, int]:
    """Several ``SELECT COUNT(*) …`` (name → (sql, params)) in one round trip:
    ``SELECT (SELECT COUNT(*) …), (SELECT COUNT(*) …)``."""
    if not parts:
        return {}
    params = [p for _, ps in parts.values() for p in ps]
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(f"({sql})" for sql, _ in parts.values()), params)
        row = cur.fetchone()
    return dict(zip(parts, row))


def union_all(parts: list[tuple[str, list]]) -> list[tuple]:
    """The rows of several SELECTs (sql, params), each with its own ORDER BY/LIMIT, in one query (wrapped
    as sub-selects, which both databases accept; Django refuses sliced parts of a UNION on SQLite)."""
    if not parts:
        return []
    params = [p for _, ps in parts for p in ps]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(f"SELECT * FROM ({sql}) u{i}" for i, (sql, _) in enumerate(parts)), params)
        return cur.fetchall()


def placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap`` (pages beyond it show the last page)."""

    def __init__(self, object_list, per_page, cap: int = 1000, values: tuple[str, ...] = (), **kwargs):
        """``values``: the page holds dicts of these fields (``QuerySet.values``), not model objects."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.capped = False
        self.values = tuple(values)

    @cached_property
    def count(self) -> int:
        # Unordered: counting needs no order, and with one PostgreSQL fetched rows to sort them.
        n = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        qs = self.object_list
        ids = list(qs.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        if self.values and ids:
            rows = {r["pk"]: r for r in qs.order_by().filter(pk__in=ids).values("pk", *self.values)}
        else:
            rows = qs.order_by().in_bulk(ids) if ids else {}
        return self._get_page([rows[i] for i in ids if i in rows], number, self)

    @property
    def count_label(self) -> str:
        n = self.count
        return f"{n}+" if self.capped else str(n)
