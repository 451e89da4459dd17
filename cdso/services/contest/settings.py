"""Contest settings: read from the office form, checked as a whole, then saved.

Settings are rows of the database, so a save takes effect on the next request without a
restart. Attempts keep their own question_count and deadline, so changing the number of
questions or the time limit never alters an attempt already started.

Topic quotas: see `services.quiz.topic_quotas`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update

from cdso.clock import parse_local_moment
from cdso.extensions import db
from cdso.formatting import datetime_short, number, to_local
from cdso.models import AuditLog, Contest, Round, Topic, TopicQuota
from cdso.models.contest import CERTIFICATE_KINDS, PREDICTION_RULES
from cdso.models.ranking import RankingRun
from cdso.services.quiz import topic_quotas

# name -> (kind, required, limits): text limits are a length, numbers a (min, max) range.
FIELDS: dict[str, tuple[str, bool, object]] = {
    "name": ("text", True, 200), "organiser": ("text", True, 200),
    "parent_agency": ("text", True, 200), "opens_at": ("moment", True, None),
    "closes_at": ("moment", True, None), "questions_per_attempt": ("int", True, (1, 100)),
    "time_limit_minutes": ("int", True, (1, 240)), "attempts_allowed": ("int", True, (1, 100)),
    "pass_mark": ("int", True, (0, 100)), "min_age": ("int", True, (0, 120)),
    "max_age": ("int", True, (1, 120)), "cccd_required": ("bool", False, None),
    "prediction_question": ("text", True, 1000),
    "prediction_rule": ("choice", True, PREDICTION_RULES),
    "certificate_kind": ("choice", True, CERTIFICATE_KINDS), "rules_text": ("text", True, 20000),
    "contact_name": ("text", False, 200), "contact_phone": ("phone", False, 30),
    "signer_title": ("text", False, 200), "signer_name": ("text", False, 100),
    "is_current": ("bool", False, None),
    "weekly_winner_may_win_final": ("bool", False, None),
    "one_weekly_prize_per_person": ("bool", False, None),
}
# A first edition's form starts from these (the usual rules of the city's contests).
DEFAULTS = {"name": "Công dân số Hải Phòng - sử dụng thông minh, sống an toàn",
            "organiser": "Sở Khoa học và Công nghệ", "parent_agency": "UBND thành phố Hải Phòng",
            "questions_per_attempt": "20", "time_limit_minutes": "20", "attempts_allowed": "3",
            "pass_mark": "16", "min_age": "6", "max_age": "100",
            "prediction_rule": "registered_at_close", "certificate_kind": "participation",
            "weekly_winner_may_win_final": "1", "one_weekly_prize_per_person": "1"}
MAX_ROUND_ROWS = 60

@dataclass
class SettingsInput:
    """What the form holds, as typed: shown again when something is wrong."""
    values: dict[str, str]
    rounds: list[dict[str, str]]
    quotas: dict[int, str]  # topic id -> typed count
    updated_at: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def moment_input(moment: dt.datetime | None) -> str:
    """A stored UTC moment as the Vietnam-time value of a datetime-local input."""
    return to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_moment(raw: str) -> dt.datetime | None:
    """A Vietnam-time moment typed in a datetime-local input (or as 22/10/2025 15:00),
    as naive UTC; None if it is not one."""
    return parse_local_moment(raw, date_only=True)


def form_from_contest(contest: Contest | None, template: Contest | None = None) -> SettingsInput:
    """The form filled with a contest's settings (a new edition copies `template`'s)."""
    source = contest or template
    values = {}
    for name, (kind, _, _) in FIELDS.items():
        value = getattr(source, name) if source else None
        if kind == "moment":
            values[name] = moment_input(value) if contest else ""
        elif kind == "bool":
            values[name] = "1" if value else ""
        else:
            values[name] = "" if value is None else str(value)
    if contest is None:
        values["is_current"] = "1" if source is None else ""
    if source is None:
        values.update(DEFAULTS)
    rounds = [{"id": str(r.id), "name": r.name, "starts": moment_input(r.starts_at),
               "ends": moment_input(r.ends_at)} for r in (contest.rounds if contest else [])]
    quotas = {q.topic_id: str(q.count) for q in (source.quotas if source else []) if q.count}
    return SettingsInput(values, rounds, quotas,
                         updated_at=contest.updated_at.isoformat() if contest else "")


def read_form(form: Mapping[str, str], topics: list[Topic]) -> SettingsInput:
    values = {name: (form.get(name) or "").strip() for name in FIELDS}
    rows = min(int(form.get("round_rows") or 0) if (form.get("round_rows") or "").isdigit()
               else 0, MAX_ROUND_ROWS)
    rounds = [{key: (form.get(f"round-{i}-{key}") or "").strip()
               for key in ("id", "name", "starts", "ends")} for i in range(rows)]
    quotas = {t.id: (form.get(f"quota-{t.id}") or "").strip() for t in topics}
    return SettingsInput(values, rounds, quotas, updated_at=form.get("updated_at") or "")


def weekly_rounds(entry: SettingsInput) -> SettingsInput:
    """Replace the round rows with one round per week from opening to closing (not saved;
    existing rounds are reused in order so their rankings stay attached)."""
    opens, closes = parse_moment(entry.values["opens_at"]), parse_moment(entry.values["closes_at"])
    if not opens or not closes or opens >= closes:
        entry.errors["rounds"] = "Xin nhập đúng thời điểm bắt đầu và kết thúc trước khi chia đợt."
        return entry
    old_ids = [r["id"] for r in entry.rounds if r["id"]]
    rows, start, week = [], opens, 1
    while start < closes and week <= MAX_ROUND_ROWS:
        end = min(start + dt.timedelta(days=7), closes)
        rows.append({"id": old_ids[week - 1] if week <= len(old_ids) else "",
                     "name": f"Tuần {week}", "starts": moment_input(start), "ends": moment_input(end)})
        start, week = end, week + 1
    rows += [{"id": i, "name": "", "starts": "", "ends": ""} for i in old_ids[len(rows):]]
    entry.rounds = rows
    return entry


def _clean_value(name: str, raw: str, errors: dict[str, str]):
    kind, required, limit = FIELDS[name]
    if kind == "bool":
        return raw not in ("", "0")
    if not raw:
        if required:
            errors[name] = "Xin nhập mục này."
        return "" if kind in ("text", "phone") else None
    if kind == "text" and len(raw) > limit:
        errors[name] = f"Dài quá {number(limit)} ký tự."
    elif kind == "phone" and (len(raw) > limit or not re.fullmatch(r"\+?[\d .\-]{8,}", raw)):
        errors[name] = "Số điện thoại chỉ gồm chữ số (có thể có dấu cách), ví dụ 0982 103 591."
    elif kind == "moment":
        moment = parse_moment(raw)
        if moment is None:
            errors[name] = "Nhập ngày giờ theo dạng ngày/tháng/năm giờ:phút, ví dụ 11/10/2025 08:00."
        return moment
    elif kind == "int":
        low, high = limit
        if not re.fullmatch(r"\d{1,4}", raw) or not low <= int(raw) <= high:
            errors[name] = f"Nhập một số nguyên từ {number(low)} đến {number(high)}."
            return None
        return int(raw)
    elif kind == "choice" and raw not in limit:
        errors[name] = "Xin chọn một mục trong danh sách."
    return raw


class ForgedRound(LookupError):
    """A round id in the form that is not one of this contest's rounds."""


