"""Inbox search with the database's own full-text engine: SQLite FTS5, PostgreSQL tsvector
(GIN). What is searched: message text, customer names and emails, identities' handles and
display names, ticket tags and order numbers (migration 0004 builds the indexes).

A query is split into words the way both engines split text (at punctuation, so
"NW-1001" is "nw 1001"); a word mixing letters and digits also matches written together
("NW1001" finds "NW-1001" and "nw1001"); the last word matches as a prefix as the agent types,
once it has three letters (numbers and order numbers match whole: "NW100" is not NW-1001).
`highlight` marks the same matches in what the list shows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import func, literal_column, null, select, text, union, union_all
from sqlalchemy.orm import Session

from crowdcare.store import models as m

# (table, columns): must match migration 0004
SOURCES = {"messages": ("text",), "customers": ("name", "email"),
           "identities": ("handle", "display_name"), "tickets": ("tags",),
           "orders": ("number",)}
PG_SEPARATORS = "[-_./@#:]"
MAX_WORDS = 8
MIN_PREFIX = 3   # a shorter prefix finds too much to help (and costs the most)


def outside_models(name: str | None, type_: str, parent_names=None) -> bool:
    """Alembic's include_name: the search objects live in the migration, not the models."""
    return not (name or "").startswith(("fts_", "ix_fts_"))


@dataclass(frozen=True)
class Word:
    parts: tuple[str, ...]      # "NW-1001" → ("nw", "1001")
    joined: str | None          # "nw1001", when the word mixes letters and digits
    prefix: bool


def words(q: str) -> list[Word]:
    out = []
    raw = q.split()[:MAX_WORDS]
    for n, w in enumerate(raw):
        runs = re.findall(r"[^\W_]+", w.lower())
        parts = tuple(p for run in runs for p in re.findall(r"\d+|[^\W\d_]+", run))
        if not parts:
            continue
        digits = any(p.isdigit() for p in parts)
        joined = "".join(parts) if len(parts) > 1 and digits else None
        out.append(Word(parts, joined, prefix=n == len(raw) - 1 and not digits
                        and len(parts[-1]) >= MIN_PREFIX))
    return out


def _fts5(ws: list[Word]) -> str:
    def phrase(parts: tuple[str, ...], prefix: bool) -> str:
        return '"' + " ".join(parts) + '"' + ("*" if prefix else "")
    terms = []
    for w in ws:
        options = [phrase(w.parts, w.prefix)] + ([phrase((w.joined,), w.prefix)] if w.joined else [])
        terms.append("(" + " OR ".join(options) + ")")
    return " AND ".join(terms)


def _tsquery(ws: list[Word]) -> str:
    def lexeme(p: str, prefix: bool) -> str:
        return f"'{p}'" + (":*" if prefix else "")
    terms = []
    for w in ws:
        seq = " <-> ".join(lexeme(p, w.prefix and i == len(w.parts) - 1)
                           for i, p in enumerate(w.parts))
        options = [f"({seq})"] + ([lexeme(w.joined, w.prefix)] if w.joined else [])
        terms.append("(" + " | ".join(options) + ")")
    return " & ".join(terms)


def _pg_document(table: str) -> str:
    parts = " || ' ' || ".join(f"coalesce({table}.{c}::text, '')" for c in SOURCES[table])
    return f"to_tsvector('simple', regexp_replace({parts}, '{PG_SEPARATORS}', ' ', 'g'))"


def message_matches(session: Session, workspace_id: int, ws: list[Word]):
    """(conversation_id, message_id) of the workspace's matching messages. On SQLite the
    FTS5 match gives the ids alone and the messages' primary key the rest: reading the
    FTS5 table's own conversation and workspace columns cost ~3 us a match (a lookup in
    its content table through the virtual-table interface), the primary key a third."""
    M = m.Message
    if session.get_bind().dialect.name == "sqlite":
        return select(M.conversation_id.label("conversation_id"),
                      M.id.label("message_id")).where(
            M.id.in_(matching(session, "messages", ws)), M.workspace_id == workspace_id)
    return select(M.conversation_id.label("conversation_id"), M.id.label("message_id")).where(
        M.workspace_id == workspace_id, _pg_matches("messages", ws))


def _pg_matches(table: str, ws: list[Word]):
    """The condition `table`'s GIN index answers, on the rows themselves: a match is read
    once (an IN over the same table found it by the index, then looked it up again)."""
    return text(f"{_pg_document(table)} @@ to_tsquery('simple', :tsq)").bindparams(
        tsq=_tsquery(ws))


def matching(session: Session, table: str, ws: list[Word]):
    """Ids of the rows of `table` whose document matches: a statement for IN (...)."""
    if session.get_bind().dialect.name == "sqlite":
        return text(f"SELECT rowid FROM fts_{table} WHERE fts_{table} MATCH :fts") \
            .bindparams(fts=_fts5(ws))
    return select(literal_column("id")).select_from(text(table)).where(_pg_matches(table, ws))


