"""Open data of a published forum: CSV, JSON, Pabulib ``.pb`` and a ZIP bundling them.

Only a published forum (phase ``published`` with its :class:`ResultSnapshot`) can be
exported, and every file is built from that snapshot, the official record:

* ``result.csv`` (:func:`result_csv`): the ranked items, one row each, with Korean
  headers and words (:mod:`voting.resultcsv`);
* ``snapshot.json`` (:func:`snapshot_json`): the snapshot payload, byte for byte as
  stored, whose SHA-256 is the published hash;
* ``ballots.pb`` (:func:`ballots_pb`): the counted ballots, anonymised, in the Pabulib
  format (https://pabulib.org/format) that pabutools reads;
* ``leaves.json`` (:func:`voting.publishing.commitment.leaves_json`): the ballots' Merkle leaves;
* ``open-data.zip`` (:func:`open_data_zip`): the four files above and a README.

Anonymity of ``ballots.pb``: a ballot is written as its approved item ids and its
channel only, and the channel only when every channel that has ballots has at least 5
(:func:`channels_publishable`). Voter keys, ballot ids, receipt codes, birth years and
cast times never leave the database. Voter ids are a fresh random permutation of ``1..N`` drawn for
each export, and rows are written in that random order, so an id links to nothing:
not to a voter, not to a ballot, not to the order of casting, not to another export.
"""

import io
import json
import random
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.counting import pabulib
from voting.counting import results
from voting.counting import rulebook
from voting.counting import turnout
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import ResultSnapshot
from voting.publishing import commitment
from voting.publishing import readme as readme_text
from voting.publishing import resultcsv

SEOUL = ZoneInfo("Asia/Seoul")
COUNTRY = "South Korea"
CSV_COLUMNS = resultcsv.CSV_COLUMNS
ZIP_NAMES = {
    "csv": "result.csv",
    "json": "snapshot.json",
    "pb": "ballots.pb",
    "leaves": "leaves.json",
    "readme": "README.md",
}


@dataclass(frozen=True)
class Published:
    """A published forum, its snapshot and the snapshot's payload parsed."""

    forum: Forum
    snapshot: ResultSnapshot
    payload: dict

    @property
    def forum_id(self) -> int:
        return self.forum.id


@dataclass(frozen=True)
class CountedBallot:
    """What an export may say about a ballot: its approved item ids and its channel."""

    picks: tuple[str, ...]
    channel: str


def published(forum_id: int, *, drafts_hidden: bool = True) -> Published:
    """The published forum and its snapshot, or a DomainError.

    404 (``no_forum``) when there is no such forum, or when it is a draft and
    ``drafts_hidden`` (the public routes); 409 (``not_published``) when its result has
    not been published.
    """
    forum = forums.load_forum(forum_id)
    if forum is None or (drafts_hidden and forum.phase == "draft"):
        raise DomainError(
            _("There is no forum with id %(id)d.", id=forum_id), status=404, code="no_forum"
        )
    snapshot = db.session.execute(
        select(ResultSnapshot).filter_by(forum_id=forum.id)
    ).scalar_one_or_none()
    if forum.phase != "published" or snapshot is None:
        raise DomainError(
            _("The result of this forum has not been published yet, so there is no open data."),
            status=409,
            code="not_published",
        )
    return Published(forum=forum, snapshot=snapshot, payload=json.loads(snapshot.payload))


def filename(forum_id: int, kind: str) -> str:
    """ASCII-safe download names: ``forum-7-result.csv``, ``forum-7-ballots.pb`` …"""
    names = {**ZIP_NAMES, "sha256": "snapshot.json.sha256", "zip": "open-data.zip"}
    return f"forum-{int(forum_id)}-{names[kind]}"


# --- CSV -----------------------------------------------------------------------------


def result_csv(record: Published) -> bytes:
    """``result.csv`` of the snapshot: see :func:`voting.publishing.resultcsv.render`."""
    return resultcsv.render(record.payload)


# --- JSON ----------------------------------------------------------------------------


def snapshot_json(record: Published) -> bytes:
    """The snapshot payload exactly as stored: canonical JSON (sorted keys, no spaces).

    Its SHA-256 is :func:`snapshot_sha256`, the hash published with the result.
    """
    return record.snapshot.payload.encode("utf-8")


def snapshot_sha256(record: Published) -> str:
    """The published SHA-256 (hex) of :func:`snapshot_json`."""
    return record.snapshot.sha256


def sha256_line(record: Published) -> str:
    """A ``sha256sum -c`` line for the downloaded JSON file."""
    return f"{snapshot_sha256(record)}  {filename(record.forum_id, 'json')}\n"


# --- Pabulib .pb ---------------------------------------------------------------------


