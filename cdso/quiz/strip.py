"""The numbered buttons of a step's question strip, built as one string.

The strip (a nav named «Chuyển đến câu số») is most of the markup of every answer step (20 buttons, each with a state, a
label and the current question marked); in Jinja that is ~100 escaped values per step,
a fifth of the step's CPU (bench/README.md, "Where an answer's time goes"). Every value
here is a number or a fixed text, so nothing needs escaping."""
from __future__ import annotations

from markupsafe import Markup

from cdso.services.quiz.attempts import Sheet

_BUTTON = '<button name="go" value="{n}"{state}{said}>{n}</button>'
_SAID = ' aria-label="Câu {n} (đã trả lời)"'  # a question still to do is named by its number


def strip_buttons(sheet: Sheet, position: int) -> Markup:
    return Markup("".join(
        _BUTTON.format(n=slot.position, state=_state(bool(slot.chosen),
                                                     slot.position == position),
                       said=_SAID.format(n=slot.position) if slot.chosen else "")
        for slot in sheet.slots))


def _state(done: bool, here: bool) -> str:
    """Answered, and the question shown; nothing for a question still to do."""
    return (' class="done"' if done else "") + (' aria-current="step"' if here else "")
