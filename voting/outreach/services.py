"""Outreach link use cases: the team's list and new links, a resident's arrival, and the
ballots per link for the turnout board. Each use case commits at most once."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from core import audit
from core import clock
from core.errors import DomainError
from core.extensions import db
from deliberation import services as forums
from deliberation.models import Forum
from voting.counting import results
from voting.counting import turnout
from voting.models import Ballot
from voting.models import OUTREACH_KINDS
from voting.models import OutreachLink
from voting.outreach import rules

UNTAGGED = ""  # the key of ballots cast without a link, in the counts before protection


@dataclass
class LinkRow:
    link: OutreachLink
    ballots: int | str  # a count, or "<5" / "≥5" as the turnout tables hide small cells


@dataclass
class LinksPage:
    forum: Forum
    rows: list[LinkRow]
    untagged: int | str


def protected_counts(forum_id: int) -> tuple[list[OutreachLink], dict[str, int | str]]:
    """The forum's links (oldest first) and its counted ballots per link code, with the
    ballots cast without a link under ``UNTAGGED``; every cell under 5 hidden as the
    turnout tables hide them (``voting.counting.turnout.protect``), the untagged cell
    included, since the table adds up to the published number of ballots."""
    links = list(
        db.session.execute(
            select(OutreachLink).where(OutreachLink.forum_id == forum_id).order_by(OutreachLink.id)
        ).scalars()
    )
    query = (
        select(Ballot.outreach_tag, func.count())
        .where(results.counted(forum_id))
        .group_by(Ballot.outreach_tag)
    )
    found = dict(db.session.execute(query).all())
    cells = {link.code: found.get(link.code, 0) for link in links}
    # a tag of a link since removed counts as no link
    cells[UNTAGGED] = sum(found.values()) - sum(cells.values())
    return links, turnout.protect(cells)


def by_link_name(forum_id: int) -> tuple[dict[str, int | str], int | str]:
    """Counted ballots per link name (cells under 5 hidden), and those cast without one."""
    links, cells = protected_counts(forum_id)
    return {link.name: cells[link.code] for link in links}, cells[UNTAGGED]


def links_page(user: User, forum_id: int) -> LinksPage:
    """The forum's links with their ballots so far, for its own district team."""
    forum = forums.managed_forum(user, forum_id)
    links, cells = protected_counts(forum.id)
    rows = [LinkRow(link=link, ballots=cells[link.code]) for link in links]
    return LinksPage(forum=forum, rows=rows, untagged=cells[UNTAGGED])


def _check(forum_id: int, name: str | None, kind: str | None) -> str:
    problem = rules.name_problem(name)
    if problem == "missing":
        raise DomainError(_("Give the link a name, such as the 동 office it is for."), 422, "name")
    if problem == "too_long":
        message = _("A link's name has at most %(n)d characters.", n=rules.NAME_MAX)
        raise DomainError(message, 422, "name")
    if kind not in OUTREACH_KINDS:
        raise DomainError(_("Choose what the link is for."), 422, "kind")
    text = (name or "").strip()
    taken = select(OutreachLink.id).where(
        OutreachLink.forum_id == forum_id, OutreachLink.name == text
    )
    if db.session.execute(taken).first() is not None:
        raise DomainError(_("This forum has a link with that name already."), 422, "name_taken")
    return text


def create_link(user: User, forum_id: int, name: str | None, kind: str | None) -> OutreachLink:
    """A new link for the forum under a fresh random code; the audit log keeps who made it."""
    forum = forums.managed_forum(user, forum_id)
    text = _check(forum.id, name, kind)
    link = OutreachLink(
        forum_id=forum.id,
        code=rules.new_code(),
        name=text,
        kind=kind,
        created_by=user.actor,
        created_at=clock.now(),
    )
    db.session.add(link)
    try:
        db.session.flush()
        audit.record(
            user.actor,
            "outreach.create",
            f"forum:{forum.id}",
            after={"link": link.id, "name": text, "kind": kind, "code": link.code},
        )
        db.session.commit()
    except IntegrityError:
        # the same name saved at the same moment by a colleague (codes do not collide)
        db.session.rollback()
        raise DomainError(
            _("This forum has a link with that name already."), 422, "name_taken"
        ) from None
    return link


def team_link(user: User, forum_id: int, link_id: int) -> tuple[Forum, OutreachLink]:
    """One of the forum's links, for its own district team (404 for another forum's)."""
    forum = forums.managed_forum(user, forum_id)
    link = db.session.get(OutreachLink, link_id)
    if link is None or link.forum_id != forum.id:
        raise DomainError(_("There is no such link in this forum."), 404, "not_found")
    return forum, link


def arrival(code: str) -> OutreachLink | None:
    """The link a resident arrived through, or None for a code no link has."""
    if not rules.plausible_code(code):
        return None
    query = select(OutreachLink).where(OutreachLink.code == code)
    return db.session.execute(query).scalar_one_or_none()
