"""A timing burst that came through one outreach link is mobilisation, not a bloc; a tag
never excuses many identities on one device or network (``voting.oversight``)."""

import io
import json

from msgspec.structs import replace

from tests.unit.test_anomalies import bloc
from tests.unit.test_anomalies import flagging
from tests.unit.test_anomalies import organic
from tests.unit.test_anomalies import voters
from voting.oversight.burst_split import shared_tag
from voting.oversight.jsonl import ballot_as_json
from voting.oversight.jsonl import read_jsonl
from voting.oversight.jsonl_fast import read_jsonl_fast
from voting.oversight.scan import flags_as_json
from voting.oversight.scan import scan
from voting.oversight.thresholds import LOCKSTEP_BLOC
from voting.oversight.thresholds import MOBILISATION
from voting.oversight.thresholds import PROXY_CASTING

# ten home networks, three residents each, near-identical picks within 20 minutes
HOMES = [f"home-{k}" for k in range(1, 11)]
PICKS = ("i11", "i16", "i25")


def tagged(ballots, tag="yeoksam1", every=1):
    return [replace(b, tag=tag) if k % every == 0 else b for k, b in enumerate(ballots)]


def test_a_tag_shared_by_most_of_a_burst_is_found():
    assert shared_tag(["a"] * 8 + ["", "b"]) == "a"
    assert shared_tag(["a"] * 7 + ["", "", "b"]) is None  # 70 %: below the share
    assert shared_tag([""] * 10) is None  # untagged ballots never make a tagged burst
    assert shared_tag([]) is None


def test_the_burst_without_a_tag_is_a_lockstep_bloc():
    cast = bloc(30, PICKS, HOMES, span=1200)
    found = flagging(scan(organic() + cast))
    assert [(f.tier, f.detector) for f in found] == [(LOCKSTEP_BLOC, "lockstep")]
    assert set(found[0].members) == voters(cast)


def test_the_same_burst_through_one_outreach_link_is_mobilisation():
    cast = tagged(bloc(30, PICKS, HOMES, span=1200))
    flags = scan(organic() + cast)
    assert flagging(flags) == []
    [info] = [f for f in flags if f.tier == MOBILISATION]
    assert info.detector == "lockstep"
    assert set(info.members) == voters(cast)
    assert "outreach link tagged yeoksam1" in info.explanation
    assert "Information only" in info.explanation


def test_a_burst_with_too_few_tagged_ballots_is_still_a_bloc():
    cast = tagged(bloc(30, PICKS, HOMES, span=1200), every=2)  # half of them
    found = flagging(scan(organic() + cast))
    assert [f.tier for f in found] == [LOCKSTEP_BLOC]


def test_a_tagged_bloc_on_one_device_is_still_proxy_casting():
    cast = tagged(bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone"))
    found = flagging(scan(organic() + cast))
    assert [(f.tier, f.detector) for f in found] == [(PROXY_CASTING, "proxy_devices")]
    assert set(found[0].members) == voters(cast)


def test_a_tagged_burst_on_one_network_is_still_proxy_casting():
    cast = tagged(bloc(30, PICKS, ["one-network"], span=1200))
    found = flagging(scan(organic() + cast))
    assert [(f.tier, f.detector) for f in found] == [(PROXY_CASTING, "proxy_networks")]


def test_the_tag_round_trips_through_json_lines_and_the_output_keeps_its_shape():
    ballots = organic(300) + tagged(bloc(30, PICKS, HOMES, span=1200))
    text = "".join(ballot_as_json(b) + "\n" for b in ballots)
    assert read_jsonl(io.StringIO(text)) == ballots
    assert read_jsonl_fast(io.BytesIO(text.encode())) == ballots
    assert '"tag": "yeoksam1"' in text and text.count('"tag"') == 30
    plain = flags_as_json(scan(organic() + bloc(30, PICKS, HOMES, span=1200)))["flags"][0]
    mobilised = flags_as_json(scan(organic() + tagged(bloc(30, PICKS, HOMES, span=1200))))
    assert set(mobilised["flags"][0]) == set(plain)  # no new field in the output
    assert "tag" not in json.dumps(plain)


def test_a_tag_that_is_not_a_string_is_refused_with_its_line():
    good = '{"voter": "ok", "time": "2025-05-12T09:00:00Z", "picks": ["a"]}'
    bad = '{"voter": "x", "time": "2025-05-12T10:00:00Z", "picks": [], "tag": 7}'
    try:
        read_jsonl([good, bad])
    except ValueError as error:
        assert "line 2: tag" in str(error)
    else:
        raise AssertionError("a numeric tag was accepted")
