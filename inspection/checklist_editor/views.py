"""Checklist pages for administrators and managers given the permission: list, edit, preview, publish, compare."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..catalog.services import refresh_catalog
from ..db import write_transaction
from ..labels import problem_title
from ..problems import Conflict
from ..web.errors import problem_message
from . import services
from .sample import scored_items
from .source import MAX_BYTES, engine_problem, too_large
from .texts import describe, field_label, shown

bp = Blueprint("checklist_editor", __name__, url_prefix="/checklist-editor")


@bp.errorhandler(413)
def refuse_too_large(_error):
    # The form is refused before any view reads it (Werkzeug's limit on form fields): say why, in words.
    message = f"{describe(too_large())} {_('Nothing was saved.')}"
    return render_template("error.html", status=413, title=problem_title(413), message=message, problems=[]), 413


@bp.get("/")
@login_required
def index():
    return render_template("checklist_editor/index.html", listing=services.listing(current_user),
                           describe_line=_describe_line)


def _describe_line(line: str) -> str:
    """Say a validator line of a file that does not load in the reader's language, with its line number."""
    problem = engine_problem(line)
    text = describe(problem)
    return _("Line %(line)d: %(text)s", line=problem.line, text=text) if problem.line else text


@bp.get("/new")
@login_required
def new():
    return _editor(services.Check(services.blank(current_user), None, []))


@bp.get("/files/<file_name>")
@login_required
def edit(file_name: str):
    return _editor(services.open_file(current_user, file_name))


@bp.post("/preview")
@login_required
def preview():
    return _editor(services.check(current_user, _source(), request.form.get("worst")))


@bp.post("/publish")
@login_required
def publish():
    source = _source()
    try:
        with write_transaction():
            published = services.publish(current_user, source)
    except services.Rejected as rejected:
        return _editor(rejected.check, status=422)
    except Conflict as conflict:
        return _editor(_kept(source), status=409, refusal=problem_message(conflict))
    except OSError as error:  # the server's folder, not the text: said in words, the text kept
        return _editor(_kept(source), status=503, refusal=_unwritable(error))
    checklist = published.checklist
    if published.unchanged:
        flash(_("Nothing to publish: the text is the same as the file."), "info")
        return redirect(url_for(".index"))
    refresh_catalog()  # freeze the new version now, so that it can be compared at once
    flash(_("Published “%(title)s” (%(id)s), version %(version)s: new visits use it from now on.",
            title=checklist.title, id=checklist.id, version=checklist.version[:12]), "info")
    return redirect(url_for(".index"))


@bp.post("/files/<file_name>/retire")
@login_required
def retire(file_name: str):
    return _move(services.retire, file_name,
                 _l("Retired %(name)s: it is no longer offered for new visits; past visits keep their version."))


@bp.post("/retired/<file_name>/restore")
@login_required
def restore(file_name: str):
    return _move(services.restore, file_name, _l("Restored %(name)s: it is offered for new visits again."))


def _move(step, file_name: str, said):
    """Retire or restore a file, then say what happened (or why not) on the list."""
    try:
        with write_transaction():
            entry = step(current_user, file_name)
    except Conflict as conflict:
        flash(f"{problem_title(409)}: {problem_message(conflict)}", "error")
    except OSError as error:
        flash(_unwritable(error), "error")
    else:
        refresh_catalog()
        flash(str(said) % {"name": _name(entry)}, "info")
    return redirect(url_for(".index"))


@bp.get("/compare/<checklist_id>")
@login_required
def compare(checklist_id: str):
    comparison = services.compare_versions(current_user, checklist_id, request.args.get("old") or None,
                                           request.args.get("new") or None)
    return render_template("checklist_editor/compare.html", checklist_id=checklist_id, comparison=comparison,
                           field_label=field_label, shown=shown)


def _kept(source: services.Source) -> services.Check:
    """Return the refused text checked again, to show it with its problems but without a preview."""
    result = services.check(current_user, source)
    result.sample = None
    return result


def _unwritable(error: OSError) -> str:
    return _("The checklist folder could not be changed (%(reason)s).", reason=error.strerror or str(error))


def _name(entry) -> str:
    return f"“{entry.checklist.title}” ({entry.checklist.id})" if entry.checklist is not None else entry.name


def _source() -> services.Source:
    """Read the editor's form: the text, or an uploaded file (read no further than the limit needs)."""
    upload = request.files.get("upload")
    raw = upload.stream.read(MAX_BYTES + 1) if upload is not None and upload.filename else None
    return services.Source(request.form.get("text", ""), request.form.get("file", ""),
                           request.form.get("base", ""), raw)


def _editor(check: services.Check, status: int = 200, refusal: str | None = None):
    problems = [{"id": f"problem-{number}", "line": problem.line, "text": describe(problem)}
                for number, problem in enumerate(check.problems, 1)]
    checklist = check.checklist if check.ok and check.sample is not None else None  # previewed once checked
    page = render_template(
        "checklist_editor/editor.html", check=check, problems=problems, refusal=refusal, checklist=checklist,
        error_lines=sorted({problem["line"] for problem in problems if problem["line"]}),
        scored=scored_items(checklist) if checklist is not None else [], max_chars=MAX_BYTES,
        titles={section.id: section.title for section in checklist.sections} if checklist is not None else {})
    return page, status
