"""Mentions in from a listening tool (`POST /api/v1/mentions`, `crowdcare mentions import`),
and an agent's answer to a public mention (`POST /api/v1/conversations/{id}/mention-replies`).

The import goes through the normal pipeline: good rows are stored as deliveries of the
workspace's `listening` channel account (pipeline.ingest.store), and the worker normalises,
triages, routes and acts on them exactly as on any webhook. Bad rows are reported one by one;
they never stop the good ones. Idempotent by platform + id.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, NotFound, workspaces
from crowdcare.api.deps import Principal, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.channels.listening.adapter import MentionRow, mention_rows
from crowdcare.pipeline import ingest, order, wake
from crowdcare.store import accounts
from crowdcare.store import models as m

router = APIRouter(tags=["mentions"])
CHUNK = 500          # mentions per stored delivery
MAX_IMPORT = 50_000  # rows per import


# --- reading files -----------------------------------------------------------------------

def read_rows(data: bytes, name: str = "") -> list[tuple[int, Any]]:
    """(row number, raw row) from JSON Lines, a JSON list, or CSV (by name, else by content).
    A line that is not JSON becomes a raw string, reported later as a bad row."""
    text = data.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if name.lower().endswith(".csv") or (not name.lower().endswith((".jsonl", ".json",
                                                                     ".ndjson"))
                                         and not stripped.startswith(("{", "["))):
        return list(enumerate(csv.DictReader(io.StringIO(text)), 2))   # line 1: header
    if stripped.startswith("["):
        try:
            return list(enumerate(json.loads(stripped), 1))
        except ValueError as e:
            return [(1, f"not JSON: {e}")]
    out: list[tuple[int, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except ValueError as e:
            out.append((n, f"not JSON: {e.msg}"))
    return out


# --- the import --------------------------------------------------------------------------

def listening_account(session: Session, workspace_id: int,
                      account_id: int | None = None) -> m.ChannelAccount:
    """The workspace's listening account (`account_id`, else the first, else a new one)."""
    if account_id is not None:
        row = session.get(m.ChannelAccount, account_id)
        if row is None or row.workspace_id != workspace_id:
            raise NotFound(f"channel account {account_id} not found")
        if row.kind != "listening":
            raise Invalid(f"channel account {account_id} is a {row.kind} account, not "
                          "listening", field="account")
        return row
    row = session.scalar(select(m.ChannelAccount).where(
        m.ChannelAccount.workspace_id == workspace_id, m.ChannelAccount.kind == "listening")
        .order_by(m.ChannelAccount.id).limit(1))
    if row is None:
        ws = session.get(m.Workspace, workspace_id)
        _, config = workspaces.check_channel("listening", {})
        row = workspaces.do_add_channel(session, ws, "listening", config,
                                        workspaces.default_name(session, ws.id,
                                                                "Social listening"))
    return row


def import_mentions(session: Session, workspace_id: int, raw: list[tuple[int, Any]],
                    account_id: int | None = None) -> dict[str, Any]:
    """Validate every row; store the good ones as deliveries (one per CHUNK rows)."""
    if len(raw) > MAX_IMPORT:
        raise Invalid(f"at most {MAX_IMPORT} mentions per import ({len(raw)} given)")
    account = listening_account(session, workspace_id, account_id)
    session.commit()   # a new account must exist before its deliveries
    good, bad = mention_rows((n, r) for n, r in raw if not isinstance(r, str))
    bad += [(n, r) for n, r in raw if isinstance(r, str)]
    bad.sort()
    # the same mention twice in one file: keep the first
    seen: dict[str, MentionRow] = {}
    for r in good:
        seen.setdefault(f"{r.platform}:{r.id}", r)
    known = set()
    keys = list(seen)
    for i in range(0, len(keys), 500):
        known.update(session.scalars(select(m.Message.external_id).where(
            m.Message.channel_account_id == account.id,
            m.Message.external_id.in_(keys[i:i + 500]))))
    new = [r for k, r in seen.items() if k not in known]
    ref = accounts.ref(account)
    deliveries = []
    for i in range(0, len(new), CHUNK):
        body = json.dumps({"mentions": [r.wire() for r in new[i:i + CHUNK]]},
                          sort_keys=True, ensure_ascii=False).encode()
        deliveries.append(ingest.store(ref, body, order.ANY)[0])   # many authors: in order
    return {
        "account_id": account.id, "rows": len(raw), "accepted": len(new),
        "already_imported": len(known), "duplicates_in_file": len(good) - len(seen),
        "rejected": len(bad), "errors": [{"row": n, "error": e} for n, e in bad],
        "deliveries": deliveries,
    }


@router.post("/api/v1/mentions", status_code=202)
def post_mentions(request: Request, payload: Any = Body(...),
                  account_id: Int64 | None = Query(None), principal: Principal = Depends(staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """A JSON list of mentions (or {"mentions": [...]}); 202: stored, processing follows."""
    rows = payload.get("mentions") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise HTTPException(422, "send a JSON list of mentions (or {\"mentions\": [...]})")
    result = import_mentions(session, principal.workspace_id, list(enumerate(rows, 1)),
                             account_id)
    session.commit()
    if result["deliveries"]:
        wake.deliveries_soon(request.app)
    return result
