"""Alembic environment: runs against the URL crowdcare.store.migrate passes in."""
from alembic import context
from sqlalchemy import engine_from_config, pool

from crowdcare.store.db import normalize_url
from crowdcare.store.models import Base
from crowdcare.store.search import outside_models

config = context.config
url = normalize_url(config.get_main_option("sqlalchemy.url"))
connectable = config.attributes.get("connection")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
        compare_type=True,
        include_name=outside_models,   # the full-text indexes live in the migration
    )
    with context.begin_transaction():
        context.run_migrations()


if connectable is not None:
    run(connectable)
else:
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        run(connection)
