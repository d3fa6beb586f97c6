"""Forms for editing branches and staff, and for CSV imports."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("An e-mail address, please."))
CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, - and _ only."))


class BranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region = StringField(_l("Region"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])


class StaffForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[DataRequired()])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=100)])
    # A shopper with this address is never sent to this staff member's branch: they would be recognised.
    email = StringField(_l("E-mail, if they also work for us as a shopper or inspector"),
                        validators=[Optional(), Length(max=254), EMAIL],
                        filters=[lambda value: (value or "").strip().lower() or None])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileAllowed(["csv"], _l("A .csv file, please."))])
