"""Read and write the Pabulib ``.pb`` format (https://pabulib.org/format).

A file has three sections, in this order: ``META``, ``PROJECTS`` and ``VOTES``.
Each is a line with the section name, then a header row, then rows of fields
separated by ``;`` (fields may be quoted with double quotes). ``META`` rows are
``key;value``; ``PROJECTS`` rows need ``project_id`` and ``cost``; ``VOTES`` rows
need ``voter_id`` and ``vote``, a comma-separated list of project ids.

Only approval elections are supported. Money is read into whole numbers exactly
(``40000.0`` is 40000; ``12.5`` is an error). Pure standard library.
"""

import csv
import io
import re
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation
from os import PathLike

SECTIONS = ("META", "PROJECTS", "VOTES")
PROJECT_COLUMNS = ("project_id", "cost", "votes", "name", "category", "categories")
VOTER_COLUMNS = ("voter_id", "vote")
NONE_VALUES = ("", "none")
_SECTION_LIKE = re.compile(r"[A-Z][A-Z_]*")


class PbError(ValueError):
    """A ``.pb`` file that cannot be read; the message names the line when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(f"line {line}: {problem}" if line is not None else problem)


@dataclass(frozen=True, slots=True)
class PbProject:
    """A project. ``votes_column`` is the file's ``votes`` column, if any: a
    summary that can disagree with the ballots, so count the ballots instead.
    ``category`` is the raw ``category`` (or ``categories``) value, which may
    list several names separated by commas. ``extra`` holds the other columns.
    """

    id: str
    cost: int
    name: str = ""
    category: str | None = None
    votes_column: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PbVoter:
    """A ballot: the approved project ids, each once, in file order."""

    id: str
    picks: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PbElection:
    """A whole file: META as text, projects and ballots in file order."""

    meta: dict[str, str]
    projects: list[PbProject]
    voters: list[PbVoter]

    @property
    def budget(self) -> int:
        """META ``budget`` as a whole number (PbError if missing or fractional)."""
        if "budget" not in self.meta:
            raise PbError("META has no budget")
        return _whole(self.meta["budget"], "META budget", None, minimum=0)


def _whole(text: str | None, what: str, line: int | None, minimum: int) -> int:
    """Parse a whole number written as ``40000`` or ``40000.0``, exactly."""
    value = (text or "").strip()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PbError(f"{what} {value!r} is not a number", line) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise PbError(f"{what} {value!r} is not a whole number", line)
    result = int(number)
    if result < minimum:
        comparison = "positive" if minimum == 1 else f"at least {minimum}"
        raise PbError(f"{what} {value!r} must be {comparison}", line)
    return result


def _optional(value: str) -> str | None:
    return None if value.lower() in NONE_VALUES else value


def _columns(header: list[str], required: tuple[str, ...], section: str, line: int):
    names = [name.strip() for name in header]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise PbError(f"{section} header has an empty column name", line)
        if name in seen:
            raise PbError(f"{section} header repeats column {name!r}", line)
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise PbError(f"{section} header lacks required column(s) {', '.join(missing)}", line)
    return names


def _fields(row: list[str], width: int, line: int) -> list[str]:
    """Strip the fields and pad or trim the row to the header's width."""
    values = [value.strip() for value in row]
    if len(values) > width:
        if any(values[width:]):
            raise PbError(f"{len(values)} fields but the header has {width}", line)
        del values[width:]
    elif len(values) < width:
        values.extend([""] * (width - len(values)))
    return values


