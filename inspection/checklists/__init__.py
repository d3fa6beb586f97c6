"""The checklist engine: load YAML checklists and score answers. Pure Python, no web or database."""

from .answers import AnswerError, AnswerProblem, check_answers, visible_items
from .loader import (
    ChecklistError,
    canonical_json,
    from_snapshot,
    load_directory,
    load_file,
    load_paths,
    load_text,
)
from .model import DIMENSIONS, Checklist, Item, Section
from .photo_rules import photo_problems
from .scoring import Result, score

__all__ = [
    "DIMENSIONS", "AnswerError", "AnswerProblem", "Checklist", "ChecklistError", "Item",
    "Result", "Section", "canonical_json", "check_answers", "from_snapshot", "load_directory",
    "load_file", "load_paths", "load_text", "photo_problems", "score", "visible_items",
]
