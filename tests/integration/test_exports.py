"""Open data of a published forum: CSV, JSON, Pabulib .pb and the ZIP bundling them."""

import csv
import hashlib
import io
import json
import random
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pabutools.election import Cost_Sat
from pabutools.election import parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare
from sqlalchemy import delete
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from tests import factories
from tests.elections import publish
from voting.counting import imports
from voting.counting import pabulib
from voting.counting import results
from voting.models import Ballot
from voting.models import BallotChoice
from voting.publishing import exports

DATA = Path(__file__).parent.parent / "data"
TOULOUSE = "France_Toulouse_2022_6_-_Saint-Cyprien"
GDYNIA = "Poland_Gdynia_2024_Cisowa__small"
SEOUL = ZoneInfo("Asia/Seoul")


def published_file(app, name: str) -> int:
    """Import a real election with the CLI and publish it as its district team would."""
    out = app.test_cli_runner().invoke(args=["forum", "import-pb", str(DATA / f"{name}.pb")])
    assert out.exit_code == 0, out.output
    forum_id = int(out.output.strip().splitlines()[-1])
    publish(forum_id)
    return forum_id


def seoul_forum(**options) -> Forum:
    """A closed Seoul forum (6–13 July 2020, KST) with online and assisted ballots."""
    forum = factories.forum(
        phase="closed",
        opens=datetime(2020, 7, 6, tzinfo=SEOUL),
        closes=datetime(2020, 7, 14, tzinfo=SEOUL),
        **options,
    )
    items = sorted(forum.items, key=lambda item: item.position)
    picks = [(0, 1, 2), (0, 1, 3), (0, 2, 4), (1, 3, 4), (0, 1, 4), (0, 3, 4)]
    for n, chosen in enumerate(picks):
        ballot = Ballot(
            forum_id=forum.id,
            voter_key=hashlib.sha256(f"voter-{n}".encode()).hexdigest(),
            receipt_code=f"RECEIPT{n:04d}",
            channel="assisted" if n % 3 == 0 else "online",
            cast_at=datetime(2020, 7, 7, 10, n, tzinfo=SEOUL),
            birth_year=1951 + n,
        )
        ballot.choices = [BallotChoice(item_id=items[i].id) for i in chosen]
        db.session.add(ballot)
    db.session.commit()
    return forum


def rows_of(text: str) -> list[tuple[str, str, str]]:
    election = pabulib.loads(text)
    return [(v.id, ",".join(v.picks), v.extra.get("voting_method", "")) for v in election.voters]


def test_pabutools_greedy_on_the_exported_ballots_funds_the_published_set(app, tmp_path):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    path = tmp_path / "ballots.pb"
    path.write_text(exports.ballots_pb(record), encoding="utf-8")

    instance, profile = parse_pabulib(str(path))
    funded = {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}
    assert funded == set(record.payload["funded"]) and funded
    assert instance.budget_limit == record.payload["forum"]["envelope"] == 400_000
    assert profile.num_ballots() == record.payload["ballots_counted"] == 436
    votes = {p.name: int(profile.approval_score(p)) for p in instance}
    assert votes == record.payload["counts"]
    selected = {p.name for p in instance if instance.project_meta[p]["selected"] == "1"}
    assert selected == funded
    assert instance.meta["rule"] == "greedy" and instance.meta["vote_type"] == "approval"


def test_our_reader_round_trips_the_export_and_keeps_the_rule_options(app, tmp_path):
    forum_id = published_file(app, GDYNIA)
    record = exports.published(forum_id)
    text = exports.ballots_pb(record)
    election = pabulib.loads(text)
    assert pabulib.dumps(election) == text

    meta = election.meta
    assert meta["rule"] == "greedy-no-skip" and meta["min_project_score_threshold"] == "50"
    assert pabulib.funding_options(meta) == (False, 50)
    assert meta["num_votes"] == str(len(election.voters)) == "599"
    assert meta["num_projects"] == str(len(election.projects)) == "12"
    assert meta["budget"] == "44229" and meta["country"] == "South Korea"
    items = record.payload["items"]
    assert [p.id for p in election.projects] == [item["id"] for item in items]
    assert [p.cost for p in election.projects] == [item["cost"] for item in items]
    counted = {p.id: 0 for p in election.projects}
    for voter in election.voters:
        for pick in voter.picks:
            counted[pick] += 1
    assert counted == record.payload["counts"]
    assert {p.id: p.votes_column for p in election.projects} == record.payload["counts"]

    # Replaying the export as a new forum gives the same official result.
    path = tmp_path / "export.pb"
    path.write_text(text, encoding="utf-8")
    replay = results.result_for_cli(imports.import_pb(path))
    assert replay.funding.funded_ids == record.payload["funded"]
    assert {r.item.external_id: r.row.votes for r in replay.rows} == record.payload["counts"]


