#!/usr/bin/env python3
"""Check a published forum result from its open data alone.

    python verify.py snapshot.json ballots.pb [--leaves leaves.json]
                     [--proof proof.json [--receipt CODE]]

Standard library only, and nothing of the application: download this one file with
the open data and read it. It checks, in order, and stops at the first mismatch:

1. the ballots file: the number of ballots, the items and costs, the votes recounted;
2. the result under the snapshot's rule: ranking (votes, ties by item number as text),
   each item's funded flag and reason, the funded list and the amount spent. Greedy
   with the forum's ``skip_misfits``, ``min_votes`` and field envelopes; equal shares
   as pabutools completes it (shares raised by 1 per step, then filled by votes),
   fields with an envelope counted apart, the rest on what remains;
3. with ``--leaves``: the salt, the leaves' order (ascending leaf hash), both RFC 6962
   roots and sizes, the exclusion reasons, and counted leaves = the ballots file;
4. with ``--proof``: the leaf and audit path lead to the snapshot's root (and it is the
   published leaf); with ``--receipt``: the tag is HMAC-SHA256(salt, code).

It prints "verified" and exits 0, or prints the first mismatch and exits 1.
"""

import argparse
import csv
import hashlib
import hmac
import io
import json
import math
import sys
from collections import Counter
from fractions import Fraction

LEAF_TAG = b"ballot-leaf/v1\n"


