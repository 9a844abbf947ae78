"""Trà Vinh before 1 July 2025: its 9 district-level units and their 106 communes, with the
official (GSO) codes, plus the hamlet names used in addresses.

`khmer_share` is a rough share of Khmer learners per district (Trà Cú and Cầu Ngang highest,
Càng Long lowest); the generator scales the shares so the whole demo comes out near the
province's ~31% (DOMAIN.md §6). `urban` communes are wards and townships.
"""

from dataclasses import dataclass

PROVINCE_CODE = "84"
PROVINCE_NAME = "Tỉnh Trà Vinh"
SUCCESSOR_CODE = "86"
SUCCESSOR_NAME = "Tỉnh Vĩnh Long"


@dataclass(frozen=True)
class District:
    code: str
    name: str  # official name with its type: "Huyện Trà Cú"
    short: str  # "Trà Cú"
    khmer_share: float
    communes: tuple[tuple[str, str], ...]  # (code, official name)


def _c(*pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))


DISTRICTS: tuple[District, ...] = (
    District("842", "Thành phố Trà Vinh", "Trà Vinh", 0.17, _c(
        "29236", "Phường 4", "29239", "Phường 1", "29242", "Phường 3", "29245", "Phường 2",
        "29248", "Phường 5", "29251", "Phường 6", "29254", "Phường 7", "29257", "Phường 8",
        "29260", "Phường 9", "29263", "Xã Long Đức",
    )),
    District("844", "Huyện Càng Long", "Càng Long", 0.07, _c(
        "29266", "Thị trấn Càng Long", "29269", "Xã Mỹ Cẩm", "29272", "Xã An Trường A",
        "29275", "Xã An Trường", "29278", "Xã Huyền Hội", "29281", "Xã Tân An",
        "29284", "Xã Tân Bình", "29287", "Xã Bình Phú", "29290", "Xã Phương Thạnh",
        "29293", "Xã Đại Phúc", "29296", "Xã Đại Phước", "29299", "Xã Nhị Long Phú",
        "29302", "Xã Nhị Long", "29305", "Xã Đức Mỹ",
    )),
    District("845", "Huyện Cầu Kè", "Cầu Kè", 0.28, _c(
        "29308", "Thị trấn Cầu Kè", "29311", "Xã Hòa Ân", "29314", "Xã Châu Điền",
        "29317", "Xã An Phú Tân", "29320", "Xã Hoà Tân", "29323", "Xã Ninh Thới",
        "29326", "Xã Phong Phú", "29329", "Xã Phong Thạnh", "29332", "Xã Tam Ngãi",
        "29335", "Xã Thông Hòa", "29338", "Xã Thạnh Phú",
    )),
    District("846", "Huyện Tiểu Cần", "Tiểu Cần", 0.30, _c(
        "29341", "Thị trấn Tiểu Cần", "29344", "Thị trấn Cầu Quan", "29347", "Xã Phú Cần",
        "29350", "Xã Hiếu Tử", "29353", "Xã Hiếu Trung", "29356", "Xã Long Thới",
        "29359", "Xã Hùng Hòa", "29362", "Xã Tân Hùng", "29365", "Xã Tập Ngãi",
        "29368", "Xã Ngãi Hùng", "29371", "Xã Tân Hòa",
    )),
    District("847", "Huyện Châu Thành", "Châu Thành", 0.37, _c(
        "29374", "Thị trấn Châu Thành", "29377", "Xã Đa Lộc", "29380", "Xã Mỹ Chánh",
        "29383", "Xã Thanh Mỹ", "29386", "Xã Lương Hoà A", "29389", "Xã Lương Hòa",
        "29392", "Xã Song Lộc", "29395", "Xã Nguyệt Hóa", "29398", "Xã Hòa Thuận",
        "29401", "Xã Hòa Lợi", "29404", "Xã Phước Hảo", "29407", "Xã Hưng Mỹ",
        "29410", "Xã Hòa Minh", "29413", "Xã Long Hòa",
    )),
    District("848", "Huyện Cầu Ngang", "Cầu Ngang", 0.40, _c(
        "29416", "Thị trấn Cầu Ngang", "29419", "Thị trấn Mỹ Long", "29422", "Xã Mỹ Long Bắc",
        "29425", "Xã Mỹ Long Nam", "29428", "Xã Mỹ Hòa", "29431", "Xã Vinh Kim",
        "29434", "Xã Kim Hòa", "29437", "Xã Hiệp Hòa", "29440", "Xã Thuận Hòa",
        "29443", "Xã Long Sơn", "29446", "Xã Nhị Trường", "29449", "Xã Trường Thọ",
        "29452", "Xã Hiệp Mỹ Đông", "29455", "Xã Hiệp Mỹ Tây", "29458", "Xã Thạnh Hòa Sơn",
    )),
    District("849", "Huyện Trà Cú", "Trà Cú", 0.63, _c(
        "29461", "Thị trấn Trà Cú", "29462", "Thị trấn Định An", "29464", "Xã Phước Hưng",
        "29467", "Xã Tập Sơn", "29470", "Xã Tân Sơn", "29473", "Xã An Quảng Hữu",
        "29476", "Xã Lưu Nghiệp Anh", "29479", "Xã Ngãi Xuyên", "29482", "Xã Kim Sơn",
        "29485", "Xã Thanh Sơn", "29488", "Xã Hàm Giang", "29489", "Xã Hàm Tân",
        "29491", "Xã Đại An", "29494", "Xã Định An", "29503", "Xã Ngọc Biên",
        "29506", "Xã Long Hiệp", "29509", "Xã Tân Hiệp",
    )),
    District("850", "Huyện Duyên Hải", "Duyên Hải", 0.30, _c(
        "29497", "Xã Đôn Xuân", "29500", "Xã Đôn Châu", "29513", "Thị trấn Long Thành",
        "29521", "Xã Long Khánh", "29530", "Xã Ngũ Lạc", "29533", "Xã Long Vĩnh",
        "29536", "Xã Đông Hải",
    )),
    District("851", "Thị xã Duyên Hải", "thị xã Duyên Hải", 0.12, _c(
        "29512", "Phường 1", "29516", "Phường 2", "29515", "Xã Long Toàn", "29518", "Xã Long Hữu",
        "29524", "Xã Dân Thành", "29527", "Xã Trường Long Hòa", "29539", "Xã Hiệp Thạnh",
    )),
)  # fmt: skip

