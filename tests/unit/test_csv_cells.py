"""Spreadsheet cells of every CSV the application writes (OWASP's CSV injection rule)."""

import csv
import io
import pathlib

import pytest

from core import csvcells

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1-1", "'+1-1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@X7", "'@X7"),
        ("\tA-01", "'\tA-01"),
        ("\rA-01", "'\rA-01"),
        (-5, "'-5"),
        ("A-01", "A-01"),
        ("어린이 놀이터", "어린이 놀이터"),
        (120_000_000, "120000000"),
        (0, "0"),
        (None, ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_starts_with_a_quote(value, cell):
    assert csvcells.cell(value) == cell


def test_every_cell_is_quoted_and_quotes_are_doubled():
    text = csvcells.write([["=1+1", 'say "hi"', 7]])
    assert text == '"\'=1+1","say ""hi""","7"\r\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["'=1+1", 'say "hi"', "7"]]


def test_no_other_module_writes_csv_for_spreadsheets():
    """Every CSV goes through the one helper; Pabulib files keep exact values (their
    own reader and the published ids depend on them) and are not spreadsheets."""
    writers = {
        path.relative_to(ROOT).as_posix()
        for path in ROOT.glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and "csv.writer" in path.read_text(encoding="utf-8")
    }
    assert writers == {"core/csvcells.py", "voting/counting/pabulib.py"}
