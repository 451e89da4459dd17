"""The numbered buttons of a step's question strip, built as one string.

The strip (a nav named «Chuyển đến câu số») is most of the markup of every answer step (20 buttons, each with a state, a
label and the current question marked); in Jinja that is ~100 escaped values per step,
a fifth of the step's CPU (bench/README.md, "Where an answer's time goes"). Every value
here is a number or a fixed text, so nothing needs escaping. Each button's four forms
(answered or not, shown or not) are made once per worker and looked up: formatting 20
buttons anew was 6% of an answer step."""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup

from cdso.services.quiz.attempts import Sheet

_BUTTON = '<button name="go" value="{n}"{state}{said}>{n}</button>'
_SAID = ' aria-label="Câu {n} (đã trả lời)"'  # a question still to do is named by its number


def strip_buttons(sheet: Sheet, position: int) -> Markup:
    return Markup("".join(_button(slot.position, bool(slot.chosen), slot.position == position)
                          for slot in sheet.slots))


@lru_cache(maxsize=1024)
def _button(n: int, done: bool, here: bool) -> str:
    return _BUTTON.format(n=n, state=_state(done, here), said=_SAID.format(n=n) if done else "")


def _state(done: bool, here: bool) -> str:
    """Answered, and the question shown; nothing for a question still to do."""
    return (' class="done"' if done else "") + (' aria-current="step"' if here else "")
