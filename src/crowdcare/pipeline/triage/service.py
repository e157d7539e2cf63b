"""Service-related: is the writer asking the brand for help (question, problem, complaint,
request, a follow-up in a thread with the brand), or is it noise (praise, chatter, news, spam,
marketing, people talking to each other)?

The trained head gives a probability from the words (it learned from real care conversations
against random tweets); cue words that almost always mean "help me" nudge it; what the platform
says nudges it too (a private message to the brand, a reply in a thread where the brand spoke,
a post addressed to its handle); a button press or a bare greeting is not a request by itself;
the workspace's own keyword lists (ctx.keywords["service"] / ["noise"]) decide outright.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.technical import DEFAULT as PROBLEM_WORDS
from crowdcare.pipeline.triage.text import keyword_pattern, lexicon

GREETING_WORD = re.compile(r"@?\w+")

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
    "encomenda", "bestelling", "terugbetaling", "طلبي", "استرداد", "خدمة العملاء",
    # ko hi zh
    "주문", "환불", "배송", "교환", "반품", "도와", "로그인",
    "ऑर्डर", "रिफंड", "डिलीवरी", "मदद", "पैसे कट",
    "订单", "退款", "退货", "快递", "物流", "发货", "客服", "扣款",
])


# cues that name who is spoken to, not what is wrong: "best customer service ever" is praise
WHO = frozenset({"customer service", "customer support"})
# cues that name a thing, not a problem with it: "just got my order and I love it" is praise
NAMING = WHO | frozenset({
    "tracking", "my order", "my package", "my parcel", "my delivery", "my account", "exchange",
    "invoice", "pedido", "commande", "colis", "bestellung", "lieferung", "ordine", "encomenda",
    "bestelling", "주문", "배송", "ऑर्डर", "डिलीवरी", "订单", "快递", "物流", "发货"})
SERVICE_TOPICS = ("order_status", "shipping", "returns", "billing", "account", "technical")
# Message kinds that are not a request by themselves (Messenger's Get Started and other
# postbacks, quick-reply taps): the conversation they open or continue is what matters.
NOT_REQUESTS = frozenset({"postback", "quick_reply", "greeting"})
NOT_REQUEST_CONFIDENCE = 0.6
GREETINGS = frozenset(
    "hi hii hiii hello helo hey heya hiya yo hola buenas bonjour salut coucou hallo moin servus "
    "ciao salve olá ola oi namaste namaskar good morning afternoon evening day there team all "
    "guys everyone dear sir madam admin please pls thanks thank you".split()
    + ["안녕하세요", "안녕", "你好", "您好", "嗨", "नमस्ते", "مرحبا", "السلام"])
# How a problem is told on social media rather than asked as a question: something failed,
# is late, lost, broken, or nobody answers. Alone a weak cue (people complain about the
# weather too); written to someone (a complaint to a brand opens with its @handle) it makes
# the post a complaint, sarcastic ones included ("thanks @brand for losing my bag").
PROBLEMS = lexicon([
    "delayed", "delay", "cancelled", "canceled", "stuck", "stranded", "on hold", "still waiting",
    "been waiting", "waiting for", "still no", "still not", "still hasn't", "still haven't",
    "no response", "no answer", "no reply", "no one", "nobody", "no help", "not helpful",
    "lost", "losing", "missing", "late", "down again", "outage", "no service", "no signal",
    "no internet", "not working", "doesn't work", "does not work", "isn't working",
    "stopped working", "won't let me", "can't get", "cannot get", "unable to", "failed",
    "keeps crashing", "keeps freezing", "keeps failing", "keeps dropping", "keeps disconnecting",
    "keeps logging me out", "keeps saying", "keeps asking", "keeps telling", "keeps cancelling",
    "again", "ruined", "rude", "overcharged", "charged me", "never received",
    "never got", "never answers", "never answer", "never responds", "never replies",
    "doesn't answer", "don't answer", "wrong", "messed up", "mess up", "hung up", "refused", "denied", "declined",
    "disconnected", "dropped", "locked out", "suspended", "hacked", "lag", "glitching",
    "retraso", "cancelado", "perdido", "no funciona", "retard", "annulé", "perdu",
    "ne marche pas", "Verspätung", "verspätet", "storniert", "verloren", "funktioniert nicht",
    "ritardo", "cancellato", "perso", "non funziona", "atrasado", "cancelado", "perdido",
    "não funciona", "지연", "취소", "분실", "안돼", "안 돼", "안됨", "देरी", "रद्द", "खो गया",
    "काम नहीं", "जवाब नहीं", "नहीं आया", "नहीं मिला", "खराब", "ख़राब", "kaam nahi",
    "jawab nahi", "nahi aaya", "nahi aya", "nahi mila", "kharab", "لم يصل", "لم تصل", "لا يعمل", "لا ترد", "لا يرد", "تأخير", "متأخر", "ضاع",
    "مفقود", "延误", "取消", "丢失", "不能用", "没反应",
])
# Spam and marketing: selling, not asking. They lower the odds unless a problem is told.
SPAM = lexicon([
    "earn money", "make money", "a day from home", "work from home", "dm me for",
    "click the link", "click here", "follow me on", "follow us", "free followers",
    "giveaway", "win a free", "chance to win", "limited time offer", "limited offer",
    "sign up now", "subscribe to my", "link in bio", "check out our",
    "shop now", "order now", "bitcoin", "crypto", "forex", "onlyfans",
])
SPAM_POINTS = 2.0
# A post written to someone opens with the handle (".@brand" makes a reply public); "@ Place"
# is a check-in, not an address.
OPENS_WITH_HANDLE = re.compile(r"\s*(?:\.|rt\s+)?((?:@\w+[\s,:]*)+)", re.IGNORECASE)
# a reply opening with three handles or more is people arguing in a thread, not a post to one
# company (a complaint names the brand, sometimes a second account: "@AmericanAir @kaps12")
MAX_HANDLES = 2
NAMES_SOMEONE = re.compile(r"@\w")   # a handle anywhere ("@ Place" is a check-in)
# What tells a complaint to a company from a bad day told to a friend, counted only in a negative
# post (or a problem told) written to someone: the company addressed in the second person, what
# it runs (staff, channels, what it sells), a wait measured ("for 3 days", "2 hrs", "the 3rd
# time", "since monday").
YOU = lexicon(["you", "your", "you're", "youre", "you've", "you guys", "y'all", "yall", "u",
               "ur", "ya", "usted", "ustedes", "vous", "votre", "vos", "sie", "ihr", "ihre",
               "voi", "vostro", "vocês", "você", "aap", "aapka", "aapki", "आप", "आपका", "आपकी",
               "당신", "귀사", "你们", "您"])
SERVICE_NOUNS = lexicon([
    "flight", "flights", "bag", "bags", "luggage", "baggage", "seat", "seats", "gate",
    "plane", "crew", "boarding", "booking", "reservation", "ticket", "tickets", "fare",
    "staff", "agent", "agents", "rep", "representative", "manager", "employee", "employees",
    "customer service", "customer care", "customer support", "company", "brand", "phone", "email", "emails", "website", "app",
    "account", "password", "login", "bill", "billing", "charged", "fee", "fees", "payment",
    "card", "refund", "order", "delivery", "package", "parcel", "shipment", "driver",
    "internet", "wifi", "connection", "signal", "outage", "router", "modem", "cable", "store",
    "product", "item", "items", "subscription", "upgrade", "contract", "network", "device",
    "warranty", "repair", "technician", "appointment", "compensation", "voucher", "receipt",
    "checkout", "cart", "service", "tech support", "passenger",
    "passengers", "airline", "airport", "pilot", "attendant", "attendants", "miles",
    "rewards", "membership", "check in", "check-in", "rebook", "rebooked", "itinerary",
    "confirmation", "cancellation", "tarmac", "aircraft", "hotel", "server", "servers",
    "software", "hotline", "call center", "claim", "money back", "transaction", "coverage",
    "refunds", "orders", "deliveries", "packages", "payments", "accounts", "apps",
    "pedido", "vuelo", "maleta", "commande", "vol", "valise",
    "bestellung", "flug", "koffer", "ordine", "volo", "valigia", "voo", "mala",
])
WAITED = re.compile(
    r"\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)\s*\+?"
    r"\s*(?:mins?|minutes|hrs?|hours?|days?|weeks?|months?)\b"
    r"|\b\d+(?:st|nd|rd|th)\s+time\b"
    r"|\bsince\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|"
    r"last\s+\w+|this\s+morning)\b", re.IGNORECASE)
# A handle that names a care account ("@AmazonHelp", "@AskPlayStation", "@hulu_support",
# "@SpotifyCares": how the brands of the care conversations name theirs) is a company's.
CARE_HANDLE = re.compile(r"@\w*(?:help|support|care|cares|service|ask)\w*", re.IGNORECASE)
CARE_ACCOUNT = 0.5   # log-odds for a post opening with a care account's handle
QUESTION = 0.5   # log-odds for a question written to a company (opening handles, "?")
COMPLAINT_MORE, MORE_MAX = 0.75, 2   # log-odds per complaint sign, at most this many
UNADDRESSED = 1.0   # log-odds off a post written to no one that asks and tells nothing


def opens_with_handle(text: str) -> bool:
    return OPENS_WITH_HANDLE.match(text) is not None


def written_to_a_company(text: str) -> bool:
    """It opens with one handle or two: how a post to a company reads, text alone."""
    m = OPENS_WITH_HANDLE.match(text)
    return m is not None and m.group(1).count("@") <= MAX_HANDLES


def care_handle(text: str) -> str | None:
    """The care account's handle a post opens with, if one does."""
    m = OPENS_WITH_HANDLE.match(text)
    c = CARE_HANDLE.search(m.group(1)) if m else None
    return c.group(0) if c else None


