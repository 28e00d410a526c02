"""Full-text index over SearchDoc, per database vendor (Django has no portable FTS).

SQLite: an FTS5 table with external content (the tokens live once, in portal_searchdoc) kept in
step by triggers, so every ORM insert/update/delete of SearchDoc updates the index in the same
transaction. Tokens are pre-segmented by jieba and space-joined; unicode61 then splits on spaces.
PostgreSQL: a generated tsvector ('simple' configuration: no stemming, no stop words — the tokens
are already words) with title weighted A, the rest B, and a GIN index.
"""
from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE portal_searchfts USING fts5(title, body, content='portal_searchdoc', "
    "content_rowid='item_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER portal_searchdoc_ai AFTER INSERT ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(rowid, title, body) VALUES (new.item_id, new.title, new.body); END",
    "CREATE TRIGGER portal_searchdoc_ad AFTER DELETE ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(portal_searchfts, rowid, title, body) "
    "VALUES ('delete', old.item_id, old.title, old.body); END",
    "CREATE TRIGGER portal_searchdoc_au AFTER UPDATE ON portal_searchdoc BEGIN "
    "INSERT INTO portal_searchfts(portal_searchfts, rowid, title, body) "
    "VALUES ('delete', old.item_id, old.title, old.body); "
    "INSERT INTO portal_searchfts(rowid, title, body) VALUES (new.item_id, new.title, new.body); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS portal_searchdoc_au",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ad",
    "DROP TRIGGER IF EXISTS portal_searchdoc_ai",
    "DROP TABLE IF EXISTS portal_searchfts",
]
POSTGRES = [
    "ALTER TABLE portal_searchdoc ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED",
    "CREATE INDEX portal_searchdoc_document ON portal_searchdoc USING GIN (document)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS portal_searchdoc_document",
    "ALTER TABLE portal_searchdoc DROP COLUMN IF EXISTS document",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, ()):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
