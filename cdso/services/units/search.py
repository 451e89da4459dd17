"""The unit search: one box that finds a unit however a resident types its name.

What is folded away: case, diacritics and where a tone mark sits (tú kì, thủy/thuỷ,
hòa/hoà), i for y (vy/vĩ, ki/kỳ), spaces (lechan), punctuation, a leading type prefix
(huyện, quận, thị xã, thị trấn, xã, phường, đặc khu, TP, P., …) and a trailing
"Hải Phòng". Names from before the 2025 reorganisation (old wards, communes, towns of
Hải Phòng and Hải Dương, and old districts) lead to the new unit they became, from the
conversion tables of `vietnamadminunits` (names.py).

Choices come best first: exact, then prefix, then one wrong, missing, extra or swapped
letter per word of four letters or more (RapidFuzz's optimal string alignment
distance), new names before old ones; at most 8.

Use: `found = search_units("tu ki")`; `found.choices` (unit + how an old name led
there), `found.message` (a Vietnamese note when the query is unusable or finds nothing).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from cdso.services.units import names
from cdso.services.units.catalogue import UnitRef, all_units
from cdso.services.units.names import Entry, Query

MAX_CHOICES = 8
MAX_QUERY = 100  # characters; the longest unit name with its prefix is under 30

TOO_LONG = (f"Tên bạn gõ dài quá {MAX_QUERY} ký tự. Xin chỉ gõ tên xã, phường hoặc đặc khu, "
            "ví dụ “Tứ Kỳ” hoặc “le chan”.")
NO_LETTERS = "Xin gõ tên xã, phường hoặc đặc khu bằng chữ, ví dụ “Tứ Kỳ” hoặc “le chan”."
ONLY_TYPE = ("Xin gõ thêm tên riêng của xã, phường hoặc đặc khu, không chỉ “phường”, “xã” "
             "hay “Hải Phòng”; ví dụ “phường Lê Chân” hoặc “tu ky”.")
NOT_FOUND = ("Không tìm thấy đơn vị nào có tên như vậy trong 114 xã, phường, đặc khu của "
             "thành phố. Xin gõ lại tên, hoặc tìm theo địa chỉ cũ ở dưới.")
CLOSE_ONLY = "Không tìm thấy đúng tên này. Các đơn vị có tên gần giống:"

# Ranks, best first. New names before the old names that lead to the same tier.
EXACT_TONE, EXACT, OLD_EXACT, DISTRICT, PREFIX, OLD_PREFIX, INNER, OLD_INNER, FUZZY, \
    OLD_FUZZY = range(10)


@dataclass(frozen=True)
class Choice:
    unit: UnitRef
    via: str = ""  # how an old name led here: "gồm Thị trấn Cát Bà cũ (huyện Cát Hải)"


@dataclass
class SearchResult:
    choices: list[Choice] = field(default_factory=list)
    message: str = ""


def search_units(text: str, limit: int = MAX_CHOICES) -> SearchResult:
    """The units a person most likely meant by `text`, best first."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        return SearchResult()
    if len(text) > MAX_QUERY:
        return SearchResult(message=TOO_LONG)
    query = names.parse_query(text)
    if query is None:
        return SearchResult(message=NO_LETTERS)
    if not query.key:
        return SearchResult(message=ONLY_TYPE)
    index = names.index_for(all_units())
    ranked = _rank(query, index)
    if not ranked:
        close = _close(query, index)
        if not close:
            return SearchResult(message=NOT_FOUND)
        return SearchResult(choices=close[:limit], message=CLOSE_ONLY)
    return SearchResult(choices=ranked[:limit])


def _rank(query: Query, index: names.Index) -> list[Choice]:
    best: dict[int, tuple[tuple, Choice]] = {}

    def offer(rank: int, entry: Entry, distance: int = 0) -> None:
        # Ties: the marks as typed, the kind the prefix named, then the index's order
        # (new names in Vietnamese alphabetical order; an old unit's main successor first).
        kind_miss = int(query.kind is not None and entry.unit.kind != query.kind)
        tone_miss = int(bool(query.tone) and not entry.tone.startswith(query.tone))
        key = (rank, distance, tone_miss, kind_miss, entry.order)
        held = best.get(entry.unit.id)
        if held is None or key < held[0]:
            best[entry.unit.id] = (key, Choice(entry.unit, entry.via))

    for entry in index.starting_with(query.key):
        shift = 1 if entry.old else 0
        if entry.key == query.key:
            tone = not entry.old and query.tone and entry.tone == query.tone
            offer(EXACT_TONE if tone else EXACT + shift, entry)
        else:
            offer(PREFIX + shift, entry)
    if len(query.key) >= 3:
        for entry in index.starting_with(query.key, inner=True):
            offer(INNER + (1 if entry.old else 0), entry)
    if query.allowed:
        for _, distance, position in process.extract(
                query.key, index.keys, scorer=OSA.distance, score_cutoff=query.allowed,
                limit=None):
            entry = index.entries[position]
            offer(FUZZY + (1 if entry.old else 0), entry, distance)
    district = index.districts.get(query.key)
    if district and (query.district_level or not best):
        for entry in district:
            offer(DISTRICT, entry)
    return [choice for _, choice in sorted(best.values(), key=lambda pair: pair[0])]


def _close(query: Query, index: names.Index) -> list[Choice]:
    """Nothing fits within one letter a word: the nearest names, as suggestions."""
    seen: dict[int, Choice] = {}
    for _, _, position in process.extract(query.key, index.keys,
                                          scorer=fuzz.ratio, score_cutoff=70, limit=12):
        entry = index.entries[position]
        seen.setdefault(entry.unit.id, Choice(entry.unit, entry.via))
    return list(seen.values())[:3]
