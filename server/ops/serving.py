"""How Tong runs under uvicorn: one place that sets the WebSocket implementation and its limits."""

from __future__ import annotations

import resource

import uvicorn

from server.runtime.settings import Settings
from server.telemetry import logs
from server.web.app import create_app
from server.web.httpprotocol import SlowClientProtocol
from server.web.wsprotocol import TongWebSocketProtocol

# Each WebSocket holds a file descriptor; the usual default soft limit (1,024, or 20,000 here)
# would cap a process far below the 50,000 watchers one machine should hold.
OPEN_FILES_WANTED = 262_144
# Connections waiting to be accepted. uvicorn listens with 2,048: 10,000 watchers cut at once and
# reconnecting overflow it, and each refused SYN waits 1, 3, 7 … s for its retransmit (the kernel
# caps this at net.core.somaxconn; raise that too on a host that serves tens of thousands).
LISTEN_BACKLOG = 65_535
# Seconds that open requests get to finish on shutdown; sockets are closed with 1012 at once.
GRACEFUL_SHUTDOWN_S = 10


def uvicorn_config(
    settings: Settings, host: str, port: int, workers: int = 1, log_level: str | None = None
) -> uvicorn.Config:
    options = {
        "host": host,
        "port": port,
        # websockets-sansio (the best latency and memory here; it also lets the hub write frames
        # synchronously while a socket is writable, see routes/ws.py), with deflate tuned.
        # httptools with a header-read timeout and a minimum body rate: half-sent requests
        # (slowloris, slow bodies) are closed.
        "http": SlowClientProtocol,
        "ws": TongWebSocketProtocol,
        "ws_max_size": settings.ws_frame_max,
        "ws_per_message_deflate": settings.ws_deflate,
        "lifespan": "on",
        "log_level": log_level or settings.log_level,
        # Logging is set up by server.telemetry.logs (structured, with request ids); uvicorn's own access
        # log would repeat the access lines without them.
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "backlog": LISTEN_BACKLOG,
        # The client address and scheme come from X-Forwarded-For/-Proto only when the request
        # comes from the proxy (deploy/nginx.conf), never from a client that sets them itself.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if workers > 1:
        # Each worker builds its own app (and engine, broker connection, hub) from the environment.
        factory = "server.web.app:create_app_from_env"
        config = uvicorn.Config(factory, factory=True, workers=workers, **options)  # type: ignore[arg-type]
    else:
        config = uvicorn.Config(create_app(settings), **options)  # type: ignore[arg-type]
    # Read by SlowClientProtocol; attributes of the Config so worker processes get them too.
    config.header_timeout_s = settings.http_header_timeout_s  # type: ignore[attr-defined]
    config.body_min_rate = settings.http_body_min_rate  # type: ignore[attr-defined]
    config.body_rate_grace_s = settings.http_body_rate_grace_s  # type: ignore[attr-defined]
    return config


def raise_open_file_limit(wanted: int = OPEN_FILES_WANTED) -> int:
    """Lift the soft limit on open files (one per socket) to the hard limit, and the hard limit
    too where the process may (root); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else max(hard, wanted)
    for limits in ((target, target), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            return limits[0]
        except (ValueError, OSError):
            continue
    return soft


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run until stopped. With workers > 1 a supervisor forks worker processes sharing one socket
    (uvicorn.Server.run alone would ignore `workers` and run a single process)."""
    raise_open_file_limit()
    logs.configure(settings)
    config = uvicorn_config(settings, host, port, workers)
    if workers > 1 and settings.worker_start == "fork":
        from server.ops.forking import ForkingSupervisor

        ForkingSupervisor(config, sockets=[config.bind_socket()]).run()
    elif workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
