"""``README.md`` of a published forum's open-data ZIP, in Korean and then English.

Pure text from the snapshot payload and a few facts the caller passes in (no Flask,
no database), so that the README says exactly what the files hold.
"""

from dataclasses import dataclass

LICENCE = "Licence: Korea Open Government License Type 1 (공공누리 제1유형: 출처표시) / CC BY 4.0"


@dataclass(frozen=True)
class Facts:
    """What the README states besides the payload."""

    forum_id: int
    district: str
    published_at: str  # "YYYY-MM-DD HH:MM", Asia/Seoul
    sha256: str
    pb_rule: str  # the Pabulib META rule of the ballots file
    columns: tuple[tuple[str, str, str], ...]  # (CSV header, JSON key, meaning)


def _rule_ko(payload: dict) -> str:
    forum = payload["forum"]
    if payload["rule"] == "equal_shares":
        return (
            "균등 배분 방식(Method of Equal Shares, Pabulib `equalshares`): 예산을 투표한 "
            "사람 수로 똑같이 나누어 각자의 몫으로 삼고, 어떤 의제를 고른 사람들이 남은 몫으로 "
            "함께 그 사업비를 낼 수 있으면 선정합니다. 지지자 한 사람이 내는 돈이 가장 적은 "
            "의제부터 고릅니다. 예산이 남으면 pabutools와 같이 몫을 조금씩 늘려 다시 계산하고, "
            "그래도 남은 예산은 득표순으로 들어가는 의제에 배정합니다. "
            "`snapshot.json`의 `funded_by`는 `shares`(지지자들의 몫으로 선정) 또는 "
            "`remainder`(남은 예산으로 선정)입니다."
            + (
                " 분야별 예산이 있는 분야는 그 분야의 의제를 고른 투표만으로 그 분야 예산 안에서 "
                "따로 계산하고, 나머지 의제는 전체 예산에서 각 분야가 쓴 금액을 뺀 나머지로 "
                "같은 방식으로 계산합니다."
                if forum.get("field_envelopes")
                else ""
            )
        )
    parts = [
        "득표순 선정: 의제를 득표수로 줄 세우고(같으면 의제 번호를 문자열로 비교해 앞선 "
        "순서), 남은 예산에 사업비가 들어가는 동안 순서대로 선정합니다."
    ]
    if forum.get("skip_misfits", True):
        parts.append("들어가지 않는 의제는 건너뛰고 다음 의제를 봅니다.")
    else:
        parts.append("처음으로 들어가지 않는 의제에서 선정을 멈춥니다.")
    if forum.get("min_votes"):
        parts.append(f"{forum['min_votes']}표 미만인 의제는 선정하지 않습니다.")
    if forum.get("field_envelopes"):
        parts.append("분야별 예산이 있는 분야는 그 분야의 남은 예산에도 들어가야 합니다.")
    return " ".join(parts)


def _rule_en(payload: dict, pb_rule: str) -> str:
    forum = payload["forum"]
    if payload["rule"] == "equal_shares":
        return (
            "Method of Equal Shares (Pabulib `equalshares`): the envelope is split equally "
            "among the voters; an item is funded when the voters who approve it can pay "
            "for it together from what is left of their shares, taking at each step the "
            "item whose supporters each pay least. If money is left, the shares are raised "
            "step by step as pabutools does; what is then left goes to items by number of "
            "votes. In `snapshot.json`, `funded_by` is `shares` (paid by its supporters' "
            "shares) or `remainder` (funded from what was left)."
            + (
                " Each field with its own envelope is counted apart, on that envelope, over "
                "the ballots' picks in that field; the other items are then counted the same "
                "way on the forum's envelope less what the fields spent."
                if forum.get("field_envelopes")
                else ""
            )
        )
    parts = [
        "Greedy by votes: items are ranked by votes (ties by item id, compared as text) "
        "and funded in rank order while their cost fits what is left of the envelope."
    ]
    if forum.get("skip_misfits", True):
        parts.append("An item that does not fit is skipped and the walk goes on.")
    else:
        parts.append("Funding stops at the first item that does not fit.")
    if forum.get("min_votes"):
        parts.append(f"Items with fewer than {forum['min_votes']} votes are not funded.")
    if forum.get("field_envelopes"):
        parts.append("Each field with its own envelope must also fit what is left of it.")
    parts.append(f"Pabulib META rule: `{pb_rule}`.")
    return " ".join(parts)


