"""What the bot says, in each language it speaks, and what it understands back: its two
controls ("That solved it" / "Talk to a person") and a customer asking for a human.

Messenger shows the controls as quick replies (their payloads come back); elsewhere they are
text choices ("1" / "2"), and their titles in any supported language are understood too.
"""
from __future__ import annotations

import re
import unicodedata

from crowdcare.pipeline.triage.text import lexicon

SOLVED, PERSON = "BOT_SOLVED", "BOT_PERSON"     # quick-reply payloads
ORDER_PREFIX = "BOT_ORDER:"                     # "which order?" choices carry the number
DEFAULT = "en"

TEXT = {
    "en": {
        "hello": "Hi, I'm the automated assistant.",
        "ask": "What can I help you with?",
        "solved": "That solved it", "person": "Talk to a person",
        "choices": "Reply 1 if that solved it, or 2 to talk to a person.",
        "glad": "Great, glad that helped! Write any time if you need anything else.",
        "handoff": "Thanks, I've passed this to our team: a person will answer here {when}.",
        "soon": "as soon as they can",
        "retry": "Sorry that didn't help. Could you say it another way?",
        "which_order": "Which order do you mean? {orders}",
        "no_order": "I can't find an order {number} on your account. Please check the number, "
                    "or ask to talk to a person.",
        "no_orders": "I can't see any orders on your account yet. What's the order number?",
        "order": "Order {number} (placed {placed}): {status}.",
        "shipment": "Latest update: it {event}{where} on {when}.",
        "tracking": "{carrier} tracking number: {tracking}.",
        "more": "More:",
    },
    "es": {
        "hello": "Hola, soy el asistente automático.",
        "ask": "¿En qué puedo ayudarte?",
        "solved": "Resuelto", "person": "Hablar con alguien",
        "choices": "Responde 1 si eso lo resolvió, o 2 para hablar con una persona.",
        "glad": "¡Genial, me alegra haber ayudado! Escríbenos cuando quieras.",
        "handoff": "Gracias, lo he pasado a nuestro equipo: una persona te responderá aquí "
                   "{when}.",
        "soon": "lo antes posible",
        "retry": "Perdona, eso no ayudó. ¿Puedes decirlo de otra forma?",
        "which_order": "¿Qué pedido? {orders}",
        "no_order": "No encuentro el pedido {number} en tu cuenta. Revisa el número o pide "
                    "hablar con una persona.",
        "no_orders": "Aún no veo pedidos en tu cuenta. ¿Cuál es el número de pedido?",
        "order": "Pedido {number} (del {placed}): {status}.",
        "shipment": "Última novedad: {event}{where} el {when}.",
        "tracking": "Número de seguimiento de {carrier}: {tracking}.",
        "more": "Más:",
    },
    "fr": {
        "hello": "Bonjour, je suis l'assistant automatique.",
        "ask": "Comment puis-je vous aider ?",
        "solved": "C'est résolu", "person": "Parler à quelqu'un",
        "choices": "Répondez 1 si c'est résolu, ou 2 pour parler à une personne.",
        "glad": "Parfait, ravi d'avoir aidé ! Écrivez-nous quand vous voulez.",
        "handoff": "Merci, j'ai transmis à notre équipe : une personne vous répondra ici "
                   "{when}.",
        "soon": "dès que possible",
        "retry": "Désolé, cela n'a pas aidé. Pouvez-vous le dire autrement ?",
        "which_order": "De quelle commande s'agit-il ? {orders}",
        "no_order": "Je ne trouve pas la commande {number} sur votre compte. Vérifiez le "
                    "numéro ou demandez à parler à une personne.",
        "no_orders": "Je ne vois pas encore de commande sur votre compte. Quel est son numéro ?",
        "order": "Commande {number} (du {placed}) : {status}.",
        "shipment": "Dernière étape : {event}{where} le {when}.",
        "tracking": "Numéro de suivi {carrier} : {tracking}.",
        "more": "Plus :",
    },
    "de": {
        "hello": "Hallo, ich bin der automatische Assistent.",
        "ask": "Wobei kann ich helfen?",
        "solved": "Hat geholfen", "person": "Mit Mensch sprechen",
        "choices": "Antworte 1, wenn das geholfen hat, oder 2 für eine Person.",
        "glad": "Super, freut mich! Schreib uns jederzeit wieder.",
        "handoff": "Danke, ich habe das an unser Team gegeben: eine Person antwortet hier "
                   "{when}.",
        "soon": "so bald wie möglich",
        "retry": "Das hat leider nicht geholfen. Kannst du es anders formulieren?",
        "which_order": "Welche Bestellung meinst du? {orders}",
        "no_order": "Ich finde keine Bestellung {number} in deinem Konto. Prüfe bitte die "
                    "Nummer oder frag nach einer Person.",
        "no_orders": "Ich sehe noch keine Bestellungen in deinem Konto. Wie lautet die "
                     "Bestellnummer?",
        "order": "Bestellung {number} (vom {placed}): {status}.",
        "shipment": "Letzte Meldung: {event}{where} am {when}.",
        "tracking": "{carrier}-Sendungsnummer: {tracking}.",
        "more": "Mehr:",
    },
    "pt": {
        "hello": "Olá, sou o assistente automático.",
        "ask": "Como posso ajudar?",
        "solved": "Resolvido", "person": "Falar com alguém",
        "choices": "Responda 1 se isso resolveu, ou 2 para falar com uma pessoa.",
        "glad": "Ótimo, fico feliz em ajudar! Escreva quando quiser.",
        "handoff": "Obrigado, passei para a nossa equipe: uma pessoa vai responder aqui "
                   "{when}.",
        "soon": "assim que possível",
        "retry": "Desculpe, isso não ajudou. Pode dizer de outra forma?",
        "which_order": "Qual pedido? {orders}",
        "no_order": "Não encontro o pedido {number} na sua conta. Confira o número ou peça "
                    "para falar com uma pessoa.",
        "no_orders": "Ainda não vejo pedidos na sua conta. Qual é o número do pedido?",
        "order": "Pedido {number} (de {placed}): {status}.",
        "shipment": "Última atualização: {event}{where} em {when}.",
        "tracking": "Código de rastreio {carrier}: {tracking}.",
        "more": "Mais:",
    },
    "it": {
        "hello": "Ciao, sono l'assistente automatico.",
        "ask": "Come posso aiutarti?",
        "solved": "Risolto", "person": "Parla con qualcuno",
        "choices": "Rispondi 1 se ha risolto, o 2 per parlare con una persona.",
        "glad": "Ottimo, felice di aver aiutato! Scrivici quando vuoi.",
        "handoff": "Grazie, ho passato la richiesta al nostro team: una persona ti risponderà "
                   "qui {when}.",
        "soon": "appena possibile",
        "retry": "Mi dispiace, non ha aiutato. Puoi dirlo in un altro modo?",
        "which_order": "Quale ordine? {orders}",
        "no_order": "Non trovo l'ordine {number} nel tuo account. Controlla il numero o chiedi "
                    "di parlare con una persona.",
        "no_orders": "Non vedo ancora ordini nel tuo account. Qual è il numero d'ordine?",
        "order": "Ordine {number} (del {placed}): {status}.",
        "shipment": "Ultimo aggiornamento: {event}{where} il {when}.",
        "tracking": "Numero di tracciamento {carrier}: {tracking}.",
        "more": "Altro:",
    },
}
LANGUAGES = tuple(TEXT)
ORDER_STATUS = {   # an order's own status, then its latest shipping event (notifications' words)
    "placed": "received, being prepared", "shipped": "shipped", "delivered": "delivered",
    "exception": "held up in delivery", "cancelled": "cancelled",
}
EVENT = {"label_created": "got a shipping label", "in_transit": "was on its way",
         "out_for_delivery": "was out for delivery", "delivered": "was delivered",
         "exception": "ran into a delivery problem"}

