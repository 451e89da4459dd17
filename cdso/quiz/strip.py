"""The numbered buttons of a step's question strip, built as one string.

The strip is most of the markup of every answer step (20 buttons, each with a state, a
label and the current question marked); in Jinja that is ~100 escaped values per step,
a fifth of the step's CPU (bench/README.md, "Where an answer's time goes"). Every value
here is a number or a fixed text, so nothing needs escaping."""
from __future__ import annotations

from markupsafe import Markup

from cdso.services.quiz.attempts import Sheet

_BUTTON = '<button name="go" value="{n}"{state} aria-label="Câu {n}{said}">{n}</button>'


def strip_buttons(sheet: Sheet, position: int) -> Markup:
    return Markup("".join(
        _BUTTON.format(n=slot.position, state=_state(bool(slot.chosen),
                                                     slot.position == position),
                       said=" (đã trả lời)" if slot.chosen else "")
        for slot in sheet.slots))


def _state(done: bool, here: bool) -> str:
    """The class attribute: nothing for a question still to do (the default look)."""
    names = " ".join(name for name, on in (("done", done), ("here", here)) if on)
    return f' class="{names}"' if names else ""
