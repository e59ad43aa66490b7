"""Open data of a published forum: CSV, JSON, Pabulib ``.pb`` and a ZIP bundling them.

Only a published forum (phase ``published`` with its :class:`ResultSnapshot`) can be
exported, and every file is built from that snapshot, the official record:

* ``result.csv`` (:func:`result_csv`): the ranked items, one row each;
* ``snapshot.json`` (:func:`snapshot_json`): the snapshot payload, byte for byte as
  stored, whose SHA-256 is the published hash;
* ``ballots.pb`` (:func:`ballots_pb`): the counted ballots, anonymised, in the Pabulib
  format (https://pabulib.org/format) that pabutools reads;
* ``open-data.zip`` (:func:`open_data_zip`): the three files above and a README.

Anonymity of ``ballots.pb``: a ballot is written as its approved item ids and its
channel only. Voter keys, ballot ids, receipt codes, birth years and cast times never
leave the database. Voter ids are a fresh random permutation of ``1..N`` drawn for
each export, and rows are written in that random order, so an id links to nothing:
not to a voter, not to a ballot, not to the order of casting, not to another export.
"""

import csv
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
from voting import pabulib
from voting import results
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import ResultSnapshot

SEOUL = ZoneInfo("Asia/Seoul")
COUNTRY = "South Korea"
LICENCE = "Licence: Korea Open Government License Type 1 (공공누리 제1유형: 출처표시) / CC BY 4.0"
CSV_COLUMNS = ("rank", "item_id", "title", "field", "cost", "votes", "funded", "reason")
# Our rule names as Pabulib's META ``rule`` spells them; greedy is refined by its options.
PB_RULES = {"greedy": "greedy", "equal_shares": "equalshares"}
ZIP_NAMES = {
    "csv": "result.csv",
    "json": "snapshot.json",
    "pb": "ballots.pb",
    "readme": "README.md",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    names = {
        "csv": "result.csv",
        "json": "snapshot.json",
        "sha256": "snapshot.json.sha256",
        "pb": "ballots.pb",
        "zip": "open-data.zip",
    }
    return f"forum-{int(forum_id)}-{names[kind]}"


# --- CSV -----------------------------------------------------------------------------


def _cell(text: str | None) -> str:
    """Text for a spreadsheet cell; text a spreadsheet would run as a formula gets a quote."""
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def result_csv(record: Published) -> bytes:
    """The ranked items of the snapshot as CSV: UTF-8 with a byte-order mark, CRLF lines.

    Columns: ``rank`` (1 = most votes), ``item_id`` (the public item number),
    ``title``, ``field`` (분야, empty when none), ``cost`` (whole KRW), ``votes``,
    ``funded`` (1 or 0) and ``reason`` (``funded``, ``over_budget``,
    ``over_field_budget``, ``below_threshold`` or ``stopped``), one row per item in
    rank order. Values are the snapshot's; a title or field that a spreadsheet would
    read as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is prefixed with
    ``'``; ``snapshot.json`` has the exact text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in sorted(record.payload["items"], key=lambda row: row["rank"]):
        writer.writerow(
            [
                item["rank"],
                item["id"],
                _cell(item["title"]),
                _cell(item["field"]),
                item["cost"],
                item["votes"],
                1 if item["funded"] else 0,
                item["reason"],
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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

    The inverse of :func:`voting.pabulib.funding_options`: greedy that skips misfits
    is ``greedy``, or ``greedy-threshold`` with a vote threshold; greedy that stops at
    the first misfit is ``greedy-no-skip`` (with its threshold, if any); the Method of
    Equal Shares is ``equalshares``.
    """
    rule = payload["rule"]
    if rule != "greedy":
        return {"rule": PB_RULES.get(rule, rule)}
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


def _comment(payload: dict) -> str:
    notes = [
        "voter_id values are drawn at random for each export: they identify no voter "
        "and no ballot and differ between downloads",
        "voting_method is the ballot channel: online, assisted (entered by district "
        "staff for a resident) or import (replayed from a file)",
    ]
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


def pb_meta(record: Published, num_votes: int) -> dict[str, str]:
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
    meta["comment"] = _comment(payload)
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
    approved item ids, in rank order) and ``voting_method`` (the channel). Raises a
    409 DomainError when the ballots do not reproduce the snapshot's counts.
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
    voters = [
        pabulib.PbVoter(
            id=str(pseudonym),
            picks=tuple(sorted(set(ballot.picks), key=position.__getitem__)),
            extra={"voting_method": ballot.channel},
        )
        for pseudonym, ballot in rows
    ]
    return pabulib.PbElection(meta=pb_meta(record, len(ballots)), projects=projects, voters=voters)


def ballots_pb(record: Published, rng: random.Random | None = None) -> str:
    """The text of ``ballots.pb``: :func:`pb_election` written by :func:`pabulib.dumps`."""
    return pabulib.dumps(pb_election(record, rng))


# --- README and ZIP ------------------------------------------------------------------


