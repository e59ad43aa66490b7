"""Bloc-voting detection as a whole: stable flags across rescans, the JSON Lines format,
the impact hook, the detector registry and what detection may import."""

import ast
import json
import random
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.test_anomalies import bloc
from tests.unit.test_anomalies import flagging
from tests.unit.test_anomalies import ITEMS
from tests.unit.test_anomalies import organic
from tests.unit.test_anomalies import START
from voting.oversight import index
from voting.oversight import scan as scanning
from voting.oversight.jsonl import ballot_as_json
from voting.oversight.jsonl import read_jsonl
from voting.oversight.records import Ballot
from voting.oversight.scan import diff_flags
from voting.oversight.scan import flags_as_json
from voting.oversight.scan import impact
from voting.oversight.scan import scan
from voting.oversight.thresholds import FLAGGING_TIERS
from voting.oversight.thresholds import PROXY_CASTING

# the modules of detection, which must stay pure standard library
DETECTION_MODULES = (
    "burst_split",
    "dense_block",
    "evidence",
    "flag_building",
    "index",
    "jsonl",
    "lockstep_burst",
    "proxy_casting",
    "records",
    "scan",
    "statistics",
    "thresholds",
)


# --- stability, input and output ---------------------------------------------------


def test_flags_are_stable_across_rescans_and_input_order():
    ballots = organic() + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    first = flags_as_json(scan(ballots))
    shuffled = ballots[:]
    random.Random(2).shuffle(shuffled)
    assert flags_as_json(scan(shuffled)) == first
    # more ballots arrive: the flag keeps its key
    grown = flags_as_json(scan(shuffled + organic(500, seed=8, prefix="late")))
    keys = {f["key"] for f in first["flags"] if f["tier"] in FLAGGING_TIERS}
    assert keys and keys <= {f["key"] for f in grown["flags"]}


def test_previous_flags_mark_changes():
    ballots = organic() + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    before = scan(ballots)
    again = scan(ballots, previous=before)
    assert {f.change for f in again} == {"unchanged"}
    more = bloc(3, ("i07", "i12", "i19"), ["home-3"], device="one-phone", prefix="c")
    later = scan(ballots + more, previous=[f.as_dict() for f in before])
    proxy = [f for f in later if f.tier == PROXY_CASTING]
    assert proxy[0].change == "updated"
    diff = diff_flags(before, later)
    assert proxy[0].key in diff["updated"]


def test_a_voters_latest_ballot_is_the_one_scanned():
    cast = bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    rng = random.Random(4)
    changed = [  # 20 of them later vote again, each their own way, on their own network
        Ballot(
            b.voter,
            b.time + timedelta(days=1),
            tuple(rng.sample(ITEMS, 3)),
            f"cgnat-{k % 8}",
            f"own-{k}",
            "a1",
        )
        for k, b in enumerate(cast[:20])
    ]
    flags = scan(organic() + cast + changed)
    assert flagging(flags) == []


def test_json_output_shape():
    flags = scan(organic() + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone"))
    out = flags_as_json(flags)
    assert set(out) == {"flags"}
    text = json.dumps(out)
    row = json.loads(text)["flags"][0]
    for name, kind in (
        ("tier", str),
        ("members", list),
        ("p_value", float),
        ("explanation", str),
        ("key", str),
        ("size", int),
        ("pattern", list),
        ("networks", int),
        ("devices", int),
        ("observed", int),
        ("expected", float),
        ("start", str),
        ("end", str),
    ):
        assert isinstance(row[name], kind), name
    assert row["size"] == len(row["members"])
    assert datetime.fromisoformat(row["start"]) <= datetime.fromisoformat(row["end"])


def test_read_jsonl_round_trip_and_blank_lines():
    ballots = bloc(3, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    lines = [ballot_as_json(b) + "\n" for b in ballots]
    lines.insert(1, "\n")
    assert read_jsonl(lines) == ballots


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        ('{"voter": "x", "time": "2025-05-12T10:00:00+09:00"}', "line 2: missing 'picks'"),
        ('{"voter": "", "time": "2025-05-12T10:00:00Z", "picks": []}', "line 2: voter"),
        ('{"voter": "x", "time": "2025-05-12T10:00:00", "picks": []}', "line 2: time needs a UTC"),
        ('{"voter": "x", "time": "yesterday", "picks": []}', "line 2: time is not ISO-8601"),
        ('{"voter": "x", "time": "2025-05-12T10:00:00Z", "picks": "a,b"}', "line 2: picks"),
        (
            '{"voter": "x", "time": "2025-05-12T10:00:00Z", "picks": [], "device": 3}',
            "line 2: device",
        ),
    ],
)
def test_read_jsonl_names_the_bad_line(line, message):
    good = '{"voter": "ok", "time": "2025-05-12T09:00:00Z", "picks": ["a"]}'
    with pytest.raises(ValueError, match=message):
        read_jsonl([good, line])


