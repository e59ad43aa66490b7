"""Telling operators by e-mail that a new flag changes the funded set.

The badge on the operator page (a flag's ``alerted_at``) is the record; the e-mail is
sent after the scan's commit through the configured SMTP server (``SMTP_HOST``, to
``ALERT_EMAILS``). Without either, or when the server refuses, the badge alone remains
and the failure is logged: a scan never fails because mail did.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Forum
from voting import labels
from voting.models import AnomalyFlag


def compose(flag_ids: list[int]) -> EmailMessage | None:
    """The alert for these flags in the default language, or None without recipients."""
    config = current_app.config
    if not flag_ids or not config.get("ALERT_EMAILS"):
        return None
    rows = db.session.execute(
        select(AnomalyFlag, Forum.title)
        .join(Forum, Forum.id == AnomalyFlag.forum_id)
        .where(AnomalyFlag.id.in_(flag_ids))
        .order_by(AnomalyFlag.id)
    ).all()
    if not rows:
        return None
    base = config.get("PUBLIC_URL", "").rstrip("/")
    with force_locale(config.get("BABEL_DEFAULT_LOCALE", "ko")):
        lines = [_("A new bloc-voting flag changes the funded set. Please review it:"), ""]
        for flag, title in rows:
            lines.append(f"- {title}: {labels.flag_title(flag)}")
            lines.append(f"  {base}/operator/flags/{flag.id}")
        lines += ["", _("A flag is a question for a person, never a verdict.")]
        subject = _(
            "[Open Forum] %(count)d flag(s) change the funded set: %(forum)s",
            count=len(rows),
            forum=rows[0][1],
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = ", ".join(config["ALERT_EMAILS"])
    message.set_content("\n".join(lines))
    return message


def notify(flag_ids: list[int]) -> bool:
    """Send the alert for these flags; False (and a log line) when it was not sent."""
    message = compose(flag_ids)
    config = current_app.config
    if message is None or not config.get("SMTP_HOST"):
        return False
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as server:
            if config.get("SMTP_STARTTLS"):
                server.starttls()
            if config.get("SMTP_USER"):
                server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            server.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("alert for flags %s not sent", flag_ids)
        return False
    return True
