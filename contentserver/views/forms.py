"""The teacher and admin forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n import LANGUAGE_NAMES, SUBJECT_NAMES
from ..library.format import MAX_TAGS

GRADES = [(g, str(g)) for g in range(1, 13)]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    lang = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()))
    script = SelectField(_l("Script"), choices=[("Cyrl", _l("Cyrillic")), ("Latn", _l("Latin"))])
    subject = SelectField(_l("Subject"), choices=list(SUBJECT_NAMES.items()))
    grade = SelectField(_l("Grade"), choices=GRADES, coerce=int)
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=MAX_TAGS * 62)])
    body = TextAreaField(_l("Lesson text (Markdown)"), validators=[Length(max=400_000)])
    status = RadioField(
        _l("Who can see it"),
        default="draft",
        choices=[("draft", _l("Draft: only teachers")), ("published", _l("Published: students"))],
    )

    def tag_list(self) -> list[str]:
        return [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])
    subtitles_for = SelectField(_l("Subtitles for video"), choices=[], validate_choice=False)
    subtitles_lang = SelectField(_l("Subtitles language"), choices=list(LANGUAGE_NAMES.items()), validate_choice=False)


# The password's length is checked on the server (accounts.users), never by a minlength attribute: the browser
# would say it in its own language, not the page's.
PASSWORD_RULE = _l("At least 8 characters.")


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=40)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)], description=PASSWORD_RULE)
    role = SelectField(
        _l("Role"),
        default="teacher",
        choices=[("teacher", _l("Teacher")), ("admin", _l("Administrator: also manages accounts"))],
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=1024)], description=PASSWORD_RULE
    )
