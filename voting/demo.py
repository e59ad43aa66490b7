"""Demo data: this year's open forum for 영등포구 and last year's closed one with ballots."""

import random
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import select

from auth.services import derive_voter_key
from core import clock
from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from voting import bulk
from voting import receipts
from voting import services
from voting.models import Ballot
from voting.oversight import forum_scan

SEOUL = ZoneInfo("Asia/Seoul")
CURRENT_SLUG = "yeongdeungpo-open-forum"
PAST_SLUG = "yeongdeungpo-2020"
PAST_BALLOTS = 3000

FIELDS = [
    ("복지", "Welfare"),
    ("교육", "Education"),
    ("환경", "Environment"),
    ("안전", "Safety"),
    ("마을공동체", "Community"),
    ("사회적경제", "Social economy"),
]

# (field index, title, summary, proposer, cost in KRW)
CURRENT_ITEMS = [
    (
        0,
        "어르신 방문 건강돌봄 확대",
        "혼자 사시는 어르신 댁을 간호사와 돌봄 매니저가 정기적으로 찾아가 건강을 살핍니다.",
        "신길동 주민모임",
        60_000_000,
    ),
    (
        0,
        "발달장애인 주간활동 공간 조성",
        "성인 발달장애인이 낮 시간에 머물며 배우고 일할 수 있는 공간을 만듭니다.",
        "장애인 부모회",
        85_000_000,
    ),
    (
        0,
        "1인 가구 안부 확인 서비스",
        "고독사 예방을 위해 1인 가구에 안부 전화와 방문을 연계합니다.",
        "대림동 주민",
        30_000_000,
    ),
    (
        1,
        "주말 초등 돌봄교실 운영",
        "맞벌이 가정을 위해 토요일에도 초등 돌봄교실을 엽니다.",
        "영등포 학부모 네트워크",
        45_000_000,
    ),
    (
        1,
        "청소년 진로 체험 박람회",
        "지역 기업과 함께 중·고등학생 진로 체험 행사를 엽니다.",
        "청소년 참여위원회",
        25_000_000,
    ),
    (
        1,
        "작은도서관 야간 개방과 디지털 배움터",
        "작은도서관을 밤 9시까지 열고 어르신 디지털 교육을 합니다.",
        "문래동 주민",
        40_000_000,
    ),
    (
        2,
        "안양천 산책로 그늘숲 조성",
        "안양천 산책로에 나무와 그늘막을 더해 여름 폭염에 대비합니다.",
        "양평동 주민자치회",
        120_000_000,
    ),
    (
        2,
        "공동주택 음식물 쓰레기 감량기 보급",
        "아파트 단지에 음식물 쓰레기 감량기를 시범 설치합니다.",
        "당산동 주민",
        55_000_000,
    ),
    (
        2,
        "도림천 수질 시민 모니터링단",
        "주민이 도림천 수질을 정기 측정하고 결과를 공개합니다.",
        "환경 동아리",
        15_000_000,
    ),
    (
        3,
        "어린이보호구역 스마트 횡단보도",
        "초등학교 앞 횡단보도에 보행자 감지 신호와 바닥 신호등을 설치합니다.",
        "영중초 학부모회",
        90_000_000,
    ),
    (
        3,
        "안심 귀갓길 조명 개선",
        "골목길 가로등을 밝은 LED로 바꾸고 비상벨을 설치합니다.",
        "여성안전 주민모임",
        35_000_000,
    ),
    (
        4,
        "다문화 주민 소통 공간 운영",
        "대림동에 내·외국인 주민이 함께 쓰는 소통 공간을 운영합니다.",
        "대림동 다문화 협의회",
        50_000_000,
    ),
    (
        4,
        "마을 공유부엌과 반찬 나눔",
        "공유부엌에서 함께 요리하고 이웃과 반찬을 나눕니다.",
        "마을공동체 지원센터",
        20_000_000,
    ),
    (
        5,
        "청년 사회적기업 창업 지원",
        "청년이 만드는 사회적기업에 공간과 초기 자금을 지원합니다.",
        "청년정책 네트워크",
        70_000_000,
    ),
    (
        5,
        "전통시장 공동 배송 서비스",
        "전통시장 상점들의 공동 배송을 시범 운영합니다.",
        "영등포시장 상인회",
        40_000_000,
    ),
]

