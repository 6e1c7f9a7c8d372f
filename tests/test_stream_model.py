"""The stream, model-checked: random sequences of every operation that changes a thread, against
real `tong serve` processes (SQLite + in-process broker: one process; PostgreSQL + Redis: two).

After every step (like Zulip's `verify_action`):
- every live watcher has the step's event, once and in order;
- a client resuming with `since` 0 (the whole history, from SQL once the small ring has moved on)
  and with the seq before the step (from memory) gets exactly the events after `since`, once, in
  order, and applying them to the REST read taken when the thread was at `since` gives the thread
  a fresh REST read shows;
- no frame, REST body or page an anonymous client gets holds the text of a comment hidden, held or
  deleted by its author at that moment, nor a comment's text from before its latest edit, nor
  (while a moderator hides the proposal, v1.2) any text of the proposal or of its comments, nor an
  internal note's, nor a draft answer's before its approval (v1.2), nor an identity field;
- a suspended author's writes are refused (403) and nothing else changes (v1.2);
and at the end of each example, on every process, a client resuming with any `since` in 0..seq
gets the same (checking every `since` at every step made an example's cost grow with the square
of its length, for resumes that differ only in where they start), and the last counts frame on
every watching socket is exact.

CI runs `TONG_MODEL_EXAMPLES` (100) examples of up to `TONG_MODEL_STEPS` (30) steps per stack; a
longer hunt is e.g. `TONG_MODEL_EXAMPLES=2000 .venv/bin/pytest tests/test_stream_model.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from websockets.sync.client import ClientConnection, connect

from tests.support.clients import PASSWORD
from tests.support.servers import ProcessServer, Stack

EXAMPLES = int(os.environ.get("TONG_MODEL_EXAMPLES", "100"))
STEPS = int(os.environ.get("TONG_MODEL_STEPS", "30"))
HOLD_WORD = "보류어"
# A ring this small makes most resumes on that process read the event log: both replay paths
# (memory and SQL) are exercised in every example.
SMALL_RING = "6"
# How long a socket may stay silent while a frame is owed: a guard against a hang, not a measure of
# speed (10 s, once the whole replay's budget, failed four tests on a machine at load 4-5).
WAIT_S = 30.0
# Counts frames of one channel are at least 0.26 s apart (hub.COUNTS_SPACING_S): a socket quiet for
# longer has had its latest frame, or one still on its way, which only delays the end of the wait.
QUIET_S = 0.3
# Keys that would name an account; none may reach an anonymous client (REST to the author adds
# `mine`, broadcast frames never do).
IDENTITY_KEYS = frozenset(
    {"login", "account_id", "author_id", "actor_account_id", "actor", "password_hash", "mine", "recommended"}
)
OUTCOMES = ("accepted", "partially_accepted", "declined")
USERS = ("op", "company", "agency", "staff")
# (v1.2) The answer workflow: `staff` drafts, `approver` (another staff account) approves or returns.
POSTERS = ("op", "company", "agency")


# --- the world: servers and logged-in users, shared by every example of one stack ----------------


@dataclass
class World:
    servers: list[ProcessServer]
    users: dict[str, httpx.Client]
    logins: dict[str, str]
    anonymous: list[httpx.Client]
    examples: int = 0
    first_failure: int | None = None
    # Steps done per operation that changed something (the final print shows the mix).
    done: dict[str, int] = field(default_factory=dict)
    # Resumes checked and the events they replayed: the model's cost, whatever the machine's load.
    resumes: int = 0
    replayed: int = 0

    def via(self, index: int) -> str:
        return self.servers[index % len(self.servers)].base_url


@pytest_asyncio.fixture(scope="module")
async def world(stack: Stack) -> AsyncIterator[World]:
    settings_ = await stack.fresh_settings()
    hold_env = {
        # The model checks what clients get; test_erasure.py checks the files (and pays for VACUUM).
        "TONG_ERASURE_RECLAIM": "later",
        "TONG_HOLD_ENABLED": "true",
        "TONG_HOLD_WORDS": HOLD_WORD,
        # Never office hours: every comment with the word waits for a moderator.
        "TONG_OFFICE_HOURS": "00:00-00:00",
    }
    if stack.postgres:
        servers = [
            ProcessServer(settings_, env=hold_env),
            ProcessServer(settings_, env=hold_env | {"TONG_RECENT_FRAMES": SMALL_RING}),
        ]
    else:
        servers = [ProcessServer(settings_, env=hold_env | {"TONG_RECENT_FRAMES": SMALL_RING})]
    try:
        for server in servers:
            await server.start()
        kinds = {"op": ("company", ()), "company": ("company", ()), "agency": ("agency", ())}
        kinds["staff"] = ("staff", ("moderator", "admin"))
        kinds["approver"] = ("staff", ("approver",))
        logins = {}
        users = {}
        for name, (kind, roles) in kinds.items():
            logins[name] = _create(servers[0], kind, roles)
            users[name] = _logged_in(servers[0], logins[name])
        anonymous = [httpx.Client(base_url=s.base_url, timeout=30) for s in servers]
        yield World(servers, users, logins, anonymous)
        for client in [*users.values(), *anonymous]:
            client.close()
    finally:
        for server in servers:
            await server.stop()


def _create(server: ProcessServer, kind: str, roles: tuple[str, ...]) -> str:
    login = f"model-{kind}-{uuid.uuid4().hex[:8]}"
    command = ["accounts", "create", login, "--kind", kind, "--password-stdin"]
    command += [arg for role in roles for arg in ("--role", role)]
    done = subprocess.run(
        [sys.executable, "-m", "server", *command],
        input=PASSWORD.encode() + b"\n",
        env=server.environment(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return login


def _logged_in(server: ProcessServer, login: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    response = client.post("/api/session", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


# --- what a client sees: projections, applying events, scanning for leaks -------------------------


def project_comment(comment: dict[str, Any]) -> tuple[Any, ...]:
    author = comment["author"]
    return (
        comment["seq"],
        comment["parent_id"],
        (author["kind"], author["label"], author["is_op"]),
        comment["body"],
        comment["hidden"],
        comment.get("hidden_reason"),
        comment.get("withdrawn", False),
        comment.get("revision", 1),
        comment.get("erased", False),
    )


def project_answer(answer: dict[str, Any]) -> tuple[Any, ...]:
    return (answer["id"], answer["seq"], answer["body"], answer["status"], answer["outcome"])


@dataclass
class View:
    """The sequenced part of a thread (counts are state, carried by counts frames)."""

    seq: int
    status: str | None
    outcome: str | None
    answers: list[tuple[Any, ...]]
    comments: dict[int, tuple[Any, ...]]
    text: tuple[str, str, int]

    def copy(self) -> View:
        return View(self.seq, self.status, self.outcome, list(self.answers), dict(self.comments), self.text)


def project_text(thread: dict[str, Any]) -> tuple[str, str, int]:
    return (thread["title"], thread["body"], thread.get("revision", 1))


def apply(view: View, frame: dict[str, Any], snapshots: dict[int, View] | None = None) -> View:
    """A client's reducer: one sequenced event applied to the thread it holds. A restored proposal's
    text is not in its frame: the client reads the thread again, as the browser does (the REST
    read taken at that seq, from `snapshots`)."""
    data = frame["data"]
    event = frame["event"]
    if event == "thread.restored":
        assert snapshots is not None, "thread.restored needs the REST read at its seq"
        return snapshots[frame["seq"]].copy()
    if data.get("erased") is True and "comment" not in data:
        # A row whose text was erased ({"erased": true}): the `post.erased` after it says what stands.
        pass
    elif event == "post.erased":
        if "comment" in data:
            view.comments[data["comment"]["id"]] = project_comment(data["comment"])
        else:
            view.text = project_text(data["thread"])
    elif event == "thread.hidden":
        # Its text and its comments' bodies are null until it is restored.
        view.text = (None, None, view.text[2])  # type: ignore[assignment]
        view.comments = {i: (*c[:3], None, *c[4:]) for i, c in view.comments.items()}
    elif event in (
        "comment.created",
        "comment.hidden",
        "comment.restored",
        "comment.edited",
        "comment.withdrawn",
    ):
        view.comments[data["comment"]["id"]] = project_comment(data["comment"])
    elif event == "thread.updated":
        view.text = project_text(data["thread"])
    elif event == "answer.edited":
        edited = project_answer(data["answer"])
        view.answers = [edited if a[0] == edited[0] else a for a in view.answers]
    elif event == "answer.posted":
        view.answers.append(project_answer(data["answer"]))
        view.status, view.outcome = data["status"], data["outcome"]
    elif event == "thread.status_changed":
        view.status, view.outcome = data["status"], data["outcome"]
    else:
        raise AssertionError(f"unexpected sequenced event {event}")
    view.seq = frame["seq"]
    return view


def identity_keys(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        found.update(k for k in value if k in IDENTITY_KEYS)
        for item in value.values():
            found |= identity_keys(item)
    elif isinstance(value, list):
        for item in value:
            found |= identity_keys(item)
    return found


class Watcher:
    """A socket watching the thread live since seq 0: every seq once, in order."""

    def __init__(self, ws_url: str, thread_id: int) -> None:
        self.opened = contextlib.ExitStack()
        self.ws: ClientConnection = self.opened.enter_context(connect(ws_url, max_size=None))
        self.channel = f"thread:{thread_id}"
        self.ws.send(json.dumps({"op": "subscribe", "channel": self.channel, "since": 0}))
        self.last_seq = 0
        self.recommendations: int | None = None
        self.comments: int | None = None
        self.comment_recommendations: dict[int, int] = {}

    def take(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        if frame["type"] == "event":
            assert frame["seq"] == self.last_seq + 1, f"live seq {frame['seq']} after {self.last_seq}"
            self.last_seq = frame["seq"]
            if frame["event"] == "comment.created":
                # v1.1: counted from the events applied, as the browser does (no counts frame).
                self.comments = (self.comments or 0) + 1
            return frame
        if frame["type"] == "counts":
            data = frame["data"]
            self.recommendations = data["recommendations"]
            assert "comments" not in data, f"a counts frame carries comments: {frame}"
            for key, value in data["comment_recommendations"].items():
                self.comment_recommendations[int(key)] = value
        elif frame["type"] not in ("subscribed",):
            raise AssertionError(f"unexpected frame on a live watcher: {frame}")
        return None

    def drain_to(self, seq: int) -> list[dict[str, Any]]:
        events = []
        deadline = time.monotonic() + WAIT_S
        while self.last_seq < seq:
            left = deadline - time.monotonic()
            assert left > 0, f"live watcher stuck at seq {self.last_seq}, expected {seq}"
            frame = json.loads(self.ws.recv(timeout=left))
            if (event := self.take(frame)) is not None:
                events.append(event)
        return events

    def settle_counts(self, expect: tuple[int, int, dict[int, int]]) -> None:
        """The counts frames end exact: read until the socket has been quiet for `QUIET_S` with the
        latest frame's values equal to REST's. A frame still on its way (the publisher queues
        after the commit, the hub coalesces) only delays the end; a last frame that stays wrong
        fails after `WAIT_S`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                self.take(json.loads(self.ws.recv(timeout=QUIET_S)))
            except TimeoutError:
                if self.counts() == expect:
                    return
            assert time.monotonic() < deadline, f"counts ended at {self.counts()}, REST says {expect}"

    def counts(self) -> tuple[int, int, dict[int, int]]:
        nonzero = {k: v for k, v in self.comment_recommendations.items() if v}
        return (self.recommendations or 0, self.comments or 0, nonzero)

    def close(self) -> None:
        self.opened.close()