def test_voter_ids_are_fresh_pseudonyms_not_keys_ballot_ids_or_cast_order(app):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    first, second = exports.ballots_pb(record), exports.ballots_pb(record)
    one, two = rows_of(first), rows_of(second)

    count = len(one)
    assert [row[0] for row in one] == [str(n) for n in range(1, count + 1)]
    assert [row[0] for row in two] == [str(n) for n in range(1, count + 1)]
    assert sorted(row[1] for row in one) == sorted(row[1] for row in two)
    assert [row[1] for row in one] != [row[1] for row in two]

    ballots = db.session.execute(
        select(Ballot.voter_key, Ballot.receipt_code).where(Ballot.forum_id == forum_id)
    ).all()
    for key, code in ballots:
        assert key not in first and code not in first
    in_ballot_id_order = votes_in_ballot_id_order(forum_id, pabulib.loads(first))
    assert sorted(in_ballot_id_order) == sorted(row[1] for row in one)
    assert [row[1] for row in one] != in_ballot_id_order
    assert [row[1] for row in two] != in_ballot_id_order


def votes_in_ballot_id_order(forum_id: int, election: pabulib.PbElection) -> list[str]:
    """The stored ballots as .pb vote strings, in ballot id (cast) order."""
    order = {p.id: n for n, p in enumerate(election.projects)}
    query = (
        select(Ballot.id, AgendaItem.external_id)
        .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .join(AgendaItem, AgendaItem.id == BallotChoice.item_id)
        .where(Ballot.forum_id == forum_id)
        .order_by(Ballot.id)
    )
    picks: dict[int, list[str]] = {}
    for ballot_id, external_id in db.session.execute(query):
        picks.setdefault(ballot_id, []).append(external_id)
    return [",".join(sorted(p, key=order.__getitem__)) for p in picks.values()]


def test_pseudonyms_come_from_the_given_random_source_only(app):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    same = [exports.ballots_pb(record, random.Random(1)) for _ in range(2)]
    assert same[0] == same[1]
    assert exports.ballots_pb(record, random.Random(2)) != same[0]


def test_seoul_forum_meta_dates_channels_and_nothing_personal(app):
    forum = seoul_forum(field_envelopes={"복지": 200_000_000})
    publish(forum.id)
    record = exports.published(forum.id)
    text = exports.ballots_pb(record, random.Random(3))
    election = pabulib.loads(text)
    meta = election.meta
    assert meta["unit"] == "영등포구" and meta["instance"] == "2020"
    assert meta["date_begin"] == "06.07.2020" and meta["date_end"] == "13.07.2020"
    assert meta["currency"] == "KRW" and meta["budget"] == "300000000"
    assert meta["min_length"] == meta["max_length"] == "3"
    assert meta["description"] == forum.title and meta["rule"] == "greedy"
    assert "복지 200000000" in meta["comment"]
    # Two ballots from a support point: fewer than 5, so no ballot's channel is written.
    assert text.splitlines()[text.splitlines().index("VOTES") + 1] == "voter_id;vote"
    assert not any("voting_method" in v.extra for v in election.voters)
    assert "fewer than 5 ballots" in meta["comment"]
    assert {p.category for p in election.projects} == {"복지", "교육", "환경"}
    for ballot in db.session.execute(select(Ballot).filter_by(forum_id=forum.id)).scalars():
        assert ballot.voter_key not in text and ballot.receipt_code not in text
        assert str(ballot.birth_year) not in text
    assert "2020-07-07" not in text and "10:0" not in text


@pytest.mark.parametrize(
    ("skip", "threshold", "expected"),
    [
        (True, 0, {"rule": "greedy"}),
        (True, 30, {"rule": "greedy-threshold", "min_project_score_threshold": "30"}),
        (False, 0, {"rule": "greedy-no-skip"}),
        (False, 50, {"rule": "greedy-no-skip", "min_project_score_threshold": "50"}),
    ],
)
def test_pb_rule_is_the_inverse_of_the_import_mapping(skip, threshold, expected):
    payload = {"rule": "greedy", "forum": {"skip_misfits": skip, "min_votes": threshold}}
    meta = exports.pb_rule(payload)
    assert meta == expected
    assert pabulib.funding_options(meta) == (skip, threshold)


def test_equal_shares_uses_the_pabulib_rule_name():
    payload = {"rule": "equal_shares", "forum": {"skip_misfits": True, "min_votes": 0}}
    assert exports.pb_rule(payload) == {"rule": "equalshares"}


WORDS = {
    "funded": "선정",
    "over_budget": "남은 예산 초과",
    "over_field_budget": "분야 예산 초과",
    "below_threshold": "최소 득표 미달",
    "stopped": "미선정",
    "not_selected": "미선정",
}


def test_csv_rows_are_the_snapshot_items_in_rank_order(app):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    data = exports.result_csv(record)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(exports.CSV_COLUMNS)
    expected = [
        [
            str(i["rank"]),
            i["id"],
            i["title"],
            i["field"] or "",
            str(i["cost"]),
            str(i["votes"]),
            "선정" if i["funded"] else "미선정",
            WORDS[i["reason"]],
        ]
        for i in record.payload["items"]
    ]
    assert rows[1:] == expected
    assert [int(row[0]) for row in rows[1:]] == list(range(1, len(expected) + 1))


