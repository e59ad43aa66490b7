"""The retention schedule: what is held, from when, for how long, and how it ends.

One list, read by the privacy policy page, the consent texts and the purge, so what the
district tells residents and what the software does cannot disagree. Periods in days
come from configuration where the district decides them (``RETENTION_DAYS_AFTER_
PUBLICATION``, the objection period after a forum's result is published).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# How an item ends: removed, or kept with nothing left that points to a person.
DELETE = "delete"
ANONYMISE = "anonymise"

# What starts the clock.
AFTER_PUBLICATION = "after_publication"
AFTER_ACCOUNT_DELETION = "after_account_deletion"
AFTER_SESSION_END = "after_session_end"
AFTER_ENTRY = "after_entry"

# Staff access log entries are kept at least a year (안전성 확보조치 기준 Art 8); two,
# so that a yearly review always has the whole previous year.
ACCESS_LOG_DAYS = 730
# A sign-in's record (its token digest and times) after it ended.
SESSION_DAYS = 30


@dataclass(frozen=True)
class Retention:
    """One item of the schedule. ``days`` None means "as soon as the trigger occurs";
    ``days_setting`` names the configuration that gives the days instead."""

    key: str
    item: str
    purpose: str
    trigger: str
    action: str
    days: int | None = None
    days_setting: str | None = None
    # Held longer while something undecided needs it (a flag of the forum under review).
    held_while: str | None = None

    def period(self, config) -> int | None:
        """The period in days under this configuration."""
        if self.days_setting:
            return int(config[self.days_setting])
        return self.days


SCHEDULE: tuple[Retention, ...] = (
    Retention(
        key="account",
        item=_l("Voter key (a keyed hash of who you are), district, birth year"),
        purpose=_l("Identity and one ballot per person"),
        trigger=AFTER_ACCOUNT_DELETION,
        action=DELETE,
    ),
    Retention(
        key="ballot_voter_key",
        item=_l("The link between your ballot and your voter key"),
        purpose=_l("Voting: one ballot per person, your receipt, objections"),
        trigger=AFTER_PUBLICATION,
        action=ANONYMISE,
        days_setting="RETENTION_DAYS_AFTER_PUBLICATION",
        held_while="undecided_flag",
    ),
    Retention(
        key="review_signals",
        item=_l("Review signals: keyed hashes of network prefix, browser family and device cookie"),
        purpose=_l("Review of bloc voting"),
        trigger=AFTER_PUBLICATION,
        action=DELETE,
        days_setting="RETENTION_DAYS_AFTER_PUBLICATION",
        held_while="undecided_flag",
    ),
    Retention(
        key="comments",
        item=_l("Your comments and replies"),
        purpose=_l("Deliberation"),
        trigger=AFTER_ACCOUNT_DELETION,
        action=ANONYMISE,
    ),
    Retention(
        key="consents",
        item=_l("Your consent history (version, time, optional items)"),
        purpose=_l("Proof of consent"),
        trigger=AFTER_ACCOUNT_DELETION,
        action=DELETE,
    ),
    Retention(
        key="sessions",
        item=_l("Sign-in records (a digest of the session token, times)"),
        purpose=_l("Identity and one ballot per person"),
        trigger=AFTER_SESSION_END,
        action=DELETE,
        days=SESSION_DAYS,
    ),
    Retention(
        key="staff_access_log",
        item=_l("Staff access log: who viewed or downloaded what, when, hashed network"),
        purpose=_l("Security of personal data (staff access records)"),
        trigger=AFTER_ENTRY,
        action=DELETE,
        days=ACCESS_LOG_DAYS,
    ),
)

TRIGGER_WORDS = {
    AFTER_PUBLICATION: _l("after the forum's result is published"),
    AFTER_ACCOUNT_DELETION: _l("after you delete your account"),
    AFTER_SESSION_END: _l("after you sign out or the sign-in expires"),
    AFTER_ENTRY: _l("after it is written"),
}
ACTION_WORDS = {
    DELETE: _l("deleted"),
    ANONYMISE: _l("anonymised (nothing left points to you)"),
}


def by_key(key: str) -> Retention:
    """The schedule's item named ``key``."""
    for entry in SCHEDULE:
        if entry.key == key:
            return entry
    raise KeyError(key)