def replay(ws_url: str, thread_id: int, sinces: list[int]) -> list[tuple[dict[str, Any], list[Any]]]:
    """Subscribe with each of `sinces` on one anonymous socket (each subscribe replaces the last),
    then a ping: the answer to each subscribe is its `subscribed` frame and the events after it."""
    channel = f"thread:{thread_id}"
    answers: list[tuple[dict[str, Any], list[Any]]] = []
    with connect(ws_url, max_size=None) as ws:
        for since in sinces:
            ws.send(json.dumps({"op": "subscribe", "channel": channel, "since": since}))
        ws.send(json.dumps({"op": "ping"}))
        while True:
            # The deadline is per frame: the whole replay's time grows with the history's length.
            frame = json.loads(ws.recv(timeout=WAIT_S))
            if frame["type"] == "pong":
                return answers
            if frame["type"] == "subscribed":
                answers.append((frame, []))
            elif frame["type"] == "event":
                answers[-1][1].append(frame)
            elif frame["type"] != "counts":
                raise AssertionError(f"unexpected frame in a replay: {frame}")


# --- the machine ---------------------------------------------------------------------------------


@dataclass
class ModelComment:
    author: str
    parent_id: int | None
    text: str
    hidden: bool = False
    withdrawn: bool = False
    erased: bool = False
    # Texts before the latest edit: never shown again.
    superseded: list[str] = field(default_factory=list)

    def concealed(self) -> list[str]:
        shown_now = not (self.hidden or self.withdrawn or self.erased)
        return self.superseded if shown_now else [*self.superseded, self.text]


