"""`flask checklist validate` and `flask checklist score`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..checklists import AnswerError, ChecklistError, load_file, load_paths, score
from .services import checklist_files

checklist_cli = AppGroup("checklist", help="Validate checklists and score answers.")


@checklist_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Validate checklist files (default: every file in the checklist folder)."""
    files = list(paths) or checklist_files(Path(current_app.config["CHECKLIST_DIR"]))
    try:
        checklists = load_paths(files)
    except ChecklistError as error:
        _fail(error.problems)
    for checklist in checklists.values():
        click.echo(f"ok {checklist.id} ({len(checklist.items())} items, version {checklist.version[:12]})")


@checklist_cli.command("score")
@click.argument("checklist_path", type=click.Path(path_type=Path))
@click.argument("answers_path", type=click.Path(path_type=Path))
def score_command(checklist_path: Path, answers_path: Path) -> None:
    """Score ANSWERS.json ({"answers": {...}}) with a checklist and print the result as JSON."""
    try:
        checklist = load_file(checklist_path)
    except ChecklistError as error:
        _fail(error.problems)
    answers = _read_answers(answers_path)
    try:
        result = score(checklist, answers)
    except AnswerError as error:
        _fail([str(problem) for problem in error.problems])
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


def _read_answers(path: Path) -> dict:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        _fail([f"{path}: cannot read file: {error.strerror}"])
    except UnicodeDecodeError:
        _fail([f"{path}: file is not UTF-8 text"])
    except json.JSONDecodeError as error:
        _fail([f"{path}:{error.lineno}: invalid JSON: {error.msg}"])
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        _fail([f'{path}:1: expected {{"answers": {{"item-id": value, ...}}}}'])
    return data["answers"]


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)
