"""The sequencer alone (server/live/sequencer.py): no server, no broker, no clock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.live.sequencer import Gap, Sequencer


def frame(seq: int, history: int = 0) -> str:
    return f"{history}:{seq}"


def log_rows(after: int, upto: int, committed: int, history: int = 0) -> list[tuple[int, str]]:
    """What the event log returns for (after, upto]: the committed rows, in seq order."""
    return [(s, frame(s, history)) for s in range(after + 1, min(upto, committed) + 1)]


def started(latest: int = 0) -> Sequencer:
    sequencer = Sequencer()
    assert sequencer.start(latest) == []
    return sequencer


def test_frames_in_order_go_out_at_once() -> None:
    """Seqs offered in order are each delivered at once, with nothing to fill."""
    sequencer = started()
    for seq in (1, 2, 3):
        offered = sequencer.offer(seq, frame(seq))
        assert offered.frames == [(seq, frame(seq))] and offered.gap is None
    assert sequencer.last_seq == 3


def test_a_frame_ahead_waits_for_the_one_before() -> None:
    """A seq that arrives before the one before it is held, with that one's range to fill, and goes
    out right after it arrives."""
    sequencer = started()
    offered = sequencer.offer(2, frame(2))
    assert offered.frames == [] and offered.gap == Gap(0, 1)
    assert sequencer.offer(1, frame(1)).frames == [(1, frame(1)), (2, frame(2))]
    assert sequencer.holding == 0 and sequencer.gap() is None


def test_duplicates_change_nothing() -> None:
    """A seq offered again, whether delivered already or still held, is neither delivered nor held twice."""
    sequencer = started()
    sequencer.offer(1, frame(1))
    assert sequencer.offer(1, frame(1)).frames == []
    sequencer.offer(3, frame(3))
    assert sequencer.offer(3, "another text").frames == [] and sequencer.holding == 1
    assert sequencer.offer(2, frame(2)).frames == [(2, frame(2)), (3, frame(3))]


def test_a_gap_is_filled_from_the_log() -> None:
    """A gap asks for one range; the log's rows for it go out with the frames held behind them."""
    sequencer = started(2)
    sequencer.offer(6, frame(6))
    sequencer.offer(5, frame(5))
    # Up to the seq before the last one held: every hole below it, in one read.
    gap = sequencer.gap()
    assert gap == Gap(2, 5)
    filled = sequencer.filled(gap, log_rows(2, 5, committed=6))
    assert [s for s, _ in filled.frames] == [3, 4, 5, 6] and filled.skipped == []


def test_a_target_asks_up_to_the_log_latest() -> None:
    """With nothing held, a catch-up to the log's latest seq asks for exactly the seqs after the last one."""
    sequencer = started(3)
    assert sequencer.gap(target=3) is None
    assert sequencer.gap(target=7) == Gap(3, 7)


def test_frames_delivered_while_the_log_is_read_are_not_sent_twice() -> None:
    """Seqs the broker brings while a fill reads the log go out once: the fill's copies are dropped."""
    sequencer = started()
    gap = sequencer.offer(3, frame(3)).gap
    assert gap == Gap(0, 2)
    assert [s for s, _ in sequencer.offer(1, frame(1)).frames] == [1]
    filled = sequencer.filled(gap, log_rows(0, 2, committed=3))
    assert [s for s, _ in filled.frames] == [2, 3]


def test_a_seq_missing_from_the_log_is_skipped_not_waited_for() -> None:
    """A seq the log does not have either is reported skipped, and the frames held after it still go out."""
    sequencer = started()
    gap = sequencer.offer(4, frame(4)).gap
    assert gap == Gap(0, 3)
    filled = sequencer.filled(gap, [(1, frame(1)), (3, frame(3))])
    assert [s for s, _ in filled.frames] == [1, 3, 4]
    assert filled.skipped == [Gap(1, 2)]
    assert sequencer.gap() is None


def test_frames_before_start_wait_for_the_log_latest() -> None:
    """Until the log's latest seq is known each frame is held; start drops what it covers, sends the rest."""
    sequencer = Sequencer()
    for seq in (4, 5, 6):
        assert sequencer.offer(seq, frame(seq)).frames == []
    assert sequencer.gap(target=9) is None
    assert [s for s, _ in sequencer.start(4)] == [5, 6]
    assert sequencer.start(0) == [] and sequencer.last_seq == 6


def test_a_new_history_drops_what_the_old_one_held() -> None:
    """After an epoch change the held frames and a fill still reading the old log deliver nothing; the new
    history goes on from its own latest seq."""
    sequencer = started()
    stale = sequencer.offer(5, frame(5)).gap
    assert stale is not None
    sequencer.restart()
    assert sequencer.offer(2, frame(2, history=1)).frames == []
    assert sequencer.filled(stale, log_rows(0, 4, committed=5)).frames == []
    assert sequencer.start(1) == [(2, frame(2, history=1))]
    assert sequencer.offer(3, frame(3, history=1)).frames == [(3, frame(3, history=1))]


