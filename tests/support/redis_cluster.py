"""A real Redis Cluster on loopback for tests: six `redis-server`s (three masters, three replicas) on
ports chosen free at start, each in its own directory, joined by `redis-cli --cluster create` and
stopped by PID."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import _free_port

# Failover starts after a master has been unreachable this long; Redis's default is 15 s, which
# would make a test wait for nothing. 1 s is still far above a loopback round trip.
NODE_TIMEOUT_MS = 1000
MASTERS = 3
BUS_OFFSET = 10_000


@dataclass
class Node:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _free_cluster_port() -> int:
    """A free port whose cluster bus port (always port + 10000) is free and valid too."""
    for _ in range(200):
        port = _free_port()
        if port + BUS_OFFSET > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + BUS_OFFSET))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


def missing_binaries() -> str | None:
    for binary in ("redis-server", "redis-cli"):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (Debian package redis-server / redis-tools)"
    return None


class RedisClusterNodes:
    def __init__(self, directory: Path) -> None:
        self.nodes = [Node(_free_cluster_port(), directory / f"node-{n}") for n in range(MASTERS * 2)]

    @property
    def url(self) -> str:
        # Two seeds: the client discovers the rest, and survives one of them being gone.
        return "redis+cluster://" + ",".join(node.address for node in self.nodes[:2])

    def start(self) -> None:
        for node in self.nodes:
            self._spawn(node)
        for node in self.nodes:
            self._wait_answers(node)
        self.cli(
            self.nodes[0],
            "--cluster",
            "create",
            *(node.address for node in self.nodes),
            "--cluster-replicas",
            "1",
            "--cluster-yes",
        )
        self.wait_healthy()

    def _spawn(self, node: Node) -> None:
        node.directory.mkdir(parents=True, exist_ok=True)
        node.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(node.port),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(NODE_TIMEOUT_MS),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                "redis.log",
            ],
            cwd=node.directory,
            stdout=subprocess.DEVNULL,
        )

    def _wait_answers(self, node: Node) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli(node, "ping", check=False) == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {node.port} did not start")

    def stop(self) -> None:
        for node in self.nodes:
            self.kill(node)

    def kill(self, node: Node) -> None:
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
            node.process.wait()

    def cli(self, node: Node, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(node.port), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"redis-cli {' '.join(args)}: {result.stdout} {result.stderr}")
        return result.stdout.strip()

    # --- topology ----------------------------------------------------------------------------

    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def node_id(self, node: Node) -> str:
        return self.cli(node, "cluster", "myid")

    def slot_of(self, key: str) -> int:
        return int(self.cli(self.alive()[0], "cluster", "keyslot", key))

    def owner(self, slot: int) -> Node:
        """The master that serves `slot`, as a live node sees it."""
        for line in self.cli(self.alive()[0], "cluster", "nodes").splitlines():
            fields = line.split()
            if "master" not in fields[2] or "fail" in fields[2]:
                continue
            for ranges in fields[8:]:
                if ranges.startswith("["):
                    continue
                low, _, high = ranges.partition("-")
                if int(low) <= slot <= int(high or low):
                    port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
                    return next(n for n in self.nodes if n.port == port)
        raise LookupError(f"no master serves slot {slot}")

    def masters(self) -> list[Node]:
        return [n for n in self.alive() if "role:master" in self.cli(n, "info", "replication")]

    def move_slot(self, slot: int, target: Node) -> None:
        """Move one slot (and its keys) to `target` the way `redis-cli --cluster reshard` does."""
        source = self.owner(slot)
        source_id, target_id = self.node_id(source), self.node_id(target)
        self.cli(target, "cluster", "setslot", str(slot), "importing", source_id)
        self.cli(source, "cluster", "setslot", str(slot), "migrating", target_id)
        while keys := self.cli(source, "cluster", "getkeysinslot", str(slot), "100").split():
            self.cli(source, "migrate", "127.0.0.1", str(target.port), "", "0", "5000", "keys", *keys)
        for node in (target, source, *[m for m in self.masters() if m not in (target, source)]):
            self.cli(node, "cluster", "setslot", str(slot), "node", target_id)

    def wait_healthy(self, timeout: float = 20) -> None:
        """Until every live node reports cluster_state:ok and agrees on who serves every slot."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = self.alive()
            states = [self.cli(n, "cluster", "info", check=False) for n in alive]
            if all("cluster_state:ok" in s for s in states):
                views = {self._slot_view(n) for n in alive}
                if len(views) == 1:
                    return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not become healthy")

    def _slot_view(self, node: Node) -> str:
        return self.cli(node, "cluster", "slots", check=False)