def loads(text: str) -> PbElection:
    """Parse the text of a ``.pb`` file; raise PbError on any problem.

    Checked: sections are META, PROJECTS, VOTES, once each, in that order, each
    with a header row; required columns are present; META keys are unique and
    ``vote_type`` is ``approval``; ``budget`` is a whole number >= 0; project
    ids are unique, non-empty and contain no comma; costs are whole numbers > 0;
    voter ids are unique and non-empty; votes name only known projects. A
    project named twice on one ballot counts once.
    """
    # Long on purpose: the format is read in one pass, section by section, so that each
    # refusal names the line it met.
    if text.startswith("\ufeff"):
        text = text[1:]
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: dict[str, PbProject] = {}
    voters: list[PbVoter] = []
    voter_ids: set[str] = set()

    seen: list[str] = []
    section: str | None = None
    names: list[str] | None = None
    width = 0
    in_votes = False
    project_ids: set[str] = set()
    i_voter = i_vote = 0
    v_extra: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    line = 0
    for row in reader:
        if in_votes and len(row) == width:
            # Fast path for ballots, the bulk of a file.
            voter_id = row[i_voter].strip()
            if voter_id and voter_id not in voter_ids:
                parts = row[i_vote].split(",")
                unique = set(parts)
                if len(unique) == len(parts) and unique <= project_ids:
                    voter_ids.add(voter_id)
                    extra = {name: row[i].strip() for i, name in v_extra}
                    voters.append(PbVoter(voter_id, tuple(parts), extra))
                    continue
        line = reader.line_num
        if not "".join(row).strip():
            continue
        first = row[0].strip()
        if not "".join(row[1:]).strip():
            if first.upper() in SECTIONS:
                name = first.upper()
                if name in seen:
                    raise PbError(f"section {name} appears twice", line)
                expected = SECTIONS[len(seen)]
                if name != expected:
                    raise PbError(f"expected section {expected}, found {name}", line)
                if name == "PROJECTS":
                    _check_meta(meta, meta_lines, line)
                seen.append(name)
                section, names = name, None
                continue
            lone_word = len(row) == 1 and _SECTION_LIKE.fullmatch(first)
            if section is None or (names is not None and lone_word):
                raise PbError(
                    f"unknown section {first!r}; expected one of {', '.join(SECTIONS)}",
                    line,
                )
        if section is None:
            raise PbError("the file must start with the META section", line)

        if names is None:
            if section == "META":
                names = [value.strip().lower() for value in row]
                if names[:2] != ["key", "value"]:
                    raise PbError("META header must be 'key;value'", line)
            elif section == "PROJECTS":
                names = _columns(row, ("project_id", "cost"), section, line)
                p_index = {name: i for i, name in enumerate(names)}
                i_id, i_cost = p_index["project_id"], p_index["cost"]
                i_name = p_index.get("name")
                i_votes = p_index.get("votes")
                i_category = p_index.get("category", p_index.get("categories"))
                p_extra = [(i, name) for i, name in enumerate(names) if name not in PROJECT_COLUMNS]
            else:
                names = _columns(row, VOTER_COLUMNS, section, line)
                v_index = {name: i for i, name in enumerate(names)}
                i_voter, i_vote = v_index["voter_id"], v_index["vote"]
                v_extra = [(i, name) for i, name in enumerate(names) if name not in VOTER_COLUMNS]
                project_ids = set(projects)
                in_votes = True
            width = len(names)
            continue

        values = _fields(row, width, line)
        if section == "VOTES":
            voter_id = values[i_voter]
            if not voter_id:
                raise PbError("empty voter_id", line)
            if voter_id in voter_ids:
                raise PbError(f"duplicate voter_id {voter_id!r}", line)
            voter_ids.add(voter_id)
            picks = []
            for pick in values[i_vote].split(","):
                pick = pick.strip()
                if not pick:
                    continue
                if pick not in projects:
                    raise PbError(f"voter {voter_id!r} votes for unknown project {pick!r}", line)
                picks.append(pick)
            if len(set(picks)) != len(picks):
                picks = list(dict.fromkeys(picks))
            extra = {name: values[i] for i, name in v_extra}
            voters.append(PbVoter(voter_id, tuple(picks), extra))
        elif section == "PROJECTS":
            project_id = values[i_id]
            if not project_id:
                raise PbError("empty project_id", line)
            if "," in project_id:
                raise PbError(f"project_id {project_id!r} contains a comma", line)
            if project_id in projects:
                raise PbError(f"duplicate project_id {project_id!r}", line)
            cost = _whole(values[i_cost], f"cost of project {project_id!r}", line, 1)
            votes = None
            if i_votes is not None and _optional(values[i_votes]) is not None:
                what = f"votes of project {project_id!r}"
                votes = _whole(values[i_votes], what, line, 0)
            category = None
            if i_category is not None:
                category = _optional(values[i_category])
            projects[project_id] = PbProject(
                id=project_id,
                cost=cost,
                name=values[i_name] if i_name is not None else "",
                category=category,
                votes_column=votes,
                extra={name: values[i] for i, name in p_extra},
            )
        else:
            key, value = values[0], values[1]
            if not key:
                raise PbError("META row with an empty key", line)
            if key in meta:
                raise PbError(f"META key {key!r} appears twice", line)
            meta[key] = value
            meta_lines[key] = line

    if section is not None and names is None:
        raise PbError(f"section {section} has no header row", line)
    for name in SECTIONS:
        if name not in seen:
            raise PbError(f"missing section {name}", line or None)
    return PbElection(meta=meta, projects=list(projects.values()), voters=voters)


