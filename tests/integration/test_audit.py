"""The audit log against someone who can write to the database but does not hold AUDIT_KEY.

Every entry is chained and authenticated with HMAC-SHA256 under the key; heads kept
outside the table (printed by ``audit verify``, recorded in published snapshots) catch
the newest entries being removed together with the head.
"""

import hashlib
import hmac
import json
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import delete
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

from core import audit
from core.extensions import db
from core.models import UTCDateTime
from tests import factories
from tests.conftest import make_app
from tests.web import sign_in
from tests.web import text as page_text
from voting.counting import results

FOREIGN_KEY = "a-key-the-server-does-not-hold"


def entries(n: int, start: int = 0):
    for i in range(start, start + n):
        audit.record(
            "user:1", "role.grant", f"user:{i}", before=None, after={"role": "district_team"}
        )
    db.session.commit()


def chain() -> list[audit.AuditEntry]:
    query = select(audit.AuditEntry).order_by(audit.AuditEntry.seq)
    return list(db.session.execute(query).scalars())


def verify_cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def plain_hash(prev: str, entry) -> str:
    """The chain as it was: SHA-256 over the previous link and the fields, no key."""
    return hashlib.sha256((prev + audit.canonical(audit.fields_of(entry))).encode()).hexdigest()


def foreign_mac(prev: str, entry) -> str:
    return audit.entry_mac(FOREIGN_KEY, prev, audit.fields_of(entry))


def rechain(link, key_id: str | None = None):
    """What a database writer does after a change: renumber, recompute every link and
    the head, so that each entry follows the one before."""
    prev, n = audit.GENESIS, 0
    for n, entry in enumerate(chain(), start=1):
        entry.seq = n
        if key_id is not None:
            entry.key_id = key_id
        entry.prev_mac = prev
        entry.mac = link(prev, entry)
        prev = entry.mac
        db.session.flush()
    db.session.execute(update(audit.AuditHead).values(seq=n, last_mac=prev))
    db.session.commit()


def rewind_head_to(seq: int):
    db.session.execute(delete(audit.AuditEntry).where(audit.AuditEntry.seq > seq))
    last = chain()[-1]
    db.session.execute(update(audit.AuditHead).values(seq=seq, last_mac=last.mac))
    db.session.commit()


def assert_broken(app, result, code: str, *cli_args):
    assert not result.ok and result.code == code, result
    out = verify_cli(app, *cli_args)
    assert out.exit_code == 1 and "BROKEN" in out.output, out.output
    assert "intact" not in out.output


def test_an_untouched_chain_verifies_and_prints_its_head(app):
    entries(5)
    result = audit.verify()
    last = chain()[-1]
    assert result.ok and result.entries == 5 and result.head == f"5:{last.mac}"
    out = verify_cli(app)
    assert out.exit_code == 0 and "5 entries" in out.output
    assert f"Head: 5:{last.mac}" in out.output


def test_each_entry_is_an_hmac_under_the_audit_key_over_the_previous_one(app):
    entries(3)
    key = app.config["AUDIT_KEY"]
    rows = chain()
    assert rows[0].prev_mac == audit.GENESIS
    assert rows[1].prev_mac == rows[0].mac and rows[2].prev_mac == rows[1].mac
    assert [r.seq for r in rows] == [1, 2, 3]
    for row in rows:
        assert row.key_id == hashlib.sha256(key.encode()).hexdigest()[:8]
        message = (row.prev_mac + audit.canonical(audit.fields_of(row))).encode()
        assert row.mac == hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
        assert row.mac != plain_hash(row.prev_mac, row)


def test_an_edited_entry_breaks_the_chain(app):
    entries(4)
    db.session.execute(
        update(audit.AuditEntry).where(audit.AuditEntry.seq == 2).values(after='{"role":"x"}')
    )
    db.session.commit()
    result = audit.verify()
    assert result.broken_at == 2
    assert_broken(app, result, "changed")