# --- every interleaving -------------------------------------------------------------------------

OPERATIONS = ("commit", "broker", "read", "catch_up", "restart", "start")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_interleaving_delivers_each_seq_once_in_order(data: st.DataObject) -> None:
    """Whatever the broker does (reorders, duplicates, loses) and whenever the log is read or the history
    changes, each history's frames go out in seq order, each once and with its own text, gaps are asked as
    the range after the last seq delivered, and a final catch-up delivers every committed seq."""
    sequencer = Sequencer()
    history = 0
    committed = data.draw(st.integers(0, 3), label="initial log")
    # Where each history's delivery starts: the latest seq `start` was given.
    origin = {history: committed}
    sequencer.start(committed)
    delivered: dict[int, list[int]] = {0: []}
    in_flight: tuple[Gap, int] | None = None
    # Messages on their way from the broker (a lost one is never added).
    on_the_way: list[int] = []
    floor = 0

    def record(frames: list[tuple[int, str]]) -> None:
        for seq, text in frames:
            assert text == frame(seq, history), "a frame of another history or seq went out"
            delivered[history].append(seq)

    # Seqs the broker brought in the current history.
    received: set[int] = set()

    def check_gap(gap: Gap | None) -> None:
        waiting = [s for s in received if s > sequencer.last_seq]
        if gap is None:
            # Nothing is missing only when nothing waits.
            assert not waiting or not sequencer.ready
            return
        # One range: from the last seq delivered up to (at least) the seq before the last one waiting.
        assert gap.after == sequencer.last_seq
        assert gap.upto > gap.after and gap.upto >= max(waiting, default=0) - 1

    def ask(target: int | None = None) -> None:
        nonlocal in_flight
        if in_flight is None:
            gap = sequencer.gap(target)
            check_gap(gap)
            if gap is not None:
                in_flight = (gap, history)

    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        op = data.draw(st.sampled_from(OPERATIONS))
        if op == "commit":
            committed += 1
            copies = data.draw(st.sampled_from((0, 1, 1, 1, 2)), label="copies (0: lost)")
            on_the_way.extend([committed] * copies)
        elif op == "broker" and on_the_way:
            seq = on_the_way.pop(data.draw(st.integers(0, len(on_the_way) - 1), label="which"))
            received.add(seq)
            offered = sequencer.offer(seq, frame(seq, history))
            record(offered.frames)
            if sequencer.ready:
                check_gap(offered.gap)
                if offered.gap is not None and in_flight is None:
                    in_flight = (offered.gap, history)
            else:
                assert offered.frames == [] and offered.gap is None
        elif op == "read" and in_flight is not None:
            gap, read_in = in_flight
            in_flight = None
            # The log of the history the gap was found in (a stale read returns the old rows).
            rows = log_rows(gap.after, gap.upto, committed, read_in)
            filled = sequencer.filled(gap, rows)
            assert filled.skipped == []
            record(filled.frames)
            if read_in == history:
                # The hub's catch-up reads on while anything is missing.
                ask()
        elif op == "catch_up":
            ask(target=committed)
        elif op == "restart":
            sequencer.restart()
            history += 1
            delivered[history] = []
            committed = floor = data.draw(st.integers(0, 3), label="new log")
            origin[history] = floor
            on_the_way.clear()
            received.clear()
        elif op == "start" and not sequencer.ready:
            latest = data.draw(st.integers(floor, committed), label="latest read")
            origin[history] = latest
            record(sequencer.start(latest))

    # Quiet: the history starts if it had not, the broker delivers what is on its way, and reads
    # and a catch-up to the log's latest run until nothing is missing.
    if not sequencer.ready:
        origin[history] = committed
        record(sequencer.start(committed))
    for seq in on_the_way:
        record(sequencer.offer(seq, frame(seq, history)).frames)
    if in_flight is not None and in_flight[1] != history:
        in_flight = None
    ask(target=committed)
    while in_flight is not None:
        gap, _ = in_flight
        in_flight = None
        record(sequencer.filled(gap, log_rows(gap.after, gap.upto, committed, history)).frames)
        ask(target=committed)

    for h, seqs in delivered.items():
        # In order, each once, nothing skipped: a run of consecutive seqs after the history's start.
        assert seqs == list(range(origin[h] + 1, origin[h] + 1 + len(seqs))), (h, seqs)
    assert delivered[history] == list(range(origin[history] + 1, committed + 1))
    assert sequencer.holding == 0
