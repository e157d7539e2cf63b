"""Property: for every channel, any JSON body either reads (events the pipeline can store,
each checked, or Malformed) or is refused with the channel's Rejected; never another
exception. The bodies are built from the words each parser reads (harvested from its source),
so they reach deep into it: Messenger's messages, postbacks and page comments, X's tweets and
direct messages, the API channel's messages, a listening tool's mentions."""
from __future__ import annotations

import inspect
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowdcare.channels import registry
from crowdcare.channels.api.adapter import ApiConfig
from crowdcare.channels.base import Rejected
from crowdcare.channels.checked import check, checked
from crowdcare.channels.listening.adapter import ListeningConfig
from crowdcare.channels.messenger import parse as messenger_parse
from crowdcare.channels.messenger.adapter import MessengerConfig
from crowdcare.channels.x.adapter import XConfig
from crowdcare.domain import AccountRef, Malformed
from crowdcare.pipeline.normalize import decode

PAGE_ID, USER_ID = "1029384756", "4200000001"
ACCOUNTS = {
    "messenger": MessengerConfig(page_id=PAGE_ID, page_token="t", app_secret="s",
                                 verify_token="v"),
    "x": XConfig(consumer_secret="secret-123", access_token="token-456", user_id=USER_ID,
                 handle="brand"),
    "api": ApiConfig(),
    "listening": ListeningConfig(),
}
PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _words(*modules) -> list[str]:
    source = "".join(inspect.getsource(module) for module in modules)
    return sorted(set(re.findall(r'"([a-z_]{2,40})"', source)))


def _bodies(*modules, top: st.SearchStrategy | None = None) -> st.SearchStrategy:
    words = _words(*modules)
    leaf = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=12) | st.sampled_from(words + [PAGE_ID, USER_ID, "@brand hi"])
            | st.sampled_from(["1700000000000", "2024-05-01T10:00:00Z", "9" * 30, "-1",
                               "Wed Oct 10 20:19:24 +0000 2018", "0001-01-01T00:00:00+01:00"]))
    values = st.recursive(leaf, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(words) | st.text(max_size=4), kids, max_size=6), max_leaves=40)
    return values if top is None else st.one_of(values, top(values))


def _holds(kind: str, payload) -> None:
    """The adapter itself, not normalize.read's last guard (which turns a parser's exception
    into a 422): the parser must never need it."""
    account = AccountRef(id=1, workspace_id=1, kind=kind, config=ACCOUNTS[kind])
    adapter = registry.get(kind)
    payload = decode(json.dumps(payload).encode())   # as the door and the worker see it
    try:
        adapter.validate(account, payload)
        events = adapter.parse(account, payload)
    except Rejected as refused:
        assert 400 <= refused.status < 500
        return
    for event in checked(events):
        if not isinstance(event, Malformed):
            check(event)


def _messenger_top(values):
    event = st.dictionaries(st.sampled_from(_words(messenger_parse)), values, max_size=6)
    entry = st.fixed_dictionaries({"id": st.just(PAGE_ID), "time": values}, optional={
        "messaging": st.lists(event, max_size=3), "standby": st.lists(event, max_size=2),
        "changes": st.lists(st.fixed_dictionaries({"field": st.just("feed"), "value": event}),
                            max_size=2)})
    return st.fixed_dictionaries({"object": st.just("page"), "entry": st.lists(entry, max_size=3)})


@PROPERTY
@given(_bodies(messenger_parse, top=_messenger_top))
def test_messenger_and_page_comments_read_or_reject(payload):
    _holds("messenger", payload)


def _x_top(values):
    event = st.dictionaries(st.sampled_from(_words(inspect.getmodule(XConfig))), values,
                            max_size=8)
    return st.fixed_dictionaries({}, optional={
        "for_user_id": st.just(USER_ID), "tweet_create_events": st.lists(event, max_size=3),
        "direct_message_events": st.lists(event, max_size=3),
        "users": st.dictionaries(st.sampled_from([USER_ID, "99"]), event, max_size=2)})


@PROPERTY
@given(_bodies(inspect.getmodule(XConfig), top=_x_top))
def test_x_reads_or_rejects(payload):
    _holds("x", payload)


def _api_top(values):
    message = st.fixed_dictionaries({"id": values, "customer": values}, optional={
        "text": values, "timestamp": values, "attachments": values, "metadata": values,
        "reply_to": values})
    return st.one_of(message, st.fixed_dictionaries({"messages": st.lists(message, max_size=3)}))


@PROPERTY
@given(_bodies(inspect.getmodule(ApiConfig), top=_api_top))
def test_api_channel_reads_or_rejects(payload):
    _holds("api", payload)


def _listening_top(values):
    row = st.dictionaries(st.sampled_from(["platform", "id", "author", "text", "followers",
                                           "verified", "url", "time", "in_reply_to",
                                           "author_name"]), values, max_size=10)
    return st.one_of(st.lists(row, max_size=3), st.fixed_dictionaries(
        {"mentions": st.lists(row, max_size=3)}))


@PROPERTY
@given(_bodies(inspect.getmodule(ListeningConfig), top=_listening_top))
def test_listening_import_reads_or_rejects(payload):
    _holds("listening", payload)


def test_every_channel_has_a_property_here():
    assert set(registry.adapters()) == set(ACCOUNTS)
