"""The audit log: append-only, hash-chained, written in the same commit as the change.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical
JSON, so removing, reordering or editing any entry breaks the chain from there on.
A one-row head table serialises writers: the row is updated first in the transaction,
which takes a row lock on PostgreSQL and the write lock on SQLite.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import update
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core import clock
from core.extensions import db

GENESIS = "0" * 64


class AuditHead(db.Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def canonical(value) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept, for hashing and storage."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


def record(
    actor: str,
    action: str,
    target: str,
    before=None,
    after=None,
    reason: str | None = None,
) -> AuditEntry:
    """Append an entry to the caller's transaction; the caller commits with its change."""
    bumped = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
    )
    if bumped.rowcount == 0:
        db.session.add(AuditHead(id=1, seq=1, last_hash=GENESIS))
        db.session.flush()
    head = db.session.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    entry = AuditEntry(
        seq=head.seq,
        at=clock.now().replace(microsecond=0),
        actor=actor[:120],
        action=action,
        target=target[:120],
        before=None if before is None else canonical(before),
        after=None if after is None else canonical(after),
        reason=reason,
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry.prev_hash, _fields(entry))
    db.session.add(entry)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.hash))
    return entry


@dataclass
class Verification:
    ok: bool
    entries: int
    broken_at: int | None = None
    problem: str = ""


def verify() -> Verification:
    """Walk the chain in order and recompute every hash."""
    prev = GENESIS
    count = 0
    expected_seq = 1
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for entry in db.session.execute(query).scalars():
        count += 1
        if entry.seq != expected_seq:
            return Verification(False, count, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, "does not follow the previous entry")
        if entry_hash(prev, _fields(entry)) != entry.hash:
            return Verification(False, count, entry.seq, "its content was changed")
        prev = entry.hash
        expected_seq += 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.last_hash != prev):
        return Verification(False, count, count, "entries after it were removed")
    return Verification(True, count)


def latest(limit: int = 200) -> list[AuditEntry]:
    """The most recent entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    return list(db.session.execute(query).scalars())