def _pabutools_check(payload: dict, pb_rule: str) -> str:
    if pb_rule == "greedy" and not payload["forum"].get("field_envelopes"):
        return (
            "Here `greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)`\n"
            "   funds exactly those projects."
        )
    return (
        "pabutools' plain greedy does not apply this rule (see Rule above),\n"
        "   so compare with the rule as described."
    )


def _audit_check_ko(payload: dict) -> str:
    """Step 4 of the Korean "how to verify", for snapshots that record the audit head."""
    head = payload.get("audit_head")
    if not head:
        return ""
    return (
        "\n4. `snapshot.json`의 `audit_head`는 공표 시점의 감사 기록 마지막 항목입니다. 서버에서\n"
        f"   `flask --app wsgi audit verify --expect-head {head['seq']}:{head['mac']}`\n"
        "   명령으로 그 항목과 그 앞의 모든 기록이 그대로 남아 있는지 확인합니다."
    )


def _audit_check_en(payload: dict) -> str:
    """Step 4 of "How to verify", for snapshots that record the audit log's head."""
    head = payload.get("audit_head")
    if not head:
        return ""
    return (
        "\n4. `audit_head` in `snapshot.json` is the audit log's head at publication. On the\n"
        "   server, `flask --app wsgi audit verify --expect-head "
        f"{head['seq']}:{head['mac']}`\n"
        "   checks that the log still holds that entry, unchanged, and all before it."
    )


def _leaves(payload: dict, korean: bool) -> tuple[str, str]:
    """The ``leaves.json`` file entry and the verifier step, when the snapshot commits
    to the ballots (:mod:`voting.commitment`); empty otherwise."""
    block = payload.get("commitment")
    if not block:
        return "", ""
    counted, excluded = block["counted"], block["excluded"]
    if korean:
        return (
            "\n- `leaves.json`: 투표마다 하나씩인 머클 트리의 잎입니다. 확인 번호의 HMAC 값과 고른 "
            "의제 번호만 담으며 확인 번호 자체는 없습니다. 집계된 투표의 루트 "
            f"`{counted['root']}`({counted['leaves']}표), 제외된 투표의 루트 "
            f"`{excluded['root']}`({excluded['leaves']}표)는 `snapshot.json`의 "
            "`commitment`에 있습니다.",
            "\n5. 검증 도구 `verify.py`(파이썬 표준 라이브러리만 쓰는 파일 하나, "
            "소스의 `tools/`)로 "
            "`python verify.py snapshot.json ballots.pb --leaves leaves.json`을 실행하면 루트, "
            "득표수, 선정 의제를 다시 계산해 `verified`를 출력합니다. 확인 번호가 있으면 내 투표의 "
            "증명 파일도 `--proof proof.json --receipt 확인번호`로 확인할 수 있습니다.",
        )
    return (
        "\n- `leaves.json`: one Merkle leaf per ballot: an HMAC of its receipt code and its "
        "picks, never the code itself. The roots are in `snapshot.json` under `commitment`: "
        f"counted `{counted['root']}` ({counted['leaves']} ballots), excluded "
        f"`{excluded['root']}` ({excluded['leaves']} ballots).",
        "\n5. The verifier `verify.py` (one file, Python's standard library only, under `tools/` "
        "in the source): `python verify.py snapshot.json ballots.pb --leaves leaves.json` "
        "recomputes the roots, the votes and the funded items and prints `verified`. With a "
        "receipt code, add `--proof proof.json --receipt CODE` to check that ballot's proof.",
    )


