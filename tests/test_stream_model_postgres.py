"""The stream's state machine (tests/test_stream_model.py) on PostgreSQL + Redis with two server
processes: in a module of its own so that a second test worker runs it beside the SQLite one."""

from __future__ import annotations

import pytest

from tests.test_stream_model import World, run_model, world

__all__ = ["world"]  # the module-scoped fixture, built here for this module's stack


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("stack", ["postgres"], indirect=True)
def test_stream_model_on_postgres(world: World) -> None:
    """Random thread histories keep every resume exact, REST-consistent, leak-free and counted."""
    run_model(world)
