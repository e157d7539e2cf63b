"""Credentials in a query string (the stream's `?token=`, which browsers' websockets cannot
send as a header) are blanked in the access log, however uvicorn is started."""
from __future__ import annotations

import logging
import re

SECRET_PARAM = re.compile(r"(?<=[?&])((?:access_)?token)=[^&#\s]*", re.IGNORECASE)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_PARAM.sub(r"\1=[redacted]", a) if isinstance(a, str)
                                else a for a in record.args)
        return True


def install() -> None:
    # uvicorn.error, too: it logs each websocket's path, query string included, at INFO
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
