"""Calibration pages: the list, a new exercise, one exercise with its results, the evaluator's form, the trend."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import access, charts, localtime
from ..agreement import band
from ..db import write_transaction
from ..extensions import db
from ..labels import problem_text
from ..lifecycle import CalibrationStatus
from ..photos.storage import thumbnail_name
from ..problems import Invalid, NotFound
from ..web.requests import flashed_problems, page_number, send_photo
from . import services
from .form import form_values, read_answers
from .trend import trend as evaluator_trend

bp = Blueprint("calibration", __name__)
# An exercise's states (an action's "open" reads otherwise).
STATES = {CalibrationStatus.OPEN: _l("Taking scores"), CalibrationStatus.CLOSED: _l("Closed")}
# Landis & Koch's words for a kappa.
BANDS = {"poor": _l("poor"), "slight": _l("slight"), "fair": _l("fair"), "moderate": _l("moderate"),
         "substantial": _l("substantial"), "almost_perfect": _l("almost perfect")}


def kappa_band(kappa: float) -> str:
    return str(BANDS[band(kappa)])


@bp.context_processor
def calibration_labels() -> dict:
    """Give the calibration pages their words for an exercise's state and a kappa's band."""
    return {"exercise_state": lambda status: str(STATES[status]), "kappa_band": kappa_band}


def calibrations_waiting() -> int:
    """Return how many open exercises wait for the signed-in user's score, for the top bar."""
    if not access.can(current_user, "calibrations.list"):
        return 0
    return services.open_for(current_user)


@bp.get("/calibrations")
@login_required
def index():
    access.require(current_user, "calibrations.list")
    page = page_number()
    rows, total = services.exercises(current_user, page)
    return render_template("calibration/index.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // services.PAGE_SIZE)))


@bp.route("/calibrations/new", methods=["GET", "POST"])
@login_required
def new():
    access.require(current_user, "calibrations.manage")
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        with flashed_problems():
            with write_transaction():
                exercise = services.create(current_user, services.Draft(
                    title=form.get("title", ""), target=form.get("target", ""), checklist_id=form.get("checklist", ""),
                    branch_code=form.get("branch", ""), visit=form.get("visit", ""),
                    evaluators=form.getlist("evaluators")))
            flash(_("The exercise is open: each evaluator scores it on their own."), "info")
            return redirect(url_for("calibration.show", calibration_id=exercise.id))
    return render_template("calibration/new.html", form=form, chosen=set(form.getlist("evaluators")),
                           checklists=services.calibration_checklists(), people=services.candidates(current_user),
                           branches=db.session.scalars(access.scoped_branches(current_user)).all())


@bp.get("/calibrations/<id:calibration_id>")
@login_required
def show(calibration_id: int):
    exercise = services.visible_exercise(current_user, calibration_id)
    shown = access.can(current_user, "calibration.results", exercise)
    results = services.results(exercise) if shown else None
    return render_template("calibration/show.html", exercise=exercise, results=results,
                           names=services.evaluator_names(current_user, exercise),
                           numbers=services.evaluator_numbers(exercise),
                           checklist=services.exercise_checklist(exercise),
                           own=services.own_score(exercise, current_user))


@bp.route("/calibrations/<id:calibration_id>/score", methods=["GET", "POST"])
@login_required
def score(calibration_id: int):
    exercise = services.visible_exercise(current_user, calibration_id)
    access.require(current_user, "calibration.score", exercise)
    checklist = services.exercise_checklist(exercise)
    own = services.own_score(exercise, current_user)
    values, errors, status = form_values(checklist, own.answers) if own else {}, {}, 200
    if request.method == "POST":
        try:
            with write_transaction():
                services.submit(current_user, exercise, read_answers(checklist, request.form))
        except Invalid as problem:
            values, status = request.form, 422
            errors = {detail.item: problem_text(detail.code, detail.message) for detail in reversed(problem.details)}
        else:
            flash(_("Your score is kept. You may change it until the exercise is closed."), "info")
            return redirect(url_for("calibration.show", calibration_id=exercise.id))
    staff = [member for member in exercise.branch.staff if member.active]
    page = render_template("calibration/score.html", exercise=exercise, checklist=checklist, values=values,
                           errors=errors, evidence=services.evidence(exercise), staff=staff, own=own,
                           thumbnail=thumbnail_name)
    return page, status


@bp.post("/calibrations/<id:calibration_id>/close")
@login_required
def close(calibration_id: int):
    exercise = services.visible_exercise(current_user, calibration_id)
    with flashed_problems():
        with write_transaction():
            services.close(current_user, exercise)
        flash(_("The exercise is closed: its evaluators now see the results."), "info")
    return redirect(url_for("calibration.show", calibration_id=calibration_id))


@bp.get("/calibrations/<id:calibration_id>/photos/<name>")
@login_required
def photo(calibration_id: int, name: str):
    exercise = services.visible_exercise(current_user, calibration_id)
    if not services.evidence_photo(exercise, name.replace("-thumb.jpg", ".jpg")):
        raise NotFound("no photo %(name)s", name=name)
    response = send_photo(name)
    if response is None:
        raise NotFound("the file of photo %(name)s is missing", name=name)
    return response


@bp.get("/calibrations/trend")
@login_required
def trend():
    figures = evaluator_trend(current_user)
    charts_by_evaluator = {
        line.evaluator.id: charts.trend_chart(
            [(localtime.local(exercise.closed_at).strftime("%m-%d"), result.kappa) for exercise, result in line.points],
            _("Kappa of %(name)s by exercise", name=line.evaluator.name), scale=(-1, 1),
            pass_mark=figures.threshold)
        for line in figures.evaluators}
    return render_template("calibration/trend.html", figures=figures, charts=charts_by_evaluator)
