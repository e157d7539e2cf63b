"""Real-looking posts, as customers write them on each channel → service-related and route.

Each row gives what the platform knows (public or private, addressed to the brand, a reply in
a thread where the brand spoke, the message kind), the way pipeline/context.py fills it in.
"""
import pytest

from crowdcare.pipeline.route import RouteContext, route
from crowdcare.pipeline.triage import TriageContext, triage

ALL = {"bot", "community", "tier1", "tier2", "escalation", "ignore"}
MENTION = {"public": True, "addressed": True}
THREAD = {"public": True, "addressed": True, "brand_thread": True}
DM = {"public": False, "addressed": True, "direct": True}
LISTENED = {"public": True}   # a listening tool's mention: nobody said it was for us

POSTS = [
    # (text, platform, language, service-related, routes allowed)
    ("@united my flight was cancelled and nobody at the gate can tell me anything. 3 hours "
     "waiting", MENTION, "en", True, {"tier1", "community"}),
    ("@comcast internet down again for the 3rd time this week", MENTION, "en", True,
     {"tier1", "tier2", "community"}),                       # a complaint, no question mark
    ("thanks @brand for losing my bag again", MENTION, "en", True,
     {"tier1", "community"}),                                # sarcasm is a complaint
    ("still nothing. it's been two days", THREAD, "en", True, {"tier1", "community"}),
    ("ok I tried that and it still shows the same screen", THREAD, "en", True,
     {"tier1", "tier2", "community"}),
    ("watching the game with my @brand hoodie on, perfect sunday", LISTENED, "en", False,
     {"ignore"}),                                            # chatter mentioning the brand
    ("@brand stock up 4% after the earnings call", LISTENED, "en", False, {"ignore"}),
    ("@jenny lol that's exactly what my mom said", LISTENED, "en", False, {"ignore"}),
    ("just got my order from @brand and I love it", LISTENED, "en", False, {"ignore"}),
    ("@brand just got my order and I love it, thank you!", MENTION, "en", False,
     {"ignore", "community"}),                               # praise naming the order
    ("@user lol you are so wrong about this", LISTENED, "en", False, {"ignore"}),
    ("@amy @raj @lee this is the stupidest take, you people are clueless", LISTENED, "en",
     False, {"ignore"}),                                     # people arguing in a thread
    ("over with this bullshit", LISTENED, "en", False, {"ignore"}),   # a mood, to no one
    ("Sunday brunch with the girls @ The Grand Hotel", LISTENED, "en", False, {"ignore"}),
    ("@delta you lost my luggage and nobody answers the phone", LISTENED, "en", True,
     {"tier1", "community", "escalation"}),                  # text alone: to a company
    ("@verizon been on hold for 2 hours, this is ridiculous", LISTENED, "en", True,
     {"tier1", "community", "escalation"}),
    ("my order never showed up and the tracking link is dead", DM, "en", True,
     {"tier1", "bot"}),
    ("this is the worst company ever, you useless idiots!!!", MENTION, "en", True,
     {"tier1", "escalation"}),
    ("I'm posting this everywhere until someone refunds me", MENTION, "en", True,
     {"tier1", "escalation"}),
    ("¿Dónde está mi pedido? Ya pasaron dos semanas y nadie responde", DM, "es", True,
     {"tier1", "bot"}),
    ("Toujours pas reçu ma commande, c'est la troisième fois que j'écris", DM, "fr", True,
     {"tier1", "bot"}),
    ("Seit drei Tagen kein Internet und die Hotline legt einfach auf", MENTION, "de", True,
     {"tier1", "tier2", "community"}),
    ("Il mio ordine è arrivato rotto, voglio un rimborso", DM, "it", True, {"tier1", "bot"}),
    ("Meu pedido chegou errado e ninguém responde meus e-mails", DM, "pt", True,
     {"tier1", "bot"}),
    ("mera order abhi tak nahi aaya yaar, 10 din ho gaye", DM, "hi", True, {"tier1", "bot"}),
    ("मेरा ऑर्डर अभी तक नहीं आया, दस दिन हो गए", DM, "hi", True, {"tier1", "bot"}),
    ("@brand आपकी सर्विस बहुत खराब है, तीन दिन से कोई जवाब नहीं", MENTION, "hi", True,
     {"tier1", "tier2", "community", "escalation"}),
    ("주문한 상품이 아직도 안 왔어요. 환불해 주세요", DM, "ko", True, {"tier1", "bot"}),
    ("我的快递一个星期了还没到，客服也不回复", DM, "zh", True, {"tier1", "bot"}),
    ("طلبي لم يصل بعد وخدمة العملاء لا ترد", DM, "ar", True, {"tier1", "bot"}),
]


def decide(text, platform, kind="message", vip=False):
    ctx = TriageContext(kind=kind, vip=vip, **platform)
    result = triage(text, ctx)
    return result, route(result, RouteContext(public=ctx.public, vip=vip, text=text,
                                              available=ALL))


