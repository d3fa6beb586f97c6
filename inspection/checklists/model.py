"""Typed checklist objects, as fixed by the checklist format (version 1)."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
NonEmptyText = Annotated[str, StringConstraints(min_length=1)]
NonNegative = Annotated[float, Field(ge=0)]

DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
Dimension = Literal["reliability", "responsiveness", "assurance", "empathy", "tangibles"]
ItemType = Literal[
    "yes_no", "rating", "choice", "number", "timer",
    "deduction", "servqual", "text", "photo", "staff",
]
PhotoRule = Literal["never", "optional", "required", "on_fail"]
Scalar = Union[bool, int, float, str]


class Strict(BaseModel):
    """Base for checklist parts: strict types, unknown keys refused, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Band(Strict):
    min: NonNegative
    label: NonEmptyText


class ShowIf(Strict):
    item: Slug
    equals: Scalar


class PassRange(Strict):
    min: float | None = None
    max: float | None = None


class Option(Strict):
    value: Annotated[str, StringConstraints(min_length=1)] | int
    label: NonEmptyText
    score: Annotated[float, Field(ge=0, le=1)]


class Item(Strict):
    id: Slug
    text: NonEmptyText
    type: ItemType
    points: NonNegative | None = None
    na: bool = False
    critical: bool = False
    required: bool | None = None
    photo: PhotoRule | None = None
    help: str | None = None
    show_if: ShowIf | None = None
    dimension: Dimension | None = None
    scale: Annotated[int, Field(ge=2, le=10)] | None = None
    options: Annotated[list[Option], Field(min_length=1)] | None = None
    unit: str | None = None
    pass_: PassRange | None = Field(default=None, alias="pass")
    limit: NonNegative | None = None
    deduct: Annotated[float, Field(gt=0)] | None = None

    @property
    def rating_scale(self) -> int:
        """Return the rating scale, defaulting to 5."""
        return self.scale or 5

    @property
    def scored(self) -> bool:
        """Tell whether the item earns points."""
        if not self.points or self.type in ("servqual", "text", "photo", "staff"):
            return False
        return self.type != "number" or self.pass_ is not None

    @property
    def photo_rule(self) -> str:
        """Return the photo rule; a photo item takes photos unless told otherwise."""
        if self.photo is not None:
            return self.photo
        return "optional" if self.type == "photo" else "never"

    @property
    def is_required(self) -> bool:
        """Tell whether an answer is required (default: only scored items)."""
        return self.scored if self.required is None else self.required


class Section(Strict):
    id: Slug
    title: NonEmptyText
    weight: Annotated[float, Field(gt=0)] | None = None
    dimension: Dimension | None = None
    items: Annotated[list[Item], Field(min_length=1)]


class Checklist(Strict):
    id: Slug
    title: NonEmptyText
    kind: Literal["inspection", "mystery_shop", "survey", "call_qc"]
    locale: str = "zh-CN"
    description: str | None = None
    pass_mark: Annotated[float, Field(ge=0, le=100)] = 80
    on_critical_fail: Literal["fail", "zero"] = "fail"
    ratings: list[Band] = []
    dimension_weights: dict[Dimension, NonNegative] = {}
    # How long a visit takes, in minutes; a visit far shorter is pointed out to reviewers (inspection.integrity).
    expected_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    sections: Annotated[list[Section], Field(min_length=1)]
    # Set by the loader from the canonical content; not part of the YAML.
    _version: str = PrivateAttr(default="")

    @property
    def version(self) -> str:
        """Return the SHA-256 of the canonical content."""
        return self._version

    def items(self) -> list[tuple[Section, Item]]:
        """Return every item with its section, in document order."""
        return [(section, item) for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item | None:
        """Return the item with this id, if any."""
        return self._item_index.get(item_id)

    @cached_property
    def _item_index(self) -> dict[str, Item]:
        return {item.id: item for _, item in self.items()}


def item_dimension(section: Section, item: Item) -> str | None:
    """Return the item's SERVQUAL dimension: its own, else its section's."""
    return item.dimension or section.dimension