class Mismatch(Exception):
    """The first thing found that does not match."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


# --- RFC 6962 tree hashing ---------------------------------------------------------


def leaf_hash(record: dict) -> bytes:
    """SHA-256(0x00 || "ballot-leaf/v1\\n" || canonical JSON: sorted keys, no spaces)."""
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + LEAF_TAG + data.encode()).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(hashes: list[bytes]) -> bytes:
    """MTH: split at the largest power of two below n, recursively."""
    if not hashes:
        return hashlib.sha256(b"").digest()

    def tree(start: int, end: int) -> bytes:
        if end - start == 1:
            return hashes[start]
        middle = start + (1 << ((end - start - 1).bit_length() - 1))
        return node(tree(start, middle), tree(middle, end))

    return tree(0, len(hashes))


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162, 2.1.3.2: the root an inclusion proof leads to, or None."""
    if not 0 <= index < size:
        return None
    fn, sn, value = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            value = node(sibling, value)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = node(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    return value if sn == 0 else None


def read_pb(text: str) -> tuple[dict, dict[str, dict], list[frozenset[str]]]:
    """META, PROJECTS by id and the ballots (approval sets) of a ``.pb`` file."""
    meta: dict[str, str] = {}
    projects: dict[str, dict] = {}
    ballots: list[frozenset[str]] = []
    section, header = None, None
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"):
        if len(row) == 1 and row[0].strip().upper() in ("META", "PROJECTS", "VOTES"):
            section, header = row[0].strip().upper(), None
        elif header is None:
            header = [name.strip() for name in row]
        elif section == "META":
            meta[row[0].strip()] = row[1].strip()
        elif section == "PROJECTS":
            project = dict(zip(header, row, strict=False))
            projects[project["project_id"].strip()] = project
        elif section == "VOTES":
            vote = dict(zip(header, row, strict=False))["vote"].strip()
            ballots.append(frozenset(p.strip() for p in vote.split(",") if p.strip()))
    return meta, projects, ballots


# --- the rules ----------------------------------------------------------------------


def ranked(items: list[dict], counts: dict[str, int]) -> list[dict]:
    """Items by votes, most first; ties by item number as text."""
    return sorted(items, key=lambda item: (-counts.get(item["id"], 0), item["id"]))


def greedy(order: list[dict], counts: dict, forum: dict) -> tuple[dict, set]:
    """Reasons per item id under the greedy rule, and no items bought by shares."""
    left = forum["envelope"]
    field_left = dict(forum.get("field_envelopes") or {})
    stopped, reasons = False, {}
    for item in order:
        votes, field = counts.get(item["id"], 0), item.get("field")
        if votes < (forum.get("min_votes") or 0):
            reason = "below_threshold"
        elif stopped:
            reason = "stopped"
        elif field in field_left and item["cost"] > field_left[field]:
            reason = "over_field_budget"
        elif item["cost"] > left:
            reason = "over_budget"
        else:
            reason, left = "funded", left - item["cost"]
            if field in field_left:
                field_left[field] -= item["cost"]
        if reason in ("over_budget", "over_field_budget") and not forum.get("skip_misfits", True):
            stopped = True
        reasons[item["id"]] = reason
    return reasons, set()


def mes(items: list[dict], profile: Counter, share: Fraction) -> tuple[list[str], Fraction]:
    """One run of the Method of Equal Shares with cost utilities: each voter starts with
    ``share``; buy the item whose supporters each pay least per unit of utility
    (ties: smallest item number), while the supporters of some item can pay it.

    Returns the items bought and the share up to which (excluded) the same items are
    bought: every amount is affine in the share (``a + c * share``), so the run's
    comparisons keep their signs on an interval, found from the affine differences.
    """
    at = lambda f: f[0] + f[1] * share  # noqa: E731
    groups = [[ballot, number, (Fraction(0), Fraction(1))] for ballot, number in profile.items()]
    backers = {item["id"]: [g for g in groups if item["id"] in g[0]] for item in items}
    left = sorted(items, key=lambda item: item["id"])
    chosen: list[str] = []
    signs: list[tuple[Fraction, Fraction]] = []  # differences whose sign the run relied on
    while True:
        offers = []
        for item in left:
            cost, payers = item["cost"], sorted(backers[item["id"]], key=lambda g: at(g[2]))
            total = tuple(sum(g[1] * g[2][i] for g in payers) for i in (0, 1))
            signs.append((total[0] - cost, total[1]))
            if at(total) < cost:
                continue
            rest, people, full = (Fraction(cost), Fraction(0)), sum(g[1] for g in payers), []
            for group in payers:
                if at(group[2]) * people >= at(rest):
                    break
                full.append(group)
                rest = (rest[0] - group[1] * group[2][0], rest[1] - group[1] * group[2][1])
                people -= group[1]
            pay = (rest[0] / people, rest[1] / people)
            signs.extend((g[2][0] - pay[0], g[2][1] - pay[1]) for g in payers)
            offers.append((at(pay) / cost, item, pay, full))
        if not offers:
            break
        best = min(offers, key=lambda offer: (offer[0], offer[1]["id"]))
        for _rho, item, pay, _full in offers:
            if item is not best[1]:
                c1, c2 = item["cost"], best[1]["cost"]
                signs.append((pay[0] / c1 - best[2][0] / c2, pay[1] / c1 - best[2][1] / c2))
        _rho, item, pay, full = best
        for group in backers[item["id"]]:
            if group in full:
                group[2] = (Fraction(0), Fraction(0))
            else:
                group[2] = (group[2][0] - pay[0], group[2][1] - pay[1])
        chosen.append(item["id"])
        left.remove(item)
    return chosen, _region_end(signs, share)


def _region_end(signs: list[tuple[Fraction, Fraction]], share: Fraction) -> Fraction | None:
    """The smallest share above ``share`` at which one of the differences could change
    sign (``share`` itself when one is zero and moving), or None when none can."""
    end = None
    for constant, slope in signs:
        value = constant + slope * share
        if slope and not value:
            return share
        if slope and (value > 0) != (slope > 0):
            root = -constant / slope
            end = root if end is None else min(end, root)
    return end


def equal_shares_one(items: list[dict], profile: Counter, envelope: int, min_votes: int):
    """One election: MES completed as pabutools does (each voter's share raised by 1
    per step; stop at the first step whose outcome costs too much, keeping the one
    before, or leaves too little for any other item with votes, keeping it), then
    filled by votes; returns (funded ids, ids bought by shares)."""
    counts: Counter = Counter()
    for ballot, number in profile.items():
        counts.update(dict.fromkeys(ballot, number))
    eligible = [item for item in ranked(items, counts) if counts.get(item["id"], 0) >= min_votes]
    voted = [item for item in eligible if counts.get(item["id"], 0) > 0]
    voters = sum(profile.values())
    chosen: list[str] = []
    if voters and voted:
        cost = {item["id"]: item["cost"] for item in voted}
        start, k, previous = Fraction(envelope, voters), 0, []
        while True:
            run, end = mes(voted, profile, start + k)
            spent = sum(cost[i] for i in run)
            if spent > envelope:
                chosen = previous
                break
            if all(cost[i] > envelope - spent for i in cost if i not in run) or end is None:
                chosen = run
                break
            # Steps before ``end`` buy the same items, so none of them stops: skip them.
            previous, k = run, max(k + 1, math.ceil(end - start))
    funded = set(chosen)
    left = envelope - sum(item["cost"] for item in eligible if item["id"] in funded)
    for item in eligible:
        if item["id"] not in funded and item["cost"] <= left:
            funded.add(item["id"])
            left -= item["cost"]
    return funded, set(chosen)


def equal_shares(order: list[dict], counts: dict, forum: dict, ballots: list) -> tuple[dict, set]:
    """Reasons per item id under equal shares, and the items bought by shares."""
    envelopes = forum.get("field_envelopes") or {}
    profile = Counter(ballots)
    parts = [(name, [i for i in order if i.get("field") == name]) for name in sorted(envelopes)]
    parts.append((None, [i for i in order if i.get("field") not in envelopes]))
    funded, bought, in_fields = set(), set(), 0
    for name, items in parts:
        ids, sub = {item["id"] for item in items}, Counter()
        for ballot, number in profile.items():
            # Without field envelopes every ballot takes part, empty ones included.
            if ballot & ids or not envelopes:
                sub[ballot & ids] += number
        money = envelopes[name] if name is not None else forum["envelope"] - in_fields
        got, shares = equal_shares_one(items, sub, money, forum.get("min_votes") or 0)
        if name is not None:
            in_fields += sum(item["cost"] for item in items if item["id"] in got)
        funded |= got
        bought |= shares
    reasons = {}
    for item in order:
        if counts.get(item["id"], 0) < (forum.get("min_votes") or 0):
            reasons[item["id"]] = "below_threshold"
        else:
            reasons[item["id"]] = "funded" if item["id"] in funded else "not_selected"
    return reasons, bought


# --- the checks ---------------------------------------------------------------------


def check_ballots(snapshot: dict, projects: dict, ballots: list) -> dict[str, int]:
    expect(
        len(ballots) == snapshot["ballots_counted"],
        f"ballots: the file has {len(ballots)}, the snapshot counted {snapshot['ballots_counted']}",
    )
    items = {item["id"]: item for item in snapshot["items"]}
    expect(set(projects) == set(items), "items: the ballots file lists other items")
    for item_id, project in projects.items():
        expect(
            int(project["cost"]) == items[item_id]["cost"],
            f"item {item_id}: cost {project['cost']} in the file, "
            f"{items[item_id]['cost']} in the snapshot",
        )
    counts = Counter(pick for ballot in ballots for pick in ballot)
    for item_id in sorted(items):
        stated = snapshot["counts"].get(item_id, 0)
        expect(
            counts.get(item_id, 0) == stated,
            f"item {item_id}: {counts.get(item_id, 0)} votes in the ballots, "
            f"{stated} in the snapshot",
        )
    return counts


def check_result(snapshot: dict, counts: dict, ballots: list) -> None:
    forum, rule = snapshot["forum"], snapshot["rule"]
    order = ranked(snapshot["items"], counts)
    if rule == "greedy":
        reasons, bought = greedy(order, counts, forum)
    elif rule == "equal_shares":
        reasons, bought = equal_shares(order, counts, forum, ballots)
    else:
        raise Mismatch(f"rule: unknown rule {rule!r}")
    stated = {item["id"]: item for item in snapshot["items"]}
    for rank, item in enumerate(order, start=1):
        row, reason = stated[item["id"]], reasons[item["id"]]
        expect(row["rank"] == rank, f"item {item['id']}: rank {rank}, snapshot {row['rank']}")
        expect(
            row["funded"] == (reason == "funded") and row.get("reason", reason) == reason,
            f"item {item['id']}: {reason} under {rule}, snapshot says {row.get('reason')}",
        )
        if rule == "equal_shares" and "funded_by" in row:
            by = None if reason != "funded" else "shares" if item["id"] in bought else "remainder"
            expect(row["funded_by"] == by, f"item {item['id']}: funded by {by}, snapshot {row}")
    funded = [item["id"] for item in order if reasons[item["id"]] == "funded"]
    expect(funded == snapshot["funded"], f"funded: {funded}, snapshot {snapshot['funded']}")
    spent = sum(stated[i]["cost"] for i in funded)
    expect(spent == snapshot["spent"], f"spent: {spent}, snapshot {snapshot['spent']}")


def check_leaves(snapshot: dict, leaves: dict, ballots: list) -> None:
    block = snapshot.get("commitment")
    expect(block is not None, "commitment: the snapshot has none")
    expect(leaves.get("salt") == block["salt"], "leaves: the salt is not the snapshot's")
    for tree in ("counted", "excluded"):
        hashes = [leaf_hash(leaf) for leaf in leaves[tree]]
        for n in range(1, len(hashes)):
            expect(hashes[n - 1] < hashes[n], f"leaves: {tree} leaf {n} is out of order")
        expect(len(hashes) == block[tree]["leaves"], f"leaves: {tree} count differs")
        root = merkle_root(hashes).hex()
        expect(
            root == block[tree]["root"], f"leaves: the {tree} root is {root}, not the snapshot's"
        )
    reasons = dict(Counter(leaf.get("reason") for leaf in leaves["excluded"]))
    expect(reasons == block["excluded"]["reasons"], "leaves: excluded reasons differ")
    picks = Counter(frozenset(leaf["picks"]) for leaf in leaves["counted"])
    expect(picks == Counter(ballots), "leaves: counted leaves and ballots file differ")


def check_proof(snapshot: dict, sha: str, proof: dict, leaves: dict | None, code: str | None):
    block = snapshot.get("commitment")
    expect(block is not None, "commitment: the snapshot has none")
    expect(proof.get("snapshot_sha256") == sha, "proof: made for another snapshot")
    tree = proof.get("tree")
    expect(tree in ("counted", "excluded"), f"proof: unknown tree {tree!r}")
    expect(proof["size"] == block[tree]["leaves"], "proof: the tree size is not the snapshot's")
    path = [bytes.fromhex(step) for step in proof["path"]]
    found = root_from_path(leaf_hash(proof["leaf"]), proof["index"], proof["size"], path)
    expect(found is not None and found.hex() == block[tree]["root"], "proof: wrong root")
    if leaves is not None:
        expect(leaves[tree][proof["index"]] == proof["leaf"], "proof: not the published leaf")
    if code is not None:
        code = "".join(c for c in code.upper() if c.isalnum())
        tag = hmac.new(bytes.fromhex(block["salt"]), code.encode(), hashlib.sha256).hexdigest()
        expect(proof["leaf"]["receipt"] == tag, "proof: not this receipt's ballot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot")
    parser.add_argument("ballots")
    parser.add_argument("--leaves")
    parser.add_argument("--proof")
    parser.add_argument("--receipt")
    args = parser.parse_args(argv)
    try:
        raw = open(args.snapshot, "rb").read()
        snapshot = json.loads(raw)
        sha = hashlib.sha256(raw).hexdigest()
        print(f"snapshot sha256 {sha}")
        _meta, projects, ballots = read_pb(open(args.ballots, encoding="utf-8").read())
        counts = check_ballots(snapshot, projects, ballots)
        check_result(snapshot, counts, ballots)
        leaves = json.load(open(args.leaves, encoding="utf-8")) if args.leaves else None
        if leaves is not None:
            check_leaves(snapshot, leaves, ballots)
        if args.proof:
            proof = json.load(open(args.proof, encoding="utf-8"))
            check_proof(snapshot, sha, proof, leaves, args.receipt)
    except Mismatch as mismatch:
        print(f"mismatch: {mismatch}")
        return 1
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        print(f"mismatch: unreadable input ({type(error).__name__}: {error})")
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