@dataclass
class Model:
    thread_id: int = 0
    seq: int = 0
    comments: dict[int, ModelComment] = field(default_factory=dict)
    held: dict[int, tuple[str, str]] = field(default_factory=dict)
    recommended: set[tuple[str, str, int]] = field(default_factory=set)
    reported: set[tuple[str, int]] = field(default_factory=set)
    answers: list[int] = field(default_factory=list)
    final: bool = False
    withdrawn: bool = False
    # v1.2: the proposal hidden by a moderator; every text the proposal ever had (title, body,
    # edits); authors suspended, with a post of theirs to lift it from.
    thread_hidden: bool = False
    thread_texts: list[str] = field(default_factory=list)
    suspended: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Whether an admin erased the proposal (then none of `thread_texts` may show).
    thread_erased: bool = False
    # (v1.2) Internal notes' texts (never public) and unpublished drafts: id -> [text, state, outcome].
    notes: list[str] = field(default_factory=list)
    drafts: dict[int, list[Any]] = field(default_factory=dict)


def token() -> str:
    """Text no other text contains: letters only, so no identifier guard mistakes it for a number."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:14])


def machine_for(world: World) -> type[RuleBasedStateMachine]:
    via = st.integers(min_value=0, max_value=len(world.servers) - 1)
    pick = st.integers(min_value=0, max_value=10**6)
    held_sometimes = st.sampled_from([False, False, False, True])
    # Edits and deletions mostly by the comment's author (someone else's is refused with 403).
    mostly = st.sampled_from([True, True, True, False])

    class StreamMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.m = Model()
            self.snapshots: dict[int, View] = {}
            self.watchers: list[Watcher] = []
            self.checks = 0
            # A failed check skips the end-of-example checks (the example is already a failure,
            # and Hypothesis shrinks it faster without them).
            self.failed = False

        # -- helpers ------------------------------------------------------------------------

        def call(
            self, user: str, server: int, method: str, path: str, expect: int, body: Any = None
        ) -> dict[str, Any]:
            response = world.users[user].request(
                method, world.via(server) + path, json=body if body is not None else {}
            )
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
            return response.json()  # type: ignore[no-any-return]

        def sequenced(self) -> None:
            self.m.seq += 1
            name = sys._getframe(1).f_code.co_name.lstrip("_")
            world.done[name] = world.done.get(name, 0) + 1

        def pick_comment(self, index: int, where: Any = lambda c: True) -> int | None:
            ids = [i for i, c in sorted(self.m.comments.items()) if where(c)]
            return ids[index % len(ids)] if ids else None

        def concealed(self) -> list[str]:
            texts = [text for c in self.m.comments.values() for text in c.concealed()]
            if self.m.thread_hidden:
                texts += self.m.thread_texts + [c.text for c in self.m.comments.values()]
            drafts = [draft[0] for draft in self.m.drafts.values()]
            erased = self.m.thread_texts if self.m.thread_erased else []
            return texts + [text for _, text in self.m.held.values()] + self.m.notes + drafts + erased

        def writes(self, user: str, otherwise: int) -> int:
            """A suspended author's write is refused before anything else is asked."""
            return 403 if user in self.m.suspended else otherwise

        def scan(self, where: str, payload: Any, raw: str) -> None:
            leaked = [t for t in self.concealed() if t in raw]
            assert not leaked, f"{where} carries concealed text {leaked}"
            assert not identity_keys(payload), f"{where} carries {identity_keys(payload)}"
            logins = [login for login in world.logins.values() if login in raw]
            assert not logins, f"{where} names {logins}"

        def rest_view(self, server: int) -> View:
            client = world.anonymous[server]
            thread_response = client.get(f"/api/threads/{self.m.thread_id}")
            comments_response = client.get(f"/api/threads/{self.m.thread_id}/comments?limit=200")
            for name, response in (("REST thread", thread_response), ("REST comments", comments_response)):
                assert response.status_code == 200, response.text
                self.scan(name, response.json(), response.text)
            thread, comments = thread_response.json(), comments_response.json()
            assert thread["seq"] == comments["seq"] == self.m.seq
            return View(
                seq=thread["seq"],
                status=thread["status"],
                outcome=thread["outcome"],
                answers=[project_answer(a) for a in thread["answers"]],
                comments={c["id"]: project_comment(c) for c in comments["items"]},
                text=project_text(thread),
            )

        # -- the operations ---------------------------------------------------------------

        @initialize()
        def open_thread(self) -> None:
            world.examples += 1
            title, body = token(), token()
            thread = self.call(
                "op", 0, "POST", "/api/threads", 201, {"kind": "proposal", "title": title, "body": body}
            )
            self.m.thread_id = thread["id"]
            self.m.thread_texts = [title, body]
            self.watchers = [Watcher(s.ws_url, thread["id"]) for s in world.servers]

        @rule(user=st.sampled_from(POSTERS), held=held_sometimes, server=via)
        def post(self, user: str, held: bool, server: int) -> None:
            self._post(user, None, held, server)

        @precondition(lambda self: any(c.parent_id is None for c in self.m.comments.values()))
        @rule(user=st.sampled_from(POSTERS), index=pick, held=held_sometimes, server=via)
        def reply(self, user: str, index: int, held: bool, server: int) -> None:
            parent = self.pick_comment(index, lambda c: c.parent_id is None)
            self._post(user, parent, held, server)

        def _post(self, user: str, parent: int | None, held: bool, server: int) -> None:
            text = token()
            body = {"body": f"{HOLD_WORD} {text}" if held else text, "parent_id": parent}
            path = f"/api/threads/{self.m.thread_id}/comments"
            if user in self.m.suspended or self.m.withdrawn or self.m.thread_hidden:
                self.call(user, server, "POST", path, self.writes(user, 409), body)
                return
            made = self.call(user, server, "POST", path, 202 if held else 201, body)
            if held:
                assert made["held"] is True
                self.m.held[made["id"]] = (user, text)
                return
            self.sequenced()
            assert made["seq"] == self.m.seq
            self.m.comments[made["id"]] = ModelComment(user, parent, text)

        @precondition(lambda self: bool(self.m.held))
        @rule(index=pick, release=st.booleans(), server=via)
        def decide_held(self, index: int, release: bool, server: int) -> None:
            held_id = sorted(self.m.held)[index % len(self.m.held)]
            action = "release" if release else "reject"
            refused = release and (self.m.withdrawn or self.m.thread_hidden)
            done = self.call(
                "staff",
                server,
                "POST",
                f"/api/staff/held/{held_id}/{action}",
                409 if refused else 200,
                {"reason": token()},
            )
            if refused:
                return
            user, text = self.m.held.pop(held_id)
            if release:
                self.sequenced()
                comment = done["comment"]
                assert comment["seq"] == self.m.seq
                self.m.comments[comment["id"]] = ModelComment(user, comment["parent_id"], text)

        @rule(user=st.sampled_from(("company", "agency", "staff")), on=st.booleans(), server=via)
        def recommend_thread(self, user: str, on: bool, server: int) -> None:
            path = f"/api/threads/{self.m.thread_id}/recommendation"
            refused = on and (self.m.withdrawn or self.m.thread_hidden or user in self.m.suspended)
            expect = 409 if on and self.m.thread_hidden else self.writes(user, 409) if refused else 200
            self.call(user, server, "PUT" if on else "DELETE", path, expect)
            key = (user, "thread", self.m.thread_id)
            if refused:
                return
            if on:
                self.m.recommended.add(key)
            else:
                self.m.recommended.discard(key)

        @precondition(lambda self: bool(self.m.comments))
        @rule(user=st.sampled_from(USERS), index=pick, on=st.booleans(), server=via)
        def recommend_comment(self, user: str, index: int, on: bool, server: int) -> None:
            comment_id = self.pick_comment(index)
            assert comment_id is not None
            comment = self.m.comments[comment_id]
            refused = on and (
                comment.author == user or comment.hidden or comment.withdrawn or self.m.withdrawn
            )
            path = f"/api/comments/{comment_id}/recommendation"
            expect = self.writes(user, 409 if refused else 200) if on else 200
            refused = refused or expect == 403
            self.call(user, server, "PUT" if on else "DELETE", path, expect)
            key = (user, "comment", comment_id)
            if on and not refused:
                self.m.recommended.add(key)
            elif not on:
                self.m.recommended.discard(key)

        @precondition(lambda self: bool(self.m.comments))
        @rule(user=st.sampled_from(USERS), index=pick, server=via)
        def report(self, user: str, index: int, server: int) -> None:
            comment_id = self.pick_comment(index)
            assert comment_id is not None
            again = (user, comment_id) in self.m.reported
            path = f"/api/comments/{comment_id}/reports"
            expect = self.writes(user, 409 if again else 201)
            self.call(user, server, "POST", path, expect, {"reason": token()})
            if expect != 403:
                self.m.reported.add((user, comment_id))

        @precondition(
            lambda self: any(not (c.hidden or c.withdrawn or c.erased) for c in self.m.comments.values())
        )
        @rule(index=pick, server=via)
        def hide(self, index: int, server: int) -> None:
            comment_id = self.pick_comment(index, lambda c: not (c.hidden or c.withdrawn or c.erased))
            self.call("staff", server, "POST", f"/api/comments/{comment_id}/hide", 200, {"reason": token()})
            self.m.comments[comment_id].hidden = True  # type: ignore[index]
            self.sequenced()

        @precondition(lambda self: any(c.hidden and not c.erased for c in self.m.comments.values()))
        @rule(index=pick, server=via)
        def restore(self, index: int, server: int) -> None:
            comment_id = self.pick_comment(index, lambda c: c.hidden and not c.erased)
            # Inside a hidden proposal its restored text would show: restore the proposal first.
            expect = 409 if self.m.thread_hidden else 200
            self.call("staff", server, "POST", f"/api/comments/{comment_id}/restore", expect)
            if expect == 200:
                self.m.comments[comment_id].hidden = False  # type: ignore[index]
                self.sequenced()

        @rule(outcome=st.sampled_from((None, *OUTCOMES)), server=via)
        def answer(self, outcome: str | None, server: int) -> None:
            body: dict[str, Any] = {"body": token()}
            if outcome is not None:
                body["outcome"] = outcome
            path = f"/api/threads/{self.m.thread_id}/answers"
            if self.m.withdrawn:
                self.call("staff", server, "POST", path, 409, body)
                return
            shown = self.call("staff", server, "POST", path, 201, body)
            self.sequenced()
            assert shown["seq"] == self.m.seq
            assert shown["status"] == ("answered" if outcome else "reviewing")
            self.m.answers.append(shown["id"])
            self.m.final = outcome is not None

        @rule(status=st.sampled_from(("received", "reviewing")), server=via)
        def set_status(self, status: str, server: int) -> None:
            path = f"/api/threads/{self.m.thread_id}"
            if self.m.withdrawn:
                self.call("staff", server, "PATCH", path, 409, {"status": status})
                return
            current = self.call("staff", server, "GET", path, 200)["status"]
            shown = self.call("staff", server, "PATCH", path, 200, {"status": status})
            # The status it already has: 200, and no event, seq or notice (issue 21, item 12).
            if status != current:
                self.sequenced()
            assert shown["status"] == status and shown["outcome"] is None
            self.m.final = False

        # -- v1.1: edit and withdraw ----------------------------------------------------------

        @rule(user=st.sampled_from(("op", "company")), title=st.booleans(), server=via)
        def edit_thread(self, user: str, title: bool, server: int) -> None:
            text = token()
            change = {"title" if title else "body": text}
            closed = self.m.withdrawn or bool(self.m.answers) or self.m.thread_hidden or self.m.thread_erased
            expect = self.writes(user, 403 if user != "op" else 409 if closed else 200)
            self.call(user, server, "PATCH", f"/api/threads/{self.m.thread_id}", expect, change)
            if expect == 200:
                self.m.thread_texts.append(text)
                self.sequenced()

        @precondition(lambda self: self.m.seq >= 10)
        @rule(server=via)
        def withdraw_thread(self, server: int) -> None:
            refused = self.m.withdrawn or self.m.final
            self.call(
                "op", server, "POST", f"/api/threads/{self.m.thread_id}/withdraw", 409 if refused else 200
            )
            if not refused:
                self.m.withdrawn = True
                self.sequenced()

        def _own_change_expect(self, user: str, comment: ModelComment, edit: bool = False) -> int:
            if edit and user in self.m.suspended:
                return 403
            if user != comment.author:
                return 403
            if edit and self.m.thread_hidden:
                return 409
            return 409 if comment.withdrawn or comment.hidden or comment.erased else 200

        @precondition(lambda self: bool(self.m.comments))
        @rule(user=st.sampled_from(POSTERS), own=mostly, index=pick, server=via)
        def edit_comment(self, user: str, own: bool, index: int, server: int) -> None:
            comment_id = self.pick_comment(index)
            assert comment_id is not None
            comment = self.m.comments[comment_id]
            user = comment.author if own else user
            expect = self._own_change_expect(user, comment, edit=True)
            text = token()
            self.call(user, server, "PATCH", f"/api/comments/{comment_id}", expect, {"body": text})
            if expect == 200:
                comment.superseded.append(comment.text)
                comment.text = text
                self.sequenced()

        @precondition(lambda self: bool(self.m.comments))
        @rule(user=st.sampled_from(POSTERS), own=mostly, index=pick, server=via)
        def delete_comment(self, user: str, own: bool, index: int, server: int) -> None:
            comment_id = self.pick_comment(index)
            assert comment_id is not None
            comment = self.m.comments[comment_id]
            user = comment.author if own else user
            expect = self._own_change_expect(user, comment)
            self.call(user, server, "DELETE", f"/api/comments/{comment_id}", expect)
            if expect == 200:
                comment.withdrawn = True
                self.sequenced()

        @precondition(lambda self: bool(self.m.answers))
        @rule(index=pick, server=via)
        def edit_answer(self, index: int, server: int) -> None:
            answer_id = self.m.answers[index % len(self.m.answers)]
            self.call("staff", server, "PATCH", f"/api/answers/{answer_id}", 200, {"body": token()})
            self.sequenced()

        # -- v1.2: moderating the proposal, suspending its authors ------------------------------

        # Hidden with a comment or more, so hiding conceals comments too; restored whenever hidden.
        # (An erased proposal has nothing left to hide.)
        @precondition(
            lambda self: not self.m.thread_erased and (self.m.thread_hidden or bool(self.m.comments))
        )
        @rule(server=via)
        def hide_thread(self, server: int) -> None:
            path = f"/api/threads/{self.m.thread_id}/{'restore' if self.m.thread_hidden else 'hide'}"
            self.call("staff", server, "POST", path, 200, {"reason": token()})
            self.m.thread_hidden = not self.m.thread_hidden
            self.sequenced()

        @rule(index=pick, server=via)
        def suspend(self, index: int, server: int) -> None:
            """Suspend the author of the proposal or of a comment (never named); a second one
            from another post extends it. Takes no seq."""
            posts = [("op", "thread", self.m.thread_id)]
            posts += [(c.author, "comment", i) for i, c in sorted(self.m.comments.items())]
            author, kind, post_id = posts[index % len(posts)]
            path = f"/api/staff/posts/{kind}/{post_id}/author/suspension"
            shown = self.call("staff", server, "POST", path, 200, {"days": 1, "reason": token()})
            assert (shown["already_suspended_until"] is not None) == (author in self.m.suspended)
            self.m.suspended.setdefault(author, (kind, post_id))

        @precondition(lambda self: bool(self.m.suspended))
        @rule(index=pick, server=via)
        def lift(self, index: int, server: int) -> None:
            author = sorted(self.m.suspended)[index % len(self.m.suspended)]
            kind, post_id = self.m.suspended.pop(author)
            self.call("staff", server, "DELETE", f"/api/staff/posts/{kind}/{post_id}/author/suspension", 200)

        # -- v1.2: erasure (an admin destroys a post's text; it must show nowhere after) ------

        @precondition(lambda self: any(not c.erased for c in self.m.comments.values()))
        @rule(index=pick, server=via)
        def erase_comment(self, index: int, server: int) -> None:
            comment_id = self.pick_comment(index, lambda c: not c.erased)
            path = f"/api/admin/posts/comment/{comment_id}/erase"
            self.call("staff", server, "POST", path, 200, {"reason": token()})
            self.m.comments[comment_id].erased = True  # type: ignore[index]
            self.sequenced()

        @precondition(lambda self: self.m.seq >= 5)
        @rule(server=via)
        def erase_thread(self, server: int) -> None:
            path = f"/api/admin/posts/thread/{self.m.thread_id}/erase"
            again = self.m.thread_erased
            self.call("staff", server, "POST", path, 409 if again else 200, {"reason": token()})
            if not again:
                self.m.thread_erased = True
                self.sequenced()

        # -- v1.2: the answer workflow -------------------------------------------------------

        def pick_draft(self, index: int, state: str) -> int | None:
            ids = [i for i, d in sorted(self.m.drafts.items()) if d[1] == state]
            return ids[index % len(ids)] if ids else None

        @rule(on_draft=st.booleans(), server=via)
        def note(self, on_draft: bool, server: int) -> None:
            text = token()
            body: dict[str, Any] = {"body": text}
            if on_draft and self.m.drafts:
                body["draft"] = sorted(self.m.drafts)[0]
            self.call("staff", server, "POST", f"/api/threads/{self.m.thread_id}/notes", 201, body)
            self.m.notes.append(text)

        @rule(outcome=st.sampled_from((None, *OUTCOMES)), server=via)
        def draft_answer(self, outcome: str | None, server: int) -> None:
            text = token()
            body: dict[str, Any] = {"body": text, "draft": True, "outcome": outcome}
            path = f"/api/threads/{self.m.thread_id}/answers"
            made = self.call("staff", server, "POST", path, 409 if self.m.withdrawn else 201, body)
            if not self.m.withdrawn:
                assert made["state"] == "draft"
                self.m.drafts[made["id"]] = [text, "draft", outcome]

        @precondition(lambda self: any(d[1] == "draft" for d in self.m.drafts.values()))
        @rule(index=pick, server=via)
        def submit_draft(self, index: int, server: int) -> None:
            draft_id = self.pick_draft(index, "draft")
            self.call("staff", server, "POST", f"/api/answers/{draft_id}/submit", 200)
            self.m.drafts[draft_id][1] = "pending_approval"  # type: ignore[index]

        @precondition(lambda self: any(d[1] == "pending_approval" for d in self.m.drafts.values()))
        @rule(index=pick, approve=st.booleans(), server=via)
        def decide_draft(self, index: int, approve: bool, server: int) -> None:
            draft_id = self.pick_draft(index, "pending_approval")
            assert draft_id is not None
            if not approve:
                path = f"/api/answers/{draft_id}/return"
                self.call("approver", server, "POST", path, 200, {"reason": token()})
                self.m.drafts[draft_id][1] = "draft"
                return
            refused = self.m.withdrawn
            done = self.call(
                "approver", server, "POST", f"/api/answers/{draft_id}/approve", 409 if refused else 200
            )
            if refused:
                return
            text, _, outcome = self.m.drafts.pop(draft_id)
            self.sequenced()
            assert done["answer"]["seq"] == self.m.seq and done["answer"]["body"] == text
            self.m.answers.append(done["answer"]["id"])
            self.m.final = outcome is not None

        # -- the checks -------------------------------------------------------------------

        @invariant()
        def stream_matches_rest(self) -> None:
            try:
                self._check()
            except AssertionError:
                self.failed = True
                if world.first_failure is None:
                    world.first_failure = world.examples
                raise

        def _check(self) -> None:
            if not self.watchers:
                return
            for watcher in self.watchers:
                for frame in watcher.drain_to(self.m.seq):
                    self.scan(
                        f"live frame {frame['seq']}", frame["data"], json.dumps(frame, ensure_ascii=False)
                    )
            # With two processes the checks alternate between them step by step: each process
            # is checked every other step, at half the cost of checking both every time.
            self.checks += 1
            server = self.checks % len(world.servers)
            fresh = self.rest_view(server)
            known = self.snapshots.get(self.m.seq)
            if known is not None:
                # A step that took no seq (recommend, report, hold, reject) changed nothing sequenced.
                assert known == fresh, "a change without a seq changed the thread's sequenced state"
            self.snapshots[self.m.seq] = fresh
            self.check_replays(server, sorted({0, max(0, self.m.seq - 1)}), fresh)

        def check_replays(self, server: int, sinces: list[int], fresh: View) -> None:
            """Resumes with each of `sinces` on process `server` against the REST read `fresh`."""
            answers = replay(world.servers[server].ws_url, self.m.thread_id, sinces)
            assert len(answers) == len(sinces)
            world.resumes += len(answers)
            world.replayed += sum(len(events) for _, events in answers)
            for since, (subscribed, events) in zip(sinces, answers, strict=True):
                assert subscribed["seq"] == self.m.seq, f"subscribed {subscribed} at seq {self.m.seq}"
                assert [e["seq"] for e in events] == list(range(since + 1, self.m.seq + 1)), (
                    f"since {since}: replayed seqs {[e['seq'] for e in events]}"
                )
                for event in events:
                    self.scan(f"replay since {since}", event["data"], json.dumps(event, ensure_ascii=False))
                view = self.snapshots[since].copy()
                for event in events:
                    view = apply(view, event, self.snapshots)
                assert view == fresh, f"since {since}: replay applied to REST differs from REST"

        def teardown(self) -> None:
            try:
                if self.watchers and not self.failed:
                    for server in range(len(world.servers)):
                        self.check_replays(server, list(range(self.m.seq + 1)), self.rest_view(server))
                if self.watchers:
                    expect = self._rest_counts()
                    for watcher in self.watchers:
                        watcher.settle_counts(expect)
                self.scan_pages()
            except AssertionError:
                if world.first_failure is None:
                    world.first_failure = world.examples
                raise
            finally:
                for watcher in self.watchers:
                    watcher.close()
                # The next example's proposal is written by the same accounts.
                for kind, post_id in self.m.suspended.values():
                    world.users["staff"].delete(
                        world.via(0) + f"/api/staff/posts/{kind}/{post_id}/author/suspension"
                    )

        def scan_pages(self) -> None:
            """The board and the thread's page, as an anonymous browser loads them, once per example
            (they carry no comment text; checking them every step would only cost time)."""
            for server, client in enumerate(world.anonymous):
                for name, path in (
                    ("board", "/api/threads?limit=20"),
                    ("page", f"/threads/{self.m.thread_id}"),
                ):
                    response = client.get(path)
                    assert response.status_code == 200, f"{name} on process {server}: {response.status_code}"
                    payload = response.json() if name == "board" else {}
                    self.scan(f"{name} on process {server}", payload, response.text)

        def _rest_counts(self) -> tuple[int, int, dict[int, int]]:
            client = world.anonymous[0]
            thread = client.get(f"/api/threads/{self.m.thread_id}").json()
            comments = client.get(f"/api/threads/{self.m.thread_id}/comments?limit=200").json()["items"]
            per_comment = {c["id"]: c["counts"]["recommendations"] for c in comments}
            return (
                thread["counts"]["recommendations"],
                thread["counts"]["comments"],
                {k: v for k, v in per_comment.items() if v},
            )

    return StreamMachine


