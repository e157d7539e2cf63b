"""Suggested FAQs: the workspace's most frequent service questions of the last N days,
grouped by triage intent and then by wording (character n-gram similarity), each with its
count, examples, language and the agents' most common answer to it. This is how a small
business finds its "top five or ten questions"; one click turns a group into an entry.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.bots import decide, kb, phrases
from crowdcare.domain import Author, Direction
from crowdcare.store import models as m
from crowdcare.store.types import utcnow

SIMILAR = 0.45            # cosine to a group's first question from which a question joins it
MAX_MESSAGES = 3000       # the most recent ones are grouped
EXAMPLES = 5


def _questions(session: Session, workspace_id: int, since) -> list[m.Message]:
    rows = session.scalars(select(m.Message).where(
        m.Message.workspace_id == workspace_id, m.Message.direction == Direction.inbound,
        m.Message.sent_at >= since, m.Message.text != "")
        .order_by(m.Message.id.desc()).limit(MAX_MESSAGES)).all()
    return [r for r in rows
            if ((r.triage or {}).get("service_related") or {}).get("value")
            and phrases.control(r.text, (r.meta or {}).get("quick_reply_payload")) is None]


def _group(rows: list[m.Message]) -> list[list[m.Message]]:
    """Leader clustering: each question joins the first group it is similar enough to."""
    # plain n-gram counts: within one intent's questions, idf would discount exactly the
    # wording they share ("how do I return...")
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), use_idf=False) \
        .fit_transform([r.text for r in rows])
    leaders: list[int] = []
    groups: list[list[m.Message]] = []
    for i in range(len(rows)):
        if leaders:
            sims = (vectors[leaders] @ vectors[i].T).toarray()[:, 0]
            best = int(np.argmax(sims))
            if sims[best] >= SIMILAR:
                groups[best].append(rows[i])
                continue
        leaders.append(i)
        groups.append([rows[i]])
    return groups


def _answers(session: Session, rows: list[m.Message]) -> dict[int, str]:
    """Each question's first agent reply in its conversation (the next human answer)."""
    if not rows:
        return {}
    replies = session.execute(select(m.Message.conversation_id, m.Message.id, m.Message.text)
                              .where(m.Message.conversation_id.in_({r.conversation_id
                                                                     for r in rows}),
                                     m.Message.author == Author.agent,
                                     m.Message.kind == "message",
                                     m.Message.id > min(r.id for r in rows))
                              .order_by(m.Message.id)).all()
    by_conversation: dict[int, list[tuple[int, str]]] = {}
    for conversation_id, message_id, text in replies:
        by_conversation.setdefault(conversation_id, []).append((message_id, text))
    out = {}
    for r in rows:
        nxt = next((text for mid, text in by_conversation.get(r.conversation_id, [])
                    if mid > r.id), None)
        if nxt:
            out[r.id] = nxt
    return out


def suggestions(session: Session, workspace_id: int, days: int = 30, limit: int = 10,
                min_count: int = 2) -> list[dict]:
    rows = _questions(session, workspace_id, utcnow() - timedelta(days=days))
    by_intent: dict[str, list[m.Message]] = {}
    for r in rows:
        by_intent.setdefault((r.triage.get("intent") or {}).get("value") or "other",
                             []).append(r)
    groups = [(intent, g) for intent, items in by_intent.items() for g in _group(items)
              if len(g) >= min_count]
    groups.sort(key=lambda ig: (-len(ig[1]), -ig[1][0].id))
    groups = groups[:limit]
    answers = _answers(session, [r for _, g in groups for r in g])
    index = kb.index(session, workspace_id) if kb.has_kb(session, workspace_id) else None
    out = []
    for intent, group in groups:
        examples = list(dict.fromkeys(r.text.strip() for r in group))[:EXAMPLES]
        said = Counter(" ".join(answers[r.id].split()) for r in group if r.id in answers)
        language = Counter(r.language for r in group).most_common(1)[0][0]
        covered = None
        if index is not None and len(index):
            choice = decide.choose(index, examples[0], language)
            if choice.answered:
                covered = choice.best.version.payload["key"]
        out.append({
            "intent": intent, "count": len(group), "examples": examples,
            "language": None if language in (None, "unknown") else language,
            "answer": said.most_common(1)[0][0] if said else None,
            "answers_seen": sum(said.values()), "covered_by": covered,
            "last_asked": max(r.sent_at for r in group).isoformat(),
        })
    return out


def as_entry(suggestion: dict) -> dict:
    """The entry a suggestion becomes (to check and save), with a key from its first question."""
    return {"key": kb.slug(suggestion["examples"][0]),
            "intent": suggestion["intent"] if suggestion["intent"] != "other" else None,
            "versions": [{"language": suggestion.get("language"),
                          "questions": suggestion["examples"],
                          "answer": suggestion.get("answer") or ""}]}
