"""The city's units: loading from the official packages, name folding, lookup,
and converting a pre-2025 address (old ward + old district) to the new unit.

Vietnamese names vary in where the tone mark sits ("Hoà"/"Hòa", "Thuỷ"/"Thủy"), in
case, and in whether diacritics are typed at all. Two keys handle that:
- the *tone key* keeps every letter and the tone of each syllable, wherever it was
  written, so "Việt Hoà" == "Việt Hòa" but "Cẩm Giang" != "Cẩm Giàng";
- the *plain key* drops every diacritic, for input typed without them ("viet hoa");
  when a plain key fits several units, the person is asked to choose.
lookup() finds one unit for imports and forms; the search box a resident types in,
which also forgives misspellings and old names, is search.py.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import by_name
from cdso.models import Unit

HAI_PHONG_PROVINCE_CODE = 31
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
KINDS = {"phường": "phuong", "xã": "xa", "đặc khu": "dac_khu"}
# Type prefixes as people write them, longest first, matched on the plain key.
PREFIXES = [
    ("dac khu ", "dac_khu"), ("dk. ", "dac_khu"), ("dk.", "dac_khu"), ("dk ", "dac_khu"),
    ("phuong ", "phuong"), ("p. ", "phuong"), ("p.", "phuong"), ("p ", "phuong"),
    ("xa ", "xa"), ("x. ", "xa"), ("x.", "xa"), ("x ", "xa"),
]


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFD", text.strip().lower())
    return re.sub(r"\s+", " ", text)


def tone_key(text: str) -> str:
    """Fold case and tone-mark placement, keep letters and tones: "Việt Hoà" == "việt hòa"."""
    words = []
    for word in _clean(text).split(" "):
        tones = [ch for ch in word if ch in TONE_MARKS]
        base = "".join(ch for ch in word if ch not in TONE_MARKS)
        words.append(base + "".join(tones))
    return unicodedata.normalize("NFC", " ".join(words))


def plain_key(text: str) -> str:
    """Drop every diacritic: "Việt Hoà" -> "viet hoa"."""
    decomposed = _clean(text).replace("đ", "d")
    decomposed = decomposed.replace("\u0111", "d")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    return plain_key(text) != _clean(text)


def split_kind(text: str) -> tuple[str | None, str]:
    """"P. Việt Hòa" -> ("phuong", "Việt Hòa"). Works with or without diacritics."""
    cleaned = re.sub(r"\s+", " ", text.strip())
    plain = plain_key(cleaned)
    for prefix, kind in PREFIXES:
        if plain.startswith(prefix):
            return kind, cleaned[len(prefix):].strip()
    return None, cleaned


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    short_name: str
    kind: str
    tone: str
    plain: str


@dataclass
class LookupResult:
    unit: UnitRef | None = None
    candidates: tuple[UnitRef, ...] = ()  # ambiguous: several fit
    suggestions: tuple[UnitRef, ...] = ()  # not found: the closest names

    @property
    def message(self) -> str:
        if self.unit:
            return ""
        if self.candidates:
            names = ", ".join(c.name for c in self.candidates)
            return f"Có nhiều đơn vị trùng tên: {names}. Xin chọn đúng đơn vị (gõ có dấu)."
        if self.suggestions:
            names = ", ".join(s.name for s in self.suggestions)
            return f"Không tìm thấy đơn vị này. Có phải bạn muốn tìm: {names}?"
        return "Không tìm thấy đơn vị này trong 114 xã, phường, đặc khu của thành phố."


_cache: dict[str, tuple[UnitRef, ...]] = {}


def all_units() -> tuple[UnitRef, ...]:
    """The units as small immutable records. Reference data: cached per database."""
    key = str(db.engine.url)
    if key not in _cache:
        rows = by_name(db.session.execute(select(Unit.id, Unit.name, Unit.short_name,
                                                 Unit.kind).order_by(Unit.id)),
                       lambda r: r.name)
        refs = tuple(UnitRef(r.id, r.name, r.short_name, r.kind, tone_key(r.short_name),
                             plain_key(r.short_name)) for r in rows)
        if refs:
            _cache[key] = refs
        return refs
    return _cache[key]


def clear_cache() -> None:
    _cache.clear()


def lookup(text: str, *, suggest_closest: bool = True) -> LookupResult:
    """Find one unit by what a person typed; never a silent guess. Without
    `suggest_closest`, a name that fits no unit returns no suggestions (faster)."""
    kind, short = split_kind(text)
    units = [u for u in all_units() if kind is None or u.kind == kind]
    if not short:
        return LookupResult()
    wanted_tone = tone_key(short)
    found = _found([u for u in units if u.tone == wanted_tone])
    if found is None and not has_diacritics(short):
        wanted_plain = plain_key(short)
        found = _found([u for u in units if u.plain == wanted_plain])
    if found is not None:
        return found
    return LookupResult(suggestions=tuple(suggest(short, units)) if suggest_closest else ())


def _found(matches: list) -> LookupResult | None:
    """One match is the unit; several are candidates to choose from; none is None."""
    if len(matches) == 1:
        return LookupResult(unit=matches[0])
    return LookupResult(candidates=tuple(matches)) if matches else None


def suggest(text: str, units: list[UnitRef] | None = None, limit: int = 5) -> list[UnitRef]:
    units = list(units if units is not None else all_units())
    by_plain: dict[str, list[UnitRef]] = {}
    for unit in units:
        by_plain.setdefault(unit.plain, []).append(unit)
    close = difflib.get_close_matches(plain_key(text), list(by_plain), n=limit, cutoff=0.6)
    return [u for name in close for u in by_plain[name]][:limit]


@dataclass
class OldAddressResult:
    unit: UnitRef | None
    message: str


def convert_old_address(old_ward: str, old_district: str) -> OldAddressResult:
    """A pre-1/7/2025 ward and district (of Hải Phòng or Hải Dương) to the new unit.

    The converter guesses loosely, so its answer is accepted only when the old ward and
    district it understood are the ones typed."""
    from vietnamadminunits import convert_address

    old_ward, old_district = old_ward.strip(), old_district.strip()
    if not old_ward or not old_district:
        return OldAddressResult(None, "Xin nhập cả tên xã/phường cũ và quận/huyện cũ.")
    _, ward_short = split_kind(old_ward)
    district_short = re.sub(r"^(quận|huyện|thị xã|thành phố|q\.|h\.|tx\.|tp\.)\s*", "",
                            old_district.strip(), flags=re.IGNORECASE)
    for province in ("Thành phố Hải Phòng", "Tỉnh Hải Dương"):
        try:
            converted = convert_address(f"{old_ward}, {old_district}, {province}")
        except Exception:  # the converter raises on what it cannot parse
            continue
        old = getattr(converted, "OldAdminUnit", None) if converted else None
        if not converted or not old or not old.short_ward or not old.short_district:
            continue
        same_ward = _same_name(old.short_ward, ward_short)
        same_district = _same_name(old.short_district, district_short)
        if not (same_ward and same_district):
            continue
        result = lookup(converted.ward or "")
        if result.unit:
            return OldAddressResult(result.unit, "")
    return OldAddressResult(None, "Không tìm thấy địa chỉ cũ này. Xin kiểm tra tên xã/phường và "
                                  "quận/huyện cũ, hoặc chọn đơn vị mới trong danh sách.")


def _same_name(a: str, b: str) -> bool:
    if has_diacritics(b):
        return tone_key(a) == tone_key(b)
    return plain_key(a) == plain_key(b)


def official_units() -> list[dict]:
    """The 114 units from vietnam-provinces (names, codes, types) joined with
    vietnamadminunits (coordinates, area) by kind and folded name."""
    from vietnam_provinces import Ward
    from vietnamadminunits.database import query

    # The packages disagree on some types ("Phường Việt Hòa" typed "Xã"), so join by
    # folded name, and use the type only to separate two units of the same name.
    geo: dict[str, list[dict]] = {}
    for row in query("select ward, wardShort, wardType, wardLat, wardLon, wardAreaKm2 "
                     "from admin_units where provinceCode = '31'"):
        geo.setdefault(tone_key(row["wardShort"]), []).append(row)
    units = []
    for ward in Ward.iter_by_province(HAI_PHONG_PROVINCE_CODE):
        kind = KINDS[ward.division_type.value]
        prefix = ward.division_type.value
        short = ward.name[len(prefix):].strip() if ward.name.lower().startswith(prefix) else ward.name
        rows = geo.get(tone_key(short), [])
        if len(rows) > 1:
            rows = [r for r in rows if KINDS[r["wardType"].lower()] == kind]
        match = rows[0] if len(rows) == 1 else None
        units.append({
            "code": str(int(ward.code)), "name": ward.name, "short_name": short, "kind": kind,
            "name_key": tone_key(short),
            "lat": match["wardLat"] if match else None, "lon": match["wardLon"] if match else None,
            "area_km2": match["wardAreaKm2"] if match else None,
        })
    return units


def load_units() -> int:
    """Insert or update the 114 units. Returns how many were new."""
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    added = 0
    for data in official_units():
        if data["lat"] is None:
            raise RuntimeError(f"Không ghép được toạ độ cho {data['name']}")
        unit = existing.get(data["code"])
        if unit is None:
            db.session.add(Unit(**data))
            added += 1
        else:
            for key, value in data.items():
                setattr(unit, key, value)
    db.session.flush()
    clear_cache()
    return added
