"""Storage: SQLAlchemy models, sessions, migrations and queries."""
