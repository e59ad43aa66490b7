"""The staff access log (접속기록, 안전성 확보조치 기준 Art 8): each staff view of
personal data, written after the page is served, and the monthly review."""

import hashlib
import hmac
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask import request
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy import select

from core import clock
from core.extensions import db
from privacy import schedule
from privacy.models import StaffAccess
from voting.casting import signals
from voting.models import AnomalyFlag

# Staff pages that show personal data, and what each shows.
LOGGED = {
    "operator.flags": "flags",
    "operator.flag": "flag evidence",
    "operator.audit_log": "audit log",
    "publication.preview": "result preview and turnout",
    "turnout.board": "live turnout",  # its JSON refreshes the same view: not logged again
    "proposals.manage": "proposals under review",
    "assisted.page": "assisted ballots",
    "discussion.moderation": "comments and proposals under moderation",
    "admin.roles": "staff roles",
}


def network_hash(address: str | None) -> str | None:
    """A keyed hash of the address's network prefix (its own key domain)."""
    prefix = signals.network_prefix(address)
    if not prefix:
        return None
    pepper = current_app.config["VOTER_KEY_PEPPER"].encode()
    return hmac.new(pepper, f"access|network|{prefix}".encode(), hashlib.sha256).hexdigest()[:16]


def _forum_id() -> int | None:
    args = request.view_args or {}
    if "forum_id" in args:
        return args["forum_id"]
    if "flag_id" in args:
        flag = db.session.get(AnomalyFlag, args["flag_id"])
        return flag.forum_id if flag else None
    raw = request.args.get("forum", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def record(response):
    """After a staff page of ``LOGGED`` is served (200), one entry in its own commit."""
    what = LOGGED.get(request.endpoint or "")
    if what is None or response.status_code != 200 or not current_user.is_authenticated:
        return response
    names = [role.name for role in current_user.roles if role.name]
    db.session.add(
        StaffAccess(
            at=clock.now(),
            actor=current_user.actor,
            actor_name=(names[0] if names else "")[:80],
            network_hash=network_hash(request.remote_addr),
            forum_id=_forum_id(),
            what=what,
            path=request.full_path.rstrip("?")[:200],
        )
    )
    db.session.commit()
    return response


def month(start: datetime, end: datetime) -> list[StaffAccess]:
    query = (
        select(StaffAccess)
        .where(StaffAccess.at >= start, StaffAccess.at < end)
        .order_by(StaffAccess.at, StaffAccess.id)
    )
    return list(db.session.execute(query).scalars())


def purge(as_of: datetime) -> int:
    """Delete entries older than the schedule's ``staff_access_log`` days; the caller commits."""
    days = schedule.by_key("staff_access_log").period(current_app.config)
    cutoff = as_of - timedelta(days=days)
    return db.session.execute(delete(StaffAccess).where(StaffAccess.at < cutoff)).rowcount
