"""What a run cost Redis: publishes and commands on every master, read from INFO before and after.

A single Redis is one node; `redis+cluster://seed,…` is every master the seed knows of. Counters
are server-wide, so the Redis of a run should be its own (another client's traffic would count).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

CLUSTER_SCHEME = "redis+cluster://"
PUBLISH_COMMANDS = ("publish", "spublish")


async def _masters(url: str) -> list[tuple[str, int]]:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    if not url.startswith(CLUSTER_SCHEME):
        parts = urlsplit(url)
        return [(parts.hostname or "127.0.0.1", parts.port or 6379)]
    nodes = ""
    for part in url[len(CLUSTER_SCHEME) :].split("/")[0].split("@")[-1].split(","):
        seed = urlsplit("//" + part)
        client = Redis(host=seed.hostname or "127.0.0.1", port=seed.port or 6379, socket_timeout=5)
        try:
            nodes = (await client.execute_command("CLUSTER", "NODES")).decode()
            break
        except (OSError, RedisError):
            continue  # the next seed; any live node knows the whole cluster
        finally:
            await client.aclose()
    if not nodes:
        raise ConnectionError(f"no node of {url} answers")
    masters = []
    for line in nodes.splitlines():
        fields = line.split()
        if "master" in fields[2] and "fail" not in fields[2]:
            host, _, port = fields[1].split("@")[0].rpartition(":")
            masters.append((host or seed.hostname or "127.0.0.1", int(port)))
    return masters


async def counters(url: str) -> dict[str, Any]:
    """Publish calls and all commands processed, summed over the masters."""
    from redis.asyncio import Redis

    masters = await _masters(url)
    publishes = commands = 0
    for host, port in masters:
        client = Redis(host=host, port=port, socket_timeout=5)
        try:
            stats = await client.info("commandstats")
            publishes += sum(int(stats.get(f"cmdstat_{c}", {}).get("calls", 0)) for c in PUBLISH_COMMANDS)
            commands += int((await client.info("stats"))["total_commands_processed"])
        finally:
            await client.aclose()
    return {"masters": len(masters), "publishes": publishes, "commands": commands}


def difference(before: dict[str, Any], after: dict[str, Any], comments: int) -> dict[str, Any]:
    publishes = after["publishes"] - before["publishes"]
    commands = after["commands"] - before["commands"]
    return {
        "masters": after["masters"],
        "publishes": publishes,
        "commands": commands,
        "comments": comments,
        "publishes_per_comment": publishes / comments if comments else None,
        "commands_per_comment": commands / comments if comments else None,
    }
