"""The bot's turn on each new customer message (called by the pipeline's act stage).

It acts only on a ticket it owns (route `bot`), while crowdcare may send in the thread:

1. its controls: "That solved it" solves the ticket as the bot's; "Talk to a person" hands off;
2. triage chose a person (anger, legal words, a technical question...), or the customer asks
   for one ("agent", "human"... in the languages it speaks): hand off to that route;
3. the customer wrote again after an answer: that answer did not help; the second time, hand off;
4. order status from the customer's own orders (orders.py);
5. the knowledge base (decide.py): answer when confident, else hand off at once.

Every message goes through actions/replies (the policy gate, the sender), authored `bot`,
marked automatic, and says it is automated the first time on each ticket.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.actions import replies, tickets
from crowdcare.bots import decide, handoff, kb, orders, phrases, settings
from crowdcare.domain import Author, Route, RouteDecision, TriageResult
from crowdcare.pipeline.triage import anger
from crowdcare.store import accounts, db
from crowdcare.store import models as m

ORDER_INTENT = "order_status"
UNHELPFUL_LIMIT = 2
GREETING_WORDS = 3


def available(session: Session, conversation: m.Conversation, public: bool) -> bool:
    """May a message here go to the bot? The workspace has a knowledge base (public posts only
    if it answers in public) and no person has this conversation's open ticket."""
    if not kb.has_kb(session, conversation.workspace_id):
        return False
    if public and not settings.of(session, conversation.workspace_id).get("public"):
        return False
    ticket = _open_ticket(session, conversation)
    return ticket is None or ticket.route == Route.bot


def _open_ticket(session: Session, conversation: m.Conversation) -> m.Ticket | None:
    return db.once(session, ("open ticket", conversation), lambda: tickets.current(
        session, conversation.id) if conversation.id is not None else None)


def on_message(session: Session, conversation: m.Conversation, message: m.Message,
               result: TriageResult, decision: RouteDecision) -> None:
    ticket = _open_ticket(session, conversation)
    if ticket is None or ticket.route != Route.bot or (message.meta or {}).get("standby"):
        return
    Turn(session, conversation, ticket, message, result, decision).run()


