"""The migrations build exactly what the models describe (a model change without its migration
fails here, on both databases)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crowdcare.store import db as store_db
from crowdcare.store import models as m
from crowdcare.store.search import outside_models


def test_the_migrations_build_what_the_models_describe(db):
    with store_db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"include_name": outside_models}), m.Base.metadata)
    assert diff == []
