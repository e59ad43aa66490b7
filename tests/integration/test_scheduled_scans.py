"""Scheduled bloc-voting scans: what the worker scans, the lock, the high-water mark,
the scan record and the alert mail (against a local SMTP sink)."""

import email
import email.policy
import json
import random
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from core import locks
from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.conftest import make_app
from tests.conftest import REDIS_URL
from voting.casting import receipts
from voting.models import AnomalyFlag
from voting.models import AnomalyScan
from voting.models import Ballot
from voting.models import BallotChoice
from voting.oversight import alerts
from voting.oversight import forum_ballots
from voting.oversight import records
from voting.oversight import watch

START = datetime(2026, 7, 6, tzinfo=UTC)


def add_ballot(forum, n, picks, when, network, device, ballot_id=None):
    db.session.add(
        Ballot(
            id=ballot_id,
            forum_id=forum.id,
            voter_key=f"{n:064d}",
            receipt_code=receipts.new_code(),
            channel="online",
            cast_at=when,
            network_hash=network,
            device_hash=device,
            agent_hash="chrome/android",
            first_seen_at=when - timedelta(days=30),
            choices=[BallotChoice(item_id=item.id) for item in picks],
        )
    )


def organic(forum, count, first=0):
    items = sorted(forum.items, key=lambda i: i.position)
    rng = random.Random(first)
    for n in range(first, first + count):
        picks = set()
        while len(picks) < 3:
            picks.add(rng.choices(range(6), [10, 8, 4, 2, 1, 1])[0])
        when = START + timedelta(seconds=rng.randrange(3 * 86400))
        add_ballot(forum, n, [items[i] for i in sorted(picks)], when, f"net{n % 97}", f"dev{n}")


def bloc(forum, first, count=40):
    items = sorted(forum.items, key=lambda i: i.position)
    for n in range(first, first + count):
        when = START + timedelta(days=3, seconds=15 * (n - first))
        add_ballot(forum, n, [items[3], items[4], items[5]], when, "net-bloc", "dev-bloc")


@pytest.fixture
def forum(app):
    made = factories.forum(
        opens=START,
        closes=START + timedelta(days=7),
        items=[(0, 100), (0, 100), (1, 100), (1, 100), (2, 100), (2, 100)],
        envelope=300,
    )
    organic(made, 120)
    db.session.commit()
    app.config["CLOCK"] = lambda: START + timedelta(days=3, hours=1)
    return made


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_sink(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        ALERT_EMAILS=["ops@district.example", "lead@district.example"],
        MAIL_FROM="forum@district.example",
    )
    yield inbox
    controller.stop()


def test_an_open_forum_is_scanned_and_its_scan_recorded(app, forum):
    reports = watch.scan_open_forums()
    assert [r.forum_id for r in reports] == [forum.id]
    record = db.session.get(AnomalyScan, forum.id)
    assert record.ballots == 120 and record.scanned_at == record.checked_at
    assert record.high_water == db.session.execute(select(func.max(Ballot.id))).scalar_one()


def test_forums_outside_their_window_are_not_scanned(app, forum):
    app.config["CLOCK"] = lambda: START - timedelta(minutes=1)
    assert watch.scan_open_forums() == []
    app.config["CLOCK"] = lambda: START + timedelta(days=7, minutes=59)
    assert len(watch.scan_open_forums()) == 1  # the hour after closing still gets a scan
    app.config["CLOCK"] = lambda: START + timedelta(days=7, hours=1, minutes=1)
    organic(forum, 5, first=500)
    db.session.commit()
    assert watch.scan_open_forums() == []


def test_nothing_new_only_marks_the_forum_checked(app, forum):
    watch.scan_open_forums()
    scanned = db.session.get(AnomalyScan, forum.id).scanned_at
    app.config["CLOCK"] = lambda: START + timedelta(days=3, hours=2)
    assert watch.scan_open_forums() == []
    record = db.session.get(AnomalyScan, forum.id)
    assert record.scanned_at == scanned
    assert record.checked_at == START + timedelta(days=3, hours=2)


