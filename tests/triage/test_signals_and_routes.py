"""Triage signals on known hard cases, and a table of texts → route with the safety cases."""
import pytest

from crowdcare.pipeline.route import RouteContext, RuleError, route, rule_from_dict
from crowdcare.pipeline.triage import TriageContext, triage


@pytest.mark.parametrize("text, language", [
    ("app crashes when I log in, error 500", "en"),        # was German
    ("where is my order??", "en"),
    ("주문한 상품이 아직 도착하지 않았어요", "ko"),
    ("我的订单在哪里", "zh"),
    ("मेरा ऑर्डर कहाँ है?", "hi"),
    ("Meine Bestellung ist noch nicht angekommen", "de"),
    ("¿Dónde está mi pedido? Lo hice hace dos semanas", "es"),
    ("Où est ma commande ? Toujours rien reçu", "fr"),
    ("Die App stürzt ständig ab, bitte helfen Sie mir", "de"),
])
def test_language(text, language):
    assert triage(text).language.value == language


@pytest.mark.parametrize("text, intent", [
    ("주문한 상품이 아직 도착하지 않았어요", "order_status"),   # was billing
    ("我的订单在哪里", "order_status"),                         # was other
    ("where is my order? placed it 10 days ago", "order_status"),
    ("app crashes when I log in, error 500", "technical"),
    ("I was charged twice for my last order", "billing"),
    ("I want a refund for these shoes", "returns"),
    ("mi pedido no ha llegado", "order_status"),
])
def test_intent(text, intent):
    assert triage(text).intent.value == intent


@pytest.mark.parametrize("text, sentiment", [
    ("배송이 일주일째 안 와요, 너무 실망이에요", "negative"),
    ("快递太慢了，客服也不理人", "negative"),
    ("Pésimo servicio, nunca más compro aquí", "negative"),
    ("Super Service, vielen Dank!", "positive"),
])
def test_sentiment_in_the_languages_it_was_trained_on(text, sentiment):
    r = triage(text)
    assert r.sentiment.value == sentiment, r.sentiment
    assert any(x.startswith("words:") for x in r.sentiment.reasons)


def test_sentiment_without_a_model_is_honest():
    assert triage("いつ届きますか").sentiment.value == "unknown"        # Japanese: no model
    emoji = triage("Спасибо 😍😍")
    assert emoji.sentiment.value == "positive" and emoji.sentiment.confidence <= 0.6
    assert any("emoji" in r for r in emoji.sentiment.reasons)


def test_every_signal_has_reasons():
    r = triage("@shop my card 4111 1111 1111 1111 was charged twice, call +1 415 555 0100",
               TriageContext(public=True, followers=5000))
    for name, sig in r.to_dict().items():
        assert sig["reasons"], name
    assert r.pii.value == ["card_number", "phone"]
    assert all("4111" not in x for x in r.pii.reasons)     # never the value itself


def decide(text, public=True, followers=100, verified=False, vip=False, rules=(),
           keywords=None, available=None):
    result = triage(text, TriageContext(public=public, followers=followers, verified=verified,
                                        vip=vip, keywords=keywords or {}))
    ctx = RouteContext(public=public, vip=vip, text=text, rules=list(rules))
    if available is not None:
        ctx.available = available
    return route(result, ctx)


ALL = {"bot", "community", "tier1", "tier2", "escalation", "ignore"}

ROUTES = [
    # (text, public, followers, vip, expected route)
    ("hey @shop where is my order? it's been a week", True, 100, False, "community"),
    ("do you ship to Canada?", True, 50, False, "community"),
    ("where is my order? I ordered last week", False, 100, False, "bot"),
    ("when will my package be delivered?", False, 100, False, "bot"),
    ("the app crashes with error 500 after the firmware update", True, 100, False, "tier2"),
    ("API returns 401 even with a fresh token", False, 100, False, "tier2"),
    ("I was charged twice, can you check my account?", False, 100, False, "tier1"),
    ("this is the worst service ever, useless idiots!!!", True, 250000, False, "escalation"),
    ("I will sue you, my lawyer is already on it", True, 10, False, "escalation"),
    ("the charger caught fire last night", False, 10, False, "escalation"),
    ("love this brand so much!", True, 100, False, "ignore"),
    ("RT to win a $500 gift card! follow and tag 3 friends #giveaway", True, 100, False,
     "ignore"),
    ("what a match last night!", True, 100, False, "ignore"),
    # an angry complaint is never ignored, whatever the classifier makes of its tone
    ("This is RIDICULOUS. Third time asking where order NW-1002 is. Worst service ever!!!",
     False, None, False, "tier1"),
    ("Worst brand ever, your support never answers", False, None, False, "tier1"),
]


