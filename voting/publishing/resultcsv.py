"""``result.csv`` of a published forum: its ranked items for spreadsheets, in Korean.

Built from the snapshot payload alone; every cell goes through :mod:`core.csvcells`.
"""

from flask_babel import force_locale

from core import csvcells
from voting import labels

# result.csv: Korean headers, the snapshot's (English) keys, and what each column holds.
CSV_SPEC = (
    ("순위", "rank", "1 = most votes / 득표 1위"),
    ("의제 번호", "id", "item number / 의제 번호"),
    ("제목", "title", "title / 제목"),
    ("분야", "field", "field, empty when none / 분야"),
    ("사업비(원)", "cost", "cost in whole KRW / 사업비"),
    ("득표수", "votes", "ballots that picked it / 득표수"),
    ("선정 여부", "funded", "선정 (funded) or 미선정 (not funded)"),
    (
        "사유",
        "reason",
        "선정, 남은 예산 초과 (over_budget), 분야 예산 초과 (over_field_budget), "
        "최소 득표 미달 (below_threshold) or 미선정 (stopped, not_selected)",
    ),
)
CSV_COLUMNS = tuple(header for header, _key, _meaning in CSV_SPEC)


def _status(funded: bool) -> str:
    return str(labels.REASONS["funded" if funded else "not_selected"])


def render(payload: dict) -> bytes:
    """The ranked items of the snapshot as CSV: UTF-8 with a byte-order mark, CRLF lines.

    Korean headers (:data:`CSV_COLUMNS`; the JSON keeps the English keys of
    :data:`CSV_SPEC`), one row per item in rank order; ``선정 여부`` is 선정 or 미선정
    and ``사유`` the reason in Korean words, as the results page says it. Every cell
    goes through :func:`core.csvcells.write` (no cell a spreadsheet would run as a
    formula); ``snapshot.json`` has the exact text.
    """
    with force_locale("ko"):
        rows = [CSV_COLUMNS] + [
            [
                item["rank"],
                item["id"],
                item["title"],
                item["field"],
                item["cost"],
                item["votes"],
                _status(item["funded"]),
                str(labels.REASONS.get(item["reason"], labels.REASONS["not_selected"])),
            ]
            for item in sorted(payload["items"], key=lambda row: row["rank"])
        ]
    return ("\ufeff" + csvcells.write(rows)).encode("utf-8")
