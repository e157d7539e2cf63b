"""Intent / topic: the trained head's probabilities plus a lexicon of topic words.

The head learned banking/assistant queries mapped onto e-commerce topics (corpora.py); the
lexicon carries the words an online shop hears that those corpora lack, in several languages.
"""
from __future__ import annotations

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.text import lexicon, shared_hits

LEXICON = {
    "order_status": lexicon([
        "where is my order", "where's my order", "my order", "order status", "tracking",
        "track", "not arrived", "hasn't arrived", "never arrived", "still waiting",
        "not received", "haven't received", "pedido", "commande", "Bestellung", "ordine",
        "bestelling", "encomenda", "заказ", "посылк", "доставк", "llegado", "llegó", "angekommen", "arrivé", "reçu",
        "arrivato", "chegou", "aangekomen", "주문", "도착", "아직", "언제 와", "ऑर्डर", "कहाँ",
        "नहीं आया", "नहीं मिला", "订单", "在哪", "没收到", "还没到", "到货", "没到"], prefix=True),
    "shipping": lexicon([
        "shipping", "ship", "delivery", "deliver", "courier", "parcel", "package", "dispatch",
        "envío", "livraison", "livrez", "Versand", "Lieferung", "spedizione", "entrega",
        "배송", "डिलीवरी", "发货", "快递", "物流"], prefix=True),
    "returns": lexicon([
        "refund", "return", "exchange", "send it back", "send back", "swap",
        "reembolso", "devolver", "devolución", "remboursement", "retour", "Rückerstattung",
        "umtauschen", "rimborso", "reso", "환불", "반품", "교환", "रिफंड", "वापस", "退款", "退货",
        "换货"], prefix=True),
    "billing": lexicon([
        "charged", "charge", "invoice", "billing", "billed", "payment", "paid", "pay",
        "promo code", "coupon", "discount code", "overcharged", "receipt", "subscription",
        "cobraron", "cobro", "débité", "facture", "Rechnung", "abgebucht", "결제", "पैसे",
        "扣款", "付款", "发票"], prefix=True),
    "product_question": lexicon([
        "in stock", "back in stock", "size", "sizes", "colour", "color", "come in",
        "compatible", "does it", "does this", "is it", "is this", "material", "ingredients",
        "waterproof", "warranty", "talla", "taille", "Größe", "사이즈", "방수", "大号", "尺码"]),
    "account": lexicon([
        "log in", "login", "sign in", "password", "my account", "account", "username",
        "locked out", "delete my data", "unsubscribe", "email address", "cuenta",
        "compte", "Konto", "로그인", "계정", "खाता", "账号", "账户", "密码"], prefix=True),
    "technical": lexicon([
        "crash", "error", "bug", "not loading", "won't load", "doesn't load", "firmware",
        "bluetooth", "wifi", "pair", "api", "webhook", "app", "website", "install", "update",
        "500", "404", "stürzt", "Fehler", "erreur", "앱", "오류", "ऐप", "崩溃", "报错"],
        prefix=True),
    "complaint": lexicon([
        "worst", "terrible", "awful", "unacceptable", "disappointed", "disgusting", "scam",
        "ridiculous", "useless", "pathetic", "never again", "joke", "horrible", "pésimo",
        "nul", "schlecht", "최악", "बकवास", "垃圾", "太差"], prefix=True),
    "praise": lexicon([
        "love", "thank you", "thanks", "amazing", "awesome", "great service", "perfect",
        "best", "shoutout", "obsessed", "encanta", "adore", "merci", "danke", "gracias",
        "최고", "감사", "बढ़िया", "धन्यवाद", "谢谢", "满意"], prefix=True),
}
LEXICON_WEIGHT = 0.3
# The head learned from English corpora: for other languages its probabilities count this much
# and the (multilingual) lexicon decides.
FOREIGN_MODEL_WEIGHT = 0.3
FOREIGN_LEXICON_WEIGHT = 1.0


def lexicon_hits(text: str) -> dict[str, list[str]]:
    found = shared_hits(text)   # every built-in lexicon's hits, one pass: read, not re-run
    return {topic: sorted({h.text for h in found[lex]})
            for topic, lex in LEXICON.items() if lex in found}


def analyze(text: str, probs: dict, service_related: bool, language: str = "en",
            hits: dict[str, list[str]] | None = None) -> Signal:
    foreign = language not in ("en", "unknown")
    weight = FOREIGN_LEXICON_WEIGHT if foreign else LEXICON_WEIGHT
    scores = {k: v * FOREIGN_MODEL_WEIGHT for k, v in probs.items()} if foreign else dict(probs)
    if hits is None:
        hits = lexicon_hits(text)
    for topic, found in hits.items():
        scores[topic] += weight * min(2, len(found))
    if hits:  # a topic word is evidence against "other", which the head over-predicts
        scores["other"] *= 0.5
    if not service_related:
        # noise has no service topic to route on: only praise, complaint or other remain
        for k in ("order_status", "shipping", "returns", "billing", "product_question",
                  "account", "technical"):
            scores[k] *= 0.5
    total = sum(scores.values())
    value = max(scores, key=scores.get)
    reasons = [f"model p={probs[value]:.2f}"]
    if foreign:
        reasons.append(f"language {language}: topic words weigh more than the English model")
    if value in hits:
        reasons.append("words: " + ", ".join(hits[value][:4]))
    runner = sorted(scores, key=scores.get, reverse=True)[1]
    reasons.append(f"next: {runner}")
    return Signal(value, round(scores[value] / total, 3), reasons)
