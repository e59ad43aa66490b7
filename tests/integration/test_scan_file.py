"""``anomalies scan-file``: the fast reader gives the same ballots, errors and bytes."""

import io
import json
from pathlib import Path

import pytest

from voting.oversight import jsonl_fast
from voting.oversight.jsonl import read_jsonl
from voting.oversight.jsonl_fast import read_jsonl_fast

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURE = DATA / "anomalies-3000.jsonl"


def test_the_json_output_is_byte_identical_to_the_line_by_line_readers(app):
    out = app.test_cli_runner().invoke(args=["anomalies", "scan-file", str(FIXTURE), "--json"])
    assert out.exit_code == 0, out.output
    assert out.output.encode() == (DATA / "anomalies-3000.flags.json").read_bytes()
    assert len(json.loads(out.output)["flags"]) == 3


def test_small_blocks_read_the_same_ballots(monkeypatch):
    monkeypatch.setattr(jsonl_fast, "BLOCK", 4096)  # many blocks, lines cut across them
    data = FIXTURE.read_bytes()
    with open(FIXTURE, encoding="utf-8") as text:
        assert read_jsonl_fast(io.BytesIO(data)) == read_jsonl(text)


GOOD = '{"voter": "a", "time": "2025-05-12T09:00:00+09:00", "picks": ["x", "y", "z"]}'


@pytest.mark.parametrize(
    "line",
    [
        '{"voter": "b", "time": "2025-05-12T09:00:00Z", "picks": [], "network": null}',
        '{"voter": "b", "time": "2025-05-12 09:00:00+00:00", "picks": ["x"], "channel": null}',
        '{"voter": "b", "time": "2025-05-12T09:00:00.5+09:00", "picks": ["x"], "other": 1}',
        '{"voter": "b", "time": "2025-05-12T09:00+09:00", "picks": ["x"], "first_seen": null}',
    ],
)
def test_what_the_exact_reader_accepts_the_fast_one_accepts_alike(line):
    text = f"{GOOD}\n\n{line}\r\n"
    assert read_jsonl_fast(io.BytesIO(text.encode())) == read_jsonl(io.StringIO(text))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 3: invalid JSON"),
        ("[1, 2]", "line 3: expected a JSON object"),
        ('{"voter": "", "time": "2025-05-12T09:00:00Z", "picks": []}', "line 3: voter must"),
        ('{"voter": "b", "time": "2025-05-12T09:00:00", "picks": []}', "line 3: time needs"),
        (
            '{"voter": "b", "time": "2025-05-12T09:00:00Z", "picks": [], '
            '"first_seen": "2025-05-01T09:00:00"}',
            "line 3: first_seen needs",
        ),
        ('{"voter": "b", "time": 5, "picks": []}', "line 3: time must be"),
        ('{"voter": "b", "time": "2025-05-12T09:00:00Z", "picks": [1]}', "line 3: picks must"),
        ('{"voter": "b", "time": "2025-05-12T09:00:00Z"}', "line 3: missing 'picks'"),
        ('{"voter": "b", "time": "2025-05-12T09:00:00Z", "picks": [], "device": 3}', "line 3"),
    ],
)
def test_bad_input_names_the_line_as_before(line, message, monkeypatch):
    text = f"{GOOD}\n{GOOD}\n{line}\n{GOOD}\n"
    with pytest.raises(ValueError, match=message):
        read_jsonl(io.StringIO(text))
    monkeypatch.setattr(jsonl_fast, "BLOCK", 64)  # the bad line in a later block
    with pytest.raises(ValueError, match=message):
        read_jsonl_fast(io.BytesIO(text.encode()))


def test_bytes_that_are_not_utf8_are_a_clear_error(app, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(GOOD.encode() + b"\n" + '{"voter": "é"}'.encode("latin-1") + b"\n")
    out = app.test_cli_runner().invoke(args=["anomalies", "scan-file", str(path), "--json"])
    assert out.exit_code == 1 and "line 2: not UTF-8 text" in out.output
