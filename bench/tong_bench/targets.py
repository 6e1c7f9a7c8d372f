"""Which server a run measures: one given by URL, or one spawned for the run (Tong or the floor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from .plan import Plan
from .spawn import Endpoint, SpawnedServer, SpawnOptions


@dataclass
class TargetOptions:
    target: str = "tong"  # tong | bare
    url: str | None = None
    ws_url: str | None = None
    pid: int | None = None
    spawn: SpawnOptions | None = None

    def with_target(self, target: str) -> TargetOptions:
        """The same options aimed at another target; the bare floor is always spawned afresh."""
        spawn = replace(self.spawn or SpawnOptions(), target=target)
        if target == "bare":
            return TargetOptions(target="bare", spawn=spawn)
        return replace(self, target=target, spawn=spawn)

    def label(self) -> str:
        if self.url:
            return f"{self.target} at {self.url}"
        s = self.spawn or SpawnOptions()
        if self.target == "bare":
            return "bare floor"
        return f"tong ×{s.workers} {s.db}/{s.broker}"


def derive_ws_url(http_url: str, target: str) -> str:
    """Tong serves /ws on its HTTP port; the floor by default one port above its HTTP port."""
    parts = urlsplit(http_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    netloc = parts.netloc
    if target == "bare":
        host, _, port = netloc.rpartition(":")
        netloc = f"{host}:{int(port) + 1}"
    return urlunsplit((scheme, netloc, "/ws", "", ""))


@asynccontextmanager
async def open_target(options: TargetOptions, plan: Plan) -> AsyncIterator[Endpoint]:
    if options.url:
        url = options.url.rstrip("/")
        yield Endpoint(
            name=options.target,
            http_url=url,
            ws_url=options.ws_url or derive_ws_url(url, options.target),
            pids={options.pid: options.target} if options.pid else {},
            description=f"{options.target} at {url}",
        )
        return
    spawn = replace(
        options.spawn or SpawnOptions(),
        target=options.target,
        accounts=plan.accounts,
        account_prefix=plan.account_prefix,
        password=plan.password,
        deflate=plan.deflate,
    )
    async with SpawnedServer(spawn) as endpoint:
        yield endpoint
