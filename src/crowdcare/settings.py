"""One settings object, read from CROWDCARE_* environment variables. SQLite by default."""
from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROWDCARE_", env_file=".env", extra="ignore")

    env: str = "development"                      # development | production | test
    database_url: str = f"sqlite:///{Path('var/crowdcare.db')}"
    # signs sessions and reset links; unset: a random key kept in `secret_file` (see signing_key)
    secret_key: str | None = None
    # how platforms reach our webhooks; unset: http://127.0.0.1:<port> (see the ops block)
    public_url: str | None = None
    bus_url: str | None = None                    # None: in-process; nats://host:4222 at scale
    run_workers: bool = True                      # process deliveries inside the serving process
    max_body_bytes: int = 1024 * 1024             # larger webhook bodies are refused with 413
    delivery_max_attempts: int = 5                # then the delivery is kept as failed
    send_max_attempts: int = 8                    # outbound sends and callbacks
    retry_base_seconds: float = 1.0               # exponential backoff: base * 2**attempt
    lease_seconds: float = 60.0                   # a claimed delivery is retried after this
    worker_poll_seconds: float = 1.0              # an idle worker looks anyway this often (woken by notes)
    follow_on_days: float = 7.0                   # a ticket opened this soon after a solved one follows it
    sqlite_synchronous: str = "NORMAL"            # WAL + NORMAL survives process crashes
    # each SQLite connection's page cache: SQLite's 2 MB default holds less than a 10,000-
    # conversation inbox's conversations table, so a search's lookups went to the OS per page
    sqlite_cache_mb: int = Field(64, ge=2, le=4096)
    smtp_url: str | None = None                   # smtp://user:pass@host:port (?starttls=1); None: no email
    mail_from: str = "crowdcare <community@localhost>"
    community_round_seconds: float = 60.0         # outcomes, trust after grace periods, digests
    sweep_seconds: float = 30.0                   # due work: SLA at risk and breached (automation)
    # fairness of the delivery worker (pipeline/worker.py): a workspace's share of a round
    # starts no further delivery after this much of the worker thread's CPU, so it delays others
    # by one turn at most
    worker_turn_seconds: float = 0.05

    # -- order and failover of the delivery workers (issue #16: pipeline/worker.py) --
    # A claimed delivery's lease: a live worker renews it every heartbeat, so a dead worker's
    # claims are taken over this soon after its last renewal (sends keep `lease_seconds`).
    delivery_lease_seconds: float = Field(3.0, gt=0)
    delivery_heartbeat_seconds: float = Field(1.0, gt=0)

    # --- sign-in and sessions (hauth) ---
    secret_file: Path | None = None               # None: beside the SQLite file, or var/
    login_window_minutes: float = 15.0            # attempts are counted per window...
    login_attempts_per_account: int = 5           # ...per email, known or not
    login_attempts_per_address: int = 30          # ...per client address (successes refunded)
    # argon2id cost of a password hash (argon2-cffi's defaults, RFC 9106's low-memory profile);
    # a hash made with other costs is remade at its next sign-in
    password_hash_time_cost: int = Field(3, ge=1, le=20)
    password_hash_memory_kib: int = Field(64 * 1024, ge=32, le=4 * 1024 * 1024)
    csp: str = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                "frame-ancestors 'none'")

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

    # -- operations at scale (issue #16: ops; docs/deployment.md) --
    port: int = Field(8000, ge=1, le=65535)       # `serve`'s default port, and public_url's
    # NATS subjects `<prefix>.events.*` / `<prefix>.notes` and the stream `<PREFIX>`: one per
    # deployment sharing a NATS server
    bus_prefix: str = Field("crowdcare", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    bus_max_bytes: int = Field(1024**3, gt=0)     # the stream keeps at most this much...
    bus_max_age_seconds: float = Field(24 * 3600, gt=0)   # ...for at most this long
    # `serve` runs this many `crowdcare worker` children beside the web process (0: the
    # workers run inside the web process; `serve --no-workers`: none). Default: one per CPU
    # core, at most 4 (each holds the triage models, ~100 MB): on 2 cores one child
    # sustained 300/s, two 500/s (docs/deployment.md)
    worker_processes: int = Field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
                                  ge=0, le=64)
    # API-channel posts are answered 503 + Retry-After while more deliveries than this wait
    # (webhooks from platforms are still stored and acknowledged: they are never refused)
    ingest_max_backlog: int = Field(20000, ge=1)
    # /metrics: with a token, `Authorization: Bearer <token>` from anywhere; without, only
    # clients in these networks (comma-separated CIDRs)
    metrics_token: str | None = None
    metrics_allow_networks: str = "127.0.0.0/8,::1/128"

    @field_validator("outbound_allow_networks", "metrics_allow_networks")
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
    def _default_public_url(self) -> Settings:
        if self.public_url is None:
            self.public_url = f"http://127.0.0.1:{self.port}"
        return self

    @model_validator(mode="after")
    def _refuse_dev_secret(self) -> Settings:
        if self.secret_key == DEV_SECRET and self.env != "test":
            raise ValueError("CROWDCARE_SECRET_KEY is the published development key: unset it "
                             "(a random key is made on first run) or set your own")
        if self.secret_key is not None and len(self.secret_key) < 16:
            raise ValueError("CROWDCARE_SECRET_KEY needs at least 16 characters")
        return self

    def signing_key(self) -> str:
        """CROWDCARE_SECRET_KEY, or this installation's own random key: made on first use in
        `secret_file` (owner-only), read from it afterwards."""
        if self.secret_key is not None:
            return self.secret_key
        path = self.secret_file or _beside_database(self.database_url)
        if not path.exists():
            _create_secret(path)
        if path.stat().st_mode & 0o077:
            raise PermissionError(f"{path} holds the signing key: make it readable by its owner "
                                  f"only (chmod 600 {path})")
        key = path.read_text().strip()
        if len(key) < 16:
            raise ValueError(f"{path} holds no usable key: delete it to make a new one")
        return key


def _beside_database(url: str) -> Path:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.stem + ".secret")
    return Path("var/crowdcare.secret")


def _create_secret(path: Path) -> None:
    """Written whole under a temporary name, then linked in place: processes starting together
    all end up reading the one key that won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


@lru_cache
def get_settings() -> Settings:
    return Settings()
