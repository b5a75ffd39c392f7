"""A verdict on a student's answer, and the bilingual texts it is written from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from course_utils.i18n import TIMES, format_number, pick

Text = Mapping[str, str]  # {"es": "...", "en": "..."}, str.format templates
RIGHT: Text = {"es": "¡correcto! ", "en": "correct! "}
NOT_YET: Text = {"es": "todavía no. ", "en": "not yet. "}


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` is None while the exercise is not answered."""

    exercise: int | str
    correct: bool | None
    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.message)


def say(text: Text, lang: str | None, **values: Any) -> str:
    """``text`` in the notebook's language, with ``values`` filled in: numbers written the way
    that language writes them (whole ones as 2100 or 33 800, others with two decimals: 1,57),
    anything else as it is."""
    chosen = pick(lang, es=text["es"], en=text["en"])
    return chosen.format(times=TIMES, **{k: _written(v, lang) for k, v in values.items()})


def _written(value: Any, lang: str | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, Real):
        return value
    return format_number(value, 0 if float(value).is_integer() else 2, lang)


def exercise_number(number: Any, count: int, lang: str | None) -> int:
    """``number`` as an int if it names one of exercises 1 to ``count``; otherwise a ValueError
    in the notebook's language (``True`` and ``1.0`` are not exercise numbers)."""
    if isinstance(number, bool) or not isinstance(number, Integral) or not 1 <= number <= count:
        raise ValueError(
            pick(
                lang,
                es=f"Los ejercicios van del 1 al {count}; {number!r} no es uno de ellos.",
                en=f"There are exercises 1 to {count}, not {number!r}.",
            )
        )
    return int(number)
