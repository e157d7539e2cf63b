"""One settings object, read from CROWDCARE_* environment variables. SQLite by default."""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROWDCARE_", env_file=".env", extra="ignore")

    env: str = "development"                      # development | production
    database_url: str = f"sqlite:///{Path('var/crowdcare.db')}"
    secret_key: str = DEV_SECRET                  # signs sessions and webhook callbacks
    public_url: str = "http://127.0.0.1:8000"     # how platforms reach our webhooks
    bus_url: str | None = None                    # None: in-process; nats://host:4222 at scale
    run_workers: bool = True                      # process deliveries inside the serving process
    max_body_bytes: int = 1024 * 1024             # larger webhook bodies are refused with 413
    delivery_max_attempts: int = 5                # then the delivery is kept as failed
    send_max_attempts: int = 8                    # outbound sends and callbacks
    retry_base_seconds: float = 1.0               # exponential backoff: base * 2**attempt
    lease_seconds: float = 60.0                   # a claimed delivery is retried after this
    worker_poll_seconds: float = 1.0              # an idle worker looks for new deliveries this often
    follow_on_days: float = 7.0                   # a ticket opened this soon after a solved one follows it
    sqlite_synchronous: str = "NORMAL"            # WAL + NORMAL survives process crashes
    smtp_url: str | None = None                   # smtp://user:pass@host:port (?starttls=1); None: no email
    mail_from: str = "crowdcare <community@localhost>"
    community_round_seconds: float = 60.0         # outcomes, trust after grace periods, digests

    # -- outbound network and database availability (issue #10: hnet) --
    # How long a request waits for the database (a connection, a lock) before it is answered
    # 503 with Retry-After: under Facebook's webhook timeout, so the platform retries.
    db_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # Outbound HTTP reaches public addresses only; these CIDRs (comma-separated) are allowed
    # besides, e.g. "127.0.0.0/8,::1/128" for the test suite's and the demo's fake platforms.
    outbound_allow_networks: str = ""
    # The platforms' base URLs: the operator's choice (a fake in tests), never a workspace's.
    messenger_graph_url: str = "https://graph.facebook.com/v21.0"
    x_api_url: str = "https://api.x.com"

    @field_validator("outbound_allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            ipaddress.ip_network(part, strict=False)   # a typo fails at start, not at a send
        return value

    @field_validator("messenger_graph_url", "x_api_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("a platform's base URL is http(s)://host[/path]")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEV_SECRET:
            raise ValueError(
                f"CROWDCARE_SECRET_KEY must be set outside development (CROWDCARE_ENV={self.env})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