class Turn:
    def __init__(self, session, conversation, ticket, message, result, decision):
        self.session, self.conversation, self.ticket = session, conversation, ticket
        self.message, self.result, self.decision = message, result, decision
        self.language = phrases.speaks(message.language)
        self.settings = settings.of(session, conversation.workspace_id)
        self.gate = replies.window(session, conversation, Author.bot)

    def run(self) -> None:
        meta = self.message.meta or {}
        ctl = phrases.control(self.message.text,
                              meta.get("quick_reply_payload") or meta.get("payload"))
        if ctl == phrases.SOLVED:
            return self.solved()
        if ctl == phrases.PERSON:
            return self.hand_off("the customer chose 'Talk to a person'")
        if self.message.kind == "postback" and ctl is None:
            return None                        # Get Started, a menu: the campaign greets
        if not self.gate.allowed:
            return self.hand_off(f"the bot may not send here ({self.gate.reason})")
        if ctl is not None or self._answers_which_order():
            return self.order(ctl)
        if self.decision.route == Route.ignore:
            return None                        # "ok", "thanks": nothing to answer
        complained = self._complained_answer()
        if complained is not None:
            return self.retry(complained)
        if self.decision.route != Route.bot:
            why = "; ".join(self.decision.reasons[-2:]) or self.decision.route
            return self.hand_off(f"triage chose {self.decision.route}: {why}",
                                 self.decision.route)
        words = phrases.asks_for_human(self.message.text)
        if words:
            return self.hand_off(f"the customer asked for a person ('{words}')")
        previous = handoff.last_answer(self.session, self.ticket)
        if previous is not None:
            previous.outcome = "unhelpful"
            self.session.flush()
            if self._unhelpful() >= UNHELPFUL_LIMIT:
                return self.hand_off("a second answer did not help")
        intent = self.result.intent
        if intent is not None and intent.value == ORDER_INTENT:
            return self.order(None)
        return self.knowledge_base()

    def _complained_answer(self) -> m.BotTurn | None:
        """"That didn't help" after the bot's first answer is about that answer: the bot asks
        once to say it another way, even if the frustration reads as anger to the model.
        Anger in words (insults, shouting, threats), a technical question or a second miss
        goes to a person."""
        if not phrases.unhappy(self.message.text) or self._unhelpful() + 1 >= UNHELPFUL_LIMIT:
            return None
        said = self.result.anger
        if self.decision.route not in (Route.bot, Route.escalation, Route.tier1) or \
                anger.in_words(said) or anger.flags(said):   # legal, safety: always staff
            return None
        return handoff.last_answer(self.session, self.ticket)

    def retry(self, previous: m.BotTurn) -> None:
        previous.outcome = "unhelpful"
        if self.message.route != Route.bot:
            handoff.reroute(self.message, Route.bot, "kept by the bot: a first 'did not help'")
        self.session.flush()
        self.say(phrases.text(self.language, "retry"), kind="clarify",
                 reasons=["the customer said the answer did not help"])

    # -- the kinds of turn -------------------------------------------------------------------
    def knowledge_base(self) -> None:
        index = kb.index(self.session, self.conversation.workspace_id)
        choice = decide.choose(index, self.message.text, self.message.language,
                               self.settings.get("threshold"), self.settings.get("margin"))
        if not choice.answered:
            if self._no_question_yet():      # "hello": the bot asks what it can do
                return self.say(phrases.text(self.language, "ask"), kind="clarify",
                                reasons=["no question yet: the bot asks"])
            return self.hand_off("low confidence: " + choice.reasons[-1])
        payload = choice.best.version.payload
        entry = self.session.get(m.FaqEntry, choice.best.entry)
        if entry.intent == ORDER_INTENT:
            return self.order(None)
        language = choice.best.version.language or self.language
        text = kb.render(payload["answer"], self._variables())
        if entry.links:
            text += "\n" + phrases.text(language, "more") + " " + " · ".join(
                f"{link['title']}: {link['url']}" for link in entry.links)
        self.say(text, kind="answer", entry_id=entry.id, confidence=choice.confidence,
                 reasons=choice.reasons, language=language, controls=True)

    def order(self, choice: str | None) -> None:
        reply = orders.answer(self.session, self.conversation, self.message, self.language,
                              choice)
        self.say(reply.text, kind="order" if reply.kind == "order" else "clarify",
                 reasons=reply.reasons, controls=reply.kind != "clarify",
                 quick_replies=reply.quick_replies,
                 order_id=reply.order.id if reply.order else None)

    def solved(self) -> None:
        previous = handoff.last_answer(self.session, self.ticket)
        if previous is not None:
            previous.outcome = "solved"
        if self.gate.allowed:
            self.say(phrases.text(self.language, "glad"), kind="solved",
                     entry_id=previous.entry_id if previous else None,
                     reasons=["the customer chose 'That solved it'"])
        tags = list(self.ticket.tags or [])
        tickets.do_update(self.session, self.ticket, {
            "status": "solved", "tags": tags + ["solved-by-bot"] * ("solved-by-bot" not in tags)},
            by="the FAQ bot")

    def hand_off(self, reason: str, route: str | None = None) -> None:
        handoff.do_handoff(self.session, self.conversation, self.ticket, self.message,
                           reason, route or self.decision.route, self.language,
                           self.decision.team)

    # -- helpers -----------------------------------------------------------------------------
    def _unhelpful(self) -> int:
        return self.session.scalar(select(func.count(m.BotTurn.id)).where(
            m.BotTurn.ticket_id == self.ticket.id, m.BotTurn.outcome == "unhelpful")) or 0

    def _no_question_yet(self) -> bool:
        """A greeting or a word or two with no topic ("hello", "hi there"), the first time."""
        service, intent = self.result.service_related, self.result.intent
        vague = (service is not None and not service.value) or (
            intent is not None and intent.value == "other"
            and len(self.message.text.split()) <= GREETING_WORDS)
        return vague and self._first_words()

    def _answers_which_order(self) -> bool:
        """An order number typed after the bot asked which order."""
        last = self.session.scalar(select(m.BotTurn.kind).where(
            m.BotTurn.ticket_id == self.ticket.id).order_by(m.BotTurn.id.desc()).limit(1))
        return last == "clarify" and bool(orders.mentioned(self.message.text))

    def _variables(self) -> dict[str, str | None]:
        customer = self.conversation.customer
        name = customer.name or self.conversation.identity.display_name
        latest = self.session.scalar(select(m.Order.number).where(
            m.Order.customer_id == customer.id).order_by(m.Order.created_at.desc()).limit(1))
        return {"customer_name": name, "first_name": name.split()[0] if name else None,
                "order_number": latest}

    def _first_words(self) -> bool:
        """Whether the bot has not written on this ticket yet (it introduces itself)."""
        return self.session.scalar(select(m.BotTurn.id).where(
            m.BotTurn.ticket_id == self.ticket.id).limit(1)) is None

    def say(self, text: str, *, kind: str, reasons: list[str], entry_id: int | None = None,
            confidence: float | None = None, language: str | None = None,
            controls: bool = False, quick_replies: list[dict] | None = None,
            order_id: int | None = None) -> None:
        language = language or self.language
        if self._first_words():
            text = phrases.text(language, "hello") + " " + text
        quick = list(quick_replies or [])
        if controls:
            quick += phrases.controls(language)
        if quick and not accounts.renders_quick_replies(self.conversation.channel_account,
                                                        bool(self.message.public)):
            text += "\n" + (phrases.text(language, "choices") if controls else "")
        extra = {"automatic": True, "bot": {"kind": kind, "entry_id": entry_id}}
        if quick:
            extra["quick_replies"] = quick
        replies.do_reply(self.session, self.conversation, text=text.strip(), author=Author.bot,
                         decision=self.gate, extra=extra, order_id=order_id)
        self.session.add(m.BotTurn(
            workspace_id=self.conversation.workspace_id, conversation_id=self.conversation.id,
            ticket_id=self.ticket.id, message_id=self.message.id, entry_id=entry_id, kind=kind,
            confidence=confidence, reasons=reasons))
        if kind != "solved" and self.ticket.status != "pending":
            tickets.do_update(self.session, self.ticket, {"status": "pending"}, by="the FAQ bot")