def test_an_edit_with_recomputed_plain_hashes_is_detected(app):
    """Entry 1's actor and role changed, then every link and the head recomputed."""
    entries(5)
    db.session.execute(
        update(audit.AuditEntry)
        .where(audit.AuditEntry.seq == 1)
        .values(actor="user:999", after=audit.canonical({"role": "admin"}))
    )
    rechain(plain_hash)
    result = audit.verify()
    assert result.broken_at == 1
    assert_broken(app, result, "changed")


@pytest.mark.parametrize(("claimed", "code"), [("server", "changed"), ("foreign", "other_key")])
def test_an_edit_with_macs_under_another_key_is_detected(app, claimed, code):
    entries(4)
    db.session.execute(
        update(audit.AuditEntry).where(audit.AuditEntry.seq == 3).values(actor="user:999")
    )
    key_id = audit.key_id(FOREIGN_KEY) if claimed == "foreign" else None
    rechain(foreign_mac, key_id)
    result = audit.verify()
    assert result.broken_at == 1
    assert_broken(app, result, code)
    if claimed == "foreign":
        assert audit.key_id(FOREIGN_KEY) in result.problem and "another key" in result.problem


def test_a_removed_middle_entry_breaks_the_chain(app):
    entries(5)
    db.session.execute(delete(audit.AuditEntry).where(audit.AuditEntry.seq == 3))
    db.session.commit()
    result = audit.verify()
    assert result.broken_at == 4
    assert_broken(app, result, "missing")


def test_a_removed_middle_entry_with_renumbered_plain_hashes_is_detected(app):
    entries(5)
    db.session.execute(delete(audit.AuditEntry).where(audit.AuditEntry.seq == 3))
    rechain(plain_hash)
    result = audit.verify()
    assert result.broken_at == 1
    assert_broken(app, result, "changed")


def test_reordered_entries_break_the_chain(app):
    entries(4)
    second, third = chain()[1:3]
    second.seq, third.seq = 100, 2
    db.session.flush()
    second.seq = 3
    db.session.commit()
    assert_broken(app, audit.verify(), "order")


def test_removing_the_last_entries_is_detected(app):
    entries(6)
    db.session.execute(delete(audit.AuditEntry).where(audit.AuditEntry.seq > 3))
    db.session.commit()
    result = audit.verify()
    assert_broken(app, result, "removed")


def test_removing_the_tail_and_rewinding_the_head_fails_against_a_kept_head(app):
    entries(6)
    out = verify_cli(app)
    kept = out.output.split("Head: ")[1].split()[0]
    assert kept == f"6:{chain()[-1].mac}"
    rewind_head_to(3)
    result = audit.verify([audit.Anchor(6, kept.split(":")[1], "the kept head")])
    assert result.entries == 3
    assert_broken(app, result, "removed", "--expect-head", kept)
    assert "the kept head names entry 6" in result.problem


def test_a_kept_head_whose_entry_was_rewritten_is_detected(app):
    entries(4)
    kept = audit.verify().head
    entries(2, start=4)
    out = verify_cli(app, "--expect-head", kept)
    assert out.exit_code == 0, out.output
    wrong = "4:" + "f" * 64
    result = audit.verify([audit.Anchor(4, "f" * 64, "the kept head")])
    assert result.broken_at == 4
    assert_broken(app, result, "anchor", "--expect-head", wrong)


@pytest.mark.parametrize("value", ["7", "x:" + "a" * 64, "3:abc", "-1:" + "a" * 64])
def test_a_malformed_expected_head_is_refused_clearly(app, value):
    entries(1)
    out = verify_cli(app, "--expect-head", value)
    assert out.exit_code == 2 and "SEQ:MAC" in out.output


def test_rewriting_the_whole_chain_with_recomputed_plain_hashes_is_detected(app):
    entries(5)
    for entry in chain():
        entry.actor, entry.reason = "user:999", "rewritten"
    rechain(plain_hash, key_id="")
    assert_broken(app, audit.verify(), "other_key")