@dataclass
class CleanSettings:
    values: dict[str, object]
    rounds: list[tuple[int | None, str, dt.datetime, dt.datetime]]
    deleted_round_ids: set[int]
    quotas: dict[int, int]


def _clean_rounds(entry: SettingsInput, contest: Contest | None, opens, closes,
                  errors: dict[str, str]) -> tuple[list, set[int]]:
    existing = {r.id: r for r in contest.rounds} if contest else {}
    kept, seen = [], set()
    for i, row in enumerate(entry.rounds):
        round_id = int(row["id"]) if row["id"].isdigit() else None
        if row["id"] and (round_id not in existing or round_id in seen):
            raise ForgedRound(row["id"])
        seen.add(round_id)
        if not (row["name"] or row["starts"] or row["ends"]):
            continue  # an emptied row deletes its round
        starts, ends = parse_moment(row["starts"]), parse_moment(row["ends"])
        if not row["name"] or len(row["name"]) > 100:
            errors[f"round-{i}-name"] = "Xin đặt tên đợt (tối đa 100 ký tự), ví dụ Tuần 1."
        if starts is None or ends is None:
            errors[f"round-{i}-starts"] = "Nhập ngày giờ bắt đầu và kết thúc của đợt."
        elif starts >= ends:
            errors[f"round-{i}-starts"] = "Đợt phải kết thúc sau khi bắt đầu."
        elif opens and closes and (starts < opens or ends > closes):
            errors[f"round-{i}-starts"] = "Đợt phải nằm trong thời gian của cuộc thi."
        else:
            kept.append((round_id, row["name"], starts, ends, i))
    kept.sort(key=lambda r: r[2])
    for before, after in zip(kept, kept[1:], strict=False):
        if after[2] < before[3]:
            errors[f"round-{after[4]}-starts"] = f"Đợt này trùng thời gian với «{before[1]}»."
    deleted = set(existing) - {r[0] for r in kept}
    ranked = set(db.session.scalars(select(RankingRun.round_id).where(
        RankingRun.round_id.in_(deleted)))) if deleted else set()
    for round_id in ranked:
        errors["rounds"] = (f"Đợt «{existing[round_id].name}» đã có bảng xếp hạng nên không "
                            "xoá được.")
    return [r[:4] for r in kept], deleted


