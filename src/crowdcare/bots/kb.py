"""The knowledge base: a workspace's FAQ entries, each with a version per language (its
question variants and answer). check_x validates, do_x writes; the questions' embeddings are
computed when they change and stored with the version, so the index loads, never re-embeds.
"""
from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crowdcare.actions import Conflict, Invalid, owned
from crowdcare.bots import embed
from crowdcare.bots.retrieval import Index, Version
from crowdcare.pipeline.triage.corpora import INTENTS
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_QUESTIONS, MAX_QUESTION, MAX_ANSWER = 50, 500, 2000   # 2000: one Messenger text
VARIABLES = ("customer_name", "first_name", "order_number")


def slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60] or "entry"


def entry_out(row: m.FaqEntry, metrics: dict | None = None) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "intent": row.intent, "links": row.links,
            "enabled": row.enabled,
            "versions": [{"language": v.language, "questions": v.questions, "answer": v.answer}
                         for v in row.versions],
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None,
            **({"metrics": metrics} if metrics is not None else {})}


def plain(row: m.FaqEntry) -> dict[str, Any]:
    """The entry as transfer.py writes it."""
    return {"key": row.key, "intent": row.intent, "links": row.links,
            "versions": [{"language": v.language, "questions": v.questions, "answer": v.answer}
                         for v in row.versions]}


def check_entry(session: Session, workspace_id: int, data: dict[str, Any],
                current: m.FaqEntry | None = None) -> dict[str, Any]:
    """The entry's fields, cleaned; Invalid or Conflict naming the field that is wrong."""
    versions = data["versions"] if "versions" in data else (
        plain(current)["versions"] if current else None)
    if not versions:
        raise Invalid("an entry needs at least one version: questions and an answer",
                      field="versions")
    clean, languages = [], set()
    for n, v in enumerate(versions, start=1):
        language = (v.get("language") or "").strip().lower() or None
        if language == "any":
            language = None
        if language is not None and not LANGUAGE.match(language):
            raise Invalid(f"version {n}: language must be a code like 'en' or 'pt-BR'",
                          field="language")
        if language in languages:
            raise Invalid(f"two versions in {language or 'any language'}", field="language")
        languages.add(language)
        questions = list(dict.fromkeys(q.strip() for q in v.get("questions") or []
                                       if q and q.strip()))
        if not questions:
            raise Invalid(f"version {n}: at least one question", field="questions")
        if len(questions) > MAX_QUESTIONS or any(len(q) > MAX_QUESTION for q in questions):
            raise Invalid(f"version {n}: at most {MAX_QUESTIONS} questions of at most "
                          f"{MAX_QUESTION} characters", field="questions")
        answer = (v.get("answer") or "").strip()
        if not answer or len(answer) > MAX_ANSWER:
            raise Invalid(f"version {n}: an answer of 1 to {MAX_ANSWER} characters",
                          field="answer")
        clean.append({"language": language, "questions": questions, "answer": answer})
    key = (data.get("key") or (current.key if current else "") or
           slug(clean[0]["questions"][0])).strip()
    if not KEY.match(key):
        raise Invalid("key: 1-100 letters, digits, '_', '-' or '.'", field="key")
    taken = session.scalar(select(m.FaqEntry.id).where(
        m.FaqEntry.workspace_id == workspace_id, m.FaqEntry.key == key))
    if taken is not None and (current is None or taken != current.id):
        raise Conflict(f"an entry with key {key!r} already exists", field="key")
    intent = data.get("intent", current.intent if current else None) or None
    if intent is not None and intent not in INTENTS:
        raise Invalid(f"intent must be one of {', '.join(INTENTS)}", field="intent")
    links = data.get("links", current.links if current else []) or []
    for link in links:
        if not str(link.get("url", "")).startswith(("https://", "http://")):
            raise Invalid("a link needs an http(s) url", field="links")
    enabled = data.get("enabled", current.enabled if current else True)
    return {"key": key, "intent": intent, "enabled": bool(enabled), "versions": clean,
            "links": [{"title": str(link.get("title") or link["url"])[:200],
                       "url": str(link["url"])[:1000]} for link in links]}


def _set_versions(row: m.FaqEntry, versions: list[dict[str, Any]],
                  vectors: dict[str, bytes]) -> None:
    old = {v.language: v for v in row.versions}
    keep = []
    for v in versions:
        version = old.get(v["language"]) or m.FaqVersion(workspace_id=row.workspace_id,
                                                         language=v["language"], answer="")
        if version.questions != v["questions"] or version.model != embed.MODEL:
            version.questions = v["questions"]
            version.vectors = b"".join(vectors[q] for q in v["questions"])
            version.model = embed.MODEL
        version.answer = v["answer"]
        version.updated_at = utcnow()
        keep.append(version)
    row.versions = keep