def test_a_jsonl_file_round_trips_into_a_scan(tmp_path):
    path = tmp_path / "ballots.jsonl"
    ballots = organic(800) + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    path.write_text("".join(ballot_as_json(b) + "\n" for b in ballots), encoding="utf-8")
    with path.open(encoding="utf-8") as lines:
        read = read_jsonl(lines)
    assert read == ballots
    out = flags_as_json(scan(read))
    assert [f["tier"] for f in out["flags"]] == [PROXY_CASTING]
    assert set(out["flags"][0]["members"]) == {f"b{k:04d}" for k in range(25)}


def test_impact_hook_uses_the_callers_tally():
    flag = flagging(scan(organic() + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="d")))[0]
    seen = []

    def recompute(excluded):
        seen.append(excluded)
        return {"i01", "i02"}

    result = impact(flag, recompute, {"i01", "i07"})
    assert seen == [set(flag.members)]
    assert result == {
        "key": flag.key,
        "changes_outcome": True,
        "no_longer_funded": ["i07"],
        "newly_funded": ["i02"],
    }
    assert impact(flag, lambda excluded: {"i01"}, {"i01"})["changes_outcome"] is False


def test_detectors_can_be_chosen_by_name_or_callable():
    ballots = organic() + bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone")
    assert [f.detector for f in scan(ballots, detectors=["proxy_devices"])] == ["proxy_devices"]
    assert all(f.detector == "lockstep" for f in scan(ballots, detectors=["lockstep"]))
    calls = []

    def custom(ix):
        calls.append(ix.n)
        return []

    assert scan(ballots, detectors=[custom]) == []
    assert calls == [len(ballots)]
    assert list(scanning.DETECTORS) == [
        "proxy_devices",
        "lockstep",
        "dense",
        "proxy_networks",
        "dense_early",
    ]


def test_empty_and_tiny_inputs():
    assert scan([]) == []
    assert scan(bloc(2, ("i01", "i02", "i03"), ["n"])) == []


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        scan([Ballot("v", datetime(2025, 5, 12, 9, 0), ("i01", "i02", "i03"))])


def test_detection_is_pure_standard_library():
    imported = set()
    for name in DETECTION_MODULES:
        path = Path(index.__file__).with_name(f"{name}.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module.startswith("voting.oversight."):
                    assert module.removeprefix("voting.oversight.") in DETECTION_MODULES
                else:
                    imported.add(module.split(".")[0])
    assert imported <= {
        "bisect",
        "collections",
        "dataclasses",
        "datetime",
        "gc",
        "hashlib",
        "itertools",
        "json",
        "math",
        "msgspec",  # the record type only: one C library, no framework, no database
        "operator",
        "sys",
        "typing",
    }


def test_near_means_differing_by_at_most_one_pick():
    ix = index.ElectionIndex(
        [
            Ballot(f"v{k}", START, picks, "n", f"d{k}")
            for k, picks in enumerate(
                [("a", "b", "c"), ("a", "b", "x"), ("a", "x", "y"), ("c", "b", "a"), ("a", "b")]
            )
        ]
    )
    pattern = ix.pick_sets.index(("a", "b", "c"))
    near = {ix.pick_sets[p] for p in ix.near_pids(pattern)}
    assert near == {("a", "b", "c"), ("a", "b", "x"), ("a", "b")}
    assert len(ix.pick_sets) == 4  # ("c", "b", "a") is the same pick set
