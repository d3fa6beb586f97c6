"""Forms for accounts: an admin's view of a user, and one's own password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    regions = SelectMultipleField(_l("Regions"), validate_choice=True)
    branches = SelectMultipleField(_l("Branches"), validate_choice=True)
    active = BooleanField(_l("May sign in"), default=True)
    manages_checklists = BooleanField(_l("Manages checklists"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("New password again"),
                           validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))])
