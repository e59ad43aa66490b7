"""CSV for spreadsheets: the one writer every CSV download goes through.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and a leading tab or carriage return can hide such a start), so text that a
team member or an imported file put in an item number, title or field could run
``=HYPERLINK(...)`` or worse on a resident's computer. OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection): such a cell gets a single
quote in front, every cell is quoted, and quotes inside a cell are doubled.

The rule applies to every cell, numbers included: a negative number would become
text (``'-5``). No amount, count or rank this application writes is negative, so no
real number changes; making an exception for "numbers" would need a parser of what
each spreadsheet takes for one (``-1+1`` is a formula), which is what the rule avoids.
"""

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """The text of one cell: ``None`` is empty; text a spreadsheet would run as a
    formula (starting with ``= + - @``, a tab or a carriage return) gets a ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text: every cell through :func:`cell`, every cell quoted,
    CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
