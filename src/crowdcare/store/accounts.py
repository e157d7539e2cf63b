"""Channel accounts as adapters see them, cached briefly: the webhook hot path reads no row."""
from __future__ import annotations

import time

from pydantic import ValidationError
from sqlalchemy.orm import Session

from crowdcare.channels import registry
from crowdcare.domain import AccountRef
from crowdcare.settings import get_settings
from crowdcare.store import models as m

_TTL = 5.0   # seconds; a rotated secret takes effect within this
_cache: dict[int, tuple[float, AccountRef | None]] = {}


def ref(account: m.ChannelAccount) -> AccountRef:
    adapter = registry.get(account.kind)
    if adapter is None:
        raise LookupError(f"no adapter for channel kind {account.kind!r}")
    return AccountRef(
        id=account.id, workspace_id=account.workspace_id, kind=account.kind,
        config=adapter.config_model.model_validate(account.config),
        public_base_url=get_settings().public_url,
    )


def renders_quick_replies(account: m.ChannelAccount, public: bool = False) -> bool:
    """Whether quick replies sent on this account show as choices (else: say them in text)."""
    adapter = registry.get(account.kind)
    if adapter is None or not adapter.quick_replies:
        return False
    try:
        return adapter.renders_quick_replies(ref(account).config, public)
    except (LookupError, ValidationError):
        return False


MISS = object()


def peek(account_id: int):
    """The cached account if fresh (None if known missing), else MISS: no I/O, for the loop."""
    hit = _cache.get(account_id)
    return hit[1] if hit and time.monotonic() - hit[0] < _TTL else MISS


def cached_ref(session_factory, account_id: int) -> AccountRef | None:
    hit = peek(account_id)
    if hit is not MISS:
        return hit
    now = time.monotonic()
    with session_factory() as session:
        session: Session
        row = session.get(m.ChannelAccount, account_id)
        try:
            value = ref(row) if row is not None and row.active else None
        except (LookupError, ValidationError):
            value = None
    _cache[account_id] = (now, value)
    return value


def forget(account_id: int) -> None:
    _cache.pop(account_id, None)