PROFILE = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    # Real servers are slow next to Hypothesis's expectations, and that is the point here.
    suppress_health_check=list(HealthCheck),
    # CI keeps no example database; a local run remembers failures in .hypothesis/.
    database=None if os.environ.get("CI", "").lower() == "true" else settings().database,
)


def run_model(world: World) -> None:
    """Hypothesis's state machine against `world`'s servers, with a line of what it did."""
    started = time.monotonic()
    try:
        run_state_machine_as_test(machine_for(world), settings=PROFILE)
    finally:
        print(
            f"\nstream model: {world.examples} examples in {time.monotonic() - started:.0f}s"
            + f"; sequenced steps {world.done}"
            + f"; {world.resumes} resumes replayed {world.replayed} events"
            + (f"; first failure in example {world.first_failure}" if world.first_failure else "")
        )


@pytest.mark.slow
# A hundred examples against real servers: minutes, more on a loaded machine. PostgreSQL's run is
# test_stream_model_postgres.py, a module of its own, so a second test worker runs it beside
# this one (xdist's --dist loadscope keeps a module on one worker).
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
def test_stream_model(world: World) -> None:
    """Random thread histories keep every resume exact, REST-consistent, leak-free and counted."""
    run_model(world)


# --- what the machine found, kept as explicit sequences -------------------------------------------


