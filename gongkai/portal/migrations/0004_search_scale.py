"""Search at city scale: agency, category and year inside the full-text index, and a skip-scan friendly
year list (see search.py: bounded ranking, capped counts).

SQLite: the FTS5 table gains a ``tags`` column holding ``a<agency> c<category> y<year>`` (computed by the
triggers through a view, never typed by a visitor: the visitor's words are matched in title and body
only), so one MATCH applies the filters inside the index.
PostgreSQL: the GIN index becomes multi-column (agency_id, category_id, year, document) through the
btree_gin extension (trusted since PostgreSQL 13, so the database owner may create it): the filters and
the words are intersected in one index scan; (agency_id, item_id) lets a common word be answered
by walking the agency's newest rows and stopping after enough matches.
"""
from importlib import import_module

from django.db import migrations

SQLITE = [
    "DROP TRIGGER IF EXISTS portal_searchdoc_au",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ad",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ai",
    "DROP TABLE IF EXISTS portal_searchfts",
    "CREATE VIEW portal_searchdoc_fts AS SELECT item_id, title, body, "
    "'a' || agency_id || ' c' || category_id || ' y' || year AS tags FROM portal_searchdoc",
    "CREATE VIRTUAL TABLE portal_searchfts USING fts5(title, body, tags, content='portal_searchdoc_fts', "
    "content_rowid='item_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER portal_searchdoc_ai AFTER INSERT ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(rowid, title, body, tags) VALUES (new.item_id, new.title, new.body, "
    "'a' || new.agency_id || ' c' || new.category_id || ' y' || new.year); END",
    "CREATE TRIGGER portal_searchdoc_ad AFTER DELETE ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(portal_searchfts, rowid, title, body, tags) VALUES ('delete', old.item_id, "
    "old.title, old.body, 'a' || old.agency_id || ' c' || old.category_id || ' y' || old.year); END",
    "CREATE TRIGGER portal_searchdoc_au AFTER UPDATE ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(portal_searchfts, rowid, title, body, tags) VALUES ('delete', old.item_id, "
    "old.title, old.body, 'a' || old.agency_id || ' c' || old.category_id || ' y' || old.year); "
    "INSERT INTO portal_searchfts(rowid, title, body, tags) VALUES (new.item_id, new.title, new.body, "
    "'a' || new.agency_id || ' c' || new.category_id || ' y' || new.year); END",
    "INSERT INTO portal_searchfts(portal_searchfts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS portal_searchdoc_au",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ad",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ai",
    "DROP TABLE IF EXISTS portal_searchfts",
    "DROP VIEW IF EXISTS portal_searchdoc_fts",
    # back to 0002's table and triggers, then refill it
    *import_module("gongkai.portal.migrations.0002_search_index").SQLITE,
    "INSERT INTO portal_searchfts(portal_searchfts) VALUES ('rebuild')",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "DROP INDEX IF EXISTS portal_searchdoc_document",
    "CREATE INDEX portal_searchdoc_document ON portal_searchdoc USING GIN (agency_id, category_id, year, document)",
    # Newest matches first for a common word: walk the agency's rows backwards and stop after CANDIDATES.
    "CREATE INDEX portal_searchdoc_agency_item ON portal_searchdoc (agency_id, item_id)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS portal_searchdoc_agency_item",
    "DROP INDEX IF EXISTS portal_searchdoc_document",
    "CREATE INDEX portal_searchdoc_document ON portal_searchdoc USING GIN (document)",
]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_report_versions")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
