"""Forms for editing branches and staff, and for CSV imports."""

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import FloatField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("An e-mail address, please."))
CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, - and _ only."))


class Degrees(FloatField):
    """A latitude or longitude: empty, or a finite number within its bound either side of zero."""

    def __init__(self, label, limit: int, **kwargs):
        super().__init__(label, validators=[Optional(), self.check], **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.problem()) from None

    def check(self, form, field) -> None:
        if field.data is None:
            return  # not a number at all: process_formdata said so
        if not (math.isfinite(field.data) and -self.limit <= field.data <= self.limit):
            raise ValidationError(self.problem())

    def problem(self) -> str:
        return _("%(field)s is a number of degrees from -%(limit)d to %(limit)d.", field=self.label.text,
                 limit=self.limit)


class BranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region = StringField(_l("Region"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    # Where the branch is, for photos taken far from it (evidence integrity); both or neither.
    latitude = Degrees(_l("Latitude"), 90)
    longitude = Degrees(_l("Longitude"), 180)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            missing.errors.append(_("Give both latitude and longitude, or neither."))
            return False
        return valid


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
