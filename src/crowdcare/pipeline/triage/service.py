"""Service-related: is the writer asking the brand for help (question, problem, complaint,
request), or is it noise (praise, chatter, news, spam, marketing)?

The trained head gives a probability; cue words that almost always mean "help me" nudge it;
the workspace's own keyword lists (ctx.keywords["service"] / ["noise"]) decide outright.
"""
from __future__ import annotations

import math

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.technical import DEFAULT as PROBLEM_WORDS
from crowdcare.pipeline.triage.text import keyword_pattern, lexicon

SERVICE_CUES = lexicon([
    "refund", "tracking", "track my", "my order", "my package", "my parcel", "my delivery",
    "where is my", "never arrived", "hasn't arrived", "not arrived", "not received",
    "haven't received", "customer service", "customer support", "charged twice", "cancel my",
    "can't log in", "cannot log in", "reset my password", "help me", "please help",
    "need help", "can you help", "return label", "out of stock", "wrong item", "damaged",
    "broken", "missing item", "exchange", "invoice", "my account",
    # es fr de it pt nl
    "pedido", "reembolso", "devolución", "ayuda", "commande", "remboursement", "colis",
    "aidez", "Bestellung", "Rückerstattung", "Lieferung", "Hilfe", "ordine", "rimborso",
    "encomenda", "bestelling", "terugbetaling",
    # ko hi zh
    "주문", "환불", "배송", "교환", "반품", "도와", "로그인",
    "ऑर्डर", "रिफंड", "डिलीवरी", "मदद", "पैसे कट",
    "订单", "退款", "退货", "快递", "物流", "发货", "客服", "扣款",
])


SERVICE_TOPICS = ("order_status", "shipping", "returns", "billing", "account", "technical")


def analyze(text: str, language: str, probs: dict, keywords: dict[str, list[str]],
            topic_hits: dict[str, list[str]] | None = None,
            sentiment: Signal | None = None) -> Signal:
    p = probs[True]
    reasons = [f"model p={p:.2f}"]
    cues = sorted({m.group(0).lower() for m in SERVICE_CUES.finditer(text)}
                  | {m.group(0).lower() for m in PROBLEM_WORDS.finditer(text)})
    # topic words of a service intent ("crashing", "refund", "tracking") are weaker cues: the
    # head learned from questions, and social posts often state the problem instead
    praise = (sentiment is not None and not cues and sentiment.value == "positive"
              and sentiment.confidence >= 0.7)
    topics = [] if praise else sorted(
        {w for t in SERVICE_TOPICS for w in (topic_hits or {}).get(t, ())} - set(cues))
    if cues or topics:
        z = (math.log(max(p, 1e-6) / max(1 - p, 1e-6)) + 1.5 * min(2, len(cues))
             + 1.0 * min(2, len(topics)))
        p = 1 / (1 + math.exp(-z))
        if cues:
            reasons.append("cue words: " + ", ".join(cues[:4]))
        if topics:
            reasons.append("service topic words: " + ", ".join(topics[:4]))
    if praise and p >= 0.5:
        z = math.log(max(p, 1e-6) / max(1 - p, 1e-6)) - 1.0   # praise, not a request
        p = 1 / (1 + math.exp(-z))
        reasons.append(f"positive, no request words (p={p:.2f})")
    conf_cap = 1.0
    if language not in ("en", "unknown") and not cues:
        conf_cap = 0.6  # the head saw few non-English examples
        reasons.append(f"language {language}: few training examples, confidence capped")
    value = p >= 0.5
    conf = min(conf_cap, p if value else 1 - p)
    for kind, verdict in (("noise", False), ("service", True)):  # service keywords win ties
        pat = keyword_pattern(keywords, kind)
        hit = pat.search(text) if pat else None
        if hit:
            value, conf = verdict, max(conf, 0.9)
            reasons.append(f"workspace {kind} keyword '{hit.group(0).lower()}'")
    return Signal(value, round(conf, 3), reasons)