def _embed(entries: list[dict[str, Any]], rows: list[m.FaqEntry | None]) -> dict[str, bytes]:
    """Each new question's vector (as bytes), in one batch."""
    have = {(v.language, tuple(v.questions)) for r in rows if r for v in r.versions
            if v.model == embed.MODEL}
    todo = list(dict.fromkeys(q for e in entries for v in e["versions"]
                              if (v["language"], tuple(v["questions"])) not in have
                              for q in v["questions"]))
    return {q: embed.to_bytes(vec[None, :]) for q, vec in zip(todo, embed.encode(todo),
                                                                strict=True)}


def do_save_entry(session: Session, workspace_id: int, data: dict[str, Any],
                  row: m.FaqEntry | None = None) -> m.FaqEntry:
    """Create (row None) or replace an entry with checked data."""
    return do_save_many(session, workspace_id, [data], [row])[0]


def do_save_many(session: Session, workspace_id: int, entries: list[dict[str, Any]],
                 rows: list[m.FaqEntry | None]) -> list[m.FaqEntry]:
    vectors = _embed(entries, rows)
    saved = []
    for data, row in zip(entries, rows, strict=True):
        if row is None:
            row = m.FaqEntry(workspace_id=workspace_id, key=data["key"])
            session.add(row)
        row.key, row.intent, row.links = data["key"], data["intent"], data["links"]
        row.enabled = data["enabled"]
        row.updated_at = utcnow()
        _set_versions(row, data["versions"], vectors)
        saved.append(row)
    session.flush()
    return saved


def do_delete_entry(session: Session, row: m.FaqEntry) -> None:
    session.delete(row)
    session.flush()


def get(session: Session, workspace_id: int, entry_id: int) -> m.FaqEntry:
    return owned(session, m.FaqEntry, entry_id, workspace_id, "entry")


def entries(session: Session, workspace_id: int) -> list[m.FaqEntry]:
    return list(session.scalars(select(m.FaqEntry).where(m.FaqEntry.workspace_id == workspace_id)
                                .options(selectinload(m.FaqEntry.versions))
                                .order_by(m.FaqEntry.key)))


def check_import(session: Session, workspace_id: int, items: list[dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], list[m.FaqEntry | None]]:
    """Each file entry checked (an error names its key); an existing key is replaced."""
    existing = {r.key: r for r in entries(session, workspace_id)}
    checked, rows, seen = [], [], set()
    for item in items:
        key = item.get("key")
        if key in seen:
            raise Invalid(f"entry {key!r} appears twice in the file", field="key")
        seen.add(key)
        try:
            checked.append(check_entry(session, workspace_id, item, existing.get(key)))
        except (Invalid, Conflict) as exc:
            raise Invalid(f"entry {key!r}: {exc.reason}", field=exc.field) from None
        rows.append(existing.get(key))
    return checked, rows


def has_kb(session: Session, workspace_id: int) -> bool:
    """Whether the workspace has an enabled entry (read once per unit of work)."""
    return db.once(session, ("faq enabled", workspace_id), lambda: session.scalar(
        select(m.FaqEntry.id).where(m.FaqEntry.workspace_id == workspace_id,
                                    m.FaqEntry.enabled.is_(True)).limit(1)) is not None)


_indexes: dict[int, tuple[tuple, Index]] = {}
_lock = threading.Lock()


def index(session: Session, workspace_id: int) -> Index:
    """The workspace's enabled entries as an index, rebuilt when they change (per process)."""
    revision = tuple(session.execute(
        select(func.count(m.FaqVersion.id), func.max(m.FaqVersion.updated_at),
               func.max(m.FaqEntry.updated_at))
        .join(m.FaqEntry, m.FaqEntry.id == m.FaqVersion.entry_id)
        .where(m.FaqVersion.workspace_id == workspace_id, m.FaqEntry.enabled.is_(True))).one())
    with _lock:
        cached = _indexes.get(workspace_id)
        if cached and cached[0] == revision:
            return cached[1]
    rows = session.execute(
        select(m.FaqVersion, m.FaqEntry.key)
        .join(m.FaqEntry, m.FaqEntry.id == m.FaqVersion.entry_id)
        .where(m.FaqVersion.workspace_id == workspace_id, m.FaqEntry.enabled.is_(True))
        .order_by(m.FaqVersion.entry_id, m.FaqVersion.id)).all()
    built = Index([Version(v.entry_id, v.language, list(v.questions),
                           embed.from_bytes(v.vectors, len(v.questions))
                           if v.model == embed.MODEL else None,
                           payload={"answer": v.answer, "key": key, "version_id": v.id})
                   for v, key in rows])
    with _lock:
        _indexes[workspace_id] = (revision, built)
    return built


def render(answer: str, values: dict[str, str | None]) -> str:
    """Fill the answer's known {variables}; anything else in braces is left as written."""
    def fill(found: re.Match) -> str:
        value = values.get(found.group(1))
        return value if value else found.group(0) if found.group(1) not in VARIABLES else ""
    return re.sub(r"\{(\w+)\}", fill, answer).replace("  ", " ").strip()