def run_steps(world: World, steps: list[tuple[str, dict[str, Any]]]) -> None:
    """Replay a sequence the machine found, checking after every step as the machine does."""
    machine = machine_for(world)()
    machine.open_thread()  # type: ignore[attr-defined]
    machine.stream_matches_rest()  # type: ignore[attr-defined]
    try:
        for name, arguments in steps:
            getattr(machine, name)(**arguments)
            machine.stream_matches_rest()  # type: ignore[attr-defined]
    finally:
        machine.teardown()


def test_found_rehidden_comment_replays_hidden(world: World) -> None:
    """Found with the replay redaction reverted (4th example), shrunk to: a comment hidden,
    restored and hidden again; every resume from 0 must show it hidden in every frame."""
    run_steps(
        world,
        [
            ("post", {"user": "op", "held": True, "server": 0}),
            ("post", {"user": "op", "held": False, "server": 0}),
            ("hide", {"index": 0, "server": 0}),
            ("restore", {"index": 0, "server": 0}),
            ("hide", {"index": 0, "server": 0}),
        ],
    )


def test_released_reply_then_hidden_parent(world: World) -> None:
    """A held reply released under a parent that is then hidden: the reply stays, the parent's
    text leaves every frame, and the released text (held until then) may now show."""
    run_steps(
        world,
        [
            ("post", {"user": "company", "held": False, "server": 0}),
            ("reply", {"user": "agency", "index": 0, "held": True, "server": 0}),
            ("decide_held", {"index": 0, "release": True, "server": len(world.servers) - 1}),
            ("recommend_comment", {"user": "op", "index": 1, "on": True, "server": 0}),
            ("hide", {"index": 0, "server": 0}),
            ("recommend_comment", {"user": "op", "index": 0, "on": True, "server": 0}),
        ],
    )


