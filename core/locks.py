"""Locks that expire, shared by every machine through Redis: one holder at a time.

A lock is taken without waiting and held for at most ``ttl`` seconds, so a worker that
dies while holding one never blocks the others for longer than that. Redis only
coordinates here; it holds no data. Without ``REDIS_URL`` (the embedded development
setup, one machine) a lock in this process's memory stands in.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from flask import current_app

_local_guard = threading.Lock()
_local_held: set[str] = set()


@contextmanager
def held(name: str, ttl: int) -> Iterator[bool]:
    """Try to take the lock ``name`` for at most ``ttl`` seconds; yields whether we hold it.

    Yields False when another holder has it, or when Redis cannot be reached (a scan
    skipped is harmless; two at once are not).
    """
    url = current_app.config.get("REDIS_URL")
    if not url:
        with _local_lock(name) as ok:
            yield ok
        return
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    lock = client.lock(f"lock:{name}", timeout=ttl, blocking=False)
    try:
        ok = lock.acquire()
    except redis.RedisError:
        current_app.logger.warning("lock %s: Redis unreachable, skipping", name)
        ok = False
    try:
        yield ok
    finally:
        if ok:
            try:
                lock.release()
            except redis.RedisError:  # expired or Redis gone: the lock lapses by itself
                current_app.logger.warning("lock %s: not released, it will expire", name)
        client.close()


@contextmanager
def _local_lock(name: str) -> Iterator[bool]:
    with _local_guard:
        ok = name not in _local_held
        _local_held.add(name)
    try:
        yield ok
    finally:
        if ok:
            with _local_guard:
                _local_held.discard(name)
