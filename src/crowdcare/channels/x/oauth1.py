"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1): what X's v1.1 endpoints take, among them
`direct_messages/events/new`, the one DM endpoint with quick replies. A JSON body is not
part of the signature; the URL's query parameters are."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit


def _pct(value: str) -> str:
    return quote(str(value), safe="~-._")


def signature(method: str, url: str, params: dict[str, str], consumer_secret: str,
              token_secret: str) -> str:
    parts = urlsplit(url)
    base_url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))
    pairs = [(k, v) for k, v in params.items() if k != "oauth_signature"]
    pairs += parse_qsl(parts.query, keep_blank_values=True)
    normal = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in pairs))
    base = "&".join((method.upper(), _pct(base_url), _pct(normal)))
    key = f"{_pct(consumer_secret)}&{_pct(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
                            ).decode()


def header(method: str, url: str, consumer_key: str, consumer_secret: str, token: str,
           token_secret: str, nonce: str | None = None, timestamp: int | None = None) -> str:
    """The Authorization header's value for this request."""
    params = {"oauth_consumer_key": consumer_key,
              "oauth_nonce": nonce or secrets.token_hex(16),
              "oauth_signature_method": "HMAC-SHA1",
              "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
              "oauth_token": token, "oauth_version": "1.0"}
    params["oauth_signature"] = signature(method, url, params, consumer_secret, token_secret)
    return "OAuth " + ", ".join(f'{_pct(k)}="{_pct(v)}"' for k, v in sorted(params.items()))


def parse_header(value: str) -> dict[str, str]:
    """An `Authorization: OAuth k="v", ...` header's parameters (the fake X API checks them)."""
    if not value.startswith("OAuth "):
        return {}
    out = {}
    for item in value[6:].split(","):
        key, _, raw = item.strip().partition("=")
        out[key] = unquote(raw.strip('"'))
    return out
