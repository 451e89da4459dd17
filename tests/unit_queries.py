"""Real ways residents type their unit, each with the unit the search must offer
(the full name, as stored). Used by tests/test_unit_search.py and bench/unit_search.py.

`first=True`: the unit must come first, not only among the choices."""
from __future__ import annotations

# (typed, unit that must be offered, must be first)
QUERIES: list[tuple[str, str, bool]] = [
    # the examples of issue 16
    ("tu ki", "Xã Tứ Kỳ", True),
    ("tú kì", "Xã Tứ Kỳ", True),
    ("tuky", "Xã Tứ Kỳ", True),
    ("huyen tu ky", "Xã Tứ Kỳ", True),
    ("lechan", "Phường Lê Chân", True),
    ("ngoquyen", "Phường Ngô Quyền", True),
    ("bach long vy", "Đặc khu Bạch Long Vĩ", True),
    ("cat ba", "Đặc khu Cát Hải", True),
    ("lach tray", "Phường Gia Viên", True),
    # exact, with and without marks
    ("Lê Chân", "Phường Lê Chân", True),
    ("LÊ CHÂN", "Phường Lê Chân", True),
    ("gia vien", "Phường Gia Viên", True),
    ("Đồ Sơn", "Phường Đồ Sơn", True),
    ("do son", "Phường Đồ Sơn", True),
    # thủy/thuỷ, hòa/hoà, tone marks misplaced or wrong
    ("Thủy Nguyên", "Phường Thuỷ Nguyên", True),
    ("Thuỷ Nguyên", "Phường Thuỷ Nguyên", True),
    ("thuy nguyen", "Phường Thuỷ Nguyên", True),
    ("Hòa Bình", "Phường Hoà Bình", True),
    ("Hoà Bình", "Phường Hoà Bình", True),
    ("Việt Hoà", "Phường Việt Hòa", True),
    ("Kiến Thuỵ", "Xã Kiến Thụy", True),
    ("lê chấn", "Phường Lê Chân", True),
    # i for y, y for i
    ("bach long vi", "Đặc khu Bạch Long Vĩ", True),
    ("Bạch Long Vỹ", "Đặc khu Bạch Long Vĩ", True),
    ("tan ki", "Xã Tân Kỳ", True),
    ("kien thui", "Xã Kiến Thụy", True),
    ("iet kieu", "Xã Yết Kiêu", True),
    # no spaces
    ("thuynguyen", "Phường Thuỷ Nguyên", True),
    ("bachlongvi", "Đặc khu Bạch Long Vĩ", True),
    ("vinhbao", "Xã Vĩnh Bảo", True),
    # type prefixes, old and new
    ("huyện Vĩnh Bảo", "Xã Vĩnh Bảo", True),
    ("quận Lê Chân", "Phường Lê Chân", True),
    ("thị xã Kinh Môn", "Phường Kinh Môn", True),
    ("thị trấn Cát Bà", "Đặc khu Cát Hải", True),
    ("xã An Lão", "Xã An Lão", True),
    ("phường Hồng Bàng", "Phường Hồng Bàng", True),
    ("TP Thủy Nguyên", "Phường Thuỷ Nguyên", True),
    ("TP. Chí Linh", "Phường Chí Linh", True),
    ("P. Gia Viên", "Phường Gia Viên", True),
    ("p.ngo quyen", "Phường Ngô Quyền", True),
    ("đặc khu Cát Hải", "Đặc khu Cát Hải", True),
    ("dk bach long vi", "Đặc khu Bạch Long Vĩ", True),
    # a trailing "Hải Phòng"
    ("Lê Chân Hải Phòng", "Phường Lê Chân", True),
    ("Phường Lê Chân, TP Hải Phòng", "Phường Lê Chân", True),
    ("an lao hai phong", "Xã An Lão", True),
    ("Kiến An, thành phố Hải Phòng", "Phường Kiến An", True),
    # one wrong, missing, extra or swapped letter in a word of four letters or more
    ("ngo quyn", "Phường Ngô Quyền", True),
    ("le chaan", "Phường Lê Chân", True),
    ("lach tay", "Phường Gia Viên", True),
    ("thuy nguen", "Phường Thuỷ Nguyên", True),
    ("vinh bao", "Xã Vĩnh Bảo", True),
    ("vinh baoo", "Xã Vĩnh Bảo", True),
    ("hong bnag", "Phường Hồng Bàng", True),
    ("tien lang", "Xã Tiên Lãng", True),
    ("tien lamg", "Xã Tiên Lãng", True),
    # prefixes of a name, as typed letter by letter
    ("bach lo", "Đặc khu Bạch Long Vĩ", True),
    ("nguyen binh", "Xã Nguyễn Bỉnh Khiêm", True),
    ("long vi", "Đặc khu Bạch Long Vĩ", True),
    # names from before the 2025 reorganisation
    ("Phường Lạch Tray", "Phường Gia Viên", True),
    ("thuy duong", "Phường Thuỷ Nguyên", True),
    ("Phúc Điền", "Xã Mao Điền", True),
    ("Phúc Điền", "Xã Cẩm Giàng", False),
    ("huyện Tứ Kỳ", "Xã Tân Kỳ", False),
    ("quan ngo quyen", "Phường Gia Viên", False),
    ("thi tran nui doi", "Xã Kiến Thụy", True),
    ("Cẩm Giàng", "Xã Cẩm Giàng", True),
    # both Cẩm Giang and Cẩm Giàng for a query without marks
    ("cam giang", "Xã Cẩm Giang", False),
    ("cam giang", "Xã Cẩm Giàng", False),
    ("Cẩm Giang", "Xã Cẩm Giang", True),
]
