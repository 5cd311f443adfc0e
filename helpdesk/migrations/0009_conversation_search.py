"""Full-text search over messages and customers (helpdesk/selectors/search.py), one engine per
database, and nothing in Python on the write path of either:

- PostgreSQL: expression GIN indexes over `to_tsvector(...)`, built from the same Django
  expressions the selector queries with, so the planner always recognises them. Built
  CONCURRENTLY (hence a non-atomic migration): a live desk keeps taking messages meanwhile.
- SQLite: FTS5 tables with external content (the rows themselves stay in helpdesk_message
  and helpdesk_customer; the FTS tables hold only the index), kept in sync by triggers.

Django rebuilds an SQLite table to alter it (new table, copy, drop, rename), and dropping the
table drops its triggers: a later migration that alters Message or Customer on SQLite must
create them again (tests/test_search.py fails while they are missing).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

MESSAGE_FTS_SQL = [
    "CREATE VIRTUAL TABLE helpdesk_message_fts USING fts5("
    "body, content='helpdesk_message', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER helpdesk_message_fts_ai AFTER INSERT ON helpdesk_message BEGIN "
    "INSERT INTO helpdesk_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER helpdesk_message_fts_ad AFTER DELETE ON helpdesk_message BEGIN "
    "INSERT INTO helpdesk_message_fts(helpdesk_message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER helpdesk_message_fts_au AFTER UPDATE OF body ON helpdesk_message BEGIN "
    "INSERT INTO helpdesk_message_fts(helpdesk_message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO helpdesk_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO helpdesk_message_fts(helpdesk_message_fts) VALUES ('rebuild')",
]
CUSTOMER_FTS_SQL = [
    "CREATE VIRTUAL TABLE helpdesk_customer_fts USING fts5("
    "name, email, content='helpdesk_customer', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER helpdesk_customer_fts_ai AFTER INSERT ON helpdesk_customer BEGIN "
    "INSERT INTO helpdesk_customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "CREATE TRIGGER helpdesk_customer_fts_ad AFTER DELETE ON helpdesk_customer BEGIN "
    "INSERT INTO helpdesk_customer_fts(helpdesk_customer_fts, rowid, name, email) "
    "VALUES ('delete', old.id, old.name, old.email); END",
    "CREATE TRIGGER helpdesk_customer_fts_au AFTER UPDATE OF name, email ON helpdesk_customer BEGIN "
    "INSERT INTO helpdesk_customer_fts(helpdesk_customer_fts, rowid, name, email) "
    "VALUES ('delete', old.id, old.name, old.email); "
    "INSERT INTO helpdesk_customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "INSERT INTO helpdesk_customer_fts(helpdesk_customer_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS helpdesk_message_fts_ai",
    "DROP TRIGGER IF EXISTS helpdesk_message_fts_ad",
    "DROP TRIGGER IF EXISTS helpdesk_message_fts_au",
    "DROP TABLE IF EXISTS helpdesk_message_fts",
    "DROP TRIGGER IF EXISTS helpdesk_customer_fts_ai",
    "DROP TRIGGER IF EXISTS helpdesk_customer_fts_ad",
    "DROP TRIGGER IF EXISTS helpdesk_customer_fts_au",
    "DROP TABLE IF EXISTS helpdesk_customer_fts",
]


def _pg_indexes(apps):
    # The selector's expressions, to the letter (helpdesk/selectors/search.py).
    return [
        (apps.get_model("helpdesk", "Message"), GinIndex(SearchVector("body", config="english"), name="message_fts")),
        (
            apps.get_model("helpdesk", "Customer"),
            GinIndex(SearchVector("name", "email", config="simple"), name="customer_fts"),
        ),
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for model, index in _pg_indexes(apps):
            schema_editor.execute(index.create_sql(model, schema_editor, concurrently=True))
    elif vendor == "sqlite":
        for sql in MESSAGE_FTS_SQL + CUSTOMER_FTS_SQL:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for model, index in _pg_indexes(apps):
            schema_editor.execute(index.remove_sql(model, schema_editor, concurrently=True))
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("helpdesk", "0008_ticket_events")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
