"""The hash-chained audit log and the CLI that verifies it."""

from sqlalchemy import select
from sqlalchemy import update

from core import audit
from core.extensions import db


def entries(n: int):
    for i in range(n):
        audit.record(
            "user:1", "forum.edit", f"forum:{i}", before={"title": "a"}, after={"title": i}
        )
    db.session.commit()


def test_an_untouched_chain_verifies(app):
    entries(5)
    result = audit.verify()
    assert result.ok and result.entries == 5
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "5 entries" in out.output


def test_entries_chain_each_to_the_previous(app):
    entries(3)
    rows = (
        db.session.execute(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).scalars().all()
    )
    assert rows[0].prev_hash == audit.GENESIS
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert [r.seq for r in rows] == [1, 2, 3]


def test_an_edited_entry_breaks_the_chain(app):
    entries(4)
    db.session.execute(
        update(audit.AuditEntry).where(audit.AuditEntry.seq == 2).values(after='{"title":"x"}')
    )
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_at == 2
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 1 and "BROKEN" in out.output


def test_a_removed_entry_breaks_the_chain(app):
    entries(4)
    db.session.delete(db.session.execute(select(audit.AuditEntry).filter_by(seq=3)).scalar_one())
    db.session.commit()
    assert not audit.verify().ok


def test_removing_the_last_entries_is_detected(app):
    entries(4)
    db.session.delete(db.session.execute(select(audit.AuditEntry).filter_by(seq=4)).scalar_one())
    db.session.commit()
    result = audit.verify()
    assert not result.ok and "removed" in result.problem


def test_an_entry_only_exists_if_its_change_commits(app):
    audit.record("user:1", "forum.edit", "forum:1")
    db.session.rollback()
    entries(1)
    assert audit.verify().ok and audit.verify().entries == 1
