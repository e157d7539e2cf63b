"""GET /metrics: the Prometheus text format. Not for the internet: a scraper presents
CROWDCARE_METRICS_TOKEN as a bearer token, or, with no token set, must connect from
CROWDCARE_METRICS_ALLOW_NETWORKS (loopback by default). Behind a proxy the client address is
the proxy's: set a token, or do not route /metrics through the proxy."""
from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from crowdcare.api.errors import refusal
from crowdcare.metrics import exposition
from crowdcare.settings import get_settings

router = APIRouter(tags=["operations"])


def _allowed(request: Request) -> bool:
    settings = get_settings()
    if settings.metrics_token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), settings.metrics_token.encode())
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n.strip(), strict=False)
               for n in settings.metrics_allow_networks.split(",") if n.strip())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not _allowed(request):
        return refusal(403, "metrics are for the operator's scraper: present "
                            "CROWDCARE_METRICS_TOKEN, or scrape from an allowed network")
    return Response(await run_in_threadpool(exposition.render),
                    media_type=exposition.CONTENT_TYPE)
