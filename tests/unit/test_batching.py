"""Group commit of concurrent casts (voting.casting.batching), with a stand-in for the database."""

import threading
import time

import pytest

from voting.casting.batching import Batcher


class Writes:
    """Records each batch; the first one can be held until others have queued."""

    def __init__(self, refuse=(), fail_first=False):
        self.batches: list[list[str]] = []
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.refuse = set(refuse)
        self.fail_first = fail_first

    def __call__(self, rows):
        self.batches.append([row["code"] for row in rows])
        if len(self.batches) == 1:
            self.holding.set()
            self.hold.wait(5)
            if self.fail_first:
                raise ConnectionError("database gone")
        return {row["code"] for row in rows} - self.refuse


def submit_in_threads(batcher, codes, results):
    def one(code):
        try:
            results[code] = batcher.submit({"code": code})
        except ConnectionError as error:
            results[code] = error

    threads = [threading.Thread(target=one, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    return threads


def wait_queued(batcher, count):
    deadline = time.monotonic() + 5
    while len(batcher._queue) < count and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(batcher._queue) == count


def test_a_lone_cast_is_written_at_once():
    writes = Writes()
    writes.hold.set()
    assert Batcher(writes, key="code").submit({"code": "a"}) is True
    assert writes.batches == [["a"]]


def test_casts_queued_during_a_write_go_together_in_the_next_one():
    writes = Writes(refuse={"c"})
    batcher = Batcher(writes, key="code")
    results: dict = {}
    first = submit_in_threads(batcher, ["a"], results)
    assert writes.holding.wait(5)
    others = submit_in_threads(batcher, ["b", "c", "d"], results)
    wait_queued(batcher, 3)
    writes.hold.set()
    for thread in first + others:
        thread.join(5)
    assert writes.batches[0] == ["a"]
    assert sorted(writes.batches[1]) == ["b", "c", "d"]
    assert len(writes.batches) == 2
    # Each answer is its own row's: "c" was not stored (a prior ballot, say).
    assert results == {"a": True, "b": True, "c": False, "d": True}


def test_a_failed_write_fails_every_cast_of_its_batch_and_the_next_batch_goes_on():
    writes = Writes(fail_first=True)
    batcher = Batcher(writes, key="code")
    results: dict = {}
    first = submit_in_threads(batcher, ["a"], results)
    assert writes.holding.wait(5)
    others = submit_in_threads(batcher, ["b"], results)
    wait_queued(batcher, 1)
    writes.hold.set()
    for thread in first + others:
        thread.join(5)
    assert isinstance(results["a"], ConnectionError)
    assert results["b"] is True
    assert batcher.submit({"code": "e"}) is True  # no leader left stuck


def test_many_threads_each_get_exactly_their_answer():
    writes = Writes(refuse={f"r{n}" for n in range(0, 200, 7)})
    writes.hold.set()
    batcher = Batcher(writes, key="code")
    results: dict = {}
    codes = [f"r{n}" for n in range(200)]
    for thread in submit_in_threads(batcher, codes, results):
        thread.join(10)
    assert results == {code: code not in writes.refuse for code in codes}
    written = [code for batch in writes.batches for code in batch]
    assert sorted(written) == sorted(codes)  # each row written once


@pytest.mark.parametrize("count", [1, 5])
def test_nothing_stays_queued(count):
    writes = Writes()
    writes.hold.set()
    batcher = Batcher(writes, key="code")
    results: dict = {}
    for thread in submit_in_threads(batcher, [f"x{n}" for n in range(count)], results):
        thread.join(5)
    assert batcher._queue == [] and batcher._busy is False
