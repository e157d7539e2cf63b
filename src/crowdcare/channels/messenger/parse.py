"""Messenger webhook bodies → ChannelEvents, every entry and every event, in the order sent.

`entry[].messaging[]` (and `entry[].standby[]`, the same events seen while another app owns the
thread) carry Messenger events; `entry[].changes[]` with field "feed" carry the page's public
comments and posts. Anything we do not handle becomes `Unsupported`, never an exception.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crowdcare.channels.checked import each
from crowdcare.domain import (
    ChannelEvent,
    InboundMessage,
    OptIn,
    OutboundEcho,
    Referral,
    Sender,
    StatusUpdate,
    ThreadControl,
    Unsupported,
)

QR_SUFFIX = "__qr"        # our QR codes carry ref=<campaign ref>__qr (see actions/campaigns.py)
SOURCES = {"MESSENGER_CODE": "QR"}   # Messenger's retired QR codes count as QR


def ms(value: Any, default: datetime | None = None) -> datetime:
    """Messenger timestamps are epoch milliseconds (feed ones seconds; both accepted)."""
    if value is None or value == "":
        return default or datetime.now(UTC)
    try:
        number = float(value)
    except (TypeError, ValueError):
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return default or datetime.now(UTC)
    if number > 1e11:          # milliseconds
        number /= 1000
    return datetime.fromtimestamp(number, UTC)


def _id(obj: Any) -> str | None:
    if isinstance(obj, dict) and obj.get("id") not in (None, ""):
        return str(obj["id"])
    return None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def referral(sender: Sender, data: dict[str, Any], at: datetime,
             new_thread: bool = False) -> Referral:
    ref = _str(data.get("ref"))
    source = str(data.get("source") or "UNKNOWN").upper()
    source = SOURCES.get(source, source)
    if ref and ref.endswith(QR_SUFFIX):
        ref, source = ref.removesuffix(QR_SUFFIX), "QR"
    ads = data.get("ads_context_data") or {}
    return Referral(sender=sender, ref=ref, source=source, at=at, ad_id=_str(data.get("ad_id")),
                    ads_context=ads if isinstance(ads, dict) else {}, new_thread=new_thread)


def _attachments(items: Any) -> list[dict[str, Any]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        att = {"type": item.get("type") or "file"}
        if payload.get("url"):
            att["url"] = payload["url"]
        if item.get("title"):
            att["title"] = item["title"]
        if "coordinates" in payload:
            att["coordinates"] = payload["coordinates"]
        if "sticker_id" in payload:
            att["sticker_id"] = payload["sticker_id"]
        if item.get("type") == "template" or "template_type" in payload:
            att["payload"] = payload
        out.append(att)
    return out


def messaging_event(ev: dict[str, Any], page_id: str | None, entry_time: Any,
                    standby: bool = False) -> ChannelEvent:
    at = ms(ev.get("timestamp"), ms(entry_time))
    sender_id = _id(ev.get("sender")) or _str((ev.get("sender") or {}).get("user_ref"))
    recipient_id = _id(ev.get("recipient"))
    sender = Sender(external_id=sender_id or "")
    where = " (standby)" if standby else ""

    if isinstance(ev.get("message"), dict):
        msg = ev["message"]
        mid = _str(msg.get("mid"))
        if msg.get("is_echo"):
            if not mid or not recipient_id:
                return Unsupported("message_echo", "echo without mid or recipient")
            return OutboundEcho(
                external_id=mid, recipient=Sender(external_id=recipient_id),
                text=msg.get("text") or "", sent_at=at,
                attachments=_attachments(msg.get("attachments")),
                app_id=_str(msg.get("app_id")), metadata=_str(msg.get("metadata")))
        if not mid or not sender_id:
            return Unsupported("message", "message without mid or sender" + where)
        if msg.get("is_deleted"):
            return Unsupported("message_unsend", f"customer deleted {mid}")
        metadata: dict[str, Any] = {}
        quick = msg.get("quick_reply")
        if isinstance(quick, dict) and quick.get("payload") is not None:
            metadata["quick_reply_payload"] = quick["payload"]
        reply_to = msg.get("reply_to") if isinstance(msg.get("reply_to"), dict) else {}
        if reply_to.get("is_self_reply"):
            metadata["self_reply"] = True
        ref = msg.get("referral") if isinstance(msg.get("referral"), dict) else None
        return InboundMessage(
            external_id=mid, sender=sender, text=msg.get("text") or "", sent_at=at,
            kind="message", attachments=_attachments(msg.get("attachments")),
            reply_to=_str(reply_to.get("mid")), metadata=metadata, standby=standby,
            referral=referral(sender, ref, at) if ref else None, addressed=True,
            # a reply in a one-to-one thread answers the page, unless it quotes itself
            reply_to_brand=bool(reply_to.get("mid")) and not reply_to.get("is_self_reply"))

    if isinstance(ev.get("postback"), dict):
        pb = ev["postback"]
        if not sender_id:
            return Unsupported("postback", "postback without sender")
        payload = _str(pb.get("payload"))
        mid = _str(pb.get("mid")) or f"postback:{sender_id}:{int(at.timestamp() * 1000)}:{payload}"
        ref = pb.get("referral") if isinstance(pb.get("referral"), dict) else None
        return InboundMessage(
            external_id=mid, sender=sender, text=pb.get("title") or payload or "", sent_at=at,
            kind="postback", metadata={"payload": payload}, standby=standby,
            referral=referral(sender, ref, at, new_thread=True) if ref else None,
            addressed=True)

    if isinstance(ev.get("referral"), dict):
        if not sender_id:
            return Unsupported("referral", "referral without a sender (user_ref only)")
        return referral(sender, ev["referral"], at)

    for status in ("delivery", "read"):
        if isinstance(ev.get(status), dict):
            data = ev[status]
            return StatusUpdate(
                recipient=sender, status="delivered" if status == "delivery" else "read",
                external_ids=[str(x) for x in data.get("mids") or []],
                watermark=ms(data["watermark"]) if data.get("watermark") else None)

    if isinstance(ev.get("optin"), dict):
        data = ev["optin"]
        if not sender_id or not _id(ev.get("sender")):
            return Unsupported("optin", "opt-in from a plugin (user_ref only): no thread yet")
        token = _str(data.get("notification_messages_token"))
        status = "stopped" if data.get("notification_messages_status") == "STOP_NOTIFICATIONS" \
            else "active"
        expiry = data.get("token_expiry_timestamp")
        return OptIn(
            sender=sender, at=at, token=token, topic=_str(data.get("title") or data.get("payload")),
            status=status, expires_at=ms(expiry) if expiry else None,
            metadata={k: data[k] for k in ("type", "payload", "notification_messages_frequency",
                                           "notification_messages_timezone", "user_token_status")
                      if k in data})

    controls = {"pass_thread_control": "pass", "take_thread_control": "take",
                "request_thread_control": "request"}
    for key, action in controls.items():
        if isinstance(ev.get(key), dict):
            data = ev[key]
            if not sender_id:
                return Unsupported(key, "no sender")
            new_owner = data.get("new_owner_app_id") or data.get("requested_owner_app_id")
            return ThreadControl(
                sender=sender, action=action, at=at, new_owner_app_id=_str(new_owner),
                previous_owner_app_id=_str(data.get("previous_owner_app_id")),
                metadata=_str(data.get("metadata")))

    if isinstance(ev.get("app_roles"), dict):
        roles = ", ".join(f"{app}: {'/'.join(r)}" for app, r in ev["app_roles"].items())
        return Unsupported("app_roles", roles)

    known = [k for k in ev if k not in ("sender", "recipient", "timestamp")]
    if standby and not known:
        return Unsupported("standby", f"standby event from {sender_id} with no content")
    return Unsupported(known[0] if known else "unknown", "not handled" + where)


def feed_change(change: dict[str, Any], page_id: str | None) -> ChannelEvent:
    if change.get("field") != "feed":
        return Unsupported(str(change.get("field") or "change"), "page field not handled")
    value = change.get("value") if isinstance(change.get("value"), dict) else {}
    item, verb = value.get("item"), value.get("verb")
    if item not in ("comment", "post", "status", "photo", "video") or verb != "add":
        return Unsupported(f"feed.{item}", f"verb {verb}")
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    author_id = _id(author)
    if not author_id:
        return Unsupported(f"feed.{item}", "no author")
    if page_id and author_id == str(page_id):
        return Unsupported(f"feed.{item}", "the page's own post or comment")
    sender = Sender(external_id=author_id, name=author.get("name"))
    at = ms(value.get("created_time"))
    text = value.get("message") or ""
    attachments = [{"type": "image", "url": value["photo"]}] if value.get("photo") else []
    if item == "comment":
        comment_id = _str(value.get("comment_id"))
        if not comment_id:
            return Unsupported("feed.comment", "no comment_id")
        parent = _str(value.get("parent_id")) or _str(value.get("post_id"))
        url = (value.get("post") or {}).get("permalink_url") if isinstance(
            value.get("post"), dict) else None
        return InboundMessage(
            external_id=comment_id, sender=sender, text=text, sent_at=at, kind="comment",
            public=True, attachments=attachments, reply_to=parent,
            url=url or f"https://www.facebook.com/{comment_id}",
            metadata={"post_id": _str(value.get("post_id"))}, addressed=True)
    post_id = _str(value.get("post_id"))
    if not post_id:
        return Unsupported(f"feed.{item}", "no post_id")
    return InboundMessage(
        external_id=post_id, sender=sender, text=text, sent_at=at, kind="post", public=True,
        attachments=attachments, url=value.get("permalink_url")
        or f"https://www.facebook.com/{post_id}", metadata={"item": item}, addressed=True)


def parse(payload: dict[str, Any], page_id: str | None = None) -> list[ChannelEvent]:
    """Every event on its own (channels/checked.py): one that cannot be read is Malformed and
    the others beside it are kept."""
    events: list[ChannelEvent] = []
    for n, entry in enumerate(payload.get("entry") or []):
        if not isinstance(entry, dict):
            events.append(Unsupported("entry", "not an object"))
            continue
        for key, value in entry.items():      # in the order the platform wrote them
            if key in ("messaging", "standby"):
                events += each(value, lambda ev, at=entry.get("time"), standby=key == "standby":
                               messaging_event(ev, page_id, at, standby=standby),
                               f"entry {n} {key}")
            elif key == "changes":
                events += each(value, lambda change: feed_change(change, page_id),
                               f"entry {n} changes")
    return events
