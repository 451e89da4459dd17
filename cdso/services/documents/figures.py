"""The figures a document quotes: taken from the database as a snapshot (a plain dict,
stored on the document when it is issued), then turned into the placeholder values of
its texts and its appendix table from that snapshot only, so an issued document reads
the same figures for ever.

Rankings of units are by registered participants; ties are broken by name (Vietnamese
order, ignoring tone marks first), and the appendix says so.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cdso.extensions import db
from cdso.services.documents.kinds import KINDS
from cdso.formatting import date_short, moment_phrase, number, percent, sort_key, to_local
from cdso.models import Account, Contest, Unit
from cdso.models.unit import ORG_KIND_LABELS, UNIT_KIND_LABELS
from cdso.services.documents import topics as document_topics
from cdso.services.figures import stats

TOP = 10
NO_POPULATION = "chưa có số liệu dân số"
KIND_ORDER = ("phuong", "xa", "dac_khu")  # the appendix lists phường, then xã, then đặc khu
GROUP_ORDER = ("xa", "phuong", "dac_khu")  # "10 xã, phường, đặc khu", as seed 003 says
RESIDENTIAL_GROUPS = {"phuong": "tổ dân phố", "xa": "thôn", "dac_khu": "thôn, tổ dân phố"}

# Filled once, when a draft is made: names that do not change with the moment.
PREFILL_PLACEHOLDERS = {
    "cuoc_thi": "tên Cuộc thi trong ngoặc kép",
    "co_quan": "cơ quan tổ chức Cuộc thi (Sở Khoa học và Công nghệ)",
    "co_quan_chu_quan": "cơ quan chủ quản của Sở",
    "lien_he": "người liên hệ của Sở",
    "dien_thoai": "điện thoại liên hệ của Sở",
    "chuc_danh_ky": "thẩm quyền ký của Sở",
    "nguoi_ky": "người ký của Sở",
    "ngay_mo": "ngày mở Cuộc thi",
    "ngay_dong": "ngày cuối của Cuộc thi",
    "don_vi": "tên xã, phường (phường An Dương)",
    "don_vi_hoa": "tên xã, phường viết hoa (PHƯỜNG AN DƯƠNG)",
    "dia_danh": "địa danh (An Dương)",
    "loai_don_vi": "xã, phường hay đặc khu",
    "to_dan_cu": "tổ dân phố hay thôn",
    "can_bo": "cán bộ soạn văn bản",
    "dien_thoai_can_bo": "điện thoại của cán bộ soạn",
}
# Filled whenever the document is shown, from the figures as of its moment.
FIGURE_PLACEHOLDERS = {
    "thoi_diem": "thời điểm lấy số liệu (15h00 ngày 22/10/2025)",
    "so_ngay": "số ngày từ khi mở Cuộc thi",
    "so_dang_ky": "số thí sinh đăng ký",
    "so_hoan_thanh": "số thí sinh hoàn thành bài thi",
    "so_luot_thi": "số lượt thi",
    "so_chua_hoan_thanh": "số thí sinh chưa hoàn thành",
    "dan_so": "dân số trong độ tuổi trưởng thành",
    "ty_le": "tỷ lệ bao phủ (hoàn thành ÷ dân số trưởng thành)",
    "tong_don_vi": "tổng số xã, phường, đặc khu của thành phố",
}
CITY_PLACEHOLDERS = {
    "so_don_vi": "số xã, phường, đặc khu có thí sinh",
    "nhom_top10": "“10 xã, phường” (nhóm nhiều thí sinh nhất)",
    "top10": "10 đơn vị nhiều thí sinh nhất",
    "nhom_bottom10": "“10 xã, phường, đặc khu” (nhóm ít thí sinh nhất)",
    "bottom10": "10 đơn vị ít thí sinh nhất",
}
UNIT_PLACEHOLDERS = {
    "xep_hang": "thứ hạng của đơn vị về số thí sinh đăng ký",
    "so_to_chuc": "số tổ dân phố, cơ quan, trường học có thí sinh",
    "chu_de_can_tang_cuong": "3 chủ đề có tỷ lệ trả lời đúng thấp nhất so với toàn thành "
                             "phố, kèm số liệu",
}
NO_TOPIC_FIGURES = "chưa có đủ số liệu theo chủ đề"


def placeholders_for(kind: str) -> dict[str, str]:
    """Every placeholder a document of this kind may use, with what it stands for."""
    extra = CITY_PLACEHOLDERS if KINDS[kind].by_city else UNIT_PLACEHOLDERS
    return {**PREFILL_PLACEHOLDERS, **FIGURE_PLACEHOLDERS, **extra}


def unit_phrase(kind: str, short_name: str) -> str:
    """"phường Gia Viên", "đặc khu Bạch Long Vĩ": the form a dispatch writes."""
    return f"{UNIT_KIND_LABELS[kind]} {short_name}"


def _figures(f: stats.Figures) -> dict:
    return {"registered": f.registered, "finished": f.finished, "attempts": f.attempts}


def _unit_rows(contest_id: int, as_of: dt.datetime) -> list[dict]:
    city = stats.city_figures(contest_id, as_of)
    rows = []
    for unit in db.session.execute(select(Unit.id, Unit.name, Unit.short_name, Unit.kind,
                                          Unit.adult_population)):
        figures = city.by_unit.get(unit.id, stats.Figures())
        rows.append({"id": unit.id, "name": unit.name, "short_name": unit.short_name,
                     "kind": unit.kind, "population": unit.adult_population,
                     **_figures(figures)})
    return sorted(rows, key=_listing_key)


def context_of(contest: Contest, unit: Unit | None, official: Account | None) -> dict:
    return {
        "contest_name": contest.name, "organiser": contest.organiser,
        "parent_agency": contest.parent_agency, "contact_name": contest.contact_name,
        "contact_phone": contest.contact_phone, "signer_title": contest.signer_title,
        "signer_name": contest.signer_name, "opens_at": contest.opens_at.isoformat(),
        "closes_at": contest.closes_at.isoformat(),
        "unit": None if unit is None else {"id": unit.id, "name": unit.name,
                                           "short_name": unit.short_name, "kind": unit.kind},
        "official": None if official is None else {"name": official.full_name,
                                                   "phone": official.phone or ""},
    }


def take_snapshot(contest: Contest, unit: Unit | None, as_of: dt.datetime,
                  official: Account | None) -> dict:
    """The figures of the city (unit None) or of one unit as of a moment, as plain data."""
    units = _unit_rows(contest.id, as_of)
    snapshot = {"version": 1, "as_of": as_of.isoformat(),
                "context": context_of(contest, unit, official)}
    if unit is None:
        snapshot["units"] = units
        snapshot["total"] = _total(units)
        snapshot["topics"] = document_topics.city_topics(contest.id, as_of)
        return snapshot
    rank = next(i for i, row in enumerate(ranked(units), 1) if row["id"] == unit.id)
    own = next(row for row in units if row["id"] == unit.id)
    by_org = stats.unit_figures_by(contest.id, unit.id, as_of, "organisation_id")
    organisations = []
    for org in unit.organisations:
        figures = by_org.pop(org.id, stats.Figures())
        organisations.append({"name": org.name, "kind": org.kind, **_figures(figures)})
    unaffiliated = stats.Figures()
    for rest in by_org.values():  # no organisation (0), or one no longer listed
        unaffiliated.add(rest)
    snapshot.update(total={**{k: own[k] for k in ("registered", "finished", "attempts")},
                           "population": own["population"]},
                    rank=rank, unit_count=len(units),
                    organisations=sorted(organisations, key=lambda o: _name_key(o["name"])),
                    unaffiliated=_figures(unaffiliated),
                    topics=document_topics.unit_topics(contest.id, unit, as_of))
    return snapshot


def _total(units: list[dict]) -> dict:
    total = {"registered": 0, "finished": 0, "attempts": 0, "population": 0}
    for row in units:
        for key in ("registered", "finished", "attempts"):
            total[key] += row[key]
        if row["population"] and total["population"] is not None:
            total["population"] += row["population"]
        else:
            total["population"] = None
    return total


def _name_key(name: str) -> tuple[bytes]:
    return (sort_key(name),)


def _listing_key(row: dict) -> tuple:
    return (KIND_ORDER.index(row["kind"]), *_name_key(row["short_name"]))


def ranked(units: list[dict]) -> list[dict]:
    """Most registered first; equal counts by name."""
    return sorted(units, key=lambda r: (-r["registered"], *_name_key(r["short_name"]),
                                        r["kind"]))


def fewest_first(units: list[dict]) -> list[dict]:
    """Fewest registered first; equal counts by name."""
    return sorted(units, key=lambda r: (r["registered"], *_name_key(r["short_name"]),
                                        r["kind"]))


def _group_label(rows: list[dict]) -> str:
    kinds = [UNIT_KIND_LABELS[k] for k in GROUP_ORDER if any(r["kind"] == k for r in rows)]
    return f"{len(rows)} {', '.join(kinds)}"


def _coverage(finished: int, population: int | None) -> str:
    return percent(finished / population) if population else NO_POPULATION


def _moment(snapshot: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(snapshot["as_of"])


def prefill_values(context: dict) -> dict[str, str]:
    opens = dt.datetime.fromisoformat(context["opens_at"])
    last_moment = dt.datetime.fromisoformat(context["closes_at"]) - dt.timedelta(seconds=1)
    unit = context.get("unit")
    official = context.get("official") or {}
    values = {
        "cuoc_thi": f"“{context['contest_name']}”", "co_quan": context["organiser"],
        "co_quan_chu_quan": context["parent_agency"], "lien_he": context["contact_name"],
        "dien_thoai": context["contact_phone"], "chuc_danh_ky": context["signer_title"],
        "nguoi_ky": context["signer_name"], "ngay_mo": date_short(opens),
        "ngay_dong": date_short(last_moment), "can_bo": official.get("name") or "……",
        "dien_thoai_can_bo": official.get("phone") or "……",
        "don_vi": "", "don_vi_hoa": "", "dia_danh": "", "loai_don_vi": "", "to_dan_cu": "",
    }
    if unit:
        phrase = unit_phrase(unit["kind"], unit["short_name"])
        values.update(don_vi=phrase, don_vi_hoa=phrase.upper(), dia_danh=unit["short_name"],
                      loai_don_vi=UNIT_KIND_LABELS[unit["kind"]],
                      to_dan_cu=RESIDENTIAL_GROUPS[unit["kind"]])
    return values


def figure_values(snapshot: dict) -> dict[str, str]:
    as_of = _moment(snapshot)
    opens = dt.datetime.fromisoformat(snapshot["context"]["opens_at"])
    total = snapshot["total"]
    values = {
        "thoi_diem": moment_phrase(as_of),
        "so_ngay": number(max(0, (to_local(as_of).date() - to_local(opens).date()).days)),
        "so_dang_ky": number(total["registered"]),
        "so_hoan_thanh": number(total["finished"]),
        "so_luot_thi": number(total["attempts"]),
        "so_chua_hoan_thanh": number(total["registered"] - total["finished"]),
        "dan_so": number(total["population"]) if total["population"] else NO_POPULATION,
        "ty_le": _coverage(total["finished"], total["population"]),
    }
    if "units" in snapshot:
        units = snapshot["units"]
        most = ranked(units)[:TOP]
        least = fewest_first(units)[:TOP]
        values.update(
            tong_don_vi=number(len(units)),
            so_don_vi=number(sum(1 for u in units if u["registered"] > 0)),
            nhom_top10=_group_label(most), nhom_bottom10=_group_label(least),
            top10=", ".join(unit_phrase(u["kind"], u["short_name"]) for u in most),
            bottom10=", ".join(unit_phrase(u["kind"], u["short_name"]) for u in least))
    else:
        values.update(
            tong_don_vi=number(snapshot["unit_count"]), xep_hang=number(snapshot["rank"]),
            so_to_chuc=number(sum(1 for o in snapshot["organisations"] if o["registered"])),
            chu_de_can_tang_cuong=document_topics.weakest_phrase(snapshot.get("topics"))
            or NO_TOPIC_FIGURES)
    return values


def all_values(snapshot: dict) -> dict[str, str]:
    return {**prefill_values(snapshot["context"]), **figure_values(snapshot)}


def appendix_table(snapshot: dict) -> dict:
    """Columns, rows and note of the appendix: every unit of the city, or every
    organisation of a unit, with a total row."""
    total = snapshot["total"]
    if "units" in snapshot:
        rank = {row["id"]: place for place, row in enumerate(ranked(snapshot["units"]), 1)}
        rows = [[number(i), row["name"], number(row["registered"]), number(row["finished"]),
                 _coverage(row["finished"], row["population"]), number(rank[row["id"]])]
                for i, row in enumerate(snapshot["units"], 1)]
        rows.append(["", "Toàn thành phố", number(total["registered"]),
                     number(total["finished"]),
                     _coverage(total["finished"], total["population"]), ""])
        return {
            "columns": ["STT", "Xã, phường, đặc khu", "Đăng ký", "Hoàn thành",
                        "Tỷ lệ bao phủ", "Xếp hạng"],
            "rows": rows, "numeric_columns": [2, 3, 4, 5],
            "widths": [7, 30, 12, 16, 22, 13],  # percent; classes in decree30.css
            "note": "Ghi chú: Xếp hạng theo số thí sinh đăng ký, từ nhiều đến ít; các đơn vị "
                    "bằng số thí sinh được xếp theo thứ tự tên. Tỷ lệ bao phủ là số thí sinh "
                    "hoàn thành bài thi chia cho dân số trong độ tuổi trưởng thành của đơn "
                    "vị.",
        }
    unit = snapshot["context"]["unit"]
    rows = [[number(i), org["name"], ORG_KIND_LABELS.get(org["kind"], org["kind"]),
             number(org["registered"]), number(org["finished"]), number(org["attempts"])]
            for i, org in enumerate(snapshot["organisations"], 1)]
    rest = snapshot["unaffiliated"]
    if rest["registered"] or rest["finished"] or rest["attempts"]:
        rows.append([number(len(rows) + 1), "Thí sinh chưa chọn tổ dân phố, cơ quan, "
                     "trường học", "", number(rest["registered"]), number(rest["finished"]),
                     number(rest["attempts"])])
    rows.append(["", f"Toàn {UNIT_KIND_LABELS[unit['kind']]}", "",
                 number(total["registered"]), number(total["finished"]),
                 number(total["attempts"])])
    return {
        "columns": ["STT", "Tổ dân phố, cơ quan, trường học", "Loại", "Đăng ký",
                    "Hoàn thành", "Lượt thi"],
        "rows": rows, "numeric_columns": [3, 4, 5], "widths": [7, 38, 17, 12, 15, 11],
        "note": "Ghi chú: Đăng ký là số thí sinh đã có tài khoản dự thi; hoàn thành là số thí "
                "sinh đã nộp ít nhất một bài thi; lượt thi là số bài thi đã nộp.",
    }
