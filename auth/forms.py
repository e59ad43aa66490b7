"""Forms for the admin page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from auth.models import ROLES
from auth.services import NAME_MAX
from auth.services import ROLE_LABELS
from core.districts import SEOUL_DISTRICTS
from core.forms import choices
from core.forms import Form
from core.i18n import localized


class GrantForm(Form):
    subject = StringField(
        _l("Identifier the person signs in with"), validators=[DataRequired(), Length(max=200)]
    )
    # Checked by the service, which says what is missing (one place for the rule).
    name = StringField(_l("Name of the person (shown to staff only)"))
    role = SelectField(_l("Role"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES))
    # The service refuses codes not in the list, with the list in its message.
    district = SelectField(_l("District (district team only)"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.render_kw = {"maxlength": NAME_MAX}
        self.district.choices = choices(
            [("", _("None (reviewers and administrators)"))]
            + [(code, localized(ko, en)) for code, (ko, en) in SEOUL_DISTRICTS.items()]
        )


class RevokeForm(Form):
    pass
