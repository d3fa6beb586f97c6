"""Parse YAML into plain data with line numbers, refusing what checklists never need."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple[str | int, ...]
# Lists and mappings nest at most this deep: a checklist needs 5, and the composer recurses once per level.
MAX_DEPTH = 20


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class Parsed:
    data: object = None
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse(text: str) -> Parsed:
    """Parse one YAML document, recording each value's line and every problem."""
    parsed = Parsed()
    _check_events(text, parsed)
    if parsed.problems:
        return parsed
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        parsed.problems.append(_yaml_problem(error))
        return parsed
    if node is None:
        parsed.problems.append(Problem(1, "the file is empty"))
        return parsed
    parsed.data = _to_python(node, (), parsed, yaml.constructor.SafeConstructor())
    return parsed


def _check_events(text: str, parsed: Parsed) -> None:
    """Refuse anchors, aliases, tags, deep nesting and extra documents before building anything."""
    documents = depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    parsed.problems.append(Problem(line, f"lists and mappings nest more than {MAX_DEPTH} levels deep"))
                    return
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents == 2:
                    parsed.problems.append(Problem(line, "only one YAML document is allowed"))
            elif isinstance(event, yaml.AliasEvent):
                parsed.problems.append(Problem(line, f"YAML aliases are not allowed (*{event.anchor})"))
            elif isinstance(event, yaml.NodeEvent):
                _check_node_event(event, line, parsed)
    except yaml.YAMLError as error:
        parsed.problems.append(_yaml_problem(error))


def _check_node_event(event: yaml.NodeEvent, line: int, parsed: Parsed) -> None:
    if event.anchor is not None:
        parsed.problems.append(Problem(line, f"YAML anchors are not allowed (&{event.anchor})"))
    # The parser sets a tag only where the text spells one out (!!str, !custom, !).
    tag = getattr(event, "tag", None)
    if tag is not None:
        parsed.problems.append(Problem(line, f"YAML tags are not allowed ({tag})"))


def _yaml_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    reason = getattr(error, "problem", None) or str(error)
    return Problem(line, f"invalid YAML: {reason}")


def _to_python(node: yaml.Node, path: Path, parsed: Parsed, scalars) -> object:
    parsed.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, path, parsed, scalars)
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(child, path + (i,), parsed, scalars) for i, child in enumerate(node.value)]
    return _scalar(node, parsed, scalars)


def _mapping(node: yaml.MappingNode, path: Path, parsed: Parsed, scalars) -> dict:
    result: dict = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, parsed, scalars) if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            parsed.problems.append(Problem(line, "keys must be plain text"))
            continue
        if key in result:
            parsed.problems.append(Problem(line, f"duplicate key '{key}'"))
            continue
        result[key] = _to_python(value_node, path + (key,), parsed, scalars)
        parsed.lines[path + (key,)] = line
    return result


def _scalar(node: yaml.ScalarNode, parsed: Parsed, scalars) -> object:
    try:
        return scalars.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as error:
        parsed.problems.append(Problem(node.start_mark.line + 1, f"unreadable value: {error}"))
        return None
