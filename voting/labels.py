"""Words for codes shown on voting pages, translated at display time."""

from flask import Flask
from flask_babel import lazy_gettext as _l

RULES = {"greedy": _l("Greedy by votes"), "equal_shares": _l("Method of Equal Shares")}
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


def _label(table: dict):
    return lambda code: str(table.get(code, _l("Not funded") if table is REASONS else code))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        rule_label=_label(RULES),
        reason_label=_label(REASONS),
        age_band_label=_label(AGE_BANDS),
        channel_label=_label(CHANNELS),
        tier_label=_label(TIERS),
        flag_status_label=_label(FLAG_STATUSES),
        audit_problem_label=_label(AUDIT_PROBLEMS),
    )
