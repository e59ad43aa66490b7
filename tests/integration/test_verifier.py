"""tools/verify.py on the open data of published forums: verified, and every tamper caught."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import elections
from tests.unit.test_verify_tool import verify
from voting.counting import results
from voting.models import Ballot
from voting.publishing import commitment
from voting.publishing import exports
from voting.publishing import proofs

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify.py"
# Greedy funds here; equal shares and A-05 (checked below).
PICKS = [(2,), (2, 4), (2, 4), (0, 3), (0, 3), (0, 1), (4,), (3,), (2, 3), (0, 4)]


def _files(tmp_path: Path, forum_id: int, code: str | None = None) -> dict[str, Path]:
    record = exports.published(forum_id)
    files = {
        "snapshot": tmp_path / "snapshot.json",
        "ballots": tmp_path / "ballots.pb",
        "leaves": tmp_path / "leaves.json",
    }
    files["snapshot"].write_bytes(exports.snapshot_json(record))
    files["ballots"].write_text(exports.ballots_pb(record), encoding="utf-8")
    files["leaves"].write_bytes(commitment.leaves_json(forum_id, record.payload))
    if code:
        files["proof"] = tmp_path / "proof.json"
        files["proof"].write_text(json.dumps(proofs.for_receipt(code)), encoding="utf-8")
    return files


def _run(files: dict[str, Path], code: str | None = None) -> int:
    args = [str(files["snapshot"]), str(files["ballots"]), "--leaves", str(files["leaves"])]
    if "proof" in files:
        args += ["--proof", str(files["proof"])]
    if code:
        args += ["--receipt", code]
    return verify.main(args)


def _verdict(files, capsys, code=None) -> str:
    status = _run(files, code)
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert (status == 0) == (out == "verified"), out
    return out


def _published(rule="greedy"):
    forum = elections.closed_forum(PICKS)
    codes = [elections.receipt(forum.id * 10_000 + n) for n in range(len(PICKS))]
    elections.exclude(forum, [codes[9]])
    elections.publish(forum.id, rule)
    return forum, codes


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_the_rules_differ_on_this_forum(app):
    forum, _codes = _published()
    greedy = results.compute_result(forum, "greedy").funding.funded_ids
    shares = results.compute_result(forum, "equal_shares").funding.funded_ids
    assert greedy != shares


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
def test_the_open_data_and_a_proof_verify(app, tmp_path, capsys, rule):
    forum, codes = _published(rule)
    files = _files(tmp_path, forum.id, codes[3])
    assert _verdict(files, capsys, codes[3]) == "verified"
    assert _verdict(files, capsys, codes[4]) == "mismatch: proof: not this receipt's ballot"
    excluded = _files(tmp_path, forum.id, codes[9])
    assert _verdict(excluded, capsys, codes[9]) == "verified"
    assert json.loads(excluded["proof"].read_text())["leaf"]["reason"] == elections.REASON


def test_it_runs_alone_with_only_the_standard_library(app, tmp_path):
    forum, codes = _published()
    files = _files(tmp_path, forum.id, codes[0])
    alone = tmp_path / "verify.py"
    alone.write_bytes(TOOL.read_bytes())
    args = [sys.executable, "-I", str(alone), *map(str, [files["snapshot"], files["ballots"]])]
    args += ["--leaves", str(files["leaves"]), "--proof", str(files["proof"])]
    args += ["--receipt", codes[0]]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith("verified"), done.stdout


def _tamper_ballot(files):
    lines = files["ballots"].read_text(encoding="utf-8").splitlines()
    votes = lines.index("VOTES") + 2
    voter, vote = lines[votes].split(";")[:2]
    lines[votes] = f"{voter};{'A-05' if vote == 'A-01,A-02' else 'A-01,A-02'}"
    files["ballots"].write_text("\n".join(lines) + "\n", encoding="utf-8")


def _swap(leaves):
    leaves["counted"][0], leaves["counted"][1] = leaves["counted"][1], leaves["counted"][0]


def _move_exclusion(leaves):
    moved = leaves["excluded"].pop()
    moved.pop("reason")
    leaves["counted"].append(moved)


def _bend(proof):
    first = proof["path"][0]
    proof["path"][0] = ("1" if first[0] == "0" else "0") + first[1:]


TAMPERS = {
    "ballot": _tamper_ballot,
    "leaf": lambda f: _edit_json(f["leaves"], lambda d: d["counted"][2].update(picks=["A-02"])),
    "order": lambda f: _edit_json(f["leaves"], _swap),
    "count": lambda f: _edit_json(f["snapshot"], lambda d: d["counts"].update({"A-01": 99})),
    "rule": lambda f: _edit_json(f["snapshot"], lambda d: d.update(rule="equal_shares")),
    "exclusion reason": lambda f: _edit_json(
        f["leaves"], lambda d: d["excluded"][0].update(reason="중복")
    ),
    "exclusion undone": lambda f: _edit_json(f["leaves"], _move_exclusion),
    "proof path": lambda f: _edit_json(f["proof"], _bend),
}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_every_tamper_is_caught(app, tmp_path, capsys, what):
    forum, codes = _published()
    files = _files(tmp_path, forum.id, codes[1])
    assert _verdict(files, capsys, codes[1]) == "verified"
    TAMPERS[what](files)
    assert _verdict(files, capsys, codes[1]).startswith("mismatch: ")


def _random_forum(rng: random.Random, rule: str):
    picks = [tuple(rng.sample(range(5), rng.randint(0, 3))) for _ in range(rng.randint(1, 25))]
    options = {"min_votes": rng.choice([0, 0, 2]), "skip_misfits": rng.random() < 0.7}
    if rng.random() < 0.4:
        options["field_envelopes"] = {"복지": rng.choice([100_000_000, 250_000_000])}
    forum = elections.closed_forum(picks, **options)
    codes = [elections.receipt(forum.id * 10_000 + n) for n in range(len(picks))]
    if len(codes) > 3 and rng.random() < 0.5:
        elections.exclude(forum, rng.sample(codes, 2))
    elections.publish(forum.id, rule)
    return forum, codes


@pytest.mark.parametrize("seed", range(9))
def test_random_elections_verify_as_forum_verify_snapshot_does(app, tmp_path, capsys, seed):
    rng = random.Random(seed)
    rule = "greedy" if seed % 2 else "equal_shares"
    forum, codes = _random_forum(rng, rule)
    cli = app.test_cli_runner()
    checked = cli.invoke(args=["forum", "verify-snapshot", str(forum.id)])
    assert checked.exit_code == 0 and "Snapshot matches" in checked.output
    for code in rng.sample(codes, min(3, len(codes))):
        files = _files(tmp_path, forum.id, code)
        assert _verdict(files, capsys, code) == "verified"
    # A ballot changed in the database after publication: the command objects.
    ballot = db.session.execute(select(Ballot).filter_by(receipt_code=codes[0])).scalar_one()
    ballot.receipt_code = elections.receipt(10**9 + seed)
    db.session.commit()
    changed = cli.invoke(args=["forum", "verify-snapshot", str(forum.id)])
    assert changed.exit_code == 1
