"""Bloc-voting detection: each detector on small constructed electorates (``voting.oversight``)."""

import math
import random
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from voting.oversight.records import Ballot
from voting.oversight.scan import scan
from voting.oversight.statistics import bonferroni
from voting.oversight.statistics import log_binom_sf
from voting.oversight.statistics import log_poisson_sf
from voting.oversight.thresholds import FLAGGING_TIERS
from voting.oversight.thresholds import LOCKSTEP_BLOC
from voting.oversight.thresholds import MOBILISATION
from voting.oversight.thresholds import PROXY_CASTING

START = datetime(2025, 5, 12, 0, 0, tzinfo=UTC)
ITEMS = [f"i{k:02d}" for k in range(1, 31)]
WEIGHTS = [1.0 / (rank + 1) ** 0.9 for rank in range(len(ITEMS))]


def organic(voters: int = 3000, seed: int = 1, prefix: str = "v") -> list[Ballot]:
    """A bloc-free electorate: skewed popularity, mobile carrier-grade NAT networks shared
    by hundreds, residential networks shared by a few households, some shared devices."""
    rng = random.Random(seed)
    ballots = []
    homes = max(10, voters // 4)
    k = 0
    while k < voters:
        size = rng.choice((1, 1, 2, 2, 3))
        home = f"home-{rng.randrange(homes)}"
        family_device = f"{prefix}-dev-{k}-shared"
        for _ in range(size):
            picks = []
            while len(picks) < 3:
                item = rng.choices(ITEMS, WEIGHTS)[0]
                if item not in picks:
                    picks.append(item)
            if rng.random() < 0.55:
                network, device = f"cgnat-{rng.randrange(8)}", f"{prefix}-dev-{k}"
            else:
                network = home
                device = family_device if rng.random() < 0.5 else f"{prefix}-dev-{k}"
            ballots.append(
                Ballot(
                    voter=f"{prefix}{k:05d}",
                    time=START + timedelta(seconds=rng.uniform(0, 7 * 86400)),
                    picks=tuple(picks),
                    network=network,
                    device=device,
                    agent=rng.choice(("a1", "a2", "a3", "a4")),
                )
            )
            k += 1
    return ballots


def bloc(
    size: int,
    picks: tuple[str, ...],
    networks: list[str],
    *,
    device: str | None = None,
    start: datetime = START + timedelta(days=2),
    span: float = 600.0,
    vary: float = 0.0,
    seed: int = 7,
    prefix: str = "b",
) -> list[Ballot]:
    """``size`` ballots near ``picks``: a fraction ``vary`` swaps one pick."""
    rng = random.Random(seed)
    others = [item for item in ITEMS if item not in picks]
    out = []
    for k in range(size):
        chosen = list(picks)
        if k < round(vary * size):
            chosen[rng.randrange(len(chosen))] = rng.choice(others)
        out.append(
            Ballot(
                voter=f"{prefix}{k:04d}",
                time=start + timedelta(seconds=rng.uniform(0, span)),
                picks=tuple(chosen),
                network=networks[k % len(networks)],
                device=device or f"{prefix}-dev-{k}",
                agent="a1",
            )
        )
    return out


def flagging(flags):
    return [f for f in flags if f.tier in FLAGGING_TIERS]


def voters(ballots):
    return {b.voter for b in ballots}


# --- statistics -------------------------------------------------------------------


def test_binomial_tail_matches_direct_sum():
    for n, p in ((10, 0.3), (40, 0.05), (200, 0.01)):
        for k in range(0, n + 1, max(1, n // 10)):
            direct = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
            if k <= n * p:
                assert log_binom_sf(k, n, p) == 0.0  # conservative: p-value 1 at or below the mean
            else:
                assert math.exp(log_binom_sf(k, n, p)) == pytest.approx(direct, rel=1e-9)


def test_binomial_tail_stays_finite_far_in_the_tail():
    log_p = log_binom_sf(200, 200, 0.01)
    assert log_p == pytest.approx(200 * math.log(0.01))
    assert log_binom_sf(5, 4, 0.5) == -math.inf
    assert log_binom_sf(0, 10, 0.5) == 0.0


def test_poisson_tail_matches_direct_sum():
    mean = 2.5
    for k in (3, 6, 12):
        direct = 1 - sum(math.exp(-mean) * mean**j / math.factorial(j) for j in range(k))
        assert math.exp(log_poisson_sf(k, mean)) == pytest.approx(direct, rel=1e-9)


def test_bonferroni_multiplies_and_caps_at_one():
    assert bonferroni(math.log(1e-6), 1000) == pytest.approx(math.log(1e-3))
    assert bonferroni(math.log(0.5), 10) == 0.0


# --- proxy casting ----------------------------------------------------------------


def test_proxy_bloc_from_one_device_is_flagged():
    background = organic()
    cast = bloc(25, ("i07", "i12", "i19"), ["home-3"], device="one-phone", span=3 * 3600)
    flags = scan(background + cast)
    found = flagging(flags)
    assert len(found) == 1
    flag = found[0]
    assert flag.tier == PROXY_CASTING
    assert flag.detector == "proxy_devices"
    assert set(flag.members) == voters(cast)
    assert flag.anchors == ("device:one-phone",)
    assert flag.pattern == ("i07", "i12", "i19")
    assert flag.identical == 25 and flag.devices == 1 and flag.networks == 1
    assert flag.p_value < 1e-20
    assert flag.observed == 25 and flag.expected < 1
    assert "one device" in flag.explanation


def test_household_of_three_on_one_device_is_not_flagged():
    family = bloc(3, ("i07", "i12", "i19"), ["home-3"], device="family-tablet", span=900)
    flags = scan(organic() + family)
    assert flagging(flags) == []


def test_care_home_with_several_devices_is_not_proxy_flagged():
    rng = random.Random(3)
    favourite = {"i04", "i09", "i22", "i27"}  # residents are like-minded
    liked = [
        w * (6.0 if item in favourite else 1.0) for item, w in zip(ITEMS, WEIGHTS, strict=True)
    ]
    residents = []
    for k in range(30):
        picks = []
        while len(picks) < 3:
            item = rng.choices(ITEMS, liked)[0]
            if item not in picks:
                picks.append(item)
        residents.append(
            Ballot(
                voter=f"care{k:02d}",
                time=START + timedelta(days=1 + k % 3, hours=10, minutes=rng.uniform(0, 120)),
                picks=tuple(picks),
                network="care-home-wifi",
                device=f"tablet-{k % 5}",
                agent="a2",
            )
        )
    flags = scan(organic() + residents)
    assert not [f for f in flags if f.tier == PROXY_CASTING]
    assert not flagging(flags)


def test_proxy_bloc_on_one_network_with_own_devices_is_flagged():
    cast = bloc(30, ("i05", "i14", "i23"), ["home-8"], span=5 * 86400, vary=1 / 3)
    flags = scan(organic() + cast)
    found = flagging(flags)
    assert [f.tier for f in found] == [PROXY_CASTING]
    assert voters(cast) <= set(found[0].members)
    assert len(found[0].members) <= len(cast) + 1  # at most a neighbour who voted alike


# --- lockstep bursts --------------------------------------------------------------


def test_lockstep_burst_is_flagged_with_a_tiny_p_value():
    cast = bloc(30, ("i11", "i16", "i25"), ["home-1", "home-2"], span=600)
    flags = scan(organic() + cast)
    found = flagging(flags)
    assert len(found) == 1
    flag = found[0]
    assert flag.tier == LOCKSTEP_BLOC
    assert flag.detector == "lockstep"
    assert set(flag.members) == voters(cast)
    assert flag.p_value < 1e-10
    assert flag.span_seconds <= 600
    assert sorted(flag.anchors) == ["network:home-1", "network:home-2"]


def test_newsletter_surge_from_diverse_networks_raises_no_flag():
    rng = random.Random(5)
    combo = ("i01", "i08", "i13")
    readers = []
    for k in range(150):
        picks = combo if rng.random() < 0.6 else bloc(1, combo, ["x"], vary=1, seed=k)[0].picks
        mobile = rng.random() < 0.5
        readers.append(
            Ballot(
                voter=f"reader{k:03d}",
                time=START + timedelta(days=3, seconds=rng.expovariate(1 / 2400)),
                picks=picks,
                network=f"cgnat-{rng.randrange(8)}" if mobile else f"home-{rng.randrange(750)}",
                device=f"reader-dev-{k}",
                agent="a3",
            )
        )
    flags = scan(organic() + readers)
    assert flagging(flags) == []
    informational = [f for f in flags if f.tier == MOBILISATION]
    assert informational and set(informational[0].members) & voters(readers)
    assert "Information only" in informational[0].explanation


def test_bloc_free_electorate_raises_no_flag():
    assert flagging(scan(organic(seed=11))) == []


# --- dense blocks -----------------------------------------------------------------


def test_camouflaged_dense_block_is_found():
    networks = ["home-20", "home-21", "home-22"]
    cast = bloc(60, ("i06", "i15", "i24"), networks, span=6 * 86400, vary=1 / 3, seed=9)
    assert sum(1 for b in cast if b.picks != ("i06", "i15", "i24")) == 20
    flags = scan(organic() + cast, detectors=["proxy_devices", "dense"])
    found = flagging(flags)
    assert len(found) == 1
    flag = found[0]
    assert flag.detector == "dense" and flag.tier == LOCKSTEP_BLOC
    members = set(flag.members)
    assert len(members & voters(cast)) >= 54
    assert len(members - voters(cast)) <= 2
    assert sorted(flag.anchors) == [f"network:{n}" for n in networks]


def test_dense_block_is_reported_once_by_the_full_scan():
    networks = ["home-30", "home-31"]
    cast = bloc(40, ("i03", "i17", "i29"), networks, span=6 * 86400, vary=1 / 3, seed=4)
    found = flagging(scan(organic() + cast))
    assert len(found) == 1
    assert len(set(found[0].members) & voters(cast)) >= 36


def test_a_bloc_spread_thin_over_many_networks_is_found_in_its_first_hours():
    # 27 ballots in 12 hours on nine networks: three on each, as many as a household
    networks = [f"fresh-{k}" for k in range(9)]
    cast = bloc(27, ("i05", "i14", "i22"), networks, span=12 * 3600, vary=1 / 3, seed=3)
    assert flagging(scan(organic() + cast, detectors=["proxy_devices", "dense"])) == []
    [flag] = flagging(scan(organic() + cast))
    assert flag.detector == "dense" and flag.tier == LOCKSTEP_BLOC
    assert len(set(flag.members) & voters(cast)) >= 24
    assert len(set(flag.members) - voters(cast)) <= 1


def like_minded_households(count: int, seed: int) -> list[Ballot]:
    """Households of three on their own home networks and phones, each member voting
    exactly as the first, who picks by the forum's popularity, over the week."""
    rng = random.Random(seed)
    ballots = []
    for h in range(count):
        picks: list[str] = []
        while len(picks) < 3:
            item = rng.choices(ITEMS, WEIGHTS)[0]
            if item not in picks:
                picks.append(item)
        at = START + timedelta(seconds=rng.uniform(0, 6 * 86400))
        for m in range(3):
            ballots.append(
                Ballot(
                    voter=f"hh{h:03d}-{m}",
                    time=at + timedelta(minutes=rng.uniform(0, 90)),
                    picks=tuple(picks),
                    network=f"house-{h}",
                    device=f"hh{h:03d}-{m}-phone",
                    agent="a2",
                )
            )
    return ballots


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_like_minded_households_of_three_raise_no_flag(seed):
    assert flagging(scan(organic(seed=seed) + like_minded_households(150, seed))) == []