def test_edited_then_deleted_comment_replays_current_form(world: World) -> None:
    """A comment edited (its first text must leave every replay), another deleted by its author,
    a proposal edited then withdrawn, an answer corrected."""
    run_steps(
        world,
        [
            ("post", {"user": "company", "held": False, "server": 0}),
            ("edit_comment", {"user": "company", "own": False, "index": 0, "server": len(world.servers) - 1}),
            ("post", {"user": "agency", "held": False, "server": 0}),
            ("delete_comment", {"user": "agency", "own": False, "index": 1, "server": 0}),
            ("edit_thread", {"user": "op", "title": True, "server": 0}),
            ("answer", {"outcome": None, "server": 0}),
            ("edit_answer", {"index": 0, "server": 0}),
        ],
    )


def test_erased_comment_and_proposal_replay_erased(world: World) -> None:
    """A comment edited, hidden and erased, then the edited proposal erased: no frame of any resume,
    live or replayed from memory or SQL, nor REST, holds a text either ever had."""
    run_steps(
        world,
        [
            ("post", {"user": "company", "held": False, "server": 0}),
            ("edit_comment", {"user": "company", "own": True, "index": 0, "server": 0}),
            ("post", {"user": "agency", "held": False, "server": 0}),
            ("hide", {"index": 1, "server": 0}),
            ("erase_comment", {"index": 1, "server": len(world.servers) - 1}),
            ("erase_comment", {"index": 0, "server": 0}),
            ("edit_thread", {"user": "op", "title": True, "server": 0}),
            ("erase_thread", {"server": 0}),
            ("post", {"user": "agency", "held": False, "server": 0}),
        ],
    )
