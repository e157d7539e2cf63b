"""The words of CSAT and NPS surveys in the customer's language, and the replies that opt a
customer out of them. Built in: English, German, French, Spanish, Italian, Portuguese (and
Dutch, like the away message); a workspace's own translation (settings
`surveys.translations.<lang>.<key>`) comes first, as with away messages.

Keys: `csat`/`nps` (the question with quick replies), `csat_typed`/`nps_typed` (the question
that asks for a typed number, with `{link}`), `thanks`, `opted_out`."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "csat": "How did we do? Tap a number from 1 (poor) to 5 (great).",
        "nps": "How likely are you to recommend us to a friend? Tap a number from 0 (not at "
               "all) to 10 (extremely).",
        "csat_typed": "How did we do? Reply with a number from 1 (poor) to 5 (great), or "
                      "answer here: {link}",
        "nps_typed": "How likely are you to recommend us to a friend? Reply with a number from "
                     "0 to 10, or answer here: {link}",
        "thanks": "Thank you! If you'd like to tell us more, just write it here.",
        "opted_out": "Understood: we won't send you these questions any more.",
    },
    "de": {
        "csat": "Wie waren wir? Tippen Sie eine Zahl von 1 (schlecht) bis 5 (sehr gut).",
        "nps": "Wie wahrscheinlich ist es, dass Sie uns einem Freund empfehlen? Tippen Sie eine "
               "Zahl von 0 (gar nicht) bis 10 (sehr wahrscheinlich).",
        "csat_typed": "Wie waren wir? Antworten Sie mit einer Zahl von 1 (schlecht) bis 5 "
                      "(sehr gut), oder hier: {link}",
        "nps_typed": "Wie wahrscheinlich ist es, dass Sie uns einem Freund empfehlen? Antworten "
                     "Sie mit einer Zahl von 0 bis 10, oder hier: {link}",
        "thanks": "Vielen Dank! Wenn Sie uns mehr sagen möchten, schreiben Sie es einfach hier.",
        "opted_out": "Verstanden: Wir senden Ihnen diese Fragen nicht mehr.",
    },
    "fr": {
        "csat": "Comment avons-nous été ? Touchez un chiffre de 1 (mauvais) à 5 (excellent).",
        "nps": "Quelle est la probabilité que vous nous recommandiez à un ami ? Touchez un "
               "chiffre de 0 (pas du tout) à 10 (très probable).",
        "csat_typed": "Comment avons-nous été ? Répondez par un chiffre de 1 (mauvais) à 5 "
                      "(excellent), ou ici : {link}",
        "nps_typed": "Quelle est la probabilité que vous nous recommandiez à un ami ? Répondez "
                     "par un chiffre de 0 à 10, ou ici : {link}",
        "thanks": "Merci ! Si vous voulez nous en dire plus, écrivez-le simplement ici.",
        "opted_out": "C'est noté : nous ne vous enverrons plus ces questions.",
    },
    "es": {
        "csat": "¿Qué tal lo hicimos? Toca un número del 1 (mal) al 5 (excelente).",
        "nps": "¿Qué probabilidad hay de que nos recomiendes a un amigo? Toca un número del 0 "
               "(ninguna) al 10 (muy probable).",
        "csat_typed": "¿Qué tal lo hicimos? Responde con un número del 1 (mal) al 5 "
                      "(excelente), o aquí: {link}",
        "nps_typed": "¿Qué probabilidad hay de que nos recomiendes a un amigo? Responde con un "
                     "número del 0 al 10, o aquí: {link}",
        "thanks": "¡Gracias! Si quieres contarnos algo más, escríbelo aquí.",
        "opted_out": "Entendido: no te enviaremos más estas preguntas.",
    },
    "it": {
        "csat": "Come siamo andati? Tocca un numero da 1 (male) a 5 (ottimo).",
        "nps": "Quanto è probabile che ci consigli a un amico? Tocca un numero da 0 (per "
               "niente) a 10 (moltissimo).",
        "csat_typed": "Come siamo andati? Rispondi con un numero da 1 (male) a 5 (ottimo), "
                      "oppure qui: {link}",
        "nps_typed": "Quanto è probabile che ci consigli a un amico? Rispondi con un numero da "
                     "0 a 10, oppure qui: {link}",
        "thanks": "Grazie! Se vuoi dirci di più, scrivilo pure qui.",
        "opted_out": "Capito: non ti invieremo più queste domande.",
    },
    "pt": {
        "csat": "Como nos saímos? Toque num número de 1 (mau) a 5 (ótimo).",
        "nps": "Qual a probabilidade de nos recomendar a um amigo? Toque num número de 0 "
               "(nenhuma) a 10 (muito provável).",
        "csat_typed": "Como nos saímos? Responda com um número de 1 (mau) a 5 (ótimo), ou "
                      "aqui: {link}",
        "nps_typed": "Qual a probabilidade de nos recomendar a um amigo? Responda com um "
                     "número de 0 a 10, ou aqui: {link}",
        "thanks": "Obrigado! Se quiser contar-nos mais, escreva aqui.",
        "opted_out": "Entendido: não lhe enviaremos mais estas perguntas.",
    },
    "nl": {
        "csat": "Hoe hebben we het gedaan? Tik een cijfer van 1 (slecht) tot 5 (uitstekend).",
        "nps": "Hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend? Tik een cijfer "
               "van 0 (helemaal niet) tot 10 (zeer waarschijnlijk).",
        "csat_typed": "Hoe hebben we het gedaan? Antwoord met een cijfer van 1 (slecht) tot 5 "
                      "(uitstekend), of hier: {link}",
        "nps_typed": "Hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend? Antwoord "
                     "met een cijfer van 0 tot 10, of hier: {link}",
        "thanks": "Dank u! Wilt u ons meer vertellen, schrijf het dan hier.",
        "opted_out": "Begrepen: we sturen u deze vragen niet meer.",
    },
}
KEYS = tuple(WORDS["en"])

# A whole reply that opts out (case, accents and punctuation aside): "STOP", "Unsubscribe.",
# "désabonner". Only the whole reply: "stop charging me twice" is a message, not an opt-out.
STOP = {
    "en": ("stop", "unsubscribe", "opt out", "optout", "stop surveys", "no more surveys",
           "stop asking", "stop all"),
    "de": ("stopp", "abmelden", "abbestellen", "keine umfragen", "keine umfragen mehr"),
    "fr": ("arret", "arreter", "desabonner", "se desabonner", "desinscrire", "me desinscrire",
           "plus de sondages"),
    "es": ("parar", "baja", "darme de baja", "dar de baja", "cancelar suscripcion",
           "no mas encuestas"),
    "it": ("basta", "annulla iscrizione", "disiscrivimi", "cancellami", "non piu sondaggi"),
    "pt": ("parar", "sair", "cancelar inscricao", "descadastrar", "nao quero mais"),
    "nl": ("stoppen", "afmelden", "uitschrijven", "geen enquetes meer"),
}
_STOP_ALL = {phrase for phrases in STOP.values() for phrase in phrases}


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def is_opt_out(text: str | None) -> bool:
    """Whether a whole reply asks for no more surveys, in any of the built-in languages (a
    customer may answer in English to a German question)."""
    return bool(text) and len(text) <= 60 and _plain(text) in _STOP_ALL


def language_of(language: str | None) -> str:
    return (language or "").lower().split("-")[0].split("_")[0]


def text(key: str, language: str | None, own: dict[str, Any] | None = None) -> str:
    """The workspace's translation for this language, else the built-in one, else English."""
    lang = language_of(language)
    mine = ((own or {}).get(lang) or {}).get(key)
    if mine:
        return str(mine)
    return WORDS.get(lang, WORDS["en"]).get(key) or WORDS["en"][key]
