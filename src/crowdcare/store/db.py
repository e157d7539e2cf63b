"""Engines and sessions. One engine per database URL per process."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from crowdcare.settings import get_settings


def normalize_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@cache
def engine_for(url: str) -> Engine:
    url = normalize_url(url)
    # A locked or unreachable database is answered 503 after this (api/errors.py),
    # not after a driver's default of 30 s or more, longer than platforms wait for webhooks.
    wait = get_settings().db_timeout_seconds
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pooled = {"pool_timeout": wait} if path and path != ":memory:" else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait},
                               **pooled)
        synchronous = get_settings().sqlite_synchronous
        cache_kib = get_settings().sqlite_cache_mb * 1024

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL: readers never block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            cur.execute(f"PRAGMA cache_size=-{cache_kib}")   # negative: KiB, not pages
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=wait,
                         connect_args={"connect_timeout": max(1, round(wait)),
                                       "options": f"-c lock_timeout={int(wait * 1000)}"})


def engine() -> Engine:
    return engine_for(get_settings().database_url)


@cache
def _factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def new_session() -> Session:
    return _factory(get_settings().database_url)()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def once(session: Session, key, load):
    """`load()` once per unit of work, kept for the rest of it: what every message of a batch
    reads (its workspace, its channel account, the routing rules) is read once per
    transaction, and the kept reference holds the row (the identity map holds rows weakly)."""
    keep = session.info.setdefault("once", {})
    if key not in keep:
        keep[key] = load()
    return keep[key]


def known(session: Session, key) -> bool:
    """Whether the unit of work already holds `key` (prefetching skips what it has)."""
    return key in session.info.get("once", {})


def remember(session: Session, key, value) -> None:
    """Set what `once(session, key, ...)` returns for the rest of the unit of work: a batch
    reads the rows its messages need in one statement, and a writer records what it added."""
    session.info.setdefault("once", {})[key] = value


def held(session: Session, model: type, ident: int):
    """session.get, once per unit of work (see `once`)."""
    return once(session, (model, ident), lambda: session.get(model, ident))
