"""the agent's day: ticket state, merge records, order number keys, full-text search

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

Full-text search uses each database's own engine (crowdcare.store.search reads it):
SQLite FTS5 tables over the searched columns, kept current by triggers; PostgreSQL GIN
indexes over the same columns as tsvectors. Both split words at punctuation, so "NW-1001" is
the words "nw" and "1001" in either. These objects are outside the models (store.search.
outside_models tells the models-vs-migrations comparison to skip them).

The messages' FTS5 table keeps its own copy of the text with the conversation and workspace
ids: a match then names its conversation without reading the (large) message row, which is
most of what a search costs. The other tables' rows are small: their FTS5 tables read them.
"""
import re

import sqlalchemy as sa
from alembic import op

import crowdcare.store.types

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, searched columns): the same list as crowdcare.store.search.SOURCES
SEARCHED = [
    ("messages", ["text"]),
    ("customers", ["name", "email"]),
    ("identities", ["handle", "display_name"]),
    ("tickets", ["tags"]),
    ("orders", ["number"]),
]
PG_SEPARATORS = "[-_./@#:]"   # the PostgreSQL parser keeps these inside words


def _pg_document(columns: list[str]) -> str:
    parts = " || ' ' || ".join(f"coalesce({c}::text, '')" for c in columns)
    return f"to_tsvector('simple', regexp_replace({parts}, '{PG_SEPARATORS}', ' ', 'g'))"


def _sqlite_fts(table: str, columns: list[str]) -> list[str]:
    fts, cols = f"fts_{table}", ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_messages() -> list[str]:
    cols = "rowid, text, conversation_id, workspace_id"
    new = "new.id, new.text, new.conversation_id, new.workspace_id"
    return [
        "CREATE VIRTUAL TABLE fts_messages USING fts5(text, conversation_id UNINDEXED, "
        "workspace_id UNINDEXED)",
        f"CREATE TRIGGER fts_messages_ai AFTER INSERT ON messages BEGIN "
        f"INSERT INTO fts_messages({cols}) VALUES ({new}); END",
        "CREATE TRIGGER fts_messages_ad AFTER DELETE ON messages BEGIN "
        "DELETE FROM fts_messages WHERE rowid = old.id; END",
        f"CREATE TRIGGER fts_messages_au AFTER UPDATE OF text, conversation_id ON messages BEGIN "
        f"DELETE FROM fts_messages WHERE rowid = old.id; "
        f"INSERT INTO fts_messages({cols}) VALUES ({new}); END",
        f"INSERT INTO fts_messages({cols}) SELECT id, text, conversation_id, workspace_id "
        "FROM messages",
    ]


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('waiting_since',
                                      crowdcare.store.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merge_record', sa.JSON(), nullable=True))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_orders_number_key', ['workspace_id', 'number_key'],
                              unique=False)
    conn = op.get_bind()
    for order_id, number in conn.execute(sa.text("SELECT id, number FROM orders")).all():
        conn.execute(sa.text("UPDATE orders SET number_key = :k WHERE id = :i"),
                     {"k": re.sub(r"[^0-9A-Za-z]", "", number).upper(), "i": order_id})

    if conn.dialect.name == "sqlite":
        for statement in _sqlite_messages():
            op.execute(statement)
        for table, columns in SEARCHED[1:]:
            for statement in _sqlite_fts(table, columns):
                op.execute(statement)
    else:
        for table, columns in SEARCHED:
            op.execute(f"CREATE INDEX ix_fts_{table} ON {table} USING gin "
                       f"(({_pg_document(columns)}))")


def downgrade() -> None:
    conn = op.get_bind()
    for table, _ in SEARCHED:
        if conn.dialect.name == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS fts_{table}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS fts_{table}")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_fts_{table}")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_number_key')
        batch_op.drop_column('number_key')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('merge_record')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
        batch_op.drop_column('state')