def _rule_text(payload: dict) -> str:
    rule = payload["rule"]
    forum = payload["forum"]
    if rule == "equal_shares":
        return (
            "Method of Equal Shares (Pabulib `equalshares`): the envelope is split equally "
            "among the voters; an item is funded when the voters who approve it can pay "
            "for it together from what is left of their shares, taking at each step the "
            "item whose supporters each pay least. What is left of the envelope then goes "
            "to items by number of votes."
        )
    parts = [
        "Greedy by votes: items are ranked by votes (ties by item id, compared as text) "
        "and funded in rank order while their cost fits what is left of the envelope."
    ]
    if forum.get("skip_misfits", True):
        parts.append("An item that does not fit is skipped and the walk goes on.")
    else:
        parts.append("Funding stops at the first item that does not fit.")
    if forum.get("min_votes"):
        parts.append(f"Items with fewer than {forum['min_votes']} votes are not funded.")
    if forum.get("field_envelopes"):
        parts.append("Each field with its own envelope must also fit what is left of it.")
    meta = pb_rule(payload)
    parts.append(f"Pabulib META rule: `{meta['rule']}`.")
    return " ".join(parts)


def _pabutools_check(payload: dict) -> str:
    plain = pb_rule(payload) == {"rule": "greedy"} and not payload["forum"].get("field_envelopes")
    if plain:
        return (
            "Here `greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)`\n"
            "   funds exactly those projects."
        )
    return (
        "pabutools' plain greedy does not apply this rule's options (see Rule above),\n"
        "   so compare with the rule as described."
    )


def _audit_check(payload: dict) -> str:
    """Step 4 of "How to verify", for snapshots that record the audit log's head."""
    head = payload.get("audit_head")
    if not head:
        return ""
    return (
        "\n4. `audit_head` in `snapshot.json` is the audit log's head at publication. On the\n"
        "   server, `flask --app wsgi audit verify --expect-head "
        f"{head['seq']}:{head['mac']}`\n"
        "   checks that the log still holds that entry, unchanged, and all before it."
    )


def readme(record: Published) -> str:
    """``README.md`` of the ZIP: what each file is, the rule, the hash, how to verify,
    and the licence."""
    payload = record.payload
    forum = record.forum
    sha = snapshot_sha256(record)
    published_at = record.snapshot.published_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    funded = ", ".join(payload["funded"]) or "none"
    return f"""# {payload["forum"]["title"]}: open data

- District: {forum.district.name_ko}
- Forum id: {forum.id}
- Published: {published_at} (Asia/Seoul), rule `{payload["rule"]}`
- Ballots counted: {payload["ballots_counted"]}; funded items: {funded}
- SHA-256 of `snapshot.json`: `{sha}`

## Files

- `result.csv`: the items in rank order, one row each: rank, item_id, title, field,
  cost (KRW), votes, funded (1/0), reason. UTF-8 with a byte-order mark, so that
  spreadsheet programs show Korean text correctly.
- `snapshot.json`: the published result snapshot, byte for byte as stored
  (canonical JSON: sorted keys, no spaces, UTF-8). This is the official record; the
  other files are derived from it and from the counted ballots.
- `ballots.pb`: the counted ballots in the Pabulib format (https://pabulib.org/format),
  readable by pabutools. Each ballot gives only the approved item ids and its channel
  (`voting_method`). Voter ids are drawn at random for each download: they identify no
  voter and no ballot, and differ from one download to the next.
- `README.md`: this file.

## Rule

{_rule_text(payload)}

## How to verify

1. `sha256sum snapshot.json` (or `shasum -a 256 snapshot.json`) prints `{sha}`.
2. On the server, `flask --app wsgi forum verify-snapshot {forum.id}` recomputes the
   result from the stored ballots and compares it with this hash.
3. With pabutools, `parse_pabulib("ballots.pb")` reads the ballots and the projects
   marked `selected` 1 are the funded items. {_pabutools_check(payload)}{_audit_check(payload)}

## 안내

`result.csv`는 순위별 의제 결과, `snapshot.json`은 공표한 공식 결과 원본(SHA-256 `{sha}`),
`ballots.pb`는 집계된 투표를 익명화한 Pabulib 형식 파일입니다. 투표자 번호는 내려받을 때마다
새로 무작위로 정해지며 누구도 식별하지 않습니다.

{LICENCE}
"""


def open_data_zip(record: Published, rng: random.Random | None = None) -> bytes:
    """A ZIP, built in memory, of ``result.csv``, ``snapshot.json``, ``ballots.pb`` and
    ``README.md``; entries are dated with the publication time (Asia/Seoul)."""
    stamp = record.snapshot.published_at.astimezone(SEOUL).timetuple()[:6]
    files = {
        ZIP_NAMES["csv"]: result_csv(record),
        ZIP_NAMES["json"]: snapshot_json(record),
        ZIP_NAMES["pb"]: ballots_pb(record, rng).encode("utf-8"),
        ZIP_NAMES["readme"]: readme(record).encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()