def test_csv_keeps_korean_and_defuses_formulas(app):
    forum = seoul_forum()
    forum.items[0].title = '=HYPERLINK("http://x")'
    forum.items[1].title = "어린이 놀이터 개선"
    db.session.commit()
    publish(forum.id)
    text = exports.result_csv(exports.published(forum.id)).decode("utf-8-sig")
    titles = [row[2] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert "어린이 놀이터 개선" in titles
    assert '\'=HYPERLINK("http://x")' in titles


def test_json_is_the_stored_payload_byte_for_byte(app):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    data = exports.snapshot_json(record)
    assert data == record.snapshot.payload.encode("utf-8")
    assert hashlib.sha256(data).hexdigest() == record.snapshot.sha256
    assert exports.sha256_line(record) == (
        f"{record.snapshot.sha256}  forum-{forum_id}-snapshot.json\n"
    )
    assert json.loads(data)["funded"] == record.payload["funded"]


def test_zip_bundles_the_files_with_a_readme_naming_hash_rule_and_licence(app):
    forum_id = published_file(app, TOULOUSE)
    record = exports.published(forum_id)
    archive = zipfile.ZipFile(io.BytesIO(exports.open_data_zip(record)))
    assert archive.testzip() is None
    assert set(archive.namelist()) == {
        "result.csv",
        "snapshot.json",
        "ballots.pb",
        "leaves.json",
        "README.md",
    }
    assert archive.read("snapshot.json") == record.snapshot.payload.encode("utf-8")
    assert archive.read("result.csv") == exports.result_csv(record)
    election = pabulib.loads(archive.read("ballots.pb").decode("utf-8"))
    assert len(election.voters) == record.payload["ballots_counted"]
    readme = archive.read("README.md").decode("utf-8")
    assert record.snapshot.sha256 in readme
    assert f"flask --app wsgi forum verify-snapshot {forum_id}" in readme
    head = record.payload["audit_head"]
    assert f"audit verify --expect-head {head['seq']}:{head['mac']}" in readme
    assert "Licence: Korea Open Government License Type 1" in readme and "CC BY 4.0" in readme
    assert "공공누리" in readme and "`greedy`" in readme
    assert "greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)" in readme


def test_only_published_forums_can_be_exported(app):
    imported = imports.import_pb(DATA / f"{TOULOUSE}.pb")
    draft = factories.forum(phase="draft")
    with pytest.raises(DomainError) as refused:
        exports.published(imported)
    assert refused.value.status == 409 and refused.value.code == "not_published"
    for missing in (draft.id, 424242):
        with pytest.raises(DomainError) as refused:
            exports.published(missing)
        assert refused.value.status == 404 and refused.value.code == "no_forum"


def test_ballots_that_no_longer_match_the_snapshot_are_not_exported(app):
    forum = seoul_forum()
    publish(forum.id)
    first = (
        db.session.execute(select(Ballot.id).where(Ballot.forum_id == forum.id).order_by(Ballot.id))
        .scalars()
        .first()
    )
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == first))
    db.session.execute(delete(Ballot).where(Ballot.id == first))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        exports.ballots_pb(exports.published(forum.id))
    assert refused.value.status == 409 and refused.value.code == "snapshot_mismatch"


def test_cli_export_pb_prints_or_writes_the_file(app, tmp_path):
    forum_id = published_file(app, TOULOUSE)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["forum", "export-pb", str(forum_id)])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("META\n")
    assert len(pabulib.loads(printed.output).voters) == 436

    target = tmp_path / "out.pb"
    written = runner.invoke(args=["forum", "export-pb", str(forum_id), "--output", str(target)])
    assert written.exit_code == 0, written.output
    election = pabulib.load(target)
    assert len(election.voters) == 436 and election.meta["rule"] == "greedy"


def test_cli_export_pb_refuses_unknown_and_unpublished_forums(app):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["forum", "export-pb", "424242"])
    assert unknown.exit_code != 0 and "no forum with id 424242" in unknown.output
    imported = imports.import_pb(DATA / f"{TOULOUSE}.pb")
    closed = runner.invoke(args=["forum", "export-pb", str(imported)])
    assert closed.exit_code != 0 and "no published result" in closed.output
    assert "Traceback" not in closed.output and "META" not in closed.output


def test_date_end_is_the_last_day_before_the_closing_instant(app):
    forum = seoul_forum()
    forum.voting_ends_at = datetime(2020, 7, 13, 23, 59, tzinfo=SEOUL)
    db.session.commit()
    publish(forum.id)
    meta = exports.pb_meta(exports.published(forum.id), 6)
    assert meta["date_begin"] == "06.07.2020" and meta["date_end"] == "13.07.2020"