def counted_ballots(forum_id: int) -> list[CountedBallot]:
    """The ballots the snapshot counted, as approved item ids and channel, in no
    particular order (:func:`pb_election` shuffles them).

    Ballots excluded after an operator confirmed a flag are left out, by the same
    condition the count uses; :func:`pb_election` refuses to export ballots that do
    not reproduce the snapshot's counts.
    """
    ballots = db.session.execute(
        select(Ballot.id, Ballot.channel).where(results.counted(forum_id))
    ).all()
    choices = db.session.execute(
        select(BallotChoice.ballot_id, AgendaItem.external_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .join(AgendaItem, AgendaItem.id == BallotChoice.item_id)
        .where(results.counted(forum_id))
    ).all()
    picks: dict[int, list[str]] = {ballot_id: [] for ballot_id, _channel in ballots}
    for ballot_id, external_id in choices:
        picks[ballot_id].append(external_id)
    return [CountedBallot(tuple(picks[ballot_id]), channel) for ballot_id, channel in ballots]


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pb_date(moment: datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%d.%m.%Y")


def pb_rule(payload: dict) -> dict[str, str]:
    """META ``rule`` (and ``min_project_score_threshold``) for the snapshot's rule.

    The inverse of :func:`voting.counting.pabulib.funding_options`: greedy that skips misfits
    is ``greedy``, or ``greedy-threshold`` with a vote threshold; greedy that stops at
    the first misfit is ``greedy-no-skip`` (with its threshold, if any); the Method of
    Equal Shares is ``equalshares``.
    """
    rule = payload["rule"]
    if rule != rulebook.GREEDY.name:
        return {"rule": rulebook.RULES[rule].pabulib}
    options = payload["forum"]
    threshold = int(options.get("min_votes") or 0)
    if not options.get("skip_misfits", True):
        name = "greedy-no-skip"
    else:
        name = "greedy-threshold" if threshold else "greedy"
    meta = {"rule": name}
    if threshold:
        meta["min_project_score_threshold"] = str(threshold)
    return meta


def _comment(payload: dict, channels: bool = True) -> str:
    notes = [
        "voter_id values are drawn at random for each export: they identify no voter "
        "and no ballot and differ between downloads",
    ]
    if channels:
        notes.append(
            "voting_method is the ballot channel: online, assisted (entered by district "
            "staff for a resident) or import (replayed from a file)"
        )
    else:
        notes.append(
            "the ballot channel is left out because a channel has fewer than "
            f"{turnout.K_ANONYMITY} ballots, which could single out a voter"
        )
    if payload["rule"] == "equal_shares":
        notes.append(
            "equalshares is the Method of Equal Shares with cost utilities, and what is "
            "left of the budget then goes to projects by number of votes"
        )
    envelopes = payload["forum"].get("field_envelopes") or {}
    if envelopes:
        listed = ", ".join(f"{name} {amount}" for name, amount in sorted(envelopes.items()))
        notes.append(
            "categories have their own envelopes, and an item is funded only if it also "
            f"fits what is left of its category's envelope: {listed}"
        )
    return " ".join(f"#{n}: {note}." for n, note in enumerate(notes, start=1))


def pb_meta(record: Published, num_votes: int, channels: bool = True) -> dict[str, str]:
    """The META section: what the election was and how it was decided.

    ``description`` is the forum title, ``country`` South Korea, ``unit`` the district
    (자치구), ``instance`` the year voting opened; ``budget`` the envelope; ``rule`` as
    :func:`pb_rule`; ``date_begin``/``date_end`` the voting window's first and last
    day in Asia/Seoul (dd.mm.yyyy); ``min_length``/``max_length`` the picks per
    ballot and ``max_sum_cost`` the per-ballot cost cap when there is one.
    """
    payload = record.payload
    forum = payload["forum"]
    starts = _moment(forum["voting_starts_at"])
    # The window's end instant is already closed: the last voting day is just before it.
    ends = _moment(forum["voting_ends_at"]) - timedelta(microseconds=1)
    meta = {
        "description": forum["title"],
        "country": COUNTRY,
        "unit": record.forum.district.name_ko,
        "instance": str(starts.astimezone(SEOUL).year),
        "num_projects": str(len(payload["items"])),
        "num_votes": str(num_votes),
        "budget": str(forum["envelope"]),
        "vote_type": "approval",
    }
    meta.update(pb_rule(payload))
    meta.update(
        {
            "date_begin": _pb_date(starts),
            "date_end": _pb_date(ends),
            "min_length": str(forum["min_picks"]),
            "max_length": str(forum["max_picks"]),
        }
    )
    if forum.get("cost_cap"):
        meta["max_sum_cost"] = str(forum["cost_cap"])
    meta["language"] = "ko"
    meta["currency"] = record.forum.currency or "KRW"
    meta["comment"] = _comment(payload, channels)
    return meta


def _check_against_snapshot(payload: dict, ballots: list[CountedBallot]) -> None:
    counts = Counter(pick for ballot in ballots for pick in set(ballot.picks))
    expected = {item_id: votes for item_id, votes in payload["counts"].items() if votes}
    if len(ballots) != payload["ballots_counted"] or dict(counts) != expected:
        raise DomainError(
            _(
                "The stored ballots no longer match the published result. "
                "Check it with forum verify-snapshot."
            ),
            status=409,
            code="snapshot_mismatch",
        )


def pb_election(record: Published, rng: random.Random | None = None) -> pabulib.PbElection:
    """The counted ballots as a Pabulib election, with fresh pseudonymous voter ids.

    PROJECTS: ``project_id`` (item number), ``cost``, ``votes``, ``name`` (title),
    ``category`` (field) and ``selected`` (1 when the snapshot funds it), in rank
    order. VOTES: ``voter_id`` (a random permutation of 1..N, new for every call;
    rows are written in voter_id order, hence in random order), ``vote`` (the
    approved item ids, in rank order) and ``voting_method`` (the channel, left out
    when :func:`channels_publishable` says no). Raises a 409 DomainError when the
    ballots do not reproduce the snapshot's counts.
    """
    rng = rng or random.SystemRandom()
    payload = record.payload
    items = sorted(payload["items"], key=lambda row: row["rank"])
    position = {item["id"]: n for n, item in enumerate(items)}
    ballots = counted_ballots(record.forum_id)
    _check_against_snapshot(payload, ballots)
    pseudonyms = list(range(1, len(ballots) + 1))
    rng.shuffle(pseudonyms)
    rows = sorted(zip(pseudonyms, ballots, strict=True), key=lambda pair: pair[0])
    projects = [
        pabulib.PbProject(
            id=item["id"],
            cost=item["cost"],
            name=item["title"],
            category=item["field"],
            votes_column=item["votes"],
            extra={"selected": "1" if item["funded"] else "0"},
        )
        for item in items
    ]
    channels = channels_publishable(ballots)
    voters = [
        pabulib.PbVoter(
            id=str(pseudonym),
            picks=tuple(sorted(set(ballot.picks), key=position.__getitem__)),
            extra={"voting_method": ballot.channel} if channels else {},
        )
        for pseudonym, ballot in rows
    ]
    meta = pb_meta(record, len(ballots), channels)
    return pabulib.PbElection(meta=meta, projects=projects, voters=voters)


def channels_publishable(ballots: list[CountedBallot]) -> bool:
    """Whether the ballots file may give each ballot's channel: only when every channel
    that has ballots has at least 5 (k-anonymity), so that the picks of the one or two
    residents helped at a support point cannot be read off the file."""
    counts = Counter(ballot.channel for ballot in ballots)
    return all(count >= turnout.K_ANONYMITY for count in counts.values())


def ballots_pb(record: Published, rng: random.Random | None = None) -> str:
    """The text of ``ballots.pb``: :func:`pb_election` written by :func:`pabulib.dumps`.

    A 409 DomainError when an item number cannot be written (a comma would split a
    ballot's list of picks); the other files are unaffected.
    """
    election = pb_election(record, rng)
    unwritable = [project.id for project in election.projects if "," in project.id]
    if unwritable:
        raise DomainError(
            _(
                "Item number %(id)s contains a comma, which the Pabulib ballot file "
                "cannot hold; the other files are available.",
                id=unwritable[0],
            ),
            status=409,
            code="not_pabulib",
        )
    return pabulib.dumps(election)


# --- README and ZIP ------------------------------------------------------------------


def readme(record: Published) -> str:
    """``README.md`` of the ZIP, in Korean and English: what each file and column is,
    the rule, how turnout is protected, the hash, how to verify, and the licence."""
    facts = readme_text.Facts(
        forum_id=record.forum.id,
        district=record.forum.district.name_ko,
        published_at=record.snapshot.published_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
        sha256=snapshot_sha256(record),
        pb_rule=pb_rule(record.payload)["rule"],
        columns=resultcsv.CSV_SPEC,
    )
    return readme_text.text(record.payload, facts)


def open_data_zip(record: Published, rng: random.Random | None = None) -> bytes:
    """A ZIP, built in memory, of ``result.csv``, ``snapshot.json``, ``ballots.pb``,
    ``leaves.json`` (when the snapshot has a commitment) and ``README.md``; entries are
    dated with the publication time (Asia/Seoul)."""
    stamp = record.snapshot.published_at.astimezone(SEOUL).timetuple()[:6]
    files = {
        ZIP_NAMES["csv"]: result_csv(record),
        ZIP_NAMES["json"]: snapshot_json(record),
        ZIP_NAMES["pb"]: ballots_pb(record, rng).encode("utf-8"),
    }
    if "commitment" in record.payload:
        files[ZIP_NAMES["leaves"]] = commitment.leaves_json(record.forum_id, record.payload)
    files[ZIP_NAMES["readme"]] = readme(record).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()