DISTRICT_BY_CODE = {d.code: d for d in DISTRICTS}


def is_urban(commune_name: str) -> bool:
    return commune_name.startswith(("Phường", "Thị trấn"))


def short_commune(commune_name: str) -> str:
    """ "Xã Lưu Nghiệp Anh" → "Lưu Nghiệp Anh"; wards and townships keep their type word."""
    return commune_name.removeprefix("Xã ")


def address_commune(commune_name: str) -> str:
    """The commune as written inside an address: "xã Lưu Nghiệp Anh", "thị trấn Trà Cú"."""
    kind, _, rest = commune_name.partition(" ")
    if kind == "Xã":
        return f"xã {rest}"
    if commune_name.startswith("Thị trấn"):
        return "thị trấn " + commune_name.removeprefix("Thị trấn ")
    return commune_name


def address_district(district: District) -> str:
    if district.code == "842":
        return "TP. Trà Vinh"
    if district.code == "851":
        return "TX. Duyên Hải"
    return district.name.replace("Huyện", "huyện")


# Hamlets (ấp) of rural communes: Khmer-origin names (sóc) and Vietnamese ones; wards and
# townships are divided into khóm, numbered.
HAMLETS_KHMER_ORIGIN = (
    "Sóc Chà", "Sà Vi", "Ba Cụm", "Chông Bát", "Trà Sất", "Sâm Bua", "Lưu Cừ", "Cà Săng",
    "Tha La", "Ô Rung", "Sóc Ruộng", "Nô Rè", "Ô Chích", "Ba Se", "Trà Mềm", "Trà Kháo",
    "Sóc Tre", "Cây Da", "Pốc Pốc", "Kô Kô", "Tà Rom", "Sóc Xoài", "Bến Trị", "Cà Tum",
    "Ô Răng", "Khánh Lộc", "Trà Cuôn", "Đầu Giồng", "Sơn Lang", "Prếk Chóp",
)  # fmt: skip
HAMLETS_VIETNAMESE = (
    "Chợ", "Giồng Lớn", "Giồng Cao", "Bà Tây", "Kinh Xáng", "Rạch Giồng", "Đồn Điền",
    "Mỹ Thập", "An Định", "Phú Hòa", "Long Bình", "Bến Có", "Tân Định", "Phước Thiện",
    "Hòa Lạc", "Long Trị", "Bình Hòa", "Mỹ Hiệp", "Đầu Bờ", "Vàm Rây", "Cồn Cù",
    "Nhứt", "Nhì", "Ba", "Tư", "Năm", "Giồng Tranh", "Cây Gòn", "Bào Sen", "Láng Khoét",
)  # fmt: skip
