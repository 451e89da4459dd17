"""Names for the unit search (search.py): how a typed query and every known name of a
unit are folded into comparable keys, and the index of new and pre-2025 names.

A *key* is the name's letters without diacritics, spaces or punctuation, with y read as
i: "Bạch Long Vĩ", "bach long vy" and "bachlongvi" all give "bachlongvi". The *tone*
key (catalogue.tone_key) keeps the marks, so a query typed with the right marks puts
its unit first ("Cẩm Giàng" before "Cẩm Giang").

The pre-2025 names come from `vietnamadminunits`: its legacy table (old wards,
communes, towns and districts of Hải Phòng and Hải Dương, with their marks) and its
2025 conversion table (which new unit each old one became; an old unit split between
several new ones leads to each of them, the main one first)."""
from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import unicodedata
from bisect import bisect_left
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cdso.services.units.catalogue import UnitRef, plain_key, tone_key

OLD_PROVINCES = {"31": "", "30": "tỉnh Hải Dương"}  # Hải Phòng, Hải Dương
NEW_PROVINCE_KEY = "thanhphohaiphong"
# Leading type prefixes, as plain tokens: (tokens, kind of the new unit, old district level)
PREFIXES = (
    (("thanh", "pho"), None, True), (("thi", "xa"), None, True), (("thi", "tran"), None, False),
    (("dac", "khu"), "dac_khu", False), (("huyen",), None, True), (("quan",), None, True),
    (("tp",), None, True), (("tx",), None, True), (("tt",), None, False), (("q",), None, True),
    (("h",), None, True), (("phuong",), "phuong", False), (("xa",), "xa", False),
    (("p",), "phuong", False), (("x",), "xa", False), (("dk",), "dac_khu", False),
)
TRAILING = (("viet", "nam"), ("vn",), ("hai", "phong"), ("hp",), ("thanh", "pho"), ("tp",))
WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text`, lower case, marks kept: "P.Lê  Chân!" -> ["p", "lê", "chân"]."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def fold(word: str) -> str:
    """One word's key: no marks, only a-z and digits, y read as i."""
    return re.sub(r"[^a-z0-9]", "", plain_key(word)).replace("y", "i")


@dataclass(frozen=True)
class Query:
    key: str  # "tuki"
    tone: str  # tone key when typed with marks, else ""
    kind: str | None  # from a prefix: "phuong", "xa", "dac_khu"
    district_level: bool  # typed with huyện, quận, thị xã, TP…
    allowed: int  # letters that may be wrong: one per word of four letters or more, two at most


def _strip(tokens: list[str], plain: list[str]) -> tuple[list[str], str | None, bool]:
    """Drop a trailing "(TP) Hải Phòng" and one leading type prefix."""
    stripped = True
    while stripped:
        stripped = False
        for tail in TRAILING:
            if len(plain) > len(tail) and tuple(plain[-len(tail):]) == tail:
                tokens, plain, stripped = tokens[:-len(tail)], plain[:-len(tail)], True
    for head, kind, district_level in PREFIXES:
        if len(plain) > len(head) and tuple(plain[:len(head)]) == head:
            return tokens[len(head):], kind, district_level
    return tokens, None, False


def _only_a_type(plain: list[str]) -> bool:
    """"phường", "xã", "Hải Phòng", "TP Hải Phòng": a type or the city, and no name."""
    rest = list(plain)
    while rest:
        tail = next((t for t in TRAILING if tuple(rest[-len(t):]) == t), None)
        if tail is None:
            break
        rest = rest[:-len(tail)]
    return not rest or any(tuple(rest) == head and len("".join(head)) >= 2
                           for head, _, _ in PREFIXES)


def parse_query(text: str) -> Query | None:
    """What was typed, folded; None when it holds no letter or digit. A query of only a
    type or the city's name ("phường", "Hải Phòng") has an empty key."""
    segments = [words(part) for part in text.split(",")]
    tokens = next((s for s in segments if s), [])
    if not tokens:
        return None
    tokens = [t for t in tokens if fold(t)]
    if not tokens:
        return None
    if _only_a_type([plain_key(t) for t in tokens]):
        return Query(key="", tone="", kind=None, district_level=False, allowed=0)
    tokens, kind, district_level = _strip(tokens, [plain_key(t) for t in tokens])
    folded = [fold(t) for t in tokens]
    marked = any(plain_key(t) != t for t in tokens)
    allowed = min(2, sum(1 for w in folded if len(w) >= 4))
    return Query(key="".join(folded), tone=tone_key(" ".join(tokens)) if marked else "",
                 kind=kind, district_level=district_level, allowed=allowed)


@dataclass(frozen=True)
class Entry:
    """One name a unit is known by."""
    unit: UnitRef
    key: str
    tone: str
    inner: tuple[str, ...]  # the key from the second word on, from the third, …
    old: bool = False
    via: str = ""
    order: int = 0  # place in the index: new units in Vietnamese order, then old names


def make_entry(unit: UnitRef, name: str, *, old: bool = False, via: str = "",
               order: int = 0) -> Entry:
    tokens = words(name)
    folded = [fold(t) for t in tokens]
    return Entry(unit, "".join(folded), tone_key(" ".join(tokens)),
                 tuple("".join(folded[i:]) for i in range(1, len(folded))), old, via, order)


@dataclass
class Index:
    entries: list[Entry] = field(default_factory=list)
    districts: dict[str, list[Entry]] = field(default_factory=dict)  # old district key -> units
    keys: list[str] = field(default_factory=list)  # entries[i].key, for RapidFuzz
    starts: list[tuple[str, int]] = field(default_factory=list)  # sorted (key, entry position)
    inner: list[tuple[str, int]] = field(default_factory=list)  # sorted (inner key, position)

    def seal(self) -> Index:
        self.keys = [e.key for e in self.entries]
        self.starts = sorted((e.key, n) for n, e in enumerate(self.entries))
        self.inner = sorted((k, n) for n, e in enumerate(self.entries) for k in e.inner)
        return self

    def starting_with(self, prefix: str, inner: bool = False) -> list[Entry]:
        """Entries whose key (or, with `inner`, a later word of it) starts with `prefix`."""
        table = self.inner if inner else self.starts
        found = []
        for key, position in table[bisect_left(table, (prefix, -1)):]:
            if not key.startswith(prefix):
                break
            found.append(self.entries[position])
        return found


@dataclass(frozen=True)
class OldUnit:
    name: str  # "Thị trấn Cát Bà"
    short: str  # "Cát Bà"
    district: str  # "Huyện Cát Hải"
    district_short: str
    province: str  # "" for Hải Phòng, "tỉnh Hải Dương"
    new_keys: tuple[str, ...]  # converter keys of the new units, the main one first


def _where(old: OldUnit) -> str:
    district = old.district[:1].lower() + old.district[1:]
    return f"{district}, {old.province}" if old.province else district


def _package_data() -> Path:
    """vietnamadminunits' data folder, found without importing the package (its import
    loads a parser and shapely: seconds, where reading the two files below takes ms)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("vietnamadminunits is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


@lru_cache(maxsize=1)
def old_units() -> tuple[OldUnit, ...]:
    """Every old ward, commune and town of Hải Phòng and Hải Dương with the new units it
    became (a district with no ward, Bạch Long Vĩ, as one row without a ward name)."""
    data_dir = _package_data()
    data = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    new_of: dict[str, list[str]] = {}
    for new_key, olds in data["DICT_PROVINCE_WARD_NO_DIVIDED"][NEW_PROVINCE_KEY].items():
        for old_key in olds:
            new_of.setdefault(old_key, []).append(new_key)
    for old_key, parts in data["DICT_PROVINCE_WARD_DIVIDED"].get(NEW_PROVINCE_KEY, {}).items():
        ordered = sorted(parts, key=lambda p: not p["isDefaultNewWard"])
        new_of.setdefault(old_key, []).extend(p["newWardKey"] for p in ordered)
    with closing(sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)) as conn:
        rows = conn.execute("select provinceKey, provinceCode, districtKey, wardKey, ward, "
                            "wardShort, district, districtShort from admin_units_legacy "
                            "where provinceCode in ('30', '31') order by rowid").fetchall()
    found = []
    for p_key, p_code, d_key, w_key, ward, ward_short, district, district_short in rows:
        old_key = f"{p_key}_{d_key}_{w_key or ''}"
        if old_key in new_of:
            found.append(OldUnit(ward or "", ward_short or "", district, district_short,
                                 OLD_PROVINCES[p_code], tuple(new_of[old_key])))
    return tuple(found)


def _new_unit_keys(units: tuple[UnitRef, ...]) -> dict[str, UnitRef]:
    """The converter names a new unit "xatuky" (or, for the two Cẩm Giang, with marks)."""
    by_key: dict[str, UnitRef] = {}
    plain_seen: dict[str, int] = {}
    for unit in units:
        marked = unicodedata.normalize("NFC", unit.name.lower()).replace(" ", "")
        by_key[marked] = unit
        plain = plain_key(unit.name).replace(" ", "")
        plain_seen[plain] = plain_seen.get(plain, 0) + 1
        by_key.setdefault(plain, unit)
    for plain, count in plain_seen.items():
        if count > 1:  # "xacamgiang" is two units: only their marked keys count
            by_key.pop(plain, None)
    return by_key


def build_index(units: tuple[UnitRef, ...]) -> Index:
    import icu

    collator = icu.Collator.createInstance(icu.Locale("vi_VN"))
    ordered = sorted(units, key=lambda u: (collator.getSortKey(u.short_name), u.kind))
    index = Index([make_entry(unit, unit.short_name, order=n) for n, unit in enumerate(ordered)])
    by_key = _new_unit_keys(units)
    district_units: dict[tuple[str, str], list[UnitRef]] = {}
    for old in old_units():
        targets = [by_key[k] for k in old.new_keys if k in by_key]
        part = "một phần " if len(targets) > 1 else ""
        for unit in targets if old.name else ():
            index.entries.append(make_entry(unit, old.short, old=True, order=len(index.entries),
                                            via=f"gồm {part}{old.name} cũ ({_where(old)})"))
        listed = district_units.setdefault((old.district, old.district_short), [])
        listed.extend(u for u in targets if u not in listed)
    for (district, short), listed in district_units.items():
        part = "một phần " if len(listed) > 1 else ""
        entries = [make_entry(unit, short, old=True, via=f"gồm {part}{district} cũ", order=n)
                   for n, unit in enumerate(listed)]
        if entries:
            index.districts.setdefault(entries[0].key, []).extend(entries)
    return index.seal()


_indexes: dict[int, tuple[tuple[UnitRef, ...], Index]] = {}


def index_for(units: tuple[UnitRef, ...]) -> Index:
    """The index of these units, built once (the units are cached per database)."""
    held = _indexes.get(id(units))
    if held is None or held[0] is not units:
        if len(_indexes) >= 4:  # units reloaded (tests, `cdso init`): drop the old indexes
            _indexes.clear()
        held = (units, build_index(units))
        _indexes[id(units)] = held
    return held[1]
