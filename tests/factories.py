"""Small builders for database-backed tests."""

import json
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from itertools import count

from auth.models import User
from auth.services import derive_voter_key
from auth.services import start_session
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from privacy.texts import DEFAULT_VERSION
from voting.models import AnomalyFlag

_serial = count(1)


def district(code="11560", name="영등포구") -> District:
    found = db.session.execute(db.select(District).filter_by(code=code)).scalar_one_or_none()
    if found:
        return found
    found = District(code=code, name_ko=name, name_en=name)
    db.session.add(found)
    return found


def forum(
    *,
    code="11560",
    phase="voting",
    opens=None,
    closes=None,
    items=((0, 100_000_000), (0, 150_000_000), (1, 200_000_000), (1, 50_000_000), (2, 80_000_000)),
    envelope=300_000_000,
    fields=("복지", "교육", "환경"),
    field_envelopes=None,
    **options,
) -> Forum:
    """A forum whose window is open now unless told otherwise; items are (field, cost)."""
    now = datetime.now(UTC)
    n = next(_serial)
    opens = opens or now - timedelta(days=1)
    # Deliberation, required by default, has ended by the time voting may open.
    options.setdefault("deliberation_ends_at", min(now, opens))
    made = Forum(
        district=district(code),
        slug=f"forum-{n}",
        title=f"Forum {n}",
        description="",
        phase=phase,
        voting_starts_at=opens,
        voting_ends_at=closes or now + timedelta(days=6),
        envelope=envelope,
        created_at=now,
        **options,
    )
    made_fields = [
        Field(forum=made, name=name, envelope=(field_envelopes or {}).get(name), position=i)
        for i, name in enumerate(fields)
    ]
    for position, (field_index, cost) in enumerate(items):
        AgendaItem(
            forum=made,
            field=made_fields[field_index],
            external_id=f"A-{position + 1:02d}",
            title=f"Item {position + 1}",
            summary="summary",
            cost=cost,
            status="approved",
            position=position,
        )
    db.session.add(made)
    db.session.commit()
    return made


def proposal(made: Forum, subject="proposer", **values):
    """A resident's proposal for the forum, under review, committed."""
    from deliberation.proposals.models import Proposal

    proposer = user(subject, code=made.district.code)
    found = Proposal(
        forum_id=made.id,
        proposer_key=proposer.voter_key,
        proposer_name=subject[:6].upper(),
        title=values.pop("title", "골목 쉼터"),
        summary=values.pop("summary", "어르신 쉼터"),
        estimated_cost=values.pop("estimated_cost", 10_000_000),
        created_at=datetime.now(UTC),
        **values,
    )
    db.session.add(found)
    db.session.commit()
    return found


def deliberated(team: User, forum_id: int) -> Forum:
    """Take a team's forum to the eve of voting the way a team does: a draft (or a forum
    taking proposals) moves into deliberation, and the deliberation period is set to have
    ended now (or when voting opens, if that is earlier)."""
    from dataclasses import replace

    from deliberation import services

    forum = db.session.get(Forum, forum_id)
    if forum.phase in ("draft", "proposals"):
        forum = services.change_phase(team, forum_id, "deliberation")
    ends = min(datetime.now(UTC), forum.voting_starts_at)
    settings = replace(services.current_settings(forum), deliberation_ends_at=ends)
    return services.update_forum(team, forum_id, settings)


def user(
    subject="alice",
    code="11560",
    birth_year=1980,
    issuer="http://test-idp",
    consent_version: str | None = DEFAULT_VERSION,
) -> User:
    """A resident who has agreed to the default consent texts, unless told otherwise."""
    now = datetime.now(UTC)
    made = User(
        voter_key=derive_voter_key("test-pepper", issuer, subject),
        district_code=code,
        birth_year=birth_year,
        first_seen_at=now,
        last_login_at=now,
        consent_version=consent_version,
    )
    db.session.add(made)
    db.session.commit()
    return made


def cast(forum_id: int, voter: User, picks: list[str], channel="online", found=None) -> str:
    """Cast as a resident's browser does: through a live session of ``voter`` (started
    here once and kept on the user), by the app's own casting path; the receipt code."""
    from voting.casting import services

    token = getattr(voter, "session_token", None)
    if token is None:
        token = start_session(voter)
        db.session.commit()
    return services.cast_signed_in(forum_id, token, picks, channel, found)


def cast_tagged(forum_id: int, voter: User, picks: list[str], tag: str) -> str:
    """As ``cast``, for a resident who arrived through the outreach link ``tag``."""
    from voting.casting import services

    token = start_session(voter)
    db.session.commit()
    return services.cast_signed_in(forum_id, token, picks, outreach=tag)


def item_ids(made: Forum) -> list[str]:
    return [str(item.id) for item in sorted(made.items, key=lambda i: i.position)]


def staff(subject: str, role: str, code: str = "", issuer: str = "http://test-idp") -> User:
    """A signed-in staff member: a user with a role granted to their voter key."""
    from auth.models import Role

    made = user(subject, issuer=issuer)
    db.session.add(
        Role(
            voter_key=made.voter_key,
            role=role,
            district_code=code if role == "district_team" else "",
            granted_at=datetime.now(UTC),
            granted_by="test",
        )
    )
    db.session.commit()
    return made


def empty_flag(made: Forum) -> "AnomalyFlag":
    """An open proxy-casting flag on the forum with no members: enough for the operator
    pages to list, show and decide, committed."""
    now = datetime.now(UTC)
    details = {
        "observed": 0,
        "expected": 0,
        "log10_p": -9,
        "tests": 1,
        "explanation": "",
        "start": now.isoformat(),
        "end": now.isoformat(),
        "shared_picks": [],
        "identical": 0,
        "networks": 0,
        "devices": 0,
        "new_identities": None,
    }
    flag = AnomalyFlag(
        forum_id=made.id,
        key="k",
        tier="proxy_casting",
        size=0,
        log10_p=-9.0,
        details=json.dumps(details),
        members="[]",
        first_seen_at=now,
        updated_at=now,
    )
    db.session.add(flag)
    db.session.commit()
    return flag
