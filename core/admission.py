"""Admission control: past its capacity, a process sheds requests at once instead of
queueing them until everyone waits seconds.

A ``Gate`` lets ``limit`` requests of one kind into the app at a time per process and
keeps at most ``queue`` more waiting, each for at most ``wait`` seconds; any other is
refused before the app runs (no session, no CSRF check, no database), so a refusal
costs almost nothing and leaves the server's time to the requests it took. The
``Admission`` middleware puts a gate in front of the requests that match, and answers
the refused ones with the page the feature gives (503 with Retry-After).

Why a bound on requests in flight, per process, rather than a rate: it needs no figure
for the machine's capacity, which changes with the hardware, the database and what
else runs, and follows it by itself (Little's law: requests in flight = rate × time in
the app, so a bound on the first holds the time down at whatever rate the machine
reaches). Why in the process, not a token bucket in Redis: nothing is added to the path
of an admitted request, and a Redis that is away does not stop casting.
"""

import re
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable

ENTER = "enter"
WAIT = "wait"
SHED = "shed"


def admit(inside: int, waiting: int, limit: int, queue: int) -> str:
    """A request enters while fewer than ``limit`` are inside; otherwise it waits if
    fewer than ``queue`` are waiting; otherwise it is shed at once."""
    if inside < limit:
        return ENTER
    if waiting < queue:
        return WAIT
    return SHED


class Gate:
    """At most ``limit`` requests inside, ``queue`` more waiting at most ``wait`` seconds
    each (``admit``); thread-safe, one per process."""

    def __init__(self, limit: int, queue: int, wait: float):
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self._changed = threading.Condition()
        self._inside = 0
        self._waiting = 0
        self.shed = 0  # refused so far, for the operators' figures

    def enter(self) -> bool:
        """Take a place inside, waiting if the rule allows; False when shed."""
        with self._changed:
            decision = admit(self._inside, self._waiting, self.limit, self.queue)
            if decision == WAIT:
                self._waiting += 1
                deadline = time.monotonic() + self.wait
                try:
                    while self._inside >= self.limit:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._changed.wait(left)
                finally:
                    self._waiting -= 1
                decision = ENTER if self._inside < self.limit else SHED
            if decision == SHED:
                self.shed += 1
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._changed:
            self._inside -= 1
            self._changed.notify()


# What a refused request gets: status line, headers and body.
Refusal = tuple[str, list[tuple[str, str]], bytes]


class Admission:
    """WSGI middleware: requests whose method is ``method`` and whose path matches
    ``path`` pass through ``gate``; a refused one gets ``refuse(environ)`` and never
    reaches the app. The admitted request keeps its place until its response body is
    read (a short redirect or page: casting sends nothing long)."""

    def __init__(
        self,
        app: Callable,
        gate: Gate,
        method: str,
        path: re.Pattern,
        refuse: Callable[[dict], Refusal],
    ):
        self.app = app
        self.gate = gate
        self.method = method
        self.path = path
        self.refuse = refuse

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != self.method or not self.path.fullmatch(
            environ.get("PATH_INFO", "")
        ):
            return self.app(environ, start_response)
        if not self.gate.enter():
            status, headers, body = self.refuse(environ)
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        finally:
            self.gate.leave()
