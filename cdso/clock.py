"""The one clock: what time it is, Vietnam time, day boundaries, and the one parser of a
moment as a person types it.

Times are stored as naive UTC; a person reads and types Vietnam time (UTC+7, no daylight
saving). Tests freeze this clock with time-machine (it reads `datetime.now`)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Every way an official types a moment, Vietnam time: a datetime-local field, or the
# forms dispatches use ("22/10/2025 15:00", "15:00 22/10/2025", "15h00 22/10/2025").
MOMENT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%H:%M %d/%m/%Y",
                  "%Hh%M %d/%m/%Y")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def utcnow() -> dt.datetime:
    """The server's clock, naive UTC: the one clock that rules the contest."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored naive-UTC moment as an aware Vietnam-time moment."""
    return moment.replace(tzinfo=dt.UTC).astimezone(VN_TZ)


def local_to_utc(moment: dt.datetime) -> dt.datetime:
    """A naive Vietnam-time moment (as typed by a person) as naive UTC."""
    return moment.replace(tzinfo=VN_TZ).astimezone(dt.UTC).replace(tzinfo=None)


def local_midnight(moment: dt.datetime) -> dt.datetime:
    """The start (naive UTC) of the Vietnam-time day a moment falls in: an hour boundary."""
    day = to_local(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(dt.UTC).replace(tzinfo=None)


def day_start(day: dt.date) -> dt.datetime:
    """00:00 Vietnam time of a calendar day, as naive UTC (rounds start and end there)."""
    return local_to_utc(dt.datetime.combine(day, dt.time()))


def _typed(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("ngày", " ")).strip()


def parse_local_moment(text: str | None, *, date_only: bool = False) -> dt.datetime | None:
    """A Vietnam-time moment as typed -> naive UTC; None when it is not one. With
    `date_only`, a bare date ("22/10/2025") is accepted too, as its 00:00."""
    typed = _typed(text)
    for pattern in MOMENT_FORMATS + (DATE_FORMATS if date_only else ()):
        try:
            return local_to_utc(dt.datetime.strptime(typed, pattern))
        except ValueError:
            continue
    return None


def parse_local_date(text: str | None) -> dt.date | None:
    """A calendar day as typed ("22/10/2025"); None when it is not one."""
    typed = _typed(text)
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(typed, pattern).date()
        except ValueError:
            continue
    return None
