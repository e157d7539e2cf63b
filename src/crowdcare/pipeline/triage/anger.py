"""Anger: the trained anger head (real anger labels: TweetEval's English tweets, KOTE's Korean
comments) where it was trained, strong negative sentiment elsewhere, plus insults, threats to
leave, to go public or to take legal action, shouting — each with the words that made it.

Legal and safety words are reported here too, as reasons starting with "legal:" and
"safety:" (see `flags`): they escalate a message whether or not the writer is angry.
"""
from __future__ import annotations

import re

from crowdcare.domain import Signal
from crowdcare.pipeline.triage.text import keyword_pattern, lexicon

INSULTS = lexicon([
    "idiot", "idiots", "stupid", "useless", "incompetent", "pathetic", "scam", "scammers",
    "thieves", "crooks", "clowns", "morons", "garbage", "trash", "disgrace", "wtf", "fuck",
    "fucking", "f*ck", "shit", "crap", "bullshit", "liars", "joke of a company", "furious",
    "livid", "pissed", "fed up", "sick of", "sick and tired", "outraged", "disgusting",
    "estafa", "ladrones", "vergüenza", "harto", "harta", "mierda", "arnaque", "escrocs",
    "honteux", "marre", "nul", "Betrug", "Betrüger", "Frechheit", "Sauerei", "schämen",
    "vergogna", "schifo", "truffa", "vergonha", "absurdo", "lixo", "ladrões", "bakwas",
    "bekaar", "chor", "बकवास", "धोखा", "चोर", "बेकार", "شكوى", "نصابين", "حرامية",
    "사기", "짜증", "화가", "화나", "열받", "빡치", "어이없", "최악", "쓰레기", "개판", "미친",
    "骗子", "垃圾", "气死", "生气", "愤怒", "火大", "恼火", "恶心", "坑人", "坑爹", "无耻",
    "滚", "他妈", "妈的", "傻逼", "混蛋", "什么破", "太差劲", "投诉", "差评", "忍无可忍",
])
LEAVE = lexicon([
    "cancel my account", "cancel my subscription", "never order again", "never buying",
    "never buy from", "never shop", "never fly", "never flying", "never using", "switching to",
    "take my business elsewhere", "done with you", "done with this company", "last time i",
    "closing my account", "lost a customer", "going to a competitor", "nunca más",
    "plus jamais", "nie wieder", "mai più", "nunca mais", "다시는", "탈퇴", "再也不",
])
GO_PUBLIC = lexicon([
    "post this everywhere", "posting this everywhere", "tell everyone", "going viral",
    "go viral", "bad review", "1 star", "one star", "trustpilot", "better business bureau",
    "bbb", "the press", "journalist", "news about this", "expose you", "warn everyone",
    "report you", "reporting you", "file a complaint", "formal complaint", "소비자원", "曝光",
])
LEGAL = lexicon([
    "lawyer", "attorney", "sue", "suing", "lawsuit", "legal action", "court", "solicitor",
    "small claims", "consumer protection", "chargeback", "ombudsman", "trading standards",
    "abogado", "demanda", "avocat", "Anwalt", "변호사", "वकील", "律师", "起诉",
])
SAFETY = lexicon([
    "caught fire", "on fire", "exploded", "explode", "burned", "burnt", "burn", "smoke",
    "sparks", "electric shock", "shocked me", "injured", "injury", "hospital", "choking",
    "allergic reaction", "food poisoning", "poisoning", "unsafe", "dangerous", "recall",
    "incendio", "explotó", "brûlé", "brennt", "Feuer", "화재", "폭발", "आग", "起火", "爆炸",
])
_LETTERS = re.compile(r"[^\W\d_]")


def shouting(text: str) -> bool:
    upper = sum(map(str.isupper, text))
    if upper < 6:   # fewer than 8 cased letters at 70% upper case is impossible: fast exit
        return False
    lower = sum(map(str.islower, text))
    return upper + lower >= 8 and upper / (upper + lower) >= 0.7


HEAD_LANGUAGES = frozenset({"en", "ko"})   # where the anger head learned from real labels
JOY = 0.8   # a positive sentiment this sure halves the anger head's probability


def analyze(text: str, sentiment: Signal, vader_compound: float,
            keywords: dict[str, list[str]], language: str = "en", p_model: float | None = None,
            words=None) -> Signal:
    """`p_model`: the anger head's probability; `words`: a function giving the words that
    pushed it (called only when they are shown)."""
    score = 0.0
    reasons: list[str] = []

    def add(points: float, why: str) -> None:
        nonlocal score
        score += points
        reasons.append(f"{why} +{points:.2f}")

    trained = p_model is not None and (language in HEAD_LANGUAGES
                                       or (language == "unknown" and text.isascii()))
    if trained:
        # the head learned anger against other emotions and against calm questions and
        # chatter (sources.CALM_WEIGHT): its probability is believed as it is, but for a
        # surely positive text ("best customer service ever": the words of complaints, in
        # praise), as with shouting: joy is not anger
        joy = sentiment.value == "positive" and sentiment.confidence >= JOY
        points = p_model / 2 if joy else p_model
        if p_model >= 0.35:
            top = words() if words and points >= 0.5 else []
            add(points, f"anger model p={p_model:.2f}"
                + (f" (words: {', '.join(top)})" if top else "")
                + (", surely positive: halved" if joy else ""))
    elif sentiment.value == "negative" and (sentiment.confidence >= 0.8
                                            or vader_compound <= -0.5):
        add(0.35, f"strong negative (model p={sentiment.confidence:.2f})")
    for pat, points, what in ((INSULTS, 0.5, "angry words"), (LEAVE, 0.5, "threat to leave"),
                              (GO_PUBLIC, 0.5, "threat to go public")):
        m = pat.search(text)
        if m:
            add(points, f"{what} '{m.group(0).lower()}'")
    if shouting(text) and sentiment.value != "positive":  # "LOVE IT" is joy, not anger
        long = sum(map(str.isupper, text)) >= 16
        add(0.5 if long else 0.3, "shouting (ALL CAPS)")
    if "!!!" in text or "?!" in text or "!?" in text:
        add(0.15, "'!!!'")
    legal = LEGAL.search(text)
    ws_legal = keyword_pattern(keywords, "legal")
    legal = legal or (ws_legal.search(text) if ws_legal else None)
    if legal:
        add(0.5, f"threat of legal action '{legal.group(0).lower()}'")
        reasons.append(f"legal: '{legal.group(0).lower()}'")
    angry = score >= 0.5
    safety = SAFETY.search(text)
    if safety:
        reasons.append(f"safety: '{safety.group(0).lower()}'")
    if not reasons:
        reasons.append("no anger markers")
    conf = min(1.0, score) if angry else 1.0 - min(score, 0.49)
    return Signal(angry, round(conf, 3), reasons)


def flags(signal: Signal | None) -> set[str]:
    """{"legal", "safety"} markers found in the anger signal's reasons."""
    if signal is None:
        return set()
    return {r.split(":", 1)[0] for r in signal.reasons if r.startswith(("legal:", "safety:"))}


def level(signal: Signal | None) -> float:
    """Anger on 0..1 (the confidence of a True, the leftover score of a False)."""
    if signal is None:
        return 0.0
    return signal.confidence if signal.value else 1.0 - signal.confidence


def in_words(signal: Signal | None) -> bool:
    """Whether the anger was found in the words (insults, threats, shouting...), not only by
    the trained head's probability."""
    return signal is not None and signal.value is True and any(
        not r.startswith(("anger model", "no anger", "strong negative", "legal:", "safety:"))
        for r in signal.reasons)
