"""A lesson's parameters: the typed assignments of its cell tagged ``parameters``.

The cell reads like ``EPOCHS: int = 10``; its metadata may give a ``minimum`` per number
(``{"minimum": {"EPOCHS": 1}}``). Values given on the command line are checked against both
before any kernel starts. A ``list[str]`` parameter takes one item per ``-p``, taken as
written (spaces and commas included), so that any file name can be passed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils.tools.errors import UsageError

PARAMETERS_TAG = "parameters"
# The annotations a parameters cell may use, and how a command-line value is read for each.
SCALAR_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True)
class Parameter:
    """One knob of a lesson: its name, annotation, default and, for numbers, its minimum."""

    name: str
    annotation: str
    default: Any
    minimum: float | None = None

    @property
    def optional(self) -> bool:
        return self.annotation.replace(" ", "").endswith("|None")

    @property
    def base_type(self) -> str:
        return self.annotation.replace(" ", "").removesuffix("|None")

    @property
    def is_list(self) -> bool:
        return self.base_type == "list[str]"

    def value_of(self, texts: list[str]) -> Any:
        """The value that the ``-p`` texts given for this parameter stand for: one item per
        ``-p`` for a list, exactly one text otherwise; UsageError saying what it accepts."""
        if self.is_list:
            return list(texts)
        if len(texts) > 1:
            raise UsageError(
                f"-p {self.name} is given {len(texts)} times, but {self.name} takes one value "
                f"({self.describe()}): give it once."
            )
        return self.convert(texts[0])

    def convert(self, text: str) -> Any:
        """The scalar value ``text`` stands for, or UsageError saying what is accepted."""
        if self.optional and text == "None":
            return None
        try:
            if self.base_type == "bool":
                value: Any = {"True": True, "False": False}[text]
            else:
                value = SCALAR_TYPES[self.base_type](text)
        except (KeyError, ValueError):
            raise UsageError(f"-p {self.name} {text}: {self.name} is {self.describe()}.") from None
        if self.minimum is not None and value < self.minimum:
            raise UsageError(f"-p {self.name} {text}: {self.name} is {self.describe()}.")
        return value

    def describe(self) -> str:
        kinds = {
            "int": "a whole number",
            "float": "a number",
            "str": "a text",
            "bool": "True or False",
        }
        text = kinds.get(self.base_type, self.annotation)
        if self.minimum is not None:
            text += f" of at least {self.minimum:g}"
        return text + (" or None" if self.optional else "")


def lesson_parameters(notebook: Any, path: Path) -> dict[str, Parameter]:
    """The parameters declared by the cell tagged ``parameters`` of ``notebook`` (read from
    ``path``, which error messages name)."""
    cell = next((c for c in notebook.cells if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    minimum = cell.metadata.get("minimum", {})
    parameters = {}
    for node in ast.parse(cell.source).body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            raise UsageError(
                f"{path}: the parameters cell may hold only typed assignments such as "
                f"'EPOCHS: int = 10', not {ast.unparse(node)!r}. Fix the cell."
            )
        name = node.target.id
        parameters[name] = Parameter(
            name, ast.unparse(node.annotation), ast.literal_eval(node.value), minimum.get(name)
        )
    return parameters


def trains_a_model(notebook: Any, path: Path) -> bool:
    """True for a lesson that trains a model: its parameters cell declares EPOCHS (04b, which
    only loads 04a's model, does not)."""
    return "EPOCHS" in lesson_parameters(notebook, path)


def check_parameters(
    given: Sequence[tuple[str, str]], declared: Mapping[Path, Mapping[str, Parameter]]
) -> dict[str, Any]:
    """Typed values for ``-p NAME VALUE`` pairs (a list parameter's items in the order given),
    checked against every lesson that declares the name; UsageError when a value does not
    fit or no selected lesson knows the name."""
    texts: dict[str, list[str]] = {}
    for name, text in given:
        texts.setdefault(name, []).append(text)
    values = {}
    for name, name_texts in texts.items():
        knowing = [parameters[name] for parameters in declared.values() if name in parameters]
        if not knowing:
            by_lesson = {path.name: ", ".join(p) or "none" for path, p in declared.items()}
            known = "; ".join(f"{lesson}: {names}" for lesson, names in by_lesson.items())
            raise UsageError(f"-p {name}: no selected lesson has a parameter {name!r} ({known}).")
        converted = [parameter.value_of(name_texts) for parameter in knowing]  # all must accept
        values[name] = converted[0]
    return values