def closed_forum():
    now = datetime.now(UTC)
    return factories.forum(phase="closed", opens=now - timedelta(days=9), closes=now)


def test_every_published_snapshot_records_the_head_and_verify_checks_it(app):
    entries(3)
    forum = closed_forum()
    team = factories.staff("team", "district_team", code=forum.district.code)
    snapshot = results.publish(team, forum.id, "greedy")
    payload = json.loads(snapshot.payload)
    assert payload["audit_head"] == {"seq": 3, "mac": chain()[2].mac}
    assert results.verify_snapshot(forum.id).matches
    entries(3, start=3)
    assert audit.verify().ok
    # The snapshot (published, downloaded) keeps entry 3; the table loses 3 onwards.
    rewind_head_to(2)
    result = audit.verify()
    assert f"snapshot of forum {forum.id}" in result.problem
    assert_broken(app, result, "removed")


@pytest.mark.parametrize("stored", ["other-mac", "unreadable"])
def test_a_snapshot_whose_head_is_not_in_the_chain_is_reported(app, stored):
    entries(2)
    forum = closed_forum()
    team = factories.staff("team", "district_team", code=forum.district.code)
    snapshot = results.publish(team, forum.id, "greedy")
    if stored == "other-mac":
        payload = json.loads(snapshot.payload)
        payload["audit_head"]["mac"] = "e" * 64
        snapshot.payload = audit.canonical(payload)
    else:
        snapshot.payload = "{not json"
    db.session.commit()
    result = audit.verify()
    assert f"snapshot of forum {forum.id}" in result.problem
    assert_broken(app, result, "anchor")


def test_a_snapshot_of_an_empty_log_anchors_the_empty_chain(app):
    forum = closed_forum()
    team = factories.staff("team", "district_team", code=forum.district.code)
    snapshot = results.publish(team, forum.id, "greedy")
    assert json.loads(snapshot.payload)["audit_head"] == {"seq": 0, "mac": audit.GENESIS}
    assert audit.verify().ok and results.verify_snapshot(forum.id).matches


def test_a_rotated_key_is_named_and_retired_keys_still_verify(app):
    entries(2)
    old = app.config["AUDIT_KEY"]
    app.config["AUDIT_KEY"] = "the-next-audit-key"
    result = audit.verify()
    assert result.broken_at == 1 and audit.key_id(old) in result.problem
    assert_broken(app, result, "other_key")
    app.config["AUDIT_PREVIOUS_KEYS"] = [old]
    entries(2, start=2)
    assert audit.verify().ok and audit.verify().entries == 4
    assert chain()[-1].key_id == audit.key_id("the-next-audit-key")


def test_entries_made_under_a_clock_in_another_zone_verify(app):
    app.config["CLOCK"] = lambda: datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    entries(2)
    assert audit.verify().ok
    assert chain()[0].at == datetime(2026, 7, 1, 0, 30, tzinfo=UTC)


def test_an_entry_only_exists_if_its_change_commits(app):
    audit.record("user:1", "forum.edit", "forum:1")
    db.session.rollback()
    entries(1)
    assert audit.verify().ok and audit.verify().entries == 1


def test_the_operator_page_shows_the_head_and_names_the_problem(app):
    entries(2)
    operator = factories.staff("op", "operator")
    client = app.test_client()
    sign_in(client, operator)
    page = page_text(client.get("/operator/audit"))
    assert audit.verify().head in page
    db.session.execute(
        update(audit.AuditEntry).where(audit.AuditEntry.seq == 1).values(actor="user:999")
    )
    db.session.commit()
    client.get("/lang/en")
    page = page_text(client.get("/operator/audit"))
    assert "broken at entry 1: its content was changed" in page and 'id="head"' not in page


# --- entries written before MACs: signed once at the upgrade ---------------------------


LEGACY_FIELDS = ("seq", "at", "actor", "action", "target", "before", "after", "reason")