@pytest.mark.parametrize("text, public, followers, vip, expected", ROUTES)
def test_route_table(text, public, followers, vip, expected):
    d = decide(text, public, followers, vip=vip, available=ALL)
    assert d.route == expected, (d.route, d.reasons)
    assert d.reasons


def test_each_route_is_covered():
    assert {r[-1] for r in ROUTES} == ALL


def test_bot_and_community_fall_back_to_staff_until_they_exist():
    d = decide("hey @shop where is my order? it's been a week")
    assert d.route == "tier1" and d.fallback_from == "community"
    d = decide("where is my order? I ordered last week", public=False)
    assert d.route == "tier1" and d.fallback_from == "bot"


@pytest.mark.parametrize("text", [
    "where is my order?? this is ridiculous, worst service ever!!!",
    "WHERE IS MY ORDER, I HAVE WAITED THREE WEEKS",
])
def test_angry_vip_never_goes_to_community(text):
    for vip, followers in ((True, 10), (False, 900000)):
        d = decide(text, vip=vip, followers=followers, available=ALL)
        assert d.route in ("escalation", "tier1"), d
        assert d.route != "community"


def test_calm_vip_goes_to_staff():
    d = decide("hi, where is my order?", vip=True, available=ALL)
    assert d.route == "tier1" and any("VIP" in r for r in d.reasons)


@pytest.mark.parametrize("text", [
    "where is my order #A12345678? email me at jo@example.com",
    "my order never arrived, call me on +44 20 7946 0958",
    "deliver to 221B Baker Street please, it's been two weeks",
])
def test_private_data_never_goes_to_community(text):
    d = decide(text, available=ALL)
    assert d.route != "community" and d.route in ("tier1", "tier2", "escalation"), d
    assert any("private" in r for r in d.reasons)


def test_a_rule_cannot_send_unsafe_messages_to_community():
    rule = rule_from_dict({"name": "all to volunteers", "when": {},
                           "then": {"route": "community"}})
    d = decide("email me at jo@example.com about my order", rules=[rule], available=ALL)
    assert d.route == "tier1" and any("never to community" in r for r in d.reasons)
    d = decide("worst company ever, you useless idiots!!!", rules=[rule], vip=True,
               available=ALL)
    assert d.route != "community"
    d = decide("hi, does this come in blue?", rules=[rule], available=ALL)
    assert d.route == "community" and d.reasons[0] == "rule 'all to volunteers'"


def test_rules_decide_first_and_can_change_team_and_priority():
    rules = [rule_from_dict({"name": "billing to finance", "when": {"intent": "billing"},
                             "then": {"team": "Finance", "priority": "+20"}}),
             rule_from_dict({"name": "campaign", "when": {"text": {"contains": "promo"}},
                             "then": {"route": "tier2"}})]
    d = decide("I was charged twice for my order", public=False, rules=rules, available=ALL)
    assert d.team == "Finance" and d.priority is not None and d.route == "tier1"
    d = decide("the promo code doesn't work", public=False, rules=rules, available=ALL)
    assert d.route == "tier2" and "rule 'campaign'" in d.reasons


@pytest.mark.parametrize("bad, reason", [
    ({"name": "x", "when": {"colour": "red"}, "then": {"route": "tier1"}}, "unknown field"),
    ({"name": "x", "when": {}, "then": {"route": "nowhere"}}, "unknown route"),
    ({"name": "x", "when": {"intent": {"like": "a"}}, "then": {"route": "tier1"}},
     "unknown test"),
    ({"name": "x", "when": {}, "then": {}}, "needs a route"),
    ({"name": "x", "when": {}, "then": {"priority": "lots"}}, "priority"),
])
def test_bad_rules_are_refused_with_the_reason(bad, reason):
    with pytest.raises(RuleError, match=reason):
        rule_from_dict(bad)


def test_workspace_keywords_decide_service_and_technical():
    kw = {"noise": ["giveaway"], "service": ["warranty claim"], "technical": ["zigbee"]}
    assert decide("new giveaway today, where is my order", keywords=kw,
                  available=ALL).route == "ignore"
    r = triage("my zigbee hub keeps dropping", TriageContext(keywords=kw))
    assert r.technical.value and any("workspace" in x for x in r.technical.reasons)
