"""Finding 7 (rules): a routing rule is checked against the triage fields' types when saved,
so a mistyped one is refused with 422 naming the field, instead of failing every message of
its workspace."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crowdcare.store import db
from crowdcare.store import models as m
from support.fixtures import drain

URL = "/api/v1/routing-rules"


@pytest.mark.parametrize("when,then,field", [
    ({"sentiment": {"gte": 5}}, {"route": "tier2"}, "when.sentiment"),
    ({"influence": {"contains": "x"}}, {"route": "tier2"}, "when.influence"),
    ({"anger": "yes"}, {"route": "tier2"}, "when.anger"),
    ({"priority": ["high"]}, {"route": "tier2"}, "when.priority"),
    ({"text": {"contains": 5}}, {"route": "tier2"}, "when.text"),
    ({"language": "en"}, {"priority": True}, "then.priority"),
    ({"language": "en"}, {"priority": "+2.5"}, "then.priority"),
    ({"language": "en"}, {"team": 7}, "then.team"),
    ({"language": "en"}, {"route": ["tier2"]}, "then.route"),
])
def test_a_mistyped_rule_is_refused_with_its_field(client, workspace, when, then, field):
    r = client.post(URL, headers=workspace.admin, json={"name": "bad", "when": when,
                                                        "then": then})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and "bad" in r.json()["detail"]


def test_well_typed_rules_are_kept(client, workspace):
    for when in ({"influence": {"gte": 0.5}, "pii": {"contains": "email"}},
                 {"sentiment": ["negative", "mixed"], "anger": True, "priority": {"gt": 40}},
                 {"campaign": None, "text": {"contains": "refund", "not": "x"}}):
        r = client.post(URL, headers=workspace.admin,
                        json={"name": "ok", "when": when, "then": {"priority": "+5"}})
        assert r.status_code == 201, r.text


def test_a_rule_stored_before_the_check_is_skipped_not_fatal(client, workspace):
    with db.session_scope() as session:   # as an older version could have saved it
        session.add(m.Rule(workspace_id=workspace.id, position=0, name="legacy",
                                  rule={"when": {"sentiment": {"gte": 5}},
                                        "then": {"route": "tier2"}}, enabled=True))
    client.post(workspace.webhook, headers=workspace.inbound,
                json={"id": "m-1", "customer": {"id": "c-1"}, "text": "my parcel is late"})
    drain()
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(m.Message)) == 1
        assert session.scalar(select(m.Delivery.status)) == "done"