def _check_meta(meta: dict[str, str], meta_lines: dict[str, int], line: int) -> None:
    vote_type = meta.get("vote_type")
    if vote_type is None:
        raise PbError("META has no vote_type (only approval is supported)", line)
    if vote_type.lower() != "approval":
        raise PbError(
            f"vote_type {vote_type!r} is not supported (only approval)",
            meta_lines["vote_type"],
        )
    if "budget" not in meta:
        raise PbError("META has no budget", line)
    _whole(meta["budget"], "META budget", meta_lines["budget"], minimum=0)


def load(path: str | PathLike) -> PbElection:
    """Read a ``.pb`` file as UTF-8 (a byte-order mark is allowed)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return loads(handle.read())


def dumps(election: PbElection) -> str:
    """Write an election as ``.pb`` text that :func:`loads` and pabutools read back.

    Columns: ``project_id;cost``, then ``votes`` and ``category`` when any project
    has one, ``name``, then the extra columns; ``voter_id;vote`` then the extra
    columns. Fields are quoted only when needed.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in election.meta.items():
        writer.writerow([key, value])

    with_votes = any(p.votes_column is not None for p in election.projects)
    with_category = any(p.category is not None for p in election.projects)
    p_extra = _extra_names(election.projects, PROJECT_COLUMNS, "project")
    header = ["project_id", "cost"]
    header += ["votes"] if with_votes else []
    header += ["name"]
    header += ["category"] if with_category else []
    writer.writerow(["PROJECTS"])
    writer.writerow(header + p_extra)
    for project in election.projects:
        if "," in project.id or not project.id:
            raise PbError(f"project id {project.id!r} cannot be written")
        row = [project.id, str(project.cost)]
        if with_votes:
            votes = project.votes_column
            row.append("" if votes is None else str(votes))
        row.append(project.name)
        if with_category:
            row.append(project.category or "")
        row += [project.extra.get(name, "") for name in p_extra]
        writer.writerow(row)

    v_extra = _extra_names(election.voters, VOTER_COLUMNS, "voter")
    writer.writerow(["VOTES"])
    writer.writerow(list(VOTER_COLUMNS) + v_extra)
    for voter in election.voters:
        row = [voter.id, ",".join(voter.picks)]
        row += [voter.extra.get(name, "") for name in v_extra]
        writer.writerow(row)
    return out.getvalue()


def _extra_names(records, reserved: tuple[str, ...], what: str) -> list[str]:
    names: dict[str, None] = {}
    for record in records:
        for name in record.extra:
            if name in reserved:
                raise PbError(f"{what} {record.id!r} has extra column {name!r}")
            names[name] = None
    return list(names)


def funding_options(meta: dict[str, str]) -> tuple[bool, int]:
    """``(skip_misfits, min_votes)`` for :func:`voting.counting.greedy.fund_greedy`, from META.

    Mapping of META ``rule``:

    * ``greedy``, a missing rule or any other rule -> ``(True, 0)``: skip a
      project that does not fit and go on; ``min_project_score_threshold`` is
      not applied;
    * ``greedy-no-skip`` -> ``(False, T)``: stop at the first project that does
      not fit;
    * ``greedy-threshold`` -> ``(True, T)``: skip misfits, and only projects
      with at least T votes can be funded.

    T is ``min_project_score_threshold`` (0 when absent) and a project is
    eligible when its votes are >= T (a fractional T is rounded up). This
    reproduces the official selections of the Pabulib files Gdynia 2020,
    Gdynia 2024 Cisowa, Łódź 2022 and Warszawa 2026 (city-wide, Mokotów,
    Śródmieście Południowe), and Toulouse 2022 with plain ``greedy``.
    """
    rule = (meta.get("rule") or "").strip().lower()
    threshold = score_threshold(meta)
    if rule == "greedy-no-skip":
        return False, threshold
    if rule == "greedy-threshold":
        return True, threshold
    return True, 0


def score_threshold(meta: dict[str, str]) -> int:
    """META ``min_project_score_threshold`` as a minimum vote count (0 if absent).

    A project qualifies when its votes are >= the threshold; a fractional
    threshold is rounded up, which selects the same projects.
    """
    value = (meta.get("min_project_score_threshold") or "").strip()
    if value.lower() in NONE_VALUES:
        return 0
    problem = f"META min_project_score_threshold {value!r} is not a number"
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PbError(problem) from None
    if not number.is_finite():
        raise PbError(problem)
    return max(0, int(number.to_integral_value(rounding="ROUND_CEILING")))
