"""The migrations build exactly what the models describe (a model change without its migration
fails here, on both databases)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crowdcare.store import db as store_db
from crowdcare.store import models as m


def test_the_migrations_build_what_the_models_describe(db):
    with store_db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []
