"""A rule that needs another package's answer is never silently switched off."""

import pytest
from flask import Flask

from core import hooks
from core.hooks import MissingHook
from tests.conftest import make_app


def test_an_app_without_the_voting_feature_refuses_to_start(tmp_path):
    # deliberation's "no going back once a ballot exists" needs voting's answer; without
    # it the app must not start (it used to start and answer "no ballots").
    with pytest.raises(MissingHook, match="forum_has_ballots .*deliberation"):
        make_app("sqlite", tmp_path, FEATURES=["auth", "deliberation"])


def test_the_full_app_answers_every_hook_it_requires(tmp_path):
    app = make_app("sqlite", tmp_path)
    state = app.extensions["hooks"]
    assert set(state["required"]) <= set(state["answers"])
    assert {hooks.FORUM_HAS_BALLOTS.name, hooks.AUDIT_ANCHORS.name} <= set(state["required"])


def test_asking_an_unanswered_hook_is_an_error_not_a_no():
    app = Flask(__name__)
    with app.app_context(), pytest.raises(MissingHook, match="forum_has_ballots"):
        hooks.ask(hooks.FORUM_HAS_BALLOTS)


def test_check_names_each_missing_answer_and_who_needs_it():
    app = Flask(__name__)
    hooks.require(app, hooks.FORUM_HAS_BALLOTS, "deliberation")
    hooks.require(app, hooks.AUDIT_ANCHORS, "core.audit")
    hooks.answer(app, hooks.AUDIT_ANCHORS, list)
    with pytest.raises(MissingHook) as info:
        hooks.check(app)
    assert "forum_has_ballots (needed by deliberation)" in str(info.value)
    assert "audit_anchors" not in str(info.value)