def complaint_signs(text: str) -> list[str]:
    """The signs that a negative post written to someone is a complaint to a company."""
    out = []   # "you" is no sign: every reply between people says it
    care = care_handle(text)
    if care:
        out.append(f"written to a care account: '{care}'")
    noun = SERVICE_NOUNS.search(text)
    if noun:
        out.append(f"what a company runs: '{noun.group(0).lower()}'")
    waited = WAITED.search(text)
    if waited:
        out.append(f"a wait: '{waited.group(0).lower()}'")
    return out


def complaint_context(text: str, addressed: bool) -> bool:
    """A complaint the intent head heard is one to a company when the platform says it was
    written to the brand, when it names a service cue, a problem or what a company runs, or
    when it opens with a handle or two and says "you" ("@brand you are the worst")."""
    return (addressed or SERVICE_CUES.search(text) is not None
            or PROBLEMS.search(text) is not None or SERVICE_NOUNS.search(text) is not None
            or (written_to_a_company(text) and YOU.search(text) is not None))


# log-odds each platform signal adds (a private message to a brand is almost always for it)
DIRECT, BRAND_THREAD, ADDRESSED = 1.5, 2.0, 0.5
# a negative post written to someone (the platform says so, or it opens with an @handle, as a
# tweet to a company does) is how a complaint reads, sarcasm included
COMPLAINT = 0.5   # a negative post written to someone; each complaint sign adds more
PROBLEM = 0.5   # a problem told, written to no one in particular
NEGATIVE_CONF = 0.6   # how sure the sentiment head's "negative" must be to count
COMPLAINT_FLOOR = 0.5   # log-odds a negative post to a company with a complaint sign reaches


