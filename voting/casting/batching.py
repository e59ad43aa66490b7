"""Group commit: concurrent casts in one process go to the database together.

A request thread that submits a cast while no batch is being written becomes the
leader: it takes every cast queued so far (its own among them), writes them with one
statement, which commits them all, and answers each. Casts submitted meanwhile queue
up; when the leader is done, the first of them leads the next batch. No cast waits for
a timer, so a lone cast is written at once, and each thread answers only after the
statement holding its ballot has committed.
"""

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field


@dataclass(eq=False)
class _Waiter:
    row: dict
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    stored: bool = False
    error: BaseException | None = None


class Batcher:
    """Runs ``write(rows) -> keys stored`` for batches of concurrently submitted rows.

    ``key`` names the item of a row that ``write`` reports back for each row it stored.
    """

    def __init__(self, write: Callable[[list[dict]], set], key: str):
        self._write = write
        self._key = key
        self._lock = threading.Lock()
        self._queue: list[_Waiter] = []
        self._busy = False

    def submit(self, row: dict) -> bool:
        """Write this row with whatever else is queued; True when it was stored."""
        me = _Waiter(row)
        with self._lock:
            self._queue.append(me)
            me.lead = not self._busy
            self._busy = True
        if not me.lead:
            me.done.wait()
            if not me.lead:  # answered by another thread's batch
                if me.error is not None:
                    raise copy.copy(me.error)
                return me.stored
        self._lead()
        if me.error is not None:
            raise me.error
        return me.stored

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            stored = self._write([waiter.row for waiter in batch])
        except BaseException as error:  # every cast of the batch fails with it
            for waiter in batch:
                waiter.error = error
        else:
            for waiter in batch:
                waiter.stored = waiter.row[self._key] in stored
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is None:
                self._busy = False
            else:
                following.lead = True
        for waiter in batch:
            waiter.lead = False
            waiter.done.set()
        if following is not None:
            following.done.set()