def test_another_app_in_the_process_never_scans_the_ballots_this_one_read(app, forum, tmp_path):
    # a bench or a test suite runs app after app in one process, each on its own
    # database where the first forum has id 1 again
    watch.scan_open_forums()
    (tmp_path / "other").mkdir()
    other = make_app("sqlite", tmp_path / "other")
    with other.app_context():
        again = factories.forum(
            opens=START, closes=START + timedelta(days=7), items=[(0, 100)] * 6, envelope=300
        )
        bloc(again, 0)  # the ids the first app read, holding other ballots
        db.session.flush()
        organic(again, 120, first=1000)
        db.session.commit()
        other.config["CLOCK"] = app.config["CLOCK"]
        assert again.id == forum.id
        [report] = watch.scan_open_forums()
        [flag] = db.session.execute(select(AnomalyFlag)).scalars()
        assert report.ballots == 160 and len(json.loads(flag.members)) == 40
        db.session.remove()


def test_a_rescan_reads_only_the_new_ballots(app, forum):
    watch.scan_open_forums()
    loaded = watch.kept_ballots()[forum.id]
    assert loaded.read_last == 120
    organic(forum, 7, first=300)
    db.session.commit()
    [report] = watch.scan_open_forums()
    assert loaded.read_last == 7 and report.ballots == 127


def test_the_loader_reads_every_signal_as_the_models_hold_it(app, backend, forum, monkeypatch):
    items = sorted(forum.items, key=lambda i: i.position)
    items[0].external_id = '따옴표 "1", 쉼표'  # read back as it is, whatever it holds
    add_ballot(forum, 700, items[:2], START + timedelta(hours=3), None, None)
    add_ballot(forum, 701, [], START + timedelta(hours=4), "n", "d")
    db.session.flush()
    odd = db.session.execute(select(Ballot).filter_by(voter_key=f"{701:064d}")).scalar_one()
    odd.channel, odd.outreach_tag, odd.first_seen_at = "assisted", "yeoksam1", None
    db.session.commit()
    monkeypatch.setattr(forum_ballots, "BLOCK", 7)  # many blocks from the driver
    if backend == "postgres":  # a server in a zone with summer time still gives UTC
        db.session.execute(text("SET TIME ZONE 'America/New_York'"))

    loaded = forum_ballots.refresh(forum_ballots.ForumBallots(forum.id))

    stored = db.session.execute(select(Ballot).filter_by(forum_id=forum.id)).scalars().all()
    names = {item.id: item.external_id for item in items}
    expected = {
        b.id: records.Ballot(
            voter=str(b.id),
            time=b.cast_at,
            picks=tuple(sorted(names[c.item_id] for c in b.choices)),
            network=b.network_hash or "",
            device=b.device_hash or "",
            agent=b.agent_hash or "",
            channel=b.channel,
            first_seen=b.first_seen_at,
            tag=b.outreach_tag or "",
        )
        for b in stored
    }
    assert len(expected) == 122 and loaded.ballots == expected
    assert loaded.high_water == max(expected)
    assert all(b.time.utcoffset() == timedelta(0) for b in loaded.ballots.values())


def test_a_ballot_committed_below_the_mark_is_still_read(app, forum):
    loaded = forum_ballots.refresh(forum_ballots.ForumBallots(forum.id))
    items = sorted(forum.items, key=lambda i: i.position)
    add_ballot(forum, 900, items[:3], START, "n", "d", ballot_id=loaded.high_water + 50)
    db.session.commit()
    forum_ballots.refresh(loaded)
    add_ballot(forum, 901, items[:3], START, "n", "d", ballot_id=loaded.high_water - 10)
    db.session.commit()
    assert loaded.high_water - 10 not in loaded.ballots
    forum_ballots.refresh(loaded)
    assert loaded.high_water - 10 in loaded.ballots and len(loaded.ballots) == 122


