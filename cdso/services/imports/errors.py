"""The two ways an import says no, shared by every import (after indico's UserValueError):
the file as a whole cannot be used (`TableError`, one message), or some rows are wrong
(`RowError`, the one shape of the row-by-row report shown on every import page)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


class TableError(ValueError):
    """The file as a whole cannot be used; the message is for the person who sent it.
    `limit` names the upload guard's limit the file broke, if any."""

    def __init__(self, message: str, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(slots=True)
class RowError:
    row: int  # the row number as the spreadsheet shows it
    label: str = ""  # what identifies the row for a person: the name or phone typed
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "label": self.label, "messages": list(self.messages)}

    @classmethod
    def from_dict(cls, data: dict) -> RowError:
        return cls(int(data["row"]), data.get("label", ""), list(data.get("messages", [])))


class Report:
    """Base of an import's report: the rows read well (in the field `READ` names) and the
    rows that are wrong (`errors`). The file can be imported when something was read and
    no row is wrong."""

    READ: ClassVar[str]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(getattr(self, self.READ))


def errors_csv(errors: list[RowError]) -> bytes:
    """The row-by-row report as a CSV to download (UTF-8 with a BOM for Excel)."""
    import io

    from cdso.services.exports import guard  # people's text written as text, never a formula
    out = io.StringIO()
    writer = guard.csv_writer(out)
    writer.writerow(["Dòng", "Người / nội dung", "Lỗi"])
    for error in errors:
        writer.writerow([error.row, error.label, " ".join(error.messages)])
    return out.getvalue().encode("utf-8-sig")
