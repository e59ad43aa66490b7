"""What detection reads (a cast ballot with its signals) and writes (a flag)."""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from typing import Annotated

import msgspec

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


Aware = Annotated[datetime, msgspec.Meta(tz=True)]
"""A time with its UTC offset: the JSON decoder refuses one without."""


class Ballot(msgspec.Struct, frozen=True, gc=False):
    """One cast ballot with the privacy-preserving signals recorded at cast time.

    ``network``, ``device`` and ``agent`` are keyed hashes (empty when unknown);
    ``time`` and ``first_seen`` are timezone-aware. ``tag`` is the code of the outreach
    link the resident arrived through (empty when none): a tag of the link, not a person.

    A msgspec struct rather than a dataclass: ``scan-file`` decodes a million of them
    straight from JSON, in half the time, and the garbage collector never walks them
    (they hold only strings, times and tuples of strings, so no cycles). Constructing
    one by keyword checks nothing; the decoder checks the types and the constraints.
    """

    voter: Annotated[str, msgspec.Meta(min_length=1)]
    time: Aware
    picks: tuple[str, ...]
    network: str = ""
    device: str = ""
    agent: str = ""
    channel: str = "online"
    first_seen: Aware | None = None
    tag: str = ""


@dataclass(frozen=True)
class Flag:
    """A group of ballots that looks coordinated, with the evidence for an operator.

    ``observed`` ballots (or network entries) near ``pattern`` where ``expected`` were
    expected from the forum's shares; ``p_value`` is corrected for ``tests`` hypotheses
    (``log10_p`` keeps its precision when ``p_value`` underflows to 0).
    """

    key: str
    tier: str
    detector: str
    members: tuple[str, ...]
    start: datetime
    end: datetime
    pattern: tuple[str, ...]
    identical: int
    networks: int
    devices: int
    anchors: tuple[str, ...]
    observed: int
    expected: float
    p_value: float
    log10_p: float
    tests: int
    explanation: str
    new_identities: int | None = None
    change: str = ""

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span_seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "tier": self.tier,
            "detector": self.detector,
            "members": list(self.members),
            "size": self.size,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "span_seconds": self.span_seconds,
            "pattern": list(self.pattern),
            "shared_picks": list(self.pattern),
            "identical": self.identical,
            "networks": self.networks,
            "devices": self.devices,
            "anchors": list(self.anchors),
            "observed": self.observed,
            "expected": round(self.expected, 3),
            "p_value": self.p_value,
            "log10_p": round(self.log10_p, 2),
            "tests": self.tests,
            "new_identities": self.new_identities,
            "explanation": self.explanation,
            "change": self.change,
        }
