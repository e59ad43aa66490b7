"""Forms for the admin page."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from auth.models import ROLES
from core.forms import choices
from core.forms import Form


class GrantForm(Form):
    subject = StringField(
        _l("Identifier the person signs in with"), validators=[DataRequired(), Length(max=200)]
    )
    role = SelectField(_l("Role"), choices=choices((role, role) for role in ROLES))
    district = StringField(
        _l("District code (district team only)"), validators=[Optional(), Length(max=64)]
    )


class RevokeForm(Form):
    pass