def text(payload: dict, facts: Facts) -> str:
    """The README: what each file is, the columns, the rule, turnout protection, the
    hash and how to verify it, and the licence; Korean first, then English."""
    # Long on purpose: the whole document is one template, read top to bottom.
    funded = ", ".join(payload["funded"]) or "-"
    columns = "\n".join(
        f"| `{header}` | `{key}` | {meaning} |" for header, key, meaning in facts.columns
    )
    sha = facts.sha256
    pabutools = _pabutools_check(payload, facts.pb_rule)
    leaves_ko, verifier_ko = _leaves(payload, korean=True)
    leaves_en, verifier_en = _leaves(payload, korean=False)
    return f"""# {payload["forum"]["title"]}: 공개 자료 / open data

- 자치구 / District: {facts.district}
- 공론장 번호 / Forum id: {facts.forum_id}
- 공표 / Published: {facts.published_at} (KST, Asia/Seoul), `{payload["rule"]}`
- 집계된 투표 / Ballots counted: {payload["ballots_counted"]}
- 선정 의제 / Funded items: {funded}
- `snapshot.json` SHA-256: `{sha}`

## 파일

- `result.csv`: 의제별 결과를 순위대로 한 줄씩 담은 표입니다. 엑셀 등에서 한글이 깨지지
  않도록 UTF-8(BOM 포함)로 저장했습니다. 열은 아래 표와 같습니다. `=`, `+`, `-`, `@` 등으로
  시작하는 칸은 표 계산 프로그램이 수식으로 실행하지 않도록 앞에 `'`를 붙였습니다
  (정확한 값은 `snapshot.json`에 있습니다).
- `snapshot.json`: 공표한 공식 결과 원본입니다. 저장된 그대로의 바이트이며(키 정렬, 공백
  없음, UTF-8), 위 SHA-256 값이 이 파일의 해시입니다. 키는 영어입니다.
- `ballots.pb`: 집계된 투표를 익명화한 Pabulib 형식 파일(https://pabulib.org/format)로,
  pabutools로 읽을 수 있습니다. 투표마다 고른 의제 번호만 담습니다. 투표자 번호는 내려받을
  때마다 새로 무작위로 정해지므로 누구도, 어떤 투표도 가리키지 않습니다.{leaves_ko}
- `README.md`: 이 안내문입니다.

| `result.csv` 열 | `snapshot.json` 키 | 뜻 / meaning |
|---|---|---|
{columns}

## 결정 방식

{_rule_ko(payload)}

## 참여 현황과 개인 보호

연령대별·참여 경로별 투표 수(`age_bands`, `channels`)는 한 사람이 드러나지 않도록
5 미만이면 `<5`로만 적습니다(공표한 원본에도 그렇게 저장해 해시했습니다). 합계로 숨긴 수를
알아낼 수 있으면 다른 칸도 `≥5`(5 이상)로만 적습니다. 참여 경로별 투표가 5표 미만인 경로가
있으면 `ballots.pb`에 투표 경로(`voting_method`)를 적지 않습니다.

## 검증 방법

1. `sha256sum snapshot.json`(또는 `shasum -a 256 snapshot.json`)을 실행하면 다음 값이
   나옵니다: `{sha}`
2. 서버에서는 `flask --app wsgi forum verify-snapshot {facts.forum_id}` 명령으로 저장된
   투표에서 결과를 다시 계산해 이 해시와 비교합니다.
3. pabutools의 `parse_pabulib("ballots.pb")`로 투표를 읽으면 `selected`가 1인 의제가 선정
   의제입니다.{_audit_check_ko(payload)}{verifier_ko}

## Files

- `result.csv`: the items in rank order, one row each, with Korean column headers
  (table above). UTF-8 with a byte-order mark, so that spreadsheet programs show Korean
  text correctly. A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
  gets a leading `'` so that no spreadsheet runs it as a formula; `snapshot.json` has
  the exact text.
- `snapshot.json`: the published result snapshot, byte for byte as stored (canonical
  JSON: sorted keys, no spaces, UTF-8), with English keys. This is the official record;
  the other files are derived from it and from the counted ballots.
- `ballots.pb`: the counted ballots in the Pabulib format (https://pabulib.org/format),
  readable by pabutools. Each ballot gives only the approved item ids. Voter ids are
  drawn at random for each download: they identify no voter and no ballot, and differ
  from one download to the next.{leaves_en}
- `README.md`: this file.

## Rule

{_rule_en(payload, facts.pb_rule)}

## Turnout and privacy

Ballots per age band and per channel (`age_bands`, `channels`) are published only as
`<5` when there are fewer than 5, so that no one can be singled out; the hashed
snapshot stores them that way too. Where the total would give a hidden number away,
another cell is shown only as `≥5` (5 or more). When a channel has fewer than 5
ballots, `ballots.pb` leaves out the channel (`voting_method`) of every ballot.

## How to verify

1. `sha256sum snapshot.json` (or `shasum -a 256 snapshot.json`) prints `{sha}`.
2. On the server, `flask --app wsgi forum verify-snapshot {facts.forum_id}` recomputes the
   result from the stored ballots and compares it with this hash.
3. With pabutools, `parse_pabulib("ballots.pb")` reads the ballots and the projects
   marked `selected` 1 are the funded items. {pabutools}{_audit_check_en(payload)}{verifier_en}

{LICENCE}
"""
