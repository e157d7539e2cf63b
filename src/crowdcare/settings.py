"""One settings object, read from CROWDCARE_* environment variables. SQLite by default."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
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
    # fairness of the delivery worker (pipeline/worker.py): a workspace's share of a round
    # starts no further delivery after this long, so it delays others by one turn at most
    worker_turn_seconds: float = 0.05

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
