"""Demo data before and after the vote: next year's forum taking proposals, with a few
proposals, supports and decisions; and the follow-up of the 2019 forum's funded items
(the agenda carried out in 2020), with residents' evaluations."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from sqlalchemy import select

from auth.services import derive_voter_key
from auth.services import display_name
from core import clock
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Forum
from deliberation.proposals.models import Proposal
from deliberation.proposals.models import ProposalSupport
from voting.followup import services as followup
from voting.followup.models import Evaluation
from voting.followup.models import EvaluationScore
from voting.followup.models import FollowUpUpdate

PROPOSALS_SLUG = "yeongdeungpo-next-proposals"
DEMO_ACTOR = "demo"

# (field position, title, summary, estimated cost, 동, group, supports, decision, reason)
PROPOSALS = [
    (
        0,
        "어르신 동행 말벗 봉사단",
        "홀로 사는 어르신 댁을 주 1회 찾아가는 주민 봉사단을 꾸립니다.",
        30_000_000,
        "신길1동",
        "",
        14,
        None,
        "",
    ),
    (
        3,
        "도림천 야간 안전 조명",
        "도림천 산책로의 어두운 구간에 태양광 조명을 설치합니다.",
        60_000_000,
        "도림동",
        "도림천 걷기 모임",
        22,
        "accept",
        "",
    ),
    (
        2,
        "골목 플로깅 데이",
        "매달 한 번 동네 골목을 걸으며 쓰레기를 줍는 날을 정합니다.",
        8_000_000,
        "문래동",
        "",
        9,
        "merge",
        "같은 취지의 의제 ‘자원순환 마을’에 합쳐 함께 추진합니다.",
    ),
    (
        1,
        "구청 앞 대형 전광판",
        "구청 앞에 대형 광고 전광판을 세웁니다.",
        400_000_000,
        "",
        "",
        2,
        "reject",
        "사업비가 예산 범위를 넘고 공공 협치의제의 취지와 맞지 않습니다.",
    ),
]
# Updates of the 2019 forum's funded items, by funded rank: (status, date, note, reason).
UPDATES = [
    [
        ("planned", date(2020, 2, 3), "사업 계획을 확정했습니다.", ""),
        ("in_progress", date(2020, 5, 11), "참여 주민 40명과 함께 시작했습니다.", ""),
        ("completed", date(2020, 11, 27), "계획한 활동을 모두 마쳤습니다.", ""),
    ],
    [
        ("planned", date(2020, 2, 10), "사업 계획을 확정했습니다.", ""),
        (
            "changed",
            date(2020, 4, 6),
            "대면 모임을 온라인 모임으로 바꿨습니다.",
            "코로나19로 대면 모임이 어려워졌습니다.",
        ),
    ],
    [
        ("planned", date(2020, 3, 2), "사업 계획을 확정했습니다.", ""),
        ("cancelled", date(2020, 8, 31), "", "부지 확보가 어려워 예산을 불용 처리했습니다."),
    ],
]


def _key(n: int) -> str:
    return derive_voter_key("demo-pepper", "demo", f"demo-resident-{n}")


def seed_proposal_forum(district: District) -> Forum:
    """Next year's forum in its proposal period, with proposals in every state."""
    from devtools.demo import _forum

    starts = (clock.now() + timedelta(days=60)).astimezone(UTC)
    forum = _forum(
        district,
        PROPOSALS_SLUG,
        f"{clock.now().year + 1}년 영등포구 열린공론장 (의제 제안)",
        "내년 협치의제를 주민이 직접 제안합니다. 제안하고, 이웃의 제안을 지지해 주세요.",
        "proposals",
        starts,
        starts + timedelta(days=7),
        [],
    )
    forum.deliberation_ends_at = starts - timedelta(days=3)
    # The team's own item, into which a like proposal is merged.
    circular = AgendaItem(
        forum=forum,
        field=forum.fields[2],
        external_id="A-01",
        title="자원순환 마을",
        summary="동마다 재활용 정거장을 두고 주민이 함께 관리합니다.",
        proposer="영등포구 지역협치팀",
        cost=50_000_000,
        status="approved",
        position=0,
    )
    db.session.add(circular)
    db.session.flush()
    for n, spec in enumerate(PROPOSALS):
        _propose(forum, n, spec, circular)
    return forum


def _propose(forum: Forum, n: int, spec: tuple, circular: AgendaItem) -> None:
    """One demo proposal with its supports and, where the spec says, the team's decision."""
    field, title, summary, cost, dong, group, supports, decision, reason = spec
    now = clock.now()
    proposal = Proposal(
        forum_id=forum.id,
        field_id=forum.fields[field].id,
        proposer_key=_key(n),
        proposer_name=display_name(_key(n)),
        group_name=group,
        title=title,
        summary=summary,
        estimated_cost=cost,
        dong=dong,
        status="submitted",
        reason=reason,
        created_at=now - timedelta(days=10 - n),
    )
    db.session.add(proposal)
    db.session.flush()
    for s in range(supports):
        db.session.add(
            ProposalSupport(proposal_id=proposal.id, supporter_key=_key(100 + s), created_at=now)
        )
    if decision == "accept":
        item = AgendaItem(
            forum=forum,
            field=forum.fields[field],
            external_id=f"P-{proposal.id}",
            title=title,
            summary=summary,
            proposer=group or proposal.proposer_name,
            cost=cost,
            status="approved",
            position=1,
        )
        db.session.add(item)
        proposal.status, proposal.item, proposal.decided_at = "accepted", item, now
    elif decision == "merge":
        proposal.status, proposal.item, proposal.decided_at = "merged", circular, now
    elif decision == "reject":
        proposal.status, proposal.decided_at = "rejected", now


def seed_followup(forum: Forum) -> None:
    """Dated updates of the published forum's first funded items and a few evaluations."""
    rows = followup.progress_of(forum)
    created = datetime(2020, 12, 1, tzinfo=UTC)
    for row, steps in zip(rows, UPDATES, strict=False):
        for status, dated, note, reason in steps:
            db.session.add(
                FollowUpUpdate(
                    forum_id=forum.id,
                    item_id=row.item.id,
                    status=status,
                    dated=dated,
                    note=note,
                    reason=reason,
                    author=DEMO_ACTOR,
                    created_at=created,
                )
            )
    if rows:
        for n, score in enumerate((5, 4, 4, 3, 5, 4)):
            evaluation = Evaluation(
                forum_id=forum.id, voter_key=_key(200 + n), comment="", created_at=created
            )
            evaluation.scores = [EvaluationScore(item_id=rows[0].item.id, score=score)]
            db.session.add(evaluation)


def seed_cycle(district: District, published_slug: str) -> list[str]:
    """Both parts, each only when missing; returns what it created."""
    done = []
    published = db.session.execute(select(Forum).filter_by(slug=published_slug)).scalar_one()
    if not db.session.execute(select(Forum.id).filter_by(slug=PROPOSALS_SLUG)).first():
        seed_proposal_forum(district)
        done.append(PROPOSALS_SLUG)
    has_updates = select(FollowUpUpdate.id).filter_by(forum_id=published.id)
    if published.phase == "published" and not db.session.execute(has_updates).first():
        seed_followup(published)
        done.append(f"{published_slug}-followup")
    db.session.commit()
    return done
