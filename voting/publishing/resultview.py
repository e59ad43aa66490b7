"""What a results page shows, from a published snapshot or a staff preview's payload."""

from dataclasses import dataclass

from deliberation.models import Forum
from voting.counting import turnout
from voting.models import CHANNELS
from voting.models import ResultSnapshot


@dataclass
class ResultView:
    """A result as the pages show it, from a snapshot payload (stored or computed)."""

    forum: Forum
    rule: str
    ballots: int
    spent: int
    cut_rank: int | None
    rows: list[dict]
    fields: list[dict]
    channels: dict[str, int | str]
    age_bands: dict[str, int | str]
    snapshot: ResultSnapshot | None = None
    # With confirmed exclusions: the same rule without them, for comparison.
    comparison: dict | None = None

    @property
    def funded_count(self) -> int:
        return sum(1 for row in self.rows if row["funded"])

    @property
    def top_votes(self) -> int:
        return max((row["votes"] for row in self.rows), default=0)

    @property
    def remaining(self) -> int:
        """What is left of the forum's envelope once the funded items are paid."""
        return self.forum.envelope - self.spent

    @property
    def share(self) -> int:
        """Each ballot's equal share of the envelope under equal shares (whole won, down)."""
        return self.forum.envelope // self.ballots if self.ballots else 0

    def as_json(self) -> dict:
        """The public JSON shape, the same as ``forum result --json``."""
        keys = ("rank", "id", "title", "cost", "votes", "funded")
        return {
            "forum": self.forum.id,
            "envelope": self.forum.envelope,
            "rule": self.rule,
            "ballots": self.ballots,
            "items": [{key: row[key] for key in keys} for row in self.rows],
        }


def _field_rows(forum: Forum, rows: list[dict]) -> list[dict]:
    """Envelope use per field: funded cost against the field's envelope, when it has one."""
    return [
        {
            "name": field.name,
            "name_en": field.name_en,
            "envelope": field.envelope,
            "spent": sum(r["cost"] for r in rows if r["funded"] and r["field"] == field.name),
        }
        for field in forum.fields
    ]


def _row(item: dict, names_en: dict) -> dict:
    """A payload item for the page: its field's English name, and under equal shares
    how it was paid (``funded_by``) and what each supporter paid on average."""
    votes = item["votes"]
    return dict(
        item,
        field_en=names_en.get(item["field"]) or "",
        funded_by=item.get("funded_by"),
        each=item["cost"] // votes if votes else None,
    )


def _in_order(cells: dict, order: tuple[str, ...]) -> dict:
    """The cells in the given order (the stored JSON sorts its keys), others last."""
    return {**{name: cells[name] for name in order if name in cells}, **cells}


def _protected(cells: dict) -> dict:
    """A turnout table for the page: as stored when its small cells are already
    hidden; hidden now when an older snapshot stored plain counts."""
    if all(isinstance(count, int) for count in cells.values()):
        return turnout.protect(cells)
    return cells


def view_of(payload: dict, forum: Forum, snapshot: ResultSnapshot | None) -> ResultView:
    names_en = {f.name: f.name_en for f in forum.fields}
    rows = [_row(item, names_en) for item in payload["items"]]
    return ResultView(
        forum=forum,
        rule=payload["rule"],
        ballots=payload["ballots_counted"],
        spent=payload["spent"],
        cut_rank=payload["cut_rank"],
        rows=rows,
        fields=_field_rows(forum, rows),
        channels=_protected(_in_order(payload["channels"], CHANNELS)),
        age_bands=_protected(
            {band: payload["age_bands"].get(band, 0) for band in turnout.AGE_BANDS}
        ),
        snapshot=snapshot,
    )
