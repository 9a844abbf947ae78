"""Registry rules as pure functions: national identifiers, genders, ethnic groups (DOMAIN.md §5).

No Django import: these are exhaustively tested on their own.
"""

from dataclasses import dataclass, field

from hocso.core.text import fold

# Province codes of birth registration used in the 12-digit citizen ID (the 63 pre-2025 provinces;
# IDs issued before the 2025 merger keep them).
CITIZEN_ID_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "TP. Hồ Chí Minh", "080": "Long An",
    "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
    "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

MALE = "M"
FEMALE = "F"

# Century/gender digit: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s; even = male, odd = female.
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}


@dataclass(frozen=True)
class IdProblem:
    code: str  # stable machine code, e.g. "citizen_id.province"
    message: str  # Vietnamese text for logs; pages and reports use registry/messages.py
    params: dict = field(default_factory=dict)  # the values the message names


def citizen_id_problems(
    value: str, *, gender: str | None = None, birth_year: int | None = None
) -> list[IdProblem]:
    """Everything wrong with a 12-digit citizen ID, checked against the person's gender and birth year.

    There is no public checksum, so none is checked (DOMAIN.md §5).
    """
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return [IdProblem("citizen_id.format", "Số định danh cá nhân phải gồm đúng 12 chữ số")]
    problems = []
    if value[:3] not in CITIZEN_ID_PROVINCES:
        problems.append(
            IdProblem(
                "citizen_id.province",
                f"Mã tỉnh {value[:3]} không có trong danh mục",
                {"province": value[:3]},
            )
        )
    digit = int(value[3])
    if digit not in _CENTURY_BY_DIGIT:
        problems.append(
            IdProblem(
                "citizen_id.century",
                f"Chữ số thế kỷ/giới tính {digit} không hợp lệ",
                {"digit": digit},
            )
        )
        return problems
    if gender is not None:
        id_gender = MALE if digit % 2 == 0 else FEMALE
        if id_gender != gender:
            problems.append(
                IdProblem(
                    "citizen_id.gender",
                    "Chữ số thứ 4 ({}) cho giới tính {}, không khớp với giới tính đã khai".format(
                        digit, "Nam" if id_gender == MALE else "Nữ"
                    ),
                    {"digit": digit, "id_gender": id_gender},
                )
            )
    if birth_year is not None:
        id_year = _CENTURY_BY_DIGIT[digit] + int(value[4:6])
        if id_year != birth_year:
            problems.append(
                IdProblem(
                    "citizen_id.birth_year",
                    f"Số định danh cho năm sinh {id_year}, không khớp với năm sinh {birth_year}",
                    {"id_year": id_year, "year": birth_year},
                )
            )
    return problems


def moet_code_problems(value: str) -> list[IdProblem]:
    """The MOET learner code is a 10-digit string (never a number: leading zeros count)."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return [IdProblem("moet_code.format", "Mã định danh Bộ GD&ĐT phải gồm đúng 10 chữ số")]
    return []


# The 54 ethnic groups with their official codes (danh mục các dân tộc Việt Nam).
ETHNIC_GROUPS: dict[str, str] = {
    "01": "Kinh", "02": "Tày", "03": "Thái", "04": "Hoa", "05": "Khơ-me", "06": "Mường",
    "07": "Nùng", "08": "Mông", "09": "Dao", "10": "Gia-rai", "11": "Ngái", "12": "Ê-đê",
    "13": "Ba-na", "14": "Xơ-đăng", "15": "Sán Chay", "16": "Cơ-ho", "17": "Chăm",
    "18": "Sán Dìu", "19": "Hrê", "20": "Mnông", "21": "Ra-glai", "22": "Xtiêng",
    "23": "Bru-Vân Kiều", "24": "Thổ", "25": "Giáy", "26": "Cơ-tu", "27": "Giẻ-Triêng",
    "28": "Mạ", "29": "Khơ-mú", "30": "Co", "31": "Tà-ôi", "32": "Chơ-ro", "33": "Kháng",
    "34": "Xinh-mun", "35": "Hà Nhì", "36": "Chu-ru", "37": "Lào", "38": "La Chí",
    "39": "La Ha", "40": "Phù Lá", "41": "La Hủ", "42": "Lự", "43": "Lô Lô", "44": "Chứt",
    "45": "Mảng", "46": "Pà Thẻn", "47": "Cơ Lao", "48": "Cống", "49": "Bố Y", "50": "Si La",
    "51": "Pu Péo", "52": "Brâu", "53": "Ơ Đu", "54": "Rơ-măm",
}  # fmt: skip
KINH, HOA, KHMER = "01", "04", "05"

# Other spellings seen in school spreadsheets, folded.
_ETHNIC_ALIASES = {"khmer": KHMER, "kho me": KHMER, "khome": KHMER, "hmong": "08", "h'mong": "08"}


def _fold_ethnic(name: str) -> str:
    return fold(name).replace("-", " ")


_ETHNIC_BY_FOLDED = {_fold_ethnic(name): code for code, name in ETHNIC_GROUPS.items()} | {
    _fold_ethnic(alias): code for alias, code in _ETHNIC_ALIASES.items()
}


def ethnicity_code(value: str) -> str | None:
    """The official code for a group written as a code ("05", "5") or a name in any spelling."""
    text = value.strip()
    if text.isdigit():
        code = text.zfill(2)
        return code if code in ETHNIC_GROUPS else None
    return _ETHNIC_BY_FOLDED.get(_fold_ethnic(text))


_GENDERS = {"nam": MALE, "m": MALE, "male": MALE, "nu": FEMALE, "f": FEMALE, "female": FEMALE}


def gender_code(value: str) -> str | None:
    return _GENDERS.get(fold(value))
