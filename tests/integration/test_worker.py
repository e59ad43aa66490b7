"""The worker process (``flask worker``) scans an open forum by itself, beside the app."""

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.integration.test_scheduled_scans import bloc
from tests.integration.test_scheduled_scans import organic
from voting.models import AnomalyFlag
from voting.models import AnomalyScan

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_scans_open_forums_by_itself_and_flags_a_bloc(app):
    forum = factories.forum(
        items=[(0, 100), (0, 100), (1, 100), (1, 100), (2, 100), (2, 100)], envelope=300
    )  # its window is open now
    organic(forum, 120)
    bloc(forum, 200)
    db.session.commit()
    forum_id = forum.id
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ANOMALY_SCAN_SECONDS": "1",
        "REDIS_URL": "",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        record = None
        for _ in range(300):
            db.session.remove()
            record = db.session.get(AnomalyScan, forum_id)
            if record is not None or worker.poll() is not None:
                break
            time.sleep(0.1)
        assert record is not None, "the worker did not scan within 30 seconds"
        assert record.ballots == 160
        flags = db.session.execute(select(AnomalyFlag).filter_by(forum_id=forum_id)).scalars()
        assert any(f.tier == "proxy_casting" and f.size >= 25 for f in flags)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
    assert "Worker started" in output