@pytest.mark.parametrize("text, platform, language, service, routes", POSTS)
def test_real_posts(text, platform, language, service, routes):
    result, decision = decide(text, platform)
    assert result.language.value == language, result.language
    assert result.service_related.value is service, result.service_related
    assert decision.route in routes, (decision.route, decision.reasons)


def test_every_supported_language_has_a_post():
    assert {p[2] for p in POSTS} >= {"en", "es", "fr", "de", "it", "pt", "hi", "ko", "zh",
                                     "ar"}


def test_the_platform_decides_what_the_words_leave_open():
    text = "any news on this?"
    alone, _ = decide(text, LISTENED)
    in_thread, d = decide(text, THREAD)
    assert in_thread.service_related.value and d.route != "ignore"
    assert any("thread where the brand spoke" in r for r in in_thread.service_related.reasons)
    assert in_thread.service_related.confidence > (alone.service_related.confidence
                                                   if alone.service_related.value else 0)
    dm, _ = decide("hey, quick question about my account", DM)
    assert dm.service_related.value
    assert any("private message" in r for r in dm.service_related.reasons)


@pytest.mark.parametrize("text, kind", [
    ("Get Started", "postback"),
    ("Track my order", "quick_reply"),
    ("Yes", "quick_reply"),
    ("hi", "message"),
    ("Hello there!", "message"),
    ("안녕하세요", "message"),
])
def test_button_presses_and_greetings_are_not_requests_by_themselves(text, kind):
    result, decision = decide(text, DM, kind=kind)
    assert result.service_related.value is False
    assert any("not a request by itself" in r for r in result.service_related.reasons)
    # not surely noise either: in a private thread a person (or the bot) still sees it
    assert decision.route in ("tier1", "bot") and result.service_related.confidence < 0.8
    _, public = decide(text, MENTION, kind=kind)
    assert public.route == "ignore"


@pytest.mark.parametrize("text, words", [
    ("you useless idiots lost my luggage AGAIN", {"useless", "idiots"}),
    ("진짜 너무 화가 나네요 이게 서비스입니까", {"화가"}),
])
def test_anger_reasons_show_the_words(text, words):
    result, decision = decide(text, MENTION)
    assert result.anger.value
    shown = " ".join(result.anger.reasons)
    assert any(w in shown for w in words), result.anger.reasons
    assert decision.route != "community"


def test_sentiment_reasons_show_the_words():
    result, _ = decide("the worst delivery ever, totally broken", MENTION)
    assert result.sentiment.value == "negative"
    assert any(r.startswith("words:") and "worst" in r for r in result.sentiment.reasons)


@pytest.mark.parametrize("text, platform", [
    ("Earn money from home!! DM me for details, $500 a day", LISTENED),
    ("Giveaway time! follow us and retweet for a chance to win a free @brand voucher", LISTENED),
    ("@brand you guys are amazing, best customer service ever", MENTION),
])
def test_spam_and_praise_are_not_requests(text, platform):
    result, decision = decide(text, platform)
    assert result.service_related.value is False, result.service_related
    assert decision.route in ("ignore", "community"), (decision.route, decision.reasons)


def test_a_money_amount_is_not_an_error_code():
    result, _ = decide("Earn money from home!! DM me for details, $500 a day", LISTENED)
    assert not any("cue words" in r and "500" in r for r in result.service_related.reasons)
    result, _ = decide("the app shows error 500 when I pay", MENTION)
    assert result.service_related.value is True


@pytest.mark.parametrize("text", [
    "how do I exchange a jacket for a bigger size?",
    "how long do returns take to process?",
    "can I change the delivery address on my order?",
    "why was I charged twice this month?",
])
def test_calm_questions_are_not_angry(text):
    # the anger head learned calm questions and chatter as not angry: no gate needed
    result, _ = decide(text, MENTION)
    assert result.anger.value is False, result.anger
    assert result.service_related.value is True


@pytest.mark.parametrize("text", [
    "Apparently Apple Music is having issues for some people. It's working fine here.",
    "I'm going Hulk, this is my Mutation #Applications",
    "So near the ending of 'The Accountant'...the power goes off",
])
def test_a_topic_word_takes_endings_not_other_words(text):
    # "app" is in "apps", not in "apparently"; "account" in "accounts", not "accountant"
    result, _ = decide(text, LISTENED)
    assert not any("service topic words" in r for r in result.service_related.reasons)


@pytest.mark.parametrize("text", [
    "@AirCo first class upgrade denied even though I'm gold, what's the point",   # calm
    "@ShopHelp my package says delivered but it is not here",   # to a care account
])
def test_a_problem_told_to_a_company_is_a_complaint(text):
    result, _ = decide(text, LISTENED)
    assert result.service_related.value is True, result.service_related


def test_a_question_about_returns_is_about_returns():
    result, _ = decide("how long do returns take to process?", MENTION)
    assert result.intent.value == "returns", result.intent
