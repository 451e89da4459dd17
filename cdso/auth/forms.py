"""The registration form, shared by self-registration (/dang-ky) and assisted
registration by the community digital team: reading what was typed, the unit picker
that works without JavaScript, and the checks (the rules live in services.accounts.registration).

Use:
    person, errors, values = parse_registration(request.form, contest)
    context = unit_picker(values, action=request.form.get("action", ""))
and render `templates/auth/_registration_fields.html` with `values`, `errors` and
`**context`."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import by_name, to_local, utcnow
from cdso.lazy import lazy_import
from cdso.models import GROUP_LABELS, Contest, Organisation
from cdso.services.accounts import registration as rules
from cdso.services.units import catalogue as units
from cdso.services.accounts.registration import Invalid, NewParticipant

# RapidFuzz and the old-names tables (~4 MiB) load at the first unit search, not in every
# worker at start (bench/README.md, the answer step against the reference).
search = lazy_import("cdso.services.units.search")

TEXT_FIELDS = ("full_name", "birth_date", "gender", "phone", "cccd", "unit_query", "unit_id",
               "old_ward", "old_district", "organisation_id", "group")
MAX_TYPED = 500  # longer input is cut before it is echoed back or checked (each check
# has its own, lower limit and says so: the name 100, the unit search 100)
GENDERS = [("nam", "Nam"), ("nu", "Nữ"), ("khac", "Khác")]
GROUPS = [(g.value, label) for g, label in GROUP_LABELS.items()]
UNIT_ACTIONS = {"search-unit", "old-address", "choose-unit"}


def read_values(form: Mapping) -> dict[str, str]:
    """What was typed, trimmed and bounded, ready to be shown again (never the passwords)."""
    return {name: str(form.get(name) or "").strip()[:MAX_TYPED] for name in TEXT_FIELDS}


def chosen_unit(values: Mapping) -> units.UnitRef | None:
    """The unit picked with a radio button, or the only one matching what was typed."""
    unit_id = values.get("unit_id", "")
    if unit_id.isdigit():
        return next((u for u in units.all_units() if u.id == int(unit_id)), None)
    if values.get("unit_query"):
        return units.lookup(values["unit_query"], suggest_closest=False).unit
    return None


def organisations_of(unit_id: int) -> list[tuple[int, str]]:
    return by_name(((org_id, name) for org_id, name in db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.unit_id == unit_id)
        .order_by(Organisation.id))), lambda pair: pair[1])


def unit_picker(values: dict[str, str], action: str = "") -> dict:
    """The picker's state: search results, the chosen unit, its organisations and a note.

    Updates `values["unit_id"]` when the old address or an unambiguous name picks a unit."""
    note = ""
    results: list[search.Choice] = []
    if action == "old-address":
        converted = units.convert_old_address(values.get("old_ward", ""),
                                              values.get("old_district", ""))
        if converted.unit:
            values["unit_id"] = str(converted.unit.id)
            note = (f"Địa chỉ cũ của bạn nay thuộc {converted.unit.name}. "
                    "Đơn vị này đã được chọn cho bạn.")
        else:
            note = converted.message
    if action == "search-unit":
        values["unit_id"] = ""
    unit = chosen_unit(values)
    if values.get("unit_query") and action != "old-address":
        found = search.search_units(values["unit_query"])
        results, note = found.choices, note or found.message
    elif unit is None and action == "search-unit":
        note = "Xin gõ tên xã, phường hoặc đặc khu rồi bấm Tìm."
    if unit is not None:
        values["unit_id"] = str(unit.id)
        if all(choice.unit.id != unit.id for choice in results):
            # The chosen unit stays the only one: never a radio beside a hidden value.
            results = [search.Choice(unit)] if action == "search-unit" else []
    return {"unit_results": results, "unit_note": "" if unit and results else note,
            "chosen_unit": unit, "organisations": organisations_of(unit.id) if unit else [],
            "genders": GENDERS, "groups": GROUPS}


def _check(errors: dict[str, str], name: str, clean, *args):
    try:
        return clean(*args)
    except Invalid as problem:
        errors[name] = str(problem)
        return None


def _clean_password(raw: str, phone, cccd, birth_date) -> str:
    return rules.clean_password(raw, phone=phone, cccd=cccd, birth_date=birth_date)


def parse_registration(form: Mapping, contest: Contest | None, *,
                       require_password: bool = True,
                       ) -> tuple[NewParticipant | None, dict[str, str], dict[str, str]]:
    """Check every field of a registration. Returns the new participant (None when
    anything is wrong), the Vietnamese message of each wrong field, and the typed values
    to show again. Nothing is written."""
    values = read_values(form)
    errors: dict[str, str] = {}
    today = to_local(utcnow()).date()
    full_name = _check(errors, "full_name", rules.clean_full_name, values["full_name"])
    birth_date: dt.date | None = _check(errors, "birth_date", rules.clean_birth_date,
                                        values["birth_date"], contest, today)
    gender = _check(errors, "gender", rules.clean_gender, values["gender"])
    phone = _check(errors, "phone", rules.clean_phone, values["phone"])
    cccd = _check(errors, "cccd", rules.clean_cccd, values["cccd"],
                  bool(contest and contest.cccd_required))
    unit = chosen_unit(values)
    if unit is not None:
        values["unit_id"] = str(unit.id)
    else:
        errors["unit_id"] = ("Xin chọn xã, phường hoặc đặc khu nơi bạn sống hoặc làm việc "
                             "(gõ tên rồi bấm Tìm).")
    organisation_id = None
    if values["organisation_id"] and unit is not None:
        wanted = int(values["organisation_id"]) if values["organisation_id"].isdigit() else -1
        if wanted not in {org_id for org_id, _ in organisations_of(unit.id)}:
            errors["organisation_id"] = "Tổ dân phố, thôn hoặc cơ quan này không thuộc đơn vị đã chọn."
        else:
            organisation_id = wanted
    group = _check(errors, "group", rules.clean_group, values["group"])
    password = ""
    if require_password:
        password = _check(errors, "password", _clean_password, str(form.get("password") or ""),
                          phone, cccd, birth_date) or ""
        if password and str(form.get("password2") or "") != password:
            errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
    if phone and "phone" not in errors:
        taken = rules.duplicate_message(phone, None)
        if taken:
            errors["phone"] = taken
            values["phone_taken"] = phone
        elif cccd and "cccd" not in errors:
            taken = rules.duplicate_message(phone, cccd)
            if taken:
                errors["cccd"] = taken
                values["cccd_taken"] = "1"
    if errors:
        return None, errors, values
    return NewParticipant(full_name=full_name, birth_date=birth_date, gender=gender, phone=phone,
                          cccd=cccd, unit_id=unit.id, organisation_id=organisation_id,
                          group=group, password=password), errors, values