def legacy_rows(n: int) -> list[dict]:
    """Entries as the plain SHA-256 chain wrote them."""
    prev, rows = audit.GENESIS, []
    for seq in range(1, n + 1):
        at = datetime(2026, 11, 30, 9, seq, tzinfo=UTC)
        fields = {
            "seq": seq,
            "at": at.isoformat(),
            "actor": "user:1",
            "action": "forum.edit",
            "target": f"forum:{seq}",
            "before": None,
            "after": '{"title":"t"}',
            "reason": None,
        }
        digest = hashlib.sha256((prev + audit.canonical(fields)).encode()).hexdigest()
        rows.append(dict(fields, at=at.replace(tzinfo=None), prev_hash=prev, hash=digest))
        prev = digest
    return rows


def upgraded_app(backend, tmp_path, rows: list[dict], head_seq: int):
    app = make_app(backend, tmp_path, create_schema=False)
    with app.app_context():
        upgrade(revision="0006")
        insert = text(
            "INSERT INTO audit_entries (seq, at, actor, action, target, before, after, reason,"
            " prev_hash, hash) VALUES (:seq, :at, :actor, :action, :target, :before, :after,"
            " :reason, :prev_hash, :hash)"
        )
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(insert, row)
            last = rows[head_seq - 1]["hash"]
            connection.execute(
                text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, :seq, :last)"),
                {"seq": head_seq, "last": last},
            )
    return app


def test_the_upgrade_signs_an_intact_legacy_chain_once_and_says_so(backend, tmp_path):
    app = upgraded_app(backend, tmp_path, legacy_rows(3), 3)
    with app.app_context():
        upgrade()
        result = audit.verify()
        assert result.ok and result.entries == 4
        note = chain()[-1]
        assert note.action == "audit.sign_legacy" and note.actor == "system:upgrade"
        assert json.loads(note.after)["signed_entries"] == 3
        assert json.loads(note.before)["legacy_head"] == legacy_rows(3)[-1]["hash"]
        assert {row.key_id for row in chain()} == {audit.key_id(app.config["AUDIT_KEY"])}
        entries(1)
        assert audit.verify().ok and audit.verify().entries == 5
        db.session.remove()
        downgrade(revision="0006")
        query = text("SELECT * FROM audit_entries ORDER BY seq").columns(at=UTCDateTime())
        with db.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
            head = connection.execute(text("SELECT seq, last_hash FROM audit_head")).one()
        prev = audit.GENESIS
        for row in rows:
            fields = {name: row[name] for name in LEGACY_FIELDS}
            fields["at"] = row["at"].isoformat()
            assert row["prev_hash"] == prev
            prev = hashlib.sha256((prev + audit.canonical(fields)).encode()).hexdigest()
            assert row["hash"] == prev
        assert (head.seq, head.last_hash) == (5, prev)


@pytest.mark.parametrize(("edit", "message"), [("actor", "broken at entry 2"), ("head", "newest")])
def test_the_upgrade_refuses_to_sign_a_broken_legacy_chain(
    backend, tmp_path, capsys, edit, message
):
    rows = legacy_rows(3)
    if edit == "actor":
        rows[1]["actor"] = "user:999"
    app = upgraded_app(backend, tmp_path, rows, 3 if edit == "actor" else 2)
    with app.app_context():
        with pytest.raises(SystemExit):
            upgrade()
        assert message in capsys.readouterr().err
        columns = {c["name"] for c in inspect(db.engine).get_columns("audit_entries")}
        assert "hash" in columns and "mac" not in columns
        db.session.remove()


def test_concurrent_first_entries_all_commit_into_one_chain(app):
    """The very first entries, written at once, each find no head row: one creates it and
    the others wait for it, so every entry commits and the chain verifies."""
    import threading

    writers = 6
    barrier = threading.Barrier(writers)
    failures = []

    def write(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                audit.record("user:1", "forum.update", f"forum:{n}")
                db.session.commit()
            except Exception as error:  # the assertion below lists them
                failures.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    check = audit.verify()
    assert check.ok and check.entries == writers
