"""Settings: the only place that reads the environment."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values people copy from examples; a production start refuses them.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development", "placeholder"})

DEFAULT_DATA_DIR = Path(".tong")
# The seal's key when none is set outside production: a development chain proves nothing anyway.
DEVELOPMENT_AUDIT_KEY = "tong-development-audit-key-not-for-production"


class Settings(BaseSettings):
    """Tong's configuration, from `TONG_*`, `DATABASE_URL` and `REDIS_URL`."""

    model_config = SettingsConfigDict(env_prefix="TONG_", frozen=True, extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    redis_url: str = Field(default="", validation_alias="REDIS_URL")
    # Prefix of every Redis key and channel, so several deployments (or test runs) share one Redis.
    redis_prefix: str = "tong:"
    secret_key: str = ""
    # Where `tong serve` listens unless --host / --port say otherwise (the image: 0.0.0.0).
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = DEFAULT_DATA_DIR
    # Upgrade the schema at start (under a lock) instead of refusing a database behind the code.
    migrate_on_start: bool = False
    # uvicorn logs every WebSocket open at "info": too much at 10,000 connections.
    log_level: Literal["debug", "info", "warning", "error"] = "warning"

    # Origins allowed besides the request's own host (e.g. "https://tong.example.kr").
    allowed_origins: tuple[str, ...] = ()
    # The session cookie only travels over HTTPS. Unset, it follows `env`: on in production, where
    # TLS ends at the proxy in front of Tong (README, "Production shape"); off in development.
    cookie_secure: bool = False
    # Addresses (or CIDR ranges, comma-separated) of the reverse proxy: only requests from there may
    # set the client address and scheme with X-Forwarded-For / X-Forwarded-Proto. "*" trusts anyone.
    forwarded_allow_ips: str = "127.0.0.1"
    # One access-log line per request and per socket (method, path, status, duration, client
    # address, request id), at level info whatever `log_level` says.
    access_log: bool = True
    # "json": one JSON object per line; "console": readable lines; "auto": json in production.
    log_format: Literal["auto", "json", "console"] = "auto"
    # A warning or error repeated from the same place is written once per this many seconds, the
    # next one saying how many were held back (server/telemetry/logs.py).
    log_repeat_interval_s: float = 60.0
    # OpenTelemetry spans for requests, SQL and Redis (the `otel` extra; OTEL_* variables say where).
    otel_enabled: bool = False
    session_days: int = 14
    # A process remembers a good session this long (no SQL read per request); an ended session is
    # forgotten at once through the broker, and after this long at the latest. 0: no cache.
    session_cache_s: float = 5.0
    # Group commit: comments (and recommendations) arriving while the previous group commits share
    # one transaction, up to this many; 1 turns it off (one transaction per change).
    group_commit_max: int = 64

    # Limits of the contract (defaults from docs/protocol.md).
    title_max: int = 200
    thread_body_max: int = 20_000
    comment_body_max: int = 4_000
    report_reason_max: int = 1_000
    request_body_max: int = 1024 * 1024
    ws_frame_max: int = 64 * 1024
    replay_limit: int = 1_000
    page_limit_max: int = 200

    # Writes per account per minute (threads, comments, recommendations, reports), counted in
    # Redis when REDIS_URL is set so the limit holds across processes; 0 turns it off (benchmarks).
    rate_limit_per_minute: int = 120
    # Login attempts per client address and minute (429 past it). Generous: a whole agency may sit
    # behind one address at 9 a.m. Addresses or networks in the allow-list are never limited.
    login_limit_per_minute: int = 60
    # Searches (GET /api/threads?q=, /api/threads/similar) per client address and minute, 429 past
    # it: each analyses its query and ranks the index, and twelve clients searching flat out once
    # slowed everyone's comments. Two a second, sustained, covers an office behind one address
    # (the composer asks for similar proposals once per pause in typing); 0 turns it off.
    search_limit_per_minute: int = 120
    login_allowlist: Annotated[tuple[str, ...], NoDecode] = ()
    # Attempts for one login name within the window (from browsers that have not logged in to it
    # before) before the one-check-per-interval rule below applies (server/domain/logins.py).
    login_free_failures: int = 5
    login_failure_window_s: int = 900
    # Past the free attempts, one password check per this many seconds per login, from anywhere.
    login_check_interval_s: int = Field(default=10, ge=1, le=3600)
    # zxcvbn score (0-4) a new password needs; 3 is "safely unguessable" for an online attack.
    password_min_score: int = Field(default=3, ge=0, le=4)
    # Expired sessions are deleted this often (seconds); 0 turns the purge off.
    session_purge_interval_s: float = 3600.0

    # A socket whose unsent frames exceed this is closed with 1013 and resumes with `since`.
    # 1 MiB holds ~2,000 typical comment frames: far more than any healthy tab falls behind.
    ws_send_buffer_max: int = 1024 * 1024
    # A client closed with 1013 that still reads nothing is cut off after this many seconds.
    ws_stalled_abort_s: float = 10.0
    # A request's headers (a WebSocket handshake's too) must arrive within this many seconds of
    # the connection opening, or it is closed: half-sent requests (slowloris) cannot pile up.
    http_header_timeout_s: float = 10.0
    # A request body must arrive at this many bytes a second on average once the grace has passed,
    # or the request gets 408 and its connection is closed (Kestrel's MinRequestBodyDataRate
    # defaults: a phone on a poor link uploads far faster; a body trickling to hold a connection
    # does not). Only the rate is limited, never an upload's total time. 0 turns it off.
    http_body_min_rate: float = 240.0
    http_body_rate_grace_s: float = 5.0
    # HTTP requests in progress one client address (the forwarded one behind the proxy) may have
    # in one process, then 429 `too_many_connections`; 0: no limit. Requests take milliseconds, so
    # even an agency of thousands behind one NAT address rarely has ten at once; 256 leaves room
    # for their uploads while one host cannot hold every connection open with slow bodies.
    http_max_per_ip: int = 256
    # Open sockets one client address may hold in one process (0: no limit). A browser holds one
    # per tab; 1,000 leaves room for an office behind one NAT address while keeping one host
    # from taking every file descriptor. Load tests from a single machine turn it off.
    ws_max_per_ip: int = 1_000
    # Ops (subscribe, unsubscribe, ping, anything sent) one socket may send a second, in bursts of
    # as many; past that each op is dropped with an `error` frame `rate_limited` and the socket
    # stays open (0: no limit). A tab sends a handful; one socket's 3,000 subscribes with
    # `since=0` made 24,000 replay frames and slowed everyone.
    ws_ops_per_second: int = Field(default=20, ge=0)
    # How `tong serve --workers N` starts its workers: `fork` from a supervisor that loaded the search
    # model first (one copy of its ~330 MB for the machine, shared copy-on-write; server/ops/forking.py),
    # or `spawn`, uvicorn's own fresh interpreters (a copy per worker; for a platform without fork).
    worker_start: Literal["fork", "spawn"] = "fork"
    # permessage-deflate multiplies memory per connection by ~4; off unless asked for.
    ws_deflate: bool = False
    # Counts frames are coalesced to at most 1/interval per channel (contract: <= 4 per second).
    counts_interval: float = 0.25
    # How many recent frames each watched thread keeps in memory so a reconnect storm
    # resumes without querying the event log.
    recent_frames: int = 256
    # While the broker is unreachable, watched threads are polled from SQL this often.
    degraded_poll_interval: float = 1.0
    # How often each process looks for a restored database (epoch.py): a write is covered by the
    # served mark this long after it, and watchers of a restored database hear `resync` this late.
    history_watch_interval: float = 2.0
    # Each process refreshes its `server_heartbeat` row this often; `tong restore` refuses while a
    # row is fresher than three intervals (live/heartbeat.py).
    heartbeat_interval_s: float = Field(default=10.0, gt=0)

    # `tong backup` without --output writes here (unset: `backups` in the data directory) and then
    # keeps the newest `backup_keep` archives of that directory; 0 keeps them all.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=0)

    # The privacy policy and terms: `privacy.md` and `terms.md` found here (unset: `legal` in the
    # data directory) replace the shipped defaults in static/legal/, file by file.
    legal_dir: Path | None = None

    # Attachments (v1.2). The largest upload, whatever the request body limit: `POST /api/uploads`
    # streams to disk instead of reading the body whole. 10 MiB holds a scanned form at 300 dpi.
    upload_max: int = Field(default=10 * 1024 * 1024, ge=1)
    # clamd: `unix:///run/clamav/clamd.ctl` or `tcp://127.0.0.1:3310`; empty: no scan.
    clamd_url: str = ""
    # Per account and day (UTC): files, and bytes; 0 is no limit. Twenty forms a day is a busy
    # day's work; more looks like someone using Tong as a file host.
    upload_daily_max: int = Field(default=50, ge=0)
    upload_daily_bytes: int = Field(default=200 * 1024 * 1024, ge=0)

    # Argon2 cost: library defaults (RFC 9106 low-memory profile) unless tuned.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65_536
    # argon2 computations at once in one process; 0: one per core but one (accounts.py).
    argon2_concurrency: int = 0

    answer_target_days: int = 14
    # A proposal reaching this many recommendations must be answered within answer_target_days
    # of that moment (its `answer_due`, domain/obligation.py); 0 turns the obligation off. 50 as
    # the contract says; the Korean presidential petition site used a threshold the same way.
    answer_obligation_recommendations: int = Field(default=50, ge=0)
    # Authors edit a proposal's title and body until its first official answer ("first_answer"),
    # or until the final one ("final_answer"); their comments for this many hours (0: never).
    proposal_edit_until: Literal["first_answer", "final_answer"] = "first_answer"
    comment_edit_hours: float = Field(default=24.0, ge=0)

    # Refuse posts holding a phone number, e-mail address, 주민등록번호 or 사업자등록번호 (identifiers.py).
    refuse_identifiers: bool = True
    # Pre-moderation: outside office hours (KST), comments containing one of `hold_words` wait
    # for a moderator. Off by default. Office hours are "HH:MM-HH:MM" on `office_days`.
    hold_enabled: bool = False
    hold_words: Annotated[tuple[str, ...], NoDecode] = ()
    office_hours: str = "09:00-18:00"
    office_days: Annotated[tuple[str, ...], NoDecode] = ("mon", "tue", "wed", "thu", "fri")

    # How often the sealer looks for committed rows to seal; 0 turns it off (`tong audit seal` still
    # works). No delay: only rows no transaction still in flight can precede are sealed (sealing.py).
    seal_interval_s: float = 2.0
    seal_batch: int = 2_000
    # The key of the seal's HMACs (sealing.py). Kept out of the database, so rows rewritten in SQL
    # cannot be sealed again by whoever rewrote them; `tong audit verify` and `tong restore` need it.
    # Required in production; development uses DEVELOPMENT_AUDIT_KEY.
    audit_key: str = ""
    # The chain's head is appended to this file (JSON lines) at most once per interval while the
    # chain grows; keep it (or ship it) where the database's administrators cannot rewrite it, and
    # verify checks the chain against every line. Unset: `audit-checkpoints.jsonl` in the data dir.
    audit_checkpoint_file: Path | None = None
    # 0 writes a checkpoint after every sealing round that sealed something.
    audit_checkpoint_interval_s: float = 3600.0
    # Erasures are appended here (store/erasures.py) and re-applied by `tong restore`: keep it
    # beside the checkpoint file, outside the backups it corrects, on storage every server shares.
    # Unset: `erasure-ledger.jsonl` in the data dir.
    erasure_ledger_file: Path | None = None
    # When an erasure reclaims the space its text held (store/reclaim.py): `now`, in the admin's
    # request (on PostgreSQL VACUUM FULL locks each touched table meanwhile), or `later`, by
    # `tong erasure reclaim` at a quiet hour (the text stays in freed space until then).
    erasure_reclaim: Literal["now", "later"] = "now"

    # E-mail (mailer.py). Without `smtp_url` no mail is ever queued: notices stay in the app.
    # smtp://user:password@host:587 (STARTTLS when the server offers it), smtps://host:465 (TLS).
    smtp_url: str = ""
    mail_from: str = "Tong <noreply@localhost>"
    # The site's address as users reach it (https://tong.example.kr): links in mails start here.
    public_url: str = "http://localhost:8000"
    # How often each process looks for due mails when nothing woke it.
    mail_poll_interval_s: float = 5.0
    # A failed send is retried after base * 2^(attempts-1) seconds, at most `mail_retry_max_s`;
    # after `mail_max_attempts` (about two days at the cap) the row is given up and says why.
    mail_retry_base_s: float = 30.0
    mail_retry_max_s: float = 3600.0
    mail_max_attempts: int = 48
    # One SMTP conversation's limit; a claimed row is leased for a little longer than this.
    mail_timeout_s: float = 30.0
    # The daily digest of a KST day goes out at this hour (KST) of the next morning.
    mail_digest_hour: int = Field(default=8, ge=0, le=23)

    # Single sign-on through the portal's OpenID provider (README "Single sign-on"): all three set
    # turn it on. The redirect URI given to the provider is `public_url` + /api/auth/oidc/callback.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # Scopes asked for besides `openid` (space- or comma-separated); `email` lets mail be offered.
    oidc_scopes: Annotated[tuple[str, ...], NoDecode] = ("openid", "email")
    # The claim that says company or agency, and the values that mean each.
    oidc_kind_claim: str = "org_type"
    # Staff only through an explicit claim and value (e.g. TONG_OIDC_STAFF_CLAIM=groups,
    # TONG_OIDC_STAFF_VALUE=pps-staff); unset, no sign-on ever makes a staff account.
    oidc_staff_claim: str = ""
    oidc_staff_value: str = ""
    # The login page's button for the provider.
    oidc_name: str = "나라장터 로그인"
    oidc_name_en: str = "Sign in with KONEPS"
    # "all": password logins for everyone; "staff": only staff accounts may use a password (the
    # portal's users sign in through the provider).
    local_login: Literal["all", "staff"] = "all"

    # A second factor for staff (server/domain/mfa.py): "required" makes every staff account enrol
    # a TOTP app or a security key at its first login and give it at every login; reveals, role
    # changes and erasures need one given within the last 5 minutes. Unset, it follows `env`:
    # required in production, off in development (where the demo's staff log in with a password).
    staff_mfa: Literal["off", "required"] = "off"
    # The key TOTP secrets are encrypted with in the database (AES-GCM). Unset: derived from the
    # secret key (TONG_SECRET_KEY, or the development one in the data directory), which never sits
    # in the database or its backups either; set it to rotate the two apart.
    mfa_key: str = ""
    # What an authenticator app shows beside the account: "Tong (staff-login)".
    mfa_issuer: str = "Tong"
    # The answer workflow (v1.2). "required": every answer is drafted and approved by another
    # staff account with the approver role before the public sees it (an answer posted without
    # `draft` is 409 approval_required; an edit of a published answer waits for approval too).
    answer_approval: Literal["optional", "required"] = "optional"
    # The daily due reminder (mail/reminders.py) goes out at this hour, KST; a proposal is "near"
    # its answer target this many days before it (and past it after).
    reminder_hour: int = Field(default=9, ge=0, le=23)
    reminder_near_days: int = Field(default=3, ge=0)
    # How often each process looks whether today's reminders are due (0: never; tests call it).
    reminder_poll_interval_s: float = 300.0

    @field_validator("hold_words", "office_days", "login_allowlist", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """`TONG_HOLD_WORDS=사기,욕설` reads as a list; so does a JSON array."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return tuple(json.loads(text))
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return value

    @field_validator("oidc_scopes", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> object:
        """Space- or comma-separated, as OAuth writes scopes; `openid` is always asked for."""
        if isinstance(value, str):
            value = tuple(part for part in value.replace(",", " ").split() if part)
        if isinstance(value, (tuple, list)):
            return ("openid", *[s for s in value if s != "openid"])
        return value

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @field_validator("login_allowlist")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(f"TONG_LOGIN_ALLOWLIST: {entry!r} is not an address or network") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _secure_cookie_in_production(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cookie_secure" not in data:
            data = {**data, "cookie_secure": str(data.get("env", "")).strip() == "production"}
        return data

    @model_validator(mode="before")
    @classmethod
    def _staff_mfa_in_production(cls, data: Any) -> Any:
        if isinstance(data, dict) and "staff_mfa" not in data:
            production = str(data.get("env", "")).strip() == "production"
            data = {**data, "staff_mfa": "required" if production else "off"}
        return data

    @model_validator(mode="after")
    def _check_production_secret(self) -> Settings:
        if self.env == "production" and (
            self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise ValueError(
                "TONG_SECRET_KEY must be set to a random value of at least 32 characters in production "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        if self.env == "production" and (
            self.audit_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.audit_key) < 32
        ):
            raise ValueError(
                "TONG_AUDIT_KEY must be set to a random value of at least 32 characters in production; "
                "keep a copy outside the database's backups: `tong audit verify` needs it"
            )
        return self

    def resolved_audit_key(self) -> bytes:
        """The seal's HMAC key (production refuses to start without one)."""
        return (self.audit_key or DEVELOPMENT_AUDIT_KEY).encode()

    @property
    def checkpoint_path(self) -> Path:
        return self.audit_checkpoint_file or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def attachments_dir(self) -> Path:
        """Where attached files live (backed up with the database: server/ops/backup.py)."""
        return self.data_dir / "attachments"

    @property
    def uploading_dir(self) -> Path:
        """Uploads in progress: beside the attachments, so a finished file is renamed into place."""
        return self.data_dir / "uploading"

    @property
    def erasure_ledger_path(self) -> Path:
        return self.erasure_ledger_file or self.data_dir / "erasure-ledger.jsonl"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'tong.db'}"

    @property
    def effective_legal_dir(self) -> Path:
        return self.legal_dir if self.legal_dir is not None else self.data_dir / "legal"

    @property
    def effective_backup_dir(self) -> Path:
        return self.backup_dir if self.backup_dir is not None else self.data_dir / "backups"

    def resolved_secret(self) -> str:
        """The secret key; in development one is generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def resolved_mfa_key(self) -> bytes:
        """The key of TOTP secrets at rest: TONG_MFA_KEY, else one derived from the secret key (a
        separate derivation, so the secret key's other uses never meet this one)."""
        base = self.mfa_key or self.resolved_secret()
        return hashlib.sha256(b"tong-mfa-totp-v1\n" + base.encode()).digest()