class Platform(NamedTuple):
    addressed: bool = False
    direct: bool = False
    brand_thread: bool = False
    kind: str = "message"


def problem_words(text: str) -> set[str]:
    """The technical problem words in a text, but bare numbers: "500" is an error code after
    "error", and money in "earn $500 a day"."""
    return {w for m in PROBLEM_WORDS.finditer(text) if not (w := m.group(0).lower()).isdigit()}


def _greeting_only(text: str) -> bool:
    if len(text) > 80 or text.count(" ") > 5:
        return False
    words = [w for w in GREETING_WORD.findall(text.lower()) if not w.startswith("@")]
    return bool(words) and len(words) <= 5 and all(w in GREETINGS for w in words)


def _logit(p: float) -> float:
    return math.log(max(p, 1e-6) / max(1 - p, 1e-6))


def analyze(text: str, language: str, probs: dict, keywords: dict[str, list[str]],
            topic_hits: dict[str, list[str]] | None = None,
            sentiment: Signal | None = None, platform: Platform = Platform()) -> Signal:
    p = probs[True]
    reasons = [f"model p={p:.2f}"]
    kind = "greeting" if platform.kind == "message" and _greeting_only(text) else platform.kind
    if kind in NOT_REQUESTS:
        what = {"postback": "a button press (postback)", "quick_reply": "a quick-reply tap",
                "greeting": "only a greeting"}[kind]
        # not a request, yet not surely noise: in a private thread someone still looks (the
        # route ignores only what is noise for sure), in public it is let be
        return Signal(False, NOT_REQUEST_CONFIDENCE,
                      reasons + [f"{what}: not a request by itself"])
    tech = keyword_pattern(keywords, "technical")   # the workspace's own products' words
    cues = sorted({m.group(0).lower() for m in SERVICE_CUES.finditer(text)}
                  | problem_words(text)
                  | ({m.group(0).lower() for m in tech.finditer(text)} if tech else set()))
    # topic words of a service intent ("crashing", "refund", "tracking") are weaker cues: the
    # head learned from questions, and social posts often state the problem instead
    told = sorted({m.group(0).lower() for m in PROBLEMS.finditer(text)} - set(cues))
    # confident praise with no problem told and no request words (naming the order or the
    # department is not one, unless asked about: "love my order?" is rare, "where..?" is not)
    praise = (sentiment is not None and not told and sentiment.value == "positive"
              and sentiment.confidence >= 0.7
              and not (set(cues) - (NAMING if "?" not in text else WHO)))
    topics = [] if praise else sorted(
        {w for t in SERVICE_TOPICS for w in (topic_hits or {}).get(t, ())} - set(cues))
    if praise:
        cues = [c for c in cues if c not in NAMING]   # praise of a thing, not a request
    z = _logit(p)
    if cues or topics:
        z += 1.5 * min(2, len(cues)) + 1.0 * min(2, len(topics))
        if cues:
            reasons.append("cue words: " + ", ".join(cues[:4]))
        if topics:
            reasons.append("service topic words: " + ", ".join(topics[:4]))
    for on, points, why in ((platform.direct, DIRECT, "a private message to the brand"),
                            (platform.brand_thread, BRAND_THREAD,
                             "a reply in a thread where the brand spoke"),
                            (platform.addressed and not platform.direct, ADDRESSED,
                             "addressed to the brand")):
        if on:
            z += points
            reasons.append(f"{why} (+{points:g})")
    care = care_handle(text)
    if care and not platform.addressed:
        z += CARE_ACCOUNT
        reasons.append(f"written to a care account: '{care}' (+{CARE_ACCOUNT:g})")
    if "?" in text and written_to_a_company(text):
        z += QUESTION
        reasons.append(f"a question written to someone (+{QUESTION:g})")
    negative = (sentiment is not None and sentiment.value == "negative"
                and sentiment.confidence >= NEGATIVE_CONF)
    if (negative or told) and (platform.addressed or written_to_a_company(text)):
        signs = complaint_signs(text)
        company = bool(signs)   # what a company runs, or a wait: not only a word like "wrong"
        if negative and told:
            signs.append("a problem told (" + ", ".join(told[:3]) + ")")
        points = COMPLAINT + COMPLAINT_MORE * min(MORE_MAX, len(signs))
        z += points
        why = "negative" if negative else "a problem told (" + ", ".join(told[:3]) + ")"
        reasons.append(f"{why} and addressed to someone: a complaint"
                       f"{' (' + '; '.join(signs) + ')' if signs else ''} (+{points:g})")
        if company and z < COMPLAINT_FLOOR:
            # the head learned requests from calm questions: a negative post (or a problem
            # told) written to a company about what it runs is a complaint however
            # opinionated its words, or however calm ("upgrade denied again")
            z = COMPLAINT_FLOOR
            reasons.append("a complaint to a company, whatever the words' tone")
    elif told:
        z += PROBLEM
        reasons.append(f"a problem told: {', '.join(told[:3])} (+{PROBLEM:g})")
    if not (cues or topics or told or platform.addressed or platform.direct
            or platform.brand_thread or opens_with_handle(text)) and (
            not NAMES_SOMEONE.search(text) or not ("?" in text or YOU.search(text))):
        # written to no one, no problem told, no request word: a remark. A question or a
        # "you" is one to a company only if the post names someone ("I guess @eBay is ok
        # with...?"): "you have what I want and I have what you need" is not
        z -= UNADDRESSED
        reasons.append(f"written to no one, asks a company nothing, tells no problem "
                       f"(-{UNADDRESSED:g})")
    spam = None if told else SPAM.search(text)
    if spam:
        z -= SPAM_POINTS
        reasons.append(f"selling, not asking: '{spam.group(0).lower()}' (-{SPAM_POINTS:g})")
    p = 1 / (1 + math.exp(-z))
    if praise and p >= 0.5 and not platform.brand_thread:
        p = 1 / (1 + math.exp(-(_logit(p) - 1.0)))   # praise, not a request
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
