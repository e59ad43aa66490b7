"""The worker's job list: interval jobs, the daily slot, and ``worker --once``."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

from core import jobs
from core import locks
from core.extensions import db
from tests import factories
from voting.models import AnomalyScan

CALLS: list = []


def remember(as_of):
    """A daily job for the test: records when it ran."""
    CALLS.append(as_of)


def test_a_daily_job_is_one_line_and_runs_with_the_clock_once_at_a_time(app, monkeypatch):
    monkeypatch.setattr(jobs, "DAILY_JOBS", ["tests.integration.test_jobs:remember"])
    moment = datetime(2026, 7, 6, 19, 0, tzinfo=UTC)
    app.config.update(CLOCK=lambda: moment, DAILY_JOBS_AT="04:30")
    CALLS.clear()
    jobs.run_daily_job(app, "tests.integration.test_jobs:remember")
    assert CALLS == [moment]
    with app.app_context(), locks.held("daily:tests.integration.test_jobs:remember", 60):
        jobs.run_daily_job(app, "tests.integration.test_jobs:remember")  # held elsewhere
    assert CALLS == [moment]
    scheduled = {job.id: job for job in jobs.scheduler(app).get_jobs()}
    trigger = scheduled["tests.integration.test_jobs:remember"].trigger
    assert str(trigger) == "cron[hour='4', minute='30']" and str(trigger.timezone) == "Asia/Seoul"
    assert "voting.oversight.watch:scan_open_forums" in scheduled


def test_a_failing_job_is_logged_and_the_worker_goes_on(app, monkeypatch, caplog):
    monkeypatch.setitem(jobs.INTERVAL_JOBS, "tests.integration.test_jobs:missing", "X")
    jobs.run_interval_job(app, "tests.integration.test_jobs:missing")
    assert "job tests.integration.test_jobs:missing failed" in caplog.text


def test_worker_once_scans_the_open_forums_and_exits(app):
    forum_id = factories.forum(opens=datetime.now(UTC) - timedelta(hours=1)).id
    out = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert out.exit_code == 0, out.output
    db.session.remove()
    assert db.session.get(AnomalyScan, forum_id) is not None


def test_the_daily_run_applies_the_retention_schedule(app):
    """The purge is one of the worker's daily jobs, and every job name resolves."""
    assert "privacy.purge:run" in jobs.DAILY_JOBS
    scheduled = {job.id for job in jobs.scheduler(app).get_jobs()}
    assert "privacy.purge:run" in scheduled
    from privacy import purge

    assert all(jobs.resolve(name) for name in jobs.DAILY_JOBS)
    assert jobs.resolve("privacy.purge:run") is purge.run
    jobs.run_daily_job(app, "privacy.purge:run")  # nothing due: runs and returns
