"""Ballots in JSON Lines: reading (with errors naming the line) and writing."""

import json
from collections.abc import Iterable
from datetime import datetime

from voting.oversight.records import Ballot

_REQUIRED = ("voter", "time", "picks")
_OPTIONAL = ("network", "device", "agent", "channel", "tag")


def _parse_time(value: object, line: int, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"line {line}: {name} must be an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"line {line}: {name} is not ISO-8601: {value!r}") from None
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"line {line}: {name} needs a UTC offset: {value!r}")
    return moment


def read_jsonl(lines: Iterable[str], first_line: int = 1) -> list[Ballot]:
    """Ballots from JSON Lines, one object per line; blank lines are skipped.

    Each object needs ``voter`` (non-empty string), ``time`` (ISO-8601 with offset) and
    ``picks`` (list of strings); ``network``, ``device``, ``agent``, ``channel`` and
    ``tag`` (the outreach link's code) are optional strings and ``first_seen`` an
    optional ISO-8601 time. Bad input raises ValueError naming the line (counted from
    ``first_line``).
    """
    ballots = []
    for number, raw in enumerate(lines, start=first_line):
        text = raw.strip()
        if not text:
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: invalid JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        for name in _REQUIRED:
            if name not in row:
                raise ValueError(f"line {number}: missing {name!r}")
        voter = row["voter"]
        if not isinstance(voter, str) or not voter:
            raise ValueError(f"line {number}: voter must be a non-empty string")
        picks = row["picks"]
        if not isinstance(picks, list) or not all(isinstance(p, str) for p in picks):
            raise ValueError(f"line {number}: picks must be a list of strings")
        extra = {}
        for name in _OPTIONAL:
            value = row.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"line {number}: {name} must be a string")
            extra[name] = value
        first_seen = row.get("first_seen")
        ballots.append(
            Ballot(
                voter=voter,
                time=_parse_time(row["time"], number, "time"),
                picks=tuple(picks),
                first_seen=None
                if first_seen is None
                else _parse_time(first_seen, number, "first_seen"),
                **extra,
            )
        )
    return ballots


def ballot_as_json(ballot: Ballot) -> str:
    """One JSON Lines row for a ballot (the format :func:`read_jsonl` reads)."""
    row = {
        "voter": ballot.voter,
        "time": ballot.time.isoformat(),
        "picks": list(ballot.picks),
        "network": ballot.network,
        "device": ballot.device,
        "agent": ballot.agent,
    }
    if ballot.channel != "online":
        row["channel"] = ballot.channel
    if ballot.first_seen is not None:
        row["first_seen"] = ballot.first_seen.isoformat()
    if ballot.tag:
        row["tag"] = ballot.tag
    return json.dumps(row, ensure_ascii=False)
