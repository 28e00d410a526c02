"""The agency as distribution key: which tables grow with the city, and the Citus DDL that spreads them.

A city runs about a thousand agencies; a province runs PostgreSQL with Citus, hash-distributed by agency.
For that, every table that grows with the data carries ``agency_id`` and has no unique constraint or
foreign key that crosses agencies:

- every unique constraint of a grown table includes ``agency_id`` (index numbers, tracking codes and letter
  versions are unique per agency);
- a foreign key between two grown tables is declared with ``db_constraint=False``: Citus can only
  enforce a foreign key between co-located tables when it includes the distribution column, and Django
  cannot express a composite foreign key. The services keep the integrity: a child row is only written by
  its app's ``services.py`` in the same transaction as its parent and with the parent's agency
  (``AgencyFromParent``), and rows are deleted through the ORM, whose cascade is emulated in Python;
- foreign keys to small reference tables (agencies, users, categories, the calendar) stay real.

The surrogate primary key ``id`` stays alone in Django's schema (Django 5.2 cannot point a foreign key
at a composite key); it comes from a sequence, so it is unique by construction. The Citus DDL below
widens it to ``(agency_id, id)`` before distributing, which no foreign key blocks because the grown
tables reference each other without constraints. ``tests/agencies/test_distribution.py`` checks all of
this on the live schema, and on PostgreSQL runs the key-widening statements in a rolled-back transaction.

The audit log is the one exception, on purpose: its hash chain is a single global sequence (each append
locks the chain head), so ``seq`` stays globally unique and the table stays on the coordinator, where
every append is serialised anyway. See docs/deploy.md, "Citus".
"""
from __future__ import annotations

from django.apps import apps
from django.db import models

# The tables that grow with the city, by model label; every other rule in this module reads this list.
# Co-location groups: a table is distributed alongside the first table of its group.
GROWN: dict[str, tuple[str, ...]] = {
    "catalog.Item": ("catalog.Attachment", "catalog.PrivacyHit", "portal.SearchDoc"),
    "applications.Application": ("applications.Item", "applications.Consultation", "applications.Event",
                                 "applications.IssuedLetter", "appeals.Appeal"),
}
# Grown, but kept on the coordinator: the global hash chain (module docstring).
COORDINATOR = ("agencies.AuditEntry",)
# Small tables that every node needs for joins and foreign keys: replicated to every worker.
REFERENCE = (
    "agencies.Agency", "auth.User", "catalog.Category", "workdays.CalendarYear", "workdays.CalendarDay",
    "catalog.SweepReport",
)


def grown_labels() -> list[str]:
    return [label for lead, rest in GROWN.items() for label in (lead, *rest)]


def grown_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in grown_labels()]


def colocation_lead(label: str) -> str:
    return next(lead for lead, rest in GROWN.items() if label == lead or label in rest)


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def widen_primary_keys_sql() -> list[str]:
    """PostgreSQL statements that make each grown table's primary key (agency_id, pk column)."""
    out = []
    for model in grown_models():
        table, pk = model._meta.db_table, model._meta.pk.column
        out.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey", '
                   f'ADD PRIMARY KEY ("agency_id", "{pk}");')
    return out


def citus_ddl() -> str:
    """The statements of docs/deploy.md, "Citus" (a test keeps the two identical)."""
    lines = ["-- 1. small tables: a copy on every worker"]
    lines += [f"SELECT create_reference_table('{_table(label)}');" for label in REFERENCE]
    lines += ["-- 2. grown tables: the primary key includes the distribution column"]
    lines += widen_primary_keys_sql()
    lines += ["-- 3. grown tables: distributed by agency, each group co-located with its lead table"]
    for label in grown_labels():
        lead = colocation_lead(label)
        colocate = "'default'" if label == lead else f"'{_table(lead)}'"
        lines.append(f"SELECT create_distributed_table('{_table(label)}', 'agency_id', colocate_with => {colocate});")
    return "\n".join(lines)


class AgencyFromParent:
    """Mixin for a grown child table: its ``agency`` (the distribution key) is its parent's.

    ``parent_field`` names the foreign key to the parent row. Services set the agency explicitly (bulk
    inserts skip ``save``); this fills it when a caller saves a row built from its parent alone."""

    parent_field = ""

    def save(self, *args, **kwargs):
        if self.agency_id is None:
            self.agency_id = getattr(self, self.parent_field).agency_id
        super().save(*args, **kwargs)
