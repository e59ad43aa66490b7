"""The audit log as operators read it: who by name and role, what and on what in words.

The entries themselves keep their codes ("user:58", "flag.confirm", "forum:6"); only the
page puts them into words, so the hash chain never depends on a name or a language.
"""

from dataclasses import dataclass

from sqlalchemy import select

from auth.services import actor_names
from core import audit
from core.extensions import db
from deliberation.models import Forum
from voting import labels


@dataclass
class Line:
    seq: int
    at: object
    actor: str
    action: str
    target: str
    reason: str | None


@dataclass
class AuditPage:
    lines: list[Line]
    check: audit.Verification


def latest(limit: int = 200) -> AuditPage:
    """The newest entries in words, and whether the whole chain still verifies."""
    entries = audit.latest(limit)
    actors = actor_names({entry.actor for entry in entries})
    forum_ids = {
        int(ident)
        for kind, _sep, ident in (entry.target.partition(":") for entry in entries)
        if kind == "forum" and ident.isdigit()
    }
    query = select(Forum.id, Forum.title).where(Forum.id.in_(forum_ids))
    titles = dict(db.session.execute(query).all())
    lines = [
        Line(
            seq=entry.seq,
            at=entry.at,
            actor=actors[entry.actor],
            action=labels.audit_action(entry.action, entry.after),
            target=labels.audit_target(entry.target, titles),
            reason=entry.reason,
        )
        for entry in entries
    ]
    return AuditPage(lines, audit.verify())