# "agent", "human"... in each supported language: the customer asks for a person
HUMAN = lexicon([
    "agent", "human", "a person", "real person", "someone real", "representative", "operator",
    "talk to someone", "speak to someone", "talk to a person", "speak to a person",
    "customer service", "live agent", "live chat", "not a bot", "stop bot",
    "agente", "humano", "una persona", "hablar con alguien", "operador", "asesor",
    "humain", "conseiller", "une personne", "quelqu'un", "opérateur",
    "mitarbeiter", "mensch", "menschen", "berater", "echte person",
    "atendente", "uma pessoa", "falar com alguém", "operatore", "persona reale",
    "medewerker", "echt persoon", "상담원", "상담사", "사람", "एजेंट", "इंसान", "人工", "客服",
    "真人", "オペレーター",
], shared=False)   # read only for the bot's messages, not in triage's one pass
NEGATIVE = lexicon([
    "didn't help", "did not help", "doesn't help", "not helpful", "not what i asked",
    "that's not it", "wrong answer", "no it didn't", "useless", "no sirve", "no me ayuda",
    "ça n'aide pas", "pas ça", "hilft nicht", "nicht hilfreich", "não ajudou", "non aiuta",
], shared=False)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def text(language: str | None, key: str, **values: str) -> str:
    table = TEXT.get(language or DEFAULT, TEXT[DEFAULT])
    return table.get(key, TEXT[DEFAULT][key]).format(**values)


def speaks(language: str | None) -> str:
    """The language the bot answers in: the customer's if it speaks it."""
    return language if language in TEXT else DEFAULT


def _plain(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(_PUNCT.sub(" ", folded).split())


_TITLES = {_plain(TEXT[lang][key]): payload for lang in TEXT
           for key, payload in (("solved", SOLVED), ("person", PERSON))}
_DIGITS = {"1": SOLVED, "2": PERSON}


def control(message_text: str, payload: str | None) -> str | None:
    """SOLVED, PERSON or an order choice when the message is one of the bot's controls: a
    quick-reply payload, a control's title in any language, or the text choice's digit."""
    if payload and (payload in (SOLVED, PERSON) or payload.startswith(ORDER_PREFIX)):
        return payload
    plain = _plain(message_text or "")
    return _TITLES.get(plain) or _DIGITS.get(plain)


def asks_for_human(message_text: str) -> str | None:
    """The words with which the customer asks for a person, if they do."""
    found = HUMAN.search(message_text or "")
    return found.text if found else None


def unhappy(message_text: str) -> bool:
    return NEGATIVE.search(message_text or "") is not None


def controls(language: str | None) -> list[dict[str, str]]:
    """The answer's quick replies (Messenger titles are at most 20 characters)."""
    return [{"title": text(language, "solved")[:20], "payload": SOLVED},
            {"title": text(language, "person")[:20], "payload": PERSON}]
