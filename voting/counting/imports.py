"""Replay a real election: a Pabulib ``.pb`` file becomes a closed forum with its ballots."""

from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from auth.services import derive_voter_key
from core import clock
from core.extensions import db
from core.forms import MAX_AMOUNT
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from voting.casting import receipts
from voting.counting import bulk
from voting.counting import pabulib

SEOUL = ZoneInfo("Asia/Seoul")


def _date(value: str | None) -> datetime | None:
    """A META date as the start of that day in Seoul, where the forum's times are shown."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M"):
        try:
            return datetime.strptime((value or "").strip(), fmt).replace(tzinfo=SEOUL)
        except ValueError:
            continue
    return None


def _district(meta: dict) -> District:
    parts = [meta.get(k, "").strip() for k in ("country", "unit", "district", "subunit")]
    name = " / ".join(p for p in parts if p) or "Pabulib"
    code = ("pb:" + ":".join(p for p in parts if p))[:64]
    district = db.session.execute(select(District).filter_by(code=code)).scalar_one_or_none()
    if district is None:
        district = District(code=code, name_ko=name[:200], name_en=name[:200])
        db.session.add(district)
    return district


def _unique_slug(stem: str) -> str:
    base = "pb-" + "".join(c if c.isalnum() else "-" for c in stem.lower())[:100]
    slug, n = base, 1
    while db.session.execute(select(Forum.id).filter_by(slug=slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_amounts(election: pabulib.PbElection) -> None:
    """Envelopes and costs are stored as 32-bit integers, the bound the staff forms keep
    (``core.forms.MAX_AMOUNT``); a file beyond it is refused before anything is stored."""
    amounts = [("META budget", election.budget)]
    amounts += [(f"cost of project {p.id!r}", p.cost) for p in election.projects]
    for what, amount in amounts:
        if amount > MAX_AMOUNT:
            raise pabulib.PbError(f"{what} {amount} is above {MAX_AMOUNT:,}, the largest stored")


def import_pb(path: str | Path) -> int:
    """Create a district, a closed forum, its items and ballots from a ``.pb`` file.

    META ``budget`` is the envelope and META ``rule`` sets the funding options; each
    category becomes a field (the first one when a project lists several). Imported
    ballots get voter keys derived from the file's voter ids. Returns the forum id.
    """
    path = Path(path)
    election = pabulib.load(path)
    _check_amounts(election)
    meta = election.meta
    skip_misfits, min_votes = pabulib.funding_options(meta)
    starts = _date(meta.get("date_begin")) or datetime(2000, 1, 1, tzinfo=SEOUL)
    ends = _date(meta.get("date_end"))
    ends = ends + timedelta(days=1) if ends and ends > starts else starts + timedelta(days=1)
    max_length = int(meta.get("max_length") or len(election.projects) or 1)
    min_length = max(1, min(int(meta.get("min_length") or 1), max_length))
    forum = Forum(
        district=_district(meta),
        slug=_unique_slug(path.stem),
        title=(meta.get("description") or path.stem)[:200],
        description=f"Pabulib: {path.name}",
        phase="closed",
        voting_starts_at=starts,
        voting_ends_at=ends,
        min_picks=min_length,
        max_picks=max_length,
        envelope=election.budget,
        skip_misfits=skip_misfits,
        min_votes=min_votes,
        currency=(meta.get("currency") or "")[:8],
        created_at=clock.now(),
    )
    db.session.add(forum)
    fields: dict[str, Field] = {}
    items: dict[str, AgendaItem] = {}
    for position, project in enumerate(election.projects):
        field = None
        category = (project.category or "").split(",")[0].strip()[:200]
        if category:
            field = fields.get(category)
            if field is None:
                field = Field(forum=forum, name=category, name_en=category, position=len(fields))
                fields[category] = field
        items[project.id] = AgendaItem(
            forum=forum,
            field=field,
            external_id=project.id,
            title=(project.name or project.id)[:500],
            cost=project.cost,
            status="approved",
            position=position,
        )
    db.session.add_all(items.values())
    db.session.flush()
    _insert_ballots(forum, election, items, issuer=f"pabulib:{path.stem}", cast_at=starts)
    db.session.commit()
    return forum.id


def _insert_ballots(forum, election, items, issuer: str, cast_at: datetime) -> None:
    pepper = current_app.config["VOTER_KEY_PEPPER"]
    item_ids = {pid: item.id for pid, item in items.items()}
    bulk.insert_ballots(
        forum.id,
        (
            bulk.NewBallot(
                voter_key=derive_voter_key(pepper, issuer, voter.id),
                receipt_code=receipts.new_code(),
                cast_at=cast_at,
                item_ids=[item_ids[pick] for pick in voter.picks],
            )
            for voter in election.voters
        ),
    )
