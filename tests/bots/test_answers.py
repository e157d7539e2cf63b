"""The bot through the fake Graph API: answers with quick replies, is solved by the customer,
hands off to a person, and stays silent after."""
from sqlalchemy import select

from crowdcare.store import db
from crowdcare.store import models as m
from messenger.helpers import customer, rows
from support.fixtures import drain


def sent_texts(page) -> list[dict]:
    return [r["body"]["message"] for r in page.requests("/me/messages")]


def ticket_of(psid: str = "psid-1") -> m.Ticket:
    with db.session_scope() as s:
        row = s.scalar(select(m.Ticket).join(m.Conversation).join(m.Identity).where(
            m.Identity.external_id == psid).order_by(m.Ticket.id.desc()).limit(1))
        s.expunge_all()
        return row


def test_frequent_question_answered_with_quick_replies_and_solved_as_the_bots(client, bot_page):
    customer(bot_page, "message", psid="psid-1", text="hi, how can I return a jacket?")
    drain()
    [answer] = sent_texts(bot_page)
    assert answer["text"].startswith("Hi, I'm the automated assistant.")
    assert "return any unworn item within 30 days" in answer["text"]
    assert "Returns portal: https://shop.example/returns" in answer["text"]
    assert [q["payload"] for q in answer["quick_replies"]] == ["BOT_SOLVED", "BOT_PERSON"]
    [out] = rows(m.Message, m.Message.direction == "outbound", m.Message.kind == "message")
    assert out.author == "bot" and out.meta["automatic"] is True and out.status == "sent"
    ticket = ticket_of()
    assert (ticket.route, ticket.status, ticket.first_response_at) == ("bot", "pending", None)

    customer(bot_page, "message", psid="psid-1", text="That solved it", quick_reply="BOT_SOLVED")
    drain()
    ticket = ticket_of()
    assert ticket.status == "solved" and "solved-by-bot" in ticket.tags
    assert ticket.first_response_at is None          # never a first response
    assert "glad that helped" in sent_texts(bot_page)[-1]["text"]
    [turn] = rows(m.BotTurn, m.BotTurn.kind == "answer")
    assert turn.outcome == "solved" and turn.entry_id == bot_page.entries[0]["id"]
    entries = client.get("/api/v1/kb/entries", headers=bot_page.ws.agent).json()["items"]
    returns = next(e for e in entries if e["key"] == "returns")
    assert returns["metrics"]["offered"] == 1 and returns["metrics"]["helpful_rate"] == 1.0
    assert returns["metrics"]["contained_rate"] == 1.0
    tickets = client.get("/api/v1/kb/entries", headers=bot_page.ws.agent).json()["tickets"]
    assert tickets == {"tickets": 1, "solved": 1, "handed_off": 0, "solved_rate": 1.0,
                       "handed_off_rate": 0.0}


def test_talk_to_a_person_hands_off_with_the_transcript_and_the_bot_stays_silent(client,
                                                                                  bot_page):
    customer(bot_page, "message", psid="psid-1", text="How long does shipping take?")
    drain()
    customer(bot_page, "message", psid="psid-1", text="Talk to a person", quick_reply="BOT_PERSON")
    drain()
    texts = [t["text"] for t in sent_texts(bot_page)]
    assert len(texts) == 2 and "a person will answer here" in texts[1]
    ticket = ticket_of()
    assert (ticket.route, ticket.status) == ("tier1", "open")
    [note] = rows(m.Message, m.Message.kind == "note")
    assert note.author == "bot" and "Talk to a person" in note.text
    assert "Customer: How long does shipping take?" in note.text
    assert "Bot: Hi, I'm the automated assistant. Orders arrive" in note.text
    conv = client.get("/api/v1/conversations", headers=bot_page.ws.agent).json()["items"][0]
    assert conv["route"] == "tier1"
    # the bot is silent in this conversation now, even for a question it knows
    customer(bot_page, "message", psid="psid-1", text="How do I return an item?")
    drain()
    assert len(sent_texts(bot_page)) == 2
    assert ticket_of().route == "tier1"
    last = rows(m.Message, m.Message.direction == "inbound")[-1]
    assert last.route == "tier1" and last.ticket_id == ticket.id


def test_low_confidence_goes_straight_to_a_person(client, bot_page):
    customer(bot_page, "message", psid="psid-2",
             text="My invoice from last month lists a VAT number that is not ours")
    drain()
    [told] = sent_texts(bot_page)
    assert "a person will answer here" in told["text"] and "quick_replies" not in told
    assert told["text"].startswith("Thanks, I've passed this to our team")
    ticket = ticket_of("psid-2")
    assert ticket.route == "tier1" and ticket.status == "open"
    [turn] = rows(m.BotTurn)
    assert turn.kind == "handoff" and turn.reasons[0].startswith("low confidence")


def test_asking_for_a_human_in_spanish_hands_off(client, bot_page):
    customer(bot_page, "message", psid="psid-3", text="quiero hablar con un agente humano")
    drain()
    assert ticket_of("psid-3").route == "tier1"
    [turn] = rows(m.BotTurn)
    assert "asked for a person" in turn.reasons[0]
    assert "una persona te responderá" in sent_texts(bot_page)[0]["text"]


def test_a_second_unhelpful_answer_hands_off(client, bot_page):
    customer(bot_page, "message", psid="psid-4", text="What is your return policy?")
    drain()
    customer(bot_page, "message", psid="psid-4", text="that didn't help")
    drain()
    assert "say it another way" in sent_texts(bot_page)[-1]["text"]
    customer(bot_page, "message", psid="psid-4", text="Can I buy a gift card?")
    drain()
    assert ticket_of("psid-4").route == "bot"
    customer(bot_page, "message", psid="psid-4", text="How many days is delivery?")
    drain()
    assert ticket_of("psid-4").route == "tier1"
    handoff = rows(m.BotTurn, m.BotTurn.kind == "handoff")
    assert handoff and handoff[0].reasons[0] == "a second answer did not help"


def test_a_knowledge_base_in_two_languages_answers_each_in_its_own(client, bot_page):
    customer(bot_page, "message", psid="psid-5", text="¿Cuánto tarda el envío a Madrid?")
    customer(bot_page, "message", psid="psid-6", text="how long does shipping take to Leeds?")
    drain()
    by_psid = {r["body"]["recipient"]["id"]: r["body"]["message"]
               for r in bot_page.requests("/me/messages")}
    assert "Los pedidos llegan en 3 a 5 días" in by_psid["psid-5"]["text"]
    assert by_psid["psid-5"]["text"].startswith("Hola, soy el asistente automático.")
    assert [q["title"] for q in by_psid["psid-5"]["quick_replies"]] == \
        ["Resuelto", "Hablar con alguien"]
    assert "Orders arrive in 3 to 5 working days" in by_psid["psid-6"]["text"]


def test_a_first_did_not_help_in_angry_words_goes_to_a_person(client, bot_page):
    """The one retry is for frustration the model reads as anger; insults or a safety word
    after an answer go to staff at once."""
    for psid, text in (("psid-6", "that didn't help you idiots"),
                       ("psid-7", "that didn't help, the charger caught fire")):
        customer(bot_page, "message", psid=psid, text="What is your return policy?")
        drain()
        customer(bot_page, "message", psid=psid, text=text)
        drain()
        assert "say it another way" not in sent_texts(bot_page)[-1]["text"]
        assert ticket_of(psid).route in ("tier1", "escalation")
