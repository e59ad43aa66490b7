"""Demo data for 영등포구: this year's open forum, the 2020 forum (closed, its flag
waiting for review and its result for publication), the 2019 forum (published), and the
staff who run them, signed in through the development identity provider."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select

from auth.services import grant_role
from core import clock
from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from devtools import demo_ballots
from devtools import demo_cycle
from devtools.demo_ballots import Electorate
from devtools.demo_english import CURRENT_ENGLISH
from devtools.demo_english import FORUM_DESCRIPTION_EN
from devtools.demo_english import FORUM_TITLE_EN
from voting.models import OutreachLink
from voting.oversight import forum_scan
from voting.publishing import publication

SEOUL = ZoneInfo("Asia/Seoul")
CURRENT_SLUG = "yeongdeungpo-open-forum"
PAST_SLUG = "yeongdeungpo-2020"
PAST_BALLOTS = 3000
PUBLISHED_SLUG = "yeongdeungpo-2019"
PUBLISHED_BALLOTS = 2000
DEMO_ACTOR = "demo"

# Who runs the demo, by the identifier they type at the development identity provider:
# (identifier, role, name). Two of each staff role, so that publication and confirming a
# flag that changes the result can each be approved by a second person.
STAFF = [
    ("team-kim", "district_team", "김담당"),
    ("team-lee", "district_team", "이승인"),
    ("reviewer-park", "operator", "박검토"),
    ("reviewer-choi", "operator", "최검토"),
    ("admin-jung", "admin", "정관리"),
]

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

# Relative popularity of the 2020 items, for generated ballots.
PAST_WEIGHTS = [9, 5, 8, 4, 7, 3, 10, 6, 3, 2, 4, 5.5]

PUBLISHED_ITEMS = [
    (0, "무더위 쉼터 운영 시간 연장", "여름철 경로당과 주민센터 무더위 쉼터를 저녁 9시까지 엽니다.", "신길동 주민모임", 25_000_000),
    (0, "치매 어르신 가족 쉼 프로그램", "치매 어르신을 돌보는 가족에게 주말 돌봄과 상담을 지원합니다.", "돌봄 가족 모임", 45_000_000),
    (1, "청소년 진로 멘토링", "지역 직장인이 청소년과 만나 진로를 함께 고민합니다.", "청소년 지도협의회", 30_000_000),
    (1, "작은도서관 야간 개방", "아파트 작은도서관을 평일 밤 10시까지 엽니다.", "작은도서관 협의회", 20_000_000),
    (2, "안양천 정화 모임 지원", "안양천 산책로 정화 활동에 장비와 간식을 지원합니다.", "안양천 지킴이", 12_000_000),
    (2, "횡단보도 그늘막 설치", "횡단보도 앞에 여름철 그늘막을 설치합니다.", "주민자치회", 60_000_000),
    (3, "안심 귀갓길 조명 개선", "어두운 골목에 LED 조명과 안내 표지를 설치합니다.", "여성단체협의회", 80_000_000),
    (4, "동네 반찬 나눔 부엌", "이웃이 함께 반찬을 만들어 혼자 사는 이웃과 나눕니다.", "마을 부엌 모임", 35_000_000),
    (5, "마을기업 창업 교실", "마을기업을 꿈꾸는 주민을 위한 창업 교육을 엽니다.", "사회적경제 지원센터", 40_000_000),
]
PUBLISHED_WEIGHTS = [8, 6, 5, 7, 3, 6, 9, 5, 2]


def _district() -> District:
    district = db.session.execute(
        select(District).filter_by(code=DEMO_DISTRICT)
    ).scalar_one_or_none()
    if district is None:
        ko, en = SEOUL_DISTRICTS[DEMO_DISTRICT]
        district = District(code=DEMO_DISTRICT, name_ko=ko, name_en=en)
        db.session.add(district)
    return district


def _forum(
    district, slug, title, description, phase, starts, ends, items, field_envelopes=None,
    envelope=500_000_000,
):
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
        envelope=envelope,
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


def _in_english(forum: Forum, year: int) -> None:
    forum.title_en = FORUM_TITLE_EN.format(year=year)
    forum.description_en = FORUM_DESCRIPTION_EN
    for item, (title_en, summary_en, place) in zip(forum.items, CURRENT_ENGLISH, strict=True):
        item.title_en, item.summary_en, item.location = title_en, summary_en, place


# The team's outreach links for this year's forum: (code, name, kind).
DEMO_LINKS = (
    ("demo-ydp1", "영등포본동 주민센터", "dong_office"),
    ("demo-snr1", "영등포노인종합복지관", "organisation"),
    ("demo-yth1", "청년 모임 안내 문자", "target_group"),
)


def _outreach_links(forum: Forum, made_at: datetime) -> None:
    db.session.flush()
    for code, name, kind in DEMO_LINKS:
        db.session.add(
            OutreachLink(
                forum_id=forum.id,
                code=code,
                name=name,
                kind=kind,
                created_by="demo",
                created_at=made_at,
            )
        )
    db.session.commit()


def seed_demo() -> list[str]:
    """Create the demo forums if they are missing; running it again changes nothing."""
    done = []
    district = _district()
    if not db.session.execute(select(Forum.id).filter_by(slug=CURRENT_SLUG)).first():
        now = clock.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
        starts = now.astimezone(UTC)
        forum = _forum(
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
        _in_english(forum, now.year)
        _outreach_links(forum, starts)
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
        demo_ballots.past_ballots(
            forum, Electorate(2020, PAST_BALLOTS, PAST_WEIGHTS, "demo-2020", bloc=True)
        )
        db.session.commit()
        # A new operator finds the bloc waiting on the review page.
        forum_scan.scan_forum(forum.id, actor="demo")
        done.append(PAST_SLUG)
    if not db.session.execute(select(Forum.id).filter_by(slug=PUBLISHED_SLUG)).first():
        _published_forum(district)
        done.append(PUBLISHED_SLUG)
    done += demo_cycle.seed_cycle(district, PUBLISHED_SLUG)
    for subject, role, name in STAFF:
        code = DEMO_DISTRICT if role == "district_team" else None
        grant_role(subject, role, code, DEMO_ACTOR, name=name)
    db.session.commit()
    return done


def _published_forum(district: District) -> None:
    """The 2019 forum: 2,000 generated ballots on a 200,000,000원 envelope, published
    under the greedy rule as an audited system action, so its result is public."""
    forum = _forum(
        district,
        PUBLISHED_SLUG,
        "2019년 영등포구 열린공론장",
        "2019년 7월 주민 투표로 정한 2020년 협치의제입니다.",
        "closed",
        datetime(2019, 7, 8, 0, 0, tzinfo=SEOUL).astimezone(UTC),
        datetime(2019, 7, 14, 23, 59, 59, tzinfo=SEOUL).astimezone(UTC),
        PUBLISHED_ITEMS,
        envelope=200_000_000,
    )
    db.session.flush()
    electorate = Electorate(2019, PUBLISHED_BALLOTS, PUBLISHED_WEIGHTS, "demo-2019")
    demo_ballots.past_ballots(forum, electorate)
    db.session.commit()
    publication.publish_as_system(forum.id, "greedy", actor=DEMO_ACTOR)