def test_a_forum_being_scanned_elsewhere_is_skipped(app, forum):
    with locks.held(f"anomalies-scan:{forum.id}", 60) as mine:
        assert mine
        assert watch.scan_open_forums() == []
    assert len(watch.scan_open_forums()) == 1


def test_the_redis_lock_is_shared_and_expires(app, forum):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail(f"Redis is needed for this test at {REDIS_URL}")
    app.config["REDIS_URL"] = REDIS_URL
    name = f"anomalies-scan:{forum.id}"
    client.delete(f"lock:{name}")
    other = client.lock(f"lock:{name}", timeout=1, blocking=False)  # another machine
    assert other.acquire()
    with locks.held(name, 60) as mine:
        assert not mine
    assert watch.scan_open_forums() == []
    assert client.pttl(f"lock:{name}") <= 1000  # the other holder's lock expires by itself
    client.delete(f"lock:{name}")  # as if a second had passed
    with locks.held(name, 60) as mine:
        assert mine and 0 < client.ttl(f"lock:{name}") <= 60
    assert not client.exists(f"lock:{name}")  # released after use
    assert len(watch.scan_open_forums()) == 1


def test_a_new_flag_that_changes_the_result_is_mailed_once(app, forum, smtp_sink):
    watch.scan_open_forums()
    assert smtp_sink.messages == []  # organic ballots: no flag, no mail
    bloc(forum, 200)
    db.session.commit()
    [report] = watch.scan_open_forums()
    assert report.alerts
    [mail] = smtp_sink.messages
    assert mail.rcpt_tos == ["ops@district.example", "lead@district.example"]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert "선정 결과를 바꾸는 의심 신호" in message["Subject"]
    body = message.get_content()
    assert "검토해 주세요" in body
    for flag_id in report.alerts:
        assert f"/operator/flags/{flag_id}" in body
    flag = db.session.get(AnomalyFlag, report.alerts[0])
    assert flag.changes_outcome and flag.alerted_at == START + timedelta(days=3, hours=1)
    organic(forum, 3, first=600)
    db.session.commit()
    [again] = watch.scan_open_forums()
    assert again.alerts == [] and len(smtp_sink.messages) == 1


def test_a_mail_server_that_is_down_leaves_the_badge(app, forum):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), ALERT_EMAILS=["o@x.example"])
    bloc(forum, 200)
    db.session.commit()
    [report] = watch.scan_open_forums()
    assert report.alerts and not alerts.notify(report.alerts)
    flags = db.session.execute(select(AnomalyFlag).where(AnomalyFlag.alerted_at.is_not(None)))
    assert [f.id for f in flags.scalars()] == report.alerts


def test_no_recipients_means_no_mail(app, forum):
    assert alerts.compose([1]) is None
    app.config["ALERT_EMAILS"] = ["o@x.example"]
    assert alerts.compose([]) is None


def test_the_scan_is_audited_with_its_counts(app, forum):
    from core import audit

    watch.scan_open_forums()
    entry = db.session.execute(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "anomalies.scan")
    ).scalar_one()
    assert entry.actor == "scheduler" and json.loads(entry.after)["ballots"] == 120


def test_a_forum_without_ballots_gets_an_empty_scan_record(app):
    empty = factories.forum(opens=START, closes=START + timedelta(days=7))
    db.session.commit()
    app.config["CLOCK"] = lambda: START + timedelta(hours=1)
    [report] = watch.scan_open_forums()
    assert report.ballots == 0 and report.flags == 0
    assert db.session.get(AnomalyScan, empty.id).ballots == 0


def test_the_ballots_kept_for_a_closed_forum_are_let_go(app, forum):
    watch.scan_open_forums()
    assert forum.id in watch.kept_ballots()
    app.config["CLOCK"] = lambda: START + timedelta(days=8)
    assert watch.scan_open_forums() == [] and forum.id not in watch.kept_ballots()
