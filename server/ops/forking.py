"""Worker processes forked from a supervisor that loaded the search analyser's model first.

uvicorn's own supervisor spawns each worker as a fresh interpreter, so each of N workers loaded
the Korean model (about 330 MB) again: N copies on one machine. Here the supervisor loads the
model and imports the application before it forks; the workers then share those pages with it
copy-on-write (the model's tables are read, never written, after loading) and `gc.freeze()` keeps
the collector from touching, and so copying, the objects they inherit. The app is built in each
worker after the fork (its event loop, engine, broker connection, hub, process identity), as before.

The model's own thread pool is not inherited by a fork (only the forking thread is); the analyser
only ever tokenizes one string at a time, which Kiwi runs on the calling thread.
"""

from __future__ import annotations

import gc
import multiprocessing
import socket

from uvicorn.config import Config
from uvicorn.supervisors import multiprocess
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from server.store import analyser

FORK = multiprocessing.get_context("fork")


class ForkedWorker(Process):
    """uvicorn's worker (health checks, restarts, signals), started by fork instead of spawn."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        # The spawn process the parent class made is never started; this one replaces it.
        self.process = FORK.Process(target=self.target, kwargs={"sockets": sockets})  # type: ignore[assignment]


class ForkingSupervisor(Multiprocess):
    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        # What every worker would otherwise load by itself, once, here: the model (the application's
        # modules are imported already, by this module's importer), then out of the collector's
        # sight. The app itself is built in each worker, after the fork: its process identity,
        # engine and broker client are each worker's own.
        analyser.load()
        gc.freeze()

    def run(self) -> None:
        # uvicorn's supervisor makes its workers by this module-level name, in three places
        # (start, restart after a crash, restart on SIGHUP); the fork worker is put there for the
        # run of this process, which only ever supervises.
        multiprocess.Process = ForkedWorker  # type: ignore[misc]
        super().run()
