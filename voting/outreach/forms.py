"""The team's form for a new outreach link. Field-level checks only; the rules module
checks the name again in the use case."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms import StringField

from core.forms import choices
from core.forms import Form
from voting.outreach.rules import NAME_MAX

KIND_LABELS = {
    "dong_office": _l("동 office (주민센터)"),
    "organisation": _l("Organisation"),
    "target_group": _l("Target group"),
    "other": _l("Other"),
}


class LinkForm(Form):
    name = StringField(_l("Name (for example 역삼1동 주민센터)"), render_kw={"maxlength": NAME_MAX})
    # the use case checks the kind, with its own message
    kind = SelectField(
        _l("For"),
        choices=choices(KIND_LABELS.items()),
        default="dong_office",
        validate_choice=False,
    )
