"""Admission control's rule and gate, and what a shed cast keeps of its form."""

import threading
import time

import pytest

from core import config
from core.admission import admit
from core.admission import ENTER
from core.admission import Gate
from core.admission import SHED
from core.admission import WAIT
from voting.casting.busy import kept_fields
from voting.casting.busy import MAX_PICKS
from voting.casting.busy import retry_after


def test_a_request_enters_below_the_limit_waits_in_the_queue_and_is_shed_past_both():
    assert admit(inside=0, waiting=0, limit=2, queue=1) == ENTER
    assert admit(inside=1, waiting=0, limit=2, queue=1) == ENTER
    assert admit(inside=2, waiting=0, limit=2, queue=1) == WAIT
    assert admit(inside=2, waiting=1, limit=2, queue=1) == SHED
    assert admit(inside=2, waiting=0, limit=2, queue=0) == SHED


def test_the_gate_sheds_at_once_when_full_and_its_queue_is_full():
    gate = Gate(limit=1, queue=0, wait=5)
    assert gate.enter()
    started = time.monotonic()
    assert not gate.enter()
    assert time.monotonic() - started < 1  # no waiting without a place in the queue
    assert gate.shed == 1
    gate.leave()
    assert gate.enter()


def test_a_waiting_request_enters_when_a_place_frees_up():
    gate = Gate(limit=1, queue=1, wait=5)
    assert gate.enter()
    entered = []
    waiter = threading.Thread(target=lambda: entered.append(gate.enter()))
    waiter.start()
    time.sleep(0.05)
    assert not gate.enter()  # the queue's one place is taken
    gate.leave()
    waiter.join(timeout=5)
    assert entered == [True]
    assert gate.shed == 1


def test_a_waiting_request_is_shed_when_its_wait_runs_out():
    gate = Gate(limit=1, queue=1, wait=0.05)
    assert gate.enter()
    assert not gate.enter()
    gate.leave()
    assert gate.enter()  # the place it waited for was never given away


def test_the_shed_page_keeps_the_token_and_the_picks_and_nothing_else():
    body = b"csrf_token=Ij.abc-_9&picks=4&picks=12&picks=%3Cx%3E&next=%2F%2Fevil&picks=7"
    assert kept_fields(body) == [
        ("csrf_token", "Ij.abc-_9"),
        ("picks", "4"),
        ("picks", "12"),
        ("picks", "7"),
    ]
    assert kept_fields(b'csrf_token="><script>') == []
    many = "&".join(f"picks={n}" for n in range(100)).encode()
    assert len(kept_fields(many)) == MAX_PICKS


def test_retry_after_spreads_between_the_base_and_twice_it():
    assert retry_after(3, draw=lambda low, high: low) == 3
    assert retry_after(3, draw=lambda low, high: high) == 6
    assert {retry_after(2) for _ in range(200)} <= {2, 3, 4}


@pytest.mark.parametrize("value", ["0", "-1", "many", "1.5"])
def test_an_admission_limit_that_is_not_a_whole_number_above_zero_stops_the_start(
    monkeypatch, value
):
    monkeypatch.setenv("CAST_ADMISSION_LIMIT", value)
    with pytest.raises(config.ConfigError, match="CAST_ADMISSION_LIMIT"):
        config.from_environment("/tmp")
