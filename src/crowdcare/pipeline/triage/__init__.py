"""Triage: language, sentiment, service-related, intent, anger, technical, private data,
influence → priority. Pure code: no database, no network; models load once, lazily.

`triage(text, ctx)` is thread-safe: shared state (VADER, lingua, the linear model) is built
under a lock on first use and only read afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from crowdcare.domain import Signal, TriageResult
from crowdcare.pipeline.triage import (
    anger,
    influence,
    intent,
    language,
    model,
    pii,
    priority,
    sentiment,
    service,
    technical,
)


@dataclass
class TriageContext:
    channel: str = "api"                 # channel kind
    public: bool = False                 # public post/mention vs private thread
    followers: int | None = None
    verified: bool = False
    vip: bool = False                    # on the workspace VIP list (resolved by the caller)
    handle: str | None = None
    # per workspace: {"service": [...], "noise": [...], "technical": [...], "legal": [...]}
    keywords: dict[str, list[str]] = field(default_factory=dict)
    waiting_minutes: float = 0.0
    # What the platform knows (pipeline/context.py); the defaults say nothing: text only.
    addressed: bool = False      # written to the brand: its @handle, page, post or inbox
    direct: bool = False         # a private message to the brand (DM, Messenger, API)
    brand_thread: bool = False   # a reply in a thread where the brand spoke
    kind: str = "message"        # message | postback | quick_reply | mention | reply | comment...


def load() -> None:
    """Load every model now (e.g. at worker start) instead of on the first message."""
    model.get()
    sentiment.vader()
    language.detector()


def clear_caches() -> None:
    """Forget the per-token caches (the bench starts every timed round cold with this)."""
    from crowdcare.pipeline.triage import text as text_mod

    for mod in list(model._models.values()):
        mod.clear_cache()
    text_mod._REGISTRY.clear_memo()


COMPLAINT_CONFIDENT = 0.6
# What one message may cost (docs/triage.md, "Limits"): every analyser reads the first
# READ_CHARS characters (Messenger's own limit; seven tweets), the same text for all; private
# data, cheap to find and costly to miss, is looked for in the first PII_CHARS (the longest
# text the API channel accepts).
READ_CHARS = 2_000
PII_CHARS = 20_000


def triage(text: str, ctx: TriageContext | None = None) -> TriageResult:
    ctx = ctx or TriageContext()
    full = text or ""
    text = full[:READ_CHARS]
    m = model.get()
    dense = sentiment.vader_dense(text)
    vec = m.vectorize(text, dense)
    logits = m.logits(vec)
    probs = m.all_probs(logits)
    lang = language.detect(text, probs["language"])

    sent = sentiment.analyze(text, lang.value, m, vec, probs["sentiment"], dense)
    hits = intent.lexicon_hits(text)
    svc = service.analyze(text, lang.value, probs["service_related"], ctx.keywords,
                          hits, sent, service.Platform(ctx.addressed, ctx.direct,
                                                       ctx.brand_thread, ctx.kind))
    intent_probs = probs["intent"]
    topic = intent.analyze(text, intent_probs, bool(svc.value), lang.value, hits)
    angry = anger.analyze(text, sent, dense[0], ctx.keywords, lang.value,
                          probs["anger"][True], lambda: m.top_words(vec, "anger", True))
    tech = technical.analyze(text, intent_probs, ctx.keywords)
    private = pii.analyze(full[:PII_CHARS])
    if not svc.value:
        # A complaint or a message naming an order is someone the brand must answer, whatever
        # the classifier thinks of its tone: never let it be ignored as noise. A complaint
        # said to no one about nothing a company runs ("over with this bullshit") is a mood.
        why = ("names an order number" if "order_number" in (private.value or [])
               else f"a complaint (p={topic.confidence:.2f})"
               if topic.value == "complaint" and topic.confidence >= COMPLAINT_CONFIDENT
               and service.complaint_context(text, ctx.addressed)
               else None)
        if why and ctx.kind not in service.NOT_REQUESTS:
            svc = Signal(True, 0.7, svc.reasons + [f"overruled: {why}"])
            topic = intent.analyze(text, intent_probs, True, lang.value, hits)
    infl = influence.analyze(ctx.followers, ctx.verified, ctx.vip)
    prio = priority.compute(sent, svc, angry, tech, infl, ctx.vip, ctx.waiting_minutes)
    if len(full) > READ_CHARS:
        prio.reasons.append(f"read the first {READ_CHARS:,} of {len(full):,} characters")
    return TriageResult(language=lang, sentiment=sent, service_related=svc, intent=topic,
                        anger=angry, technical=tech, pii=private, influence=infl,
                        priority=prio)


__all__ = ["PII_CHARS", "READ_CHARS", "TriageContext", "clear_caches", "load", "triage"]