def validate(entry: SettingsInput, contest: Contest | None) -> CleanSettings | None:
    """Every check at once; messages land in `entry.errors` keyed by form field. Raises
    ForgedRound for a round id that is not the contest's (the view answers 404)."""
    errors = entry.errors
    values = {name: _clean_value(name, entry.values[name], errors) for name in FIELDS}
    if contest and entry.updated_at != contest.updated_at.isoformat():
        errors["form"] = (f"Một người khác vừa lưu thiết lập này lúc "
                          f"{datetime_short(contest.updated_at)}. Xin mở lại trang để xem thay "
                          "đổi của họ rồi sửa lại.")
    opens, closes = values["opens_at"], values["closes_at"]
    if opens and closes and opens >= closes:
        errors["closes_at"] = "Thời điểm kết thúc phải sau thời điểm bắt đầu."
    questions = values["questions_per_attempt"]
    if questions and values["pass_mark"] is not None and values["pass_mark"] > questions:
        errors["pass_mark"] = f"Mức đạt không thể lớn hơn số câu mỗi lượt ({number(questions)})."
    if values["min_age"] is not None and values["max_age"] is not None \
            and values["min_age"] >= values["max_age"]:
        errors["max_age"] = "Tuổi tối đa phải lớn hơn tuổi tối thiểu."
    rounds, deleted = _clean_rounds(entry, contest, opens, closes, errors)
    quotas = topic_quotas.clean_quotas(entry.quotas, questions, errors)
    if errors:
        return None
    return CleanSettings(values, rounds, deleted, quotas)


def _new_slug(opens: dt.datetime) -> str:
    base = f"cdso-{to_local(opens).year}"
    taken = set(db.session.scalars(select(Contest.slug).where(Contest.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def save(contest: Contest | None, clean: CleanSettings, actor_id: int | None,
         now: dt.datetime) -> Contest:
    """Write checked settings (a new edition when `contest` is None); flushes."""
    if contest is None:
        contest = Contest(slug=_new_slug(clean.values["opens_at"]))
        db.session.add(contest)
    changed = sorted(n for n, v in clean.values.items() if getattr(contest, n, None) != v)
    for name, value in clean.values.items():
        setattr(contest, name, value)
    contest.updated_at = now
    db.session.flush()
    if contest.is_current:
        db.session.execute(update(Contest).where(Contest.id != contest.id).values(is_current=False))
    existing = {r.id: r for r in contest.rounds}
    for round_id in clean.deleted_round_ids:
        db.session.delete(existing[round_id])
    for round_id, name, starts, ends in clean.rounds:
        row = existing[round_id] if round_id else Round(contest_id=contest.id)
        row.name, row.starts_at, row.ends_at = name, starts, ends
        db.session.add(row)
    quotas = {q.topic_id: q for q in contest.quotas}
    for topic_id, quota in quotas.items():
        if topic_id not in clean.quotas:
            db.session.delete(quota)
    for topic_id, count in clean.quotas.items():
        quota = quotas.get(topic_id) or TopicQuota(contest_id=contest.id, topic_id=topic_id)
        quota.count = count
        db.session.add(quota)
    db.session.add(AuditLog(at=now, actor_id=actor_id, action="contest.settings",
                            target_type="contest", target_id=contest.id,
                            detail={"changed": changed, "quotas": clean.quotas}))
    db.session.flush()
    db.session.expire(contest, ["rounds", "quotas"])
    return contest
