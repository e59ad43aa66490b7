"""Privacy use cases: the policy as residents read it, and consent given or asked for."""

import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from auth.models import User
from core import clock
from core.errors import DomainError
from core.extensions import db
from privacy import rules
from privacy import schedule
from privacy import texts
from privacy.models import ConsentRecord


class ConsentRefused(DomainError):
    """The consent form cannot be taken as sent; the page is shown again with why."""


@dataclass(frozen=True)
class RetentionRow:
    item: str
    purpose: str
    period: str


def retention_words(entry: schedule.Retention) -> str:
    """How long one schedule item is kept, in a sentence, under this configuration."""
    days = entry.period(current_app.config)
    trigger = schedule.TRIGGER_WORDS[entry.trigger]
    action = schedule.ACTION_WORDS[entry.action]
    if days is None:
        words = _("%(action)s without delay %(trigger)s", action=action, trigger=trigger)
    else:
        words = _("%(action)s %(days)s days %(trigger)s", action=action, days=days, trigger=trigger)
    words = words[:1].upper() + words[1:]  # a sentence in English; Korean is unchanged
    if entry.held_while == "undecided_flag":
        more = _("Kept longer only while a review flag of that forum is undecided.")
        words = f"{words}. {more}"
    return words


def retention_rows() -> list[RetentionRow]:
    """Every item of the schedule with its period in words, in the schedule's order."""
    return [
        RetentionRow(str(entry.item), str(entry.purpose), retention_words(entry))
        for entry in schedule.SCHEDULE
    ]


@dataclass(frozen=True)
class ConsentRow:
    key: str
    title: str
    items: str
    purpose: str
    period: str
    required: bool


def consent_rows() -> list[ConsentRow]:
    """The 항목 / 목적 / 보유기간 table, one row per purpose, periods from the schedule."""
    return [
        ConsentRow(
            key=purpose.key,
            title=str(purpose.title),
            items=str(purpose.items),
            purpose=str(purpose.purpose),
            period=" ".join(retention_words(schedule.by_key(key)) for key in purpose.retention),
            required=purpose.required,
        )
        for purpose in texts.PURPOSES
    ]


def policy() -> dict:
    """What the privacy policy page shows, from the schedule and the configuration."""
    config = current_app.config
    return {
        "rows": retention_rows(),
        "officer_name": config.get("PRIVACY_OFFICER_NAME") or "",
        "officer_contact": config.get("PRIVACY_OFFICER_CONTACT") or "",
        "days": config["RETENTION_DAYS_AFTER_PUBLICATION"],
        "min_age": config["MIN_AGE"],
        "versions": texts.policy_versions(),
        "consent_version": texts.current_version(),
    }


def has_current_consent(user: User) -> bool:
    return rules.consent_is_current(user.consent_version, texts.current_version())


def age_refusal(user: User) -> str | None:
    """Why this resident is too young to take part today, or None."""
    min_age = current_app.config["MIN_AGE"]
    if rules.old_enough(user.birth_year, clock.now().date(), min_age):
        return None
    if user.birth_year is None:
        return _(
            "Your sign-in did not give your birth year, so we cannot check that you are "
            "%(age)s or older. You can vote at a support point (주민센터).",
            age=min_age,
        )
    return _(
        "Residents take part from the year they turn %(age)s. You can read every forum "
        "and result in the meantime.",
        age=min_age,
    )


def participation_refusal(user: User) -> str | None:
    """Why this resident may not vote, comment or propose yet, or None: no consent to
    the current texts, or under the district's minimum age."""
    if not has_current_consent(user):
        return _("Before you vote or comment, please read and agree to how your data is used.")
    return age_refusal(user)


def give_consent(user: User, ticked: list[str]) -> ConsentRecord:
    """Record the resident's consent to the current texts with the optional items they
    ticked; refused, with nothing stored, when a required item is missing or the
    resident is under the minimum age."""
    if rules.missing_required(texts.REQUIRED, ticked):
        raise ConsentRefused(
            _("Every required item must be ticked to vote or comment. You may also refuse."),
            code="consent_incomplete",
        )
    too_young = age_refusal(user)
    if too_young:
        raise ConsentRefused(too_young, status=403, code="too_young")
    optional = sorted(key for key in set(ticked) if key in texts.OPTIONAL)
    record = ConsentRecord(
        user_id=user.id,
        version=texts.current_version(),
        given_at=clock.now(),
        optional=json.dumps(optional),
    )
    db.session.add(record)
    user.consent_version = record.version
    db.session.commit()
    return record
