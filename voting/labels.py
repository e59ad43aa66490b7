"""Words for codes shown on voting pages, translated at display time."""

import json
import math

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting.counting import rulebook

RULES = {name: rule.label for name, rule in rulebook.RULES.items()}
REASONS = {
    "funded": _l("Funded"),
    "over_budget": _l("Does not fit the remaining envelope"),
    "over_field_budget": _l("Does not fit the field's remaining envelope"),
    "below_threshold": _l("Below the vote threshold"),
    "stopped": _l("Not funded"),
    "not_selected": _l("Not funded"),
}
AGE_BANDS = {
    "under_20": _l("Under 20"),
    "20s": _l("20s"),
    "30s": _l("30s"),
    "40s": _l("40s"),
    "50s": _l("50s"),
    "60s": _l("60s"),
    "70_plus": _l("70 and over"),
    "unknown": _l("Unknown"),
}
TIERS = {
    "proxy_casting": _l("Proxy casting"),
    "lockstep_bloc": _l("Lockstep bloc"),
    "mobilisation": _l("Mobilisation (for information)"),
}
FLAG_STATUSES = {
    "open": _l("Open"),
    "pending_approval": _l("Awaiting a second operator"),
    "confirmed": _l("Confirmed: ballots excluded"),
    "cleared": _l("Cleared: organic"),
}
AUDIT_PROBLEMS = {
    "missing": _l("an entry before it is missing"),
    "order": _l("it does not follow the previous entry"),
    "other_key": _l("it is signed with another key"),
    "changed": _l("its content was changed"),
    "removed": _l("entries after it were removed"),
    "anchor": _l("it differs from a head kept outside the log"),
}
CHANNELS = {"online": _l("Online"), "assisted": _l("Support point"), "import": _l("Imported")}


AUDIT_ACTIONS = {
    "anomalies.scan": _l("Bloc-voting scan"),
    "flag.view": _l("Flag read"),
    "flag.confirm": _l("Flag confirmed"),
    "flag.clear": _l("Flag cleared"),
    "flag.reopen": _l("Flag reopened"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role revoked"),
    "forum.create": _l("Forum created"),
    "outreach.create": _l("Outreach link created"),
    "forum.update": _l("Forum settings saved"),
    "forum.phase": _l("Forum moved to another phase"),
    "forum.publish": _l("Result published"),
    "publication.propose": _l("Publication proposed"),
    "publication.approve": _l("Publication approved"),
    "publication.withdraw": _l("Publication proposal withdrawn"),
    "audit.sign_legacy": _l("Earlier entries signed with the audit key"),
    "item.save": _l("Item saved"),
    "item.image": _l("Item picture changed"),
    "field.save": _l("Field saved"),
    "comment.hide": _l("Comment hidden"),
    "comment.restore": _l("Comment shown again"),
    "comment.keep": _l("Reported comment kept"),
    "ballot.assisted": _l("Ballot at a support point"),
}
AUDIT_TARGETS = {
    "flag": _l("Flag %(id)s"),
    "role": _l("Role %(id)s"),
    "item": _l("Item %(id)s"),
    "field": _l("Field %(id)s"),
    "comment": _l("Comment %(id)s"),
    "ballot": _l("Ballot %(id)s"),
}


def span_text(seconds: float) -> str:
    """How long something took, rounded up to whole minutes, then hours, then days."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d day", "%(num)d days", round(hours / 24))


def flag_title(flag) -> str:
    """What a flag saw, in words: who voted how, from where, within how long.

    The p-value is left to the flag's details: a title says what a person can check.
    """
    details = json.loads(flag.details)
    n, span = flag.size, span_text(details.get("span_seconds", 0))
    detector = details.get("detector", "")
    if detector == "proxy_devices":
        return _("%(n)d people voted from one device · within %(span)s", n=n, span=span)
    if detector == "proxy_networks":
        return _("%(n)d near-identical ballots from one network · within %(span)s", n=n, span=span)
    if detector == "dense":
        return _(
            "%(n)d near-identical ballots from %(networks)d networks · within %(span)s",
            n=n,
            networks=details.get("networks", 0),
            span=span,
        )
    return _("%(n)d near-identical ballots · within %(span)s", n=n, span=span)


def people_counts(flag) -> str:
    """Expected and observed people, as people count them: "기대 3명, 관측 40명"."""
    details = json.loads(flag.details)
    observed, expected = details.get("observed", flag.size), round(details.get("expected", 0))
    if expected < 1:
        return _("expected fewer than 1, observed %(observed)d people", observed=observed)
    return _(
        "expected %(expected)d, observed %(observed)d people",
        expected=expected,
        observed=observed,
    )


def audit_action(action: str, after: str | None = None) -> str:
    """An audit entry's action in words; a confirmation waiting for approval says so."""
    if action == "flag.confirm" and after and "pending_approval" in after:
        return _("Flag confirmed, awaiting a second reviewer")
    return str(AUDIT_ACTIONS.get(action, action))


def audit_target(target: str, forum_titles: dict[int, str]) -> str:
    """An audit entry's target in words: a forum by its title, other things by kind and id."""
    kind, _sep, ident = target.partition(":")
    if kind == "forum" and ident.isdigit() and int(ident) in forum_titles:
        return forum_titles[int(ident)]
    if kind in AUDIT_TARGETS:
        return str(AUDIT_TARGETS[kind]) % {"id": ident}
    return target


def _label(table: dict):
    return lambda code: str(table.get(code, _l("Not funded") if table is REASONS else code))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        rule_label=_label(RULES),
        funding_rules=rulebook.RULES,
        reason_label=_label(REASONS),
        age_band_label=_label(AGE_BANDS),
        channel_label=_label(CHANNELS),
        tier_label=_label(TIERS),
        flag_status_label=_label(FLAG_STATUSES),
        audit_problem_label=_label(AUDIT_PROBLEMS),
        flag_title=flag_title,
        people_counts=people_counts,
    )
