"""Stage 2: the channel adapter turns a stored delivery into ChannelEvents."""
from __future__ import annotations

import orjson

from crowdcare.channels import registry
from crowdcare.domain import AccountRef, ChannelEvent
from crowdcare.pipeline.ingest import BOM


def decode(body: bytes):
    return orjson.loads(body.removeprefix(BOM))


def normalize(account: AccountRef, body: bytes) -> list[ChannelEvent]:
    return registry.get(account.kind).parse(account, decode(body))