PAST_ITEMS = [
    (
        0,
        "경로당 냉난방기 교체",
        "노후 경로당의 냉난방기를 고효율 제품으로 바꿉니다.",
        "노인회",
        48_000_000,
    ),
    (
        0,
        "한부모 가정 긴급 돌봄",
        "한부모 가정의 아이가 아플 때 긴급 돌봄을 지원합니다.",
        "한부모 모임",
        36_000_000,
    ),
    (
        1,
        "마을 방과후 학교",
        "학교 밖 마을 강사가 여는 방과후 수업입니다.",
        "교육 협동조합",
        52_000_000,
    ),
    (
        1,
        "어르신 스마트폰 교실",
        "동 주민센터에서 스마트폰 활용 교육을 합니다.",
        "주민자치회",
        18_000_000,
    ),
    (2, "옥상 녹화 시범 사업", "공공건물 옥상에 정원을 만듭니다.", "환경 동아리", 95_000_000),
    (2, "자원순환 가게 운영", "재사용 물품을 나누는 가게를 엽니다.", "주민 모임", 40_000_000),
    (
        3,
        "통학로 보행 안전 펜스",
        "초등학교 통학로에 보행 안전 펜스를 설치합니다.",
        "학부모회",
        75_000_000,
    ),
    (3, "CCTV 사각지대 해소", "공원과 골목의 CCTV 사각지대를 줄입니다.", "자율방범대", 110_000_000),
    (
        4,
        "마을 축제 지원",
        "동별 마을 축제를 주민이 기획하고 운영합니다.",
        "마을축제 추진단",
        30_000_000,
    ),
    (4, "주민 공유 공구 도서관", "공구를 빌려 쓰는 공유 공간을 만듭니다.", "주민", 22_000_000),
    (
        5,
        "사회적경제 장터",
        "사회적기업 제품을 파는 정기 장터를 엽니다.",
        "사회적경제 협의회",
        28_000_000,
    ),
    (
        5,
        "청년 공유 오피스",
        "청년 창업가를 위한 공유 사무실을 운영합니다.",
        "청년 네트워크",
        130_000_000,
    ),
]

# Relative popularity of last year's items, for generated ballots.
PAST_WEIGHTS = [9, 5, 8, 4, 7, 3, 10, 6, 3, 2, 4, 5.5]


def _district() -> District:
    district = db.session.execute(
        select(District).filter_by(code=DEMO_DISTRICT)
    ).scalar_one_or_none()
    if district is None:
        ko, en = SEOUL_DISTRICTS[DEMO_DISTRICT]
        district = District(code=DEMO_DISTRICT, name_ko=ko, name_en=en)
        db.session.add(district)
    return district


def _forum(district, slug, title, description, phase, starts, ends, items, field_envelopes=None):
    forum = Forum(
        district=district,
        slug=slug,
        title=title,
        description=description,
        phase=phase,
        voting_starts_at=starts,
        voting_ends_at=ends,
        min_picks=3,
        max_picks=3,
        envelope=500_000_000,
        created_at=clock.now(),
    )
    fields = []
    for position, (name, name_en) in enumerate(FIELDS):
        envelope = (field_envelopes or {}).get(name)
        fields.append(
            Field(forum=forum, name=name, name_en=name_en, envelope=envelope, position=position)
        )
    prefix = "Y" if phase == "voting" else "P"
    for position, (field_index, title_, summary, proposer, cost) in enumerate(items):
        AgendaItem(
            forum=forum,
            field=fields[field_index],
            external_id=f"{prefix}-{position + 1:02d}",
            title=title_,
            summary=summary,
            proposer=proposer,
            cost=cost,
            status="approved",
            position=position,
        )
    db.session.add(forum)
    return forum


# Where organic ballots come from: home broadband prefixes and the carriers' mobile ones.
NETWORKS = [f"59.{n // 250}.{n % 250}.0" for n in range(900)] + [f"211.234.{n}.0" for n in range(8)]
AGENTS = [
    "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 SamsungBrowser/25.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 NAVER(inapp; search; 1.0)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
]
# The bloc: 40 identities first seen that morning vote from one phone at a community
# centre within ten minutes, for the youth office and two small items organic voters
# seldom pick together; a quarter vary one pick. Confirming it changes the funded set.
BLOC_SIZE = 40
BLOC_PICKS = (8, 10, 11)
BLOC_VARIANTS = (3, 9)
BLOC_AT = datetime(2020, 7, 9, 14, 5, tzinfo=SEOUL)


def _organic(rng: random.Random, n: int) -> tuple[services.Signals, timedelta]:
    """Resident n's signals at cast time, and how long before voting they first signed in."""
    home = rng.random() < 0.6
    network = NETWORKS[rng.randrange(900)] if home else NETWORKS[900 + rng.randrange(8)]
    address = network.rsplit(".", 1)[0] + f".{rng.randrange(2, 250)}"
    found = services.Signals(address, rng.choice(AGENTS), f"demo-phone-{n}")
    return found, timedelta(days=rng.uniform(1, 400))


