"""Posts comments at concurrency 2 for a while, from a process of its own, and prints each POST's
latency as JSON: the outage tests' watchers (parsing bursts of frames) must not slow the clock
that measures the server."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


async def post_for(spec: dict[str, Any]) -> list[dict[str, Any]]:
    clients = [
        httpx.AsyncClient(base_url=w["base_url"], cookies=w["cookies"], timeout=30) for w in spec["writers"]
    ]
    stop_at = time.monotonic() + spec["seconds"]
    results: list[dict[str, Any]] = []

    async def worker(index: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            client = clients[(index + 2 * n) % len(clients)]
            sent = time.monotonic()
            body = {"body": f"{spec['label']} {index}-{n}"}
            response = await client.post(f"/api/threads/{spec['thread']}/comments", json=body)
            took = (time.monotonic() - sent) * 1000
            seq = response.json().get("seq", 0) if response.status_code == 201 else 0
            results.append({"sent": sent, "ms": took, "status": response.status_code, "seq": seq})
            n += 1
            # Short pauses: over 100 POSTs in an outage, so p99 is not simply the slowest one.
            await asyncio.sleep(0.03)

    await asyncio.gather(worker(0), worker(1))
    for client in clients:
        await client.aclose()
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(post_for(json.loads(sys.stdin.read())))))