def hits(session: Session, workspace_id: int, q: str):
    """What a query finds in a workspace, as a subquery of (conversation_id, message_id: its
    newest matching message, if any), or None when the query has nothing searchable. Built
    from the matches of each index: messages and tags name their conversations; names,
    emails, handles and orders name customers, whose conversations match."""
    ws = words(q)
    if not ws:
        return None
    C = m.Conversation
    customers = union(
        select(m.Customer.id).where(m.Customer.workspace_id == workspace_id,
                                    m.Customer.id.in_(matching(session, "customers", ws))),
        select(m.Identity.customer_id).where(
            m.Identity.workspace_id == workspace_id,
            m.Identity.id.in_(matching(session, "identities", ws))),
        select(m.Order.customer_id).where(m.Order.workspace_id == workspace_id,
                                          m.Order.id.in_(matching(session, "orders", ws))))
    each = union_all(
        message_matches(session, workspace_id, ws),
        select(m.Ticket.conversation_id, null()).where(
            m.Ticket.workspace_id == workspace_id,
            m.Ticket.id.in_(matching(session, "tickets", ws))),
        select(C.id, null()).where(C.customer_id.in_(customers))).subquery()
    return select(each.c.conversation_id, func.max(each.c.message_id).label("message_id")) \
        .group_by(each.c.conversation_id).subquery("hits")


@lru_cache(maxsize=256)
def pattern(q: str) -> re.Pattern | None:
    """The query's words as a regular expression over the original text (for marking)."""
    ws = words(q)
    if not ws:
        return None
    alternatives = []
    for w in ws:
        body = r"[\W_]*".join(re.escape(p) for p in w.parts)
        alternatives.append(body + (r"\w*" if w.prefix else r"(?![^\W_])"))
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


@lru_cache(maxsize=256)
def _leads(q: str) -> tuple[str, ...] | None:
    """What every match of `pattern(q)` contains, lower-cased: one of the words' first parts;
    None when one is not ASCII (then only the regular expression can tell)."""
    leads = tuple(dict.fromkeys(w.parts[0] for w in words(q)))
    return leads if all(p.isascii() for p in leads) else None


def _cannot_match(value: str, q: str) -> bool:
    """True when `value` has none of the query's words: a substring test, a tenth of the
    regular expression's search (most of a result page's names do not match). Exact for
    ASCII text and words, where IGNORECASE is lower-casing; anything else is searched."""
    leads = _leads(q)
    if leads is None or not value.isascii():
        return False
    low = value.lower()
    return not any(p in low for p in leads)


def highlight(value: str | None, q: str | None, around: int | None = None) -> Markup:
    """`value` escaped, with the query's matches in <mark>; with `around`, only that many
    characters before the first match and twice that after it (a snippet)."""
    value = value or ""
    rx = pattern(q) if q else None
    first = rx.search(value) if rx and not _cannot_match(value, q) else None
    if first is None:
        return escape(value[:around * 3] if around else value)
    start = 0
    if around is not None:
        start = max(0, first.start() - around)
        end = min(len(value), first.end() + around * 2)
        value = ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")
        start = 1 if start else 0
    out, last = [], 0   # escaped pieces joined as text, marked up once: a list shows 50
    for match in rx.finditer(value, start):
        out += (escape(value[last:match.start()]), "<mark>", escape(match.group(0)), "</mark>")
        last = match.end()
    out.append(escape(value[last:]))
    return Markup("".join(out))


def found_in(session: Session, q: str, conversations: list) -> dict[int, str]:
    """For a page of results (rows of queries.INBOX_ROW): what matched besides the name and
    the message text (a handle, an email, a tag, an order number), to show beside the row."""
    rx = pattern(q)
    if rx is None or not conversations:
        return {}
    customers = {c.customer_id for c in conversations}
    found: dict[int, list[str]] = {}   # customer id → matching values

    def keep(customer_id: int, value: str | None, label: str = "") -> None:
        if value and rx.search(value):
            found.setdefault(customer_id, []).append(label + value)

    for c in conversations:
        keep(c.customer_id, c.customer_email)
    for customer_id, handle, name in session.execute(
            select(m.Identity.customer_id, m.Identity.handle, m.Identity.display_name)
            .where(m.Identity.customer_id.in_(customers))):
        keep(customer_id, handle, "@" if handle and not handle.startswith("@") else "")
        if name and name != handle:
            keep(customer_id, name)
    for customer_id, number in session.execute(select(m.Order.customer_id, m.Order.number)
                                               .where(m.Order.customer_id.in_(customers))):
        keep(customer_id, number, "order ")
    tags = {}
    for conversation_id, values in session.execute(
            select(m.Ticket.conversation_id, m.Ticket.tags)
            .where(m.Ticket.conversation_id.in_([c.id for c in conversations]))):
        for tag in values or []:
            if rx.search(tag):
                tags.setdefault(conversation_id, []).append(f"tag {tag}")
    out = {}
    for c in conversations:
        values = tags.get(c.id, []) + found.get(c.customer_id, [])
        if values:
            out[c.id] = " · ".join(dict.fromkeys(values))
    return out