def _bloc_ballot(pepper: str, items, n: int, rng: random.Random):
    picks = list(BLOC_PICKS)
    if n % 4 == 3:
        picks[n % 3] = BLOC_VARIANTS[n % 2]
    when = BLOC_AT + timedelta(seconds=14 * n + rng.randrange(5))
    ballot = bulk.NewBallot(
        voter_key=derive_voter_key(pepper, "demo-2020", f"newcomer-{n}"),
        receipt_code=receipts.new_code(),
        cast_at=when,
        item_ids=[items[index].id for index in sorted(picks)],
        channel="online",
        birth_year=rng.randint(1995, 2004),
    )
    found = services.Signals("175.211.40.17", AGENTS[0], "demo-centre-tablet")
    return ballot, found, timedelta(minutes=rng.randint(20, 180))


def _past_ballots(forum: Forum) -> None:
    """Generated ballots: three distinct picks drawn by popularity, spread over the week,
    with the review signals the casting path records (reduced and hashed the same way),
    and one bloc among them (:data:`BLOC_SIZE`)."""
    rng = random.Random(2020)
    pepper = current_app.config["VOTER_KEY_PEPPER"]
    items = sorted(forum.items, key=lambda item: item.position)
    span = (forum.voting_ends_at - forum.voting_starts_at).total_seconds()
    ballots, signals = [], {}
    for n in range(PAST_BALLOTS - BLOC_SIZE):
        picks: set[int] = set()
        while len(picks) < 3:
            picks.add(rng.choices(range(len(items)), weights=PAST_WEIGHTS)[0])
        ballot = bulk.NewBallot(
            voter_key=derive_voter_key(pepper, "demo-2020", f"resident-{n}"),
            receipt_code=receipts.new_code(),
            cast_at=forum.voting_starts_at + timedelta(seconds=rng.random() * span),
            item_ids=[items[index].id for index in sorted(picks)],
            channel="online",
            birth_year=rng.randint(1940, 2006),
        )
        ballots.append(ballot)
        signals[ballot.receipt_code] = (ballot, *_organic(rng, n))
    for n in range(BLOC_SIZE):
        ballot, found, before = _bloc_ballot(pepper, items, n, rng)
        ballots.append(ballot)
        signals[ballot.receipt_code] = (ballot, found, before)
    bulk.insert_ballots(forum.id, ballots)
    rows = [
        {
            "code": code,
            "first_seen": b.cast_at - before,
            **services._signal_columns(found),
        }  # the casting path's reduction
        for code, (b, found, before) in signals.items()
    ]
    table = Ballot.__table__
    db.session.connection().execute(
        table.update()
        .where(table.c.receipt_code == bindparam("code"))
        .values(
            first_seen_at=bindparam("first_seen"),
            network_hash=bindparam("network_hash"),
            agent_hash=bindparam("agent_hash"),
            device_hash=bindparam("device_hash"),
        ),
        rows,
    )


def seed_demo() -> list[str]:
    """Create the demo forums if they are missing; running it again changes nothing."""
    done = []
    district = _district()
    if not db.session.execute(select(Forum.id).filter_by(slug=CURRENT_SLUG)).first():
        now = clock.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
        starts = now.astimezone(UTC)
        _forum(
            district,
            CURRENT_SLUG,
            f"{now.year}년 영등포구 열린공론장",
            "영등포구 주민이 제안한 협치의제 가운데 내년에 추진할 의제를 주민 투표로 정합니다. "
            "한 사람이 세 개의 의제를 고를 수 있습니다.",
            "voting",
            starts,
            starts + timedelta(days=7),
            CURRENT_ITEMS,
        )
        done.append(CURRENT_SLUG)
    if not db.session.execute(select(Forum.id).filter_by(slug=PAST_SLUG)).first():
        forum = _forum(
            district,
            PAST_SLUG,
            "2020년 영등포구 열린공론장",
            "2020년 7월 주민 투표로 정한 2021년 협치의제입니다.",
            "closed",
            datetime(2020, 7, 6, 0, 0, tzinfo=SEOUL).astimezone(UTC),
            datetime(2020, 7, 13, 23, 59, 59, tzinfo=SEOUL).astimezone(UTC),
            PAST_ITEMS,
            field_envelopes={"환경": 100_000_000},
        )
        db.session.flush()
        _past_ballots(forum)
        db.session.commit()
        # A new operator finds the bloc waiting on the review page.
        forum_scan.scan_forum(forum.id, actor="demo")
        done.append(PAST_SLUG)
    db.session.commit()
    return done
