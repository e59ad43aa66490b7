"""Flags and audit entries in words: what was seen, people counted, codes translated."""

import json
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from voting import labels


def flag(detector, size=40, span=546.0, networks=1, observed=40, expected=3.2):
    details = {
        "detector": detector,
        "span_seconds": span,
        "networks": networks,
        "observed": observed,
        "expected": expected,
    }
    return SimpleNamespace(size=size, details=json.dumps(details))


@pytest.mark.parametrize(
    ("made", "korean", "english"),
    [
        (
            flag("proxy_devices"),
            "한 기기에서 40명 투표 · 10분 사이",
            "40 people voted from one device · within 10 minutes",
        ),
        (
            flag("proxy_networks", size=25, span=3 * 3600),
            "한 네트워크에서 25명이 거의 같은 표 · 3시간 사이",
            "25 near-identical ballots from one network · within 3 hours",
        ),
        (
            flag("dense", size=20, span=5 * 86400, networks=3),
            "네트워크 3곳에서 20명이 거의 같은 표 · 5일 사이",
            "20 near-identical ballots from 3 networks · within 5 days",
        ),
        (
            flag("lockstep", size=30, span=20),
            "30명이 거의 같은 표 · 1분 사이",
            "30 near-identical ballots · within 1 minute",
        ),
    ],
)
def test_a_flag_title_says_what_was_seen(app, made, korean, english):
    with app.test_request_context():
        with force_locale("ko"):
            assert labels.flag_title(made) == korean
        with force_locale("en"):
            assert labels.flag_title(made) == english


def test_people_are_counted_as_people(app):
    with app.test_request_context(), force_locale("ko"):
        assert labels.people_counts(flag("proxy_devices")) == "기대 3명, 관측 40명"
        assert labels.people_counts(flag("dense", expected=0.4)) == "기대 1명 미만, 관측 40명"


def test_audit_codes_read_as_words(app):
    with app.test_request_context(), force_locale("ko"):
        assert labels.audit_action("anomalies.scan") == "조직 투표 검사"
        pending = json.dumps({"status": "pending_approval"})
        assert labels.audit_action("flag.confirm", pending).endswith("승인 대기")
        assert labels.audit_target("forum:6", {6: "2020년 영등포구 열린공론장"}) == (
            "2020년 영등포구 열린공론장"
        )
        assert labels.audit_target("flag:3", {}) == "의심 신호 3"
        assert labels.audit_action("some.new_action") == "some.new_action"
