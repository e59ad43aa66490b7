"""Background jobs: what the worker (``flask worker``) runs, and when.

The worker is an APScheduler scheduler in its own process beside the web servers. Each
job is named ``"module:function"`` and runs inside the app, under a lock shared through
Redis (:mod:`core.locks`), so several workers on several machines run each job once.
Adding a daily job is one line in :data:`DAILY_JOBS`.
"""

import importlib
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask import Flask

from core import clock
from core import locks
from core.extensions import db

# Jobs that run every few seconds (the config key holding their interval): each does
# its own locking, per forum for instance, and is called without arguments.
INTERVAL_JOBS: dict[str, str] = {
    "voting.oversight.watch:scan_open_forums": "ANOMALY_SCAN_SECONDS",
    "voting.casting.table_statistics:keep_fresh": "CASTING_STATISTICS_SECONDS",
}

# Jobs that run once a day at DAILY_JOBS_AT (Seoul time), called with ``as_of`` (the
# app clock's now), one machine at a time. Add one line per job.
DAILY_JOBS: list[str] = [
    "privacy.purge:run",  # the retention schedule (privacy/schedule.py)
]

DAILY_LOCK_TTL = 3600  # a daily job holds its lock for at most an hour


def resolve(name: str) -> Callable:
    """The function a job name ``"module:function"`` refers to."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def run_interval_job(app: Flask, name: str) -> None:
    with app.app_context():
        _guarded(name, lambda: resolve(name)())


def run_daily_job(app: Flask, name: str) -> None:
    with app.app_context():
        with locks.held(f"daily:{name}", DAILY_LOCK_TTL) as mine:
            if mine:
                _guarded(name, lambda: resolve(name)(as_of=clock.now()))


def _guarded(name: str, call: Callable) -> None:
    """Run a job; an error is logged and the worker goes on to the next run."""
    try:
        call()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("job %s failed", name)


def scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with every job, in the display time zone; ``start()`` blocks."""
    zone = app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul")
    hour, _, minute = app.config.get("DAILY_JOBS_AT", "04:00").partition(":")
    runner = BlockingScheduler(timezone=zone)
    for name, key in INTERVAL_JOBS.items():
        runner.add_job(
            run_interval_job,
            IntervalTrigger(seconds=int(app.config.get(key, 300)), timezone=zone),
            args=(app, name),
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),
        )
    for name in DAILY_JOBS:
        runner.add_job(
            run_daily_job,
            CronTrigger(hour=int(hour), minute=int(minute or 0), timezone=zone),
            args=(app, name),
            id=name,
            max_instances=1,
            coalesce=True,
        )
    return runner
