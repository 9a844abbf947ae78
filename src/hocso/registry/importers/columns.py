"""The columns of each kind of import: their Vietnamese headers (what exports and templates write),
English equivalents and other spellings seen in school spreadsheets, and the choice lists.

Headers match folded: case, diacritics, đ/d, spaces, punctuation and anything in parentheses are
ignored, so "HỌ VÀ TÊN", "Ho va ten" and "Họ và tên (*)" are the same column.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hocso.core.text import fold

from ..models import (
    Condition,
    DeviceAccess,
    EquipmentCategory,
    Position,
    Qualification,
    Relationship,
)
from ..rules import ETHNIC_GROUPS, FEMALE, MALE
from .cells import choice_key

STUDENTS, STAFF, CLASSES, EQUIPMENT = "students", "staff", "classes", "equipment"


def header_key(value) -> str:
    """ "Họ và tên (*)" → "hovaten"."""
    if value is None:
        return ""
    without_notes = re.sub(r"\(.*?\)|\[.*?\]", "", str(value))
    return re.sub(r"[^a-z0-9]", "", fold(without_notes))


# Columns every kind tolerates silently: the row number most school lists start with.
IGNORED_HEADERS = frozenset(header_key(h) for h in ("STT", "Số thứ tự", "TT", "No.", "#"))


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese, as exported; never translated (it is an interchange format)
    english: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: object = ""
    width: int = 18

    @property
    def keys(self) -> set[str]:
        return {header_key(h) for h in (self.header, self.english, *self.aliases)}


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    columns: tuple[Column, ...]
    needs_year: bool
    # Groups of columns of which at least one must be present (e.g. either identifier).
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Folded header → column key."""
        return {k: column.key for column in self.columns for k in column.keys}

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


STUDENT_SPEC = KindSpec(
    kind=STUDENTS,
    label=_("học sinh"),
    needs_year=True,
    one_of=(("national_id", "moet_code"),),
    columns=(
        Column("full_name", "Họ và tên", "Full name",
               ("Họ tên", "Họ tên học sinh", "Họ và tên học sinh", "Name", "Student name"),
               required=True, example="Thạch Thị Sô Phia", width=28),
        Column("date_of_birth", "Ngày sinh", "Date of birth",
               ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Birth date", "DOB"),
               example=date(2013, 5, 20), width=14),
        Column("gender", "Giới tính", "Gender", ("Sex", "Phái"), required=True, example="Nữ",
               width=10),
        Column("ethnicity", "Dân tộc", "Ethnicity", example="Khơ-me", width=12),
        Column("national_id", "Số định danh cá nhân", "National ID",
               ("Mã định danh cá nhân", "Số CCCD", "CCCD", "Căn cước công dân", "Citizen ID",
                "Personal ID"),
               example="084313012345", width=18),
        Column("moet_code", "Mã định danh Bộ GD&ĐT", "MOET code",
               ("Mã định danh Bộ GDĐT", "Mã định danh học sinh", "Mã học sinh", "Mã HS",
                "Student code", "MOET ID"),
               example="8400012345", width=18),
        Column("class_name", "Lớp", "Class", ("Tên lớp", "Class name"), required=True,
               example="6A1", width=8),
        Column("grade", "Khối", "Grade", ("Khối lớp",), example=6, width=8),
        Column("address", "Địa chỉ", "Address", ("Địa chỉ thường trú", "Nơi ở"),
               example="Ấp Chợ, xã Phước Hưng", width=30),
        Column("guardian_name", "Họ tên phụ huynh", "Guardian name",
               ("Họ và tên phụ huynh", "Phụ huynh", "Họ tên cha mẹ", "Guardian", "Parent name"),
               example="Thạch Sa Rum", width=24),
        Column("guardian_phone", "Số điện thoại phụ huynh", "Guardian phone",
               ("SĐT phụ huynh", "Điện thoại phụ huynh", "Số điện thoại", "Parent phone"),
               example="0912345678", width=16),
        Column("relationship", "Quan hệ", "Relationship",
               ("Quan hệ với học sinh", "Mối quan hệ"), example="Cha", width=12),
        Column("device_access", "Thiết bị học trực tuyến", "Online learning device",
               ("Thiết bị học tập trực tuyến", "Thiết bị", "Device"),
               example="Dùng chung điện thoại", width=22),
        Column("internet_at_home", "Internet tại nhà", "Internet at home",
               ("Có internet tại nhà", "Internet"), example="Có", width=10),
    ),
)  # fmt: skip

STAFF_SPEC = KindSpec(
    kind=STAFF,
    label=_("cán bộ, giáo viên"),
    needs_year=False,
    columns=(
        Column("full_name", "Họ và tên", "Full name", ("Họ tên", "Name"), required=True,
               example="Kim Thị Chanh Đa", width=28),
        Column("date_of_birth", "Ngày sinh", "Date of birth",
               ("Ngày tháng năm sinh", "Birth date", "DOB"), example=date(1988, 7, 12), width=14),
        Column("gender", "Giới tính", "Gender", ("Sex",), required=True, example="Nữ", width=10),
        Column("national_id", "Số định danh cá nhân", "National ID",
               ("Mã định danh cá nhân", "Số CCCD", "CCCD", "Căn cước công dân", "Citizen ID"),
               required=True, example="084188004321", width=18),
        Column("position", "Chức vụ", "Position", ("Chức danh", "Vị trí việc làm"),
               required=True, example="Giáo viên", width=16),
        Column("qualification", "Trình độ", "Qualification",
               ("Trình độ chuyên môn", "Trình độ đào tạo"), example="Đại học", width=14),
        Column("subjects", "Môn dạy", "Subjects", ("Môn giảng dạy", "Subjects taught"),
               example="Toán; Tin học", width=22),
        Column("phone", "Số điện thoại", "Phone", ("SĐT", "Điện thoại"), example="0987654321",
               width=16),
        Column("is_active", "Đang công tác", "Active", ("Còn công tác",), example="Có", width=12),
    ),
)  # fmt: skip

CLASS_SPEC = KindSpec(
    kind=CLASSES,
    label=_("lớp"),
    needs_year=True,
    columns=(
        Column("class_name", "Lớp", "Class", ("Tên lớp", "Class name"), required=True,
               example="6A1", width=10),
        Column("grade", "Khối", "Grade", ("Khối lớp",), required=True, example=6, width=8),
        Column("homeroom_teacher", "Giáo viên chủ nhiệm", "Homeroom teacher", ("GVCN",),
               example="Kim Thị Chanh Đa", width=28),
        Column("homeroom_national_id", "Số định danh GVCN", "Homeroom teacher national ID",
               ("Số định danh giáo viên chủ nhiệm", "CCCD GVCN"), example="084188004321",
               width=20),
    ),
)  # fmt: skip

EQUIPMENT_SPEC = KindSpec(
    kind=EQUIPMENT,
    label=_("thiết bị"),
    needs_year=False,
    columns=(
        Column("asset_code", "Mã thiết bị", "Asset code", ("Mã tài sản", "Mã TB", "Code"),
               required=True, example="MT-001", width=14),
        Column("name", "Tên thiết bị", "Name", ("Tên tài sản", "Equipment name"), required=True,
               example="Máy tính để bàn", width=28),
        Column("category", "Loại", "Category", ("Loại thiết bị", "Nhóm"), required=True,
               example="Máy tính", width=18),
        Column("room", "Phòng", "Room", ("Mã phòng", "Room code"), example="P.TH1", width=10),
        Column("quantity", "Số lượng", "Quantity", ("SL",), example=20, width=10),
        Column("condition", "Tình trạng", "Condition", ("Hiện trạng",), example="Tốt", width=14),
        Column("acquired_on", "Ngày nhập", "Acquired date",
               ("Ngày mua", "Ngày đưa vào sử dụng", "Acquired on"), example=date(2024, 8, 15),
               width=14),
    ),
)  # fmt: skip

SPECS: dict[str, KindSpec] = {
    s.kind: s for s in (STUDENT_SPEC, STAFF_SPEC, CLASS_SPEC, EQUIPMENT_SPEC)
}


class ChoiceList:
    """A model's choices matched by code, Vietnamese label, English label or a known alias."""

    def __init__(self, choices: type[TextChoices], aliases: dict[str, str] | None = None):
        self.choices = choices
        self.aliases = aliases or {}
        self._seen: dict[str, str | None] = {}

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for value, label in self.choices.choices:
            if not value:
                continue
            table[choice_key(value)] = value
            for language in ("en", "vi"):
                with translation.override(language):
                    table[choice_key(str(label))] = value
        for alias, value in self.aliases.items():
            table[choice_key(alias)] = value
        return table

    def code(self, text: str) -> str | None:
        # A column holds a handful of distinct spellings: fold each only once.
        try:
            return self._seen[text]
        except KeyError:
            code = self._seen[text] = self._lookup.get(choice_key(text))
            return code

    def label(self, value: str) -> str:
        """The Vietnamese label, as exports write it."""
        if not value:
            return ""
        with translation.override("vi"):
            return str(self.choices(value).label)

    def labels(self) -> str:
        with translation.override("vi"):
            return ", ".join(str(label) for value, label in self.choices.choices if value)


DEVICE_ACCESS = ChoiceList(
    DeviceAccess,
    {
        "Không có": DeviceAccess.NONE, "Không": DeviceAccess.NONE, "No device": DeviceAccess.NONE,
        "None": DeviceAccess.NONE, "Shared phone": DeviceAccess.SHARED_PHONE,
        "Điện thoại dùng chung": DeviceAccess.SHARED_PHONE,
        "Dùng chung": DeviceAccess.SHARED_PHONE, "Own phone": DeviceAccess.OWN_PHONE,
        "Điện thoại": DeviceAccess.OWN_PHONE, "Smartphone": DeviceAccess.OWN_PHONE,
        "Máy tính": DeviceAccess.COMPUTER, "Máy tính bảng": DeviceAccess.COMPUTER,
        "Laptop": DeviceAccess.COMPUTER, "Computer": DeviceAccess.COMPUTER,
        "Tablet": DeviceAccess.COMPUTER, "Computer/tablet": DeviceAccess.COMPUTER,
    },
)  # fmt: skip
RELATIONSHIP = ChoiceList(
    Relationship,
    {
        "Bố": Relationship.FATHER, "Ba": Relationship.FATHER, "Father": Relationship.FATHER,
        "Má": Relationship.MOTHER, "Mother": Relationship.MOTHER,
        "Giám hộ": Relationship.GUARDIAN, "Guardian": Relationship.GUARDIAN,
        "Khác": Relationship.GUARDIAN, "Other": Relationship.GUARDIAN,
    },
)  # fmt: skip
POSITION = ChoiceList(
    Position,
    {
        "Principal": Position.PRINCIPAL, "Vice principal": Position.VICE_PRINCIPAL,
        "Phó HT": Position.VICE_PRINCIPAL, "Teacher": Position.TEACHER, "GV": Position.TEACHER,
        "Staff": Position.STAFF, "HT": Position.PRINCIPAL,
    },
)  # fmt: skip
QUALIFICATION = ChoiceList(
    Qualification,
    {
        "Intermediate": Qualification.INTERMEDIATE, "College": Qualification.COLLEGE,
        "Cử nhân": Qualification.BACHELOR, "Bachelor": Qualification.BACHELOR,
        "University": Qualification.BACHELOR, "Thạc sỹ": Qualification.MASTER,
        "Master": Qualification.MASTER, "Tiến sỹ": Qualification.DOCTORATE,
        "Doctorate": Qualification.DOCTORATE, "PhD": Qualification.DOCTORATE,
    },
)  # fmt: skip
EQUIPMENT_CATEGORY = ChoiceList(
    EquipmentCategory,
    {
        "Computer": EquipmentCategory.COMPUTER, "Máy vi tính": EquipmentCategory.COMPUTER,
        "Projector": EquipmentCategory.PROJECTOR, "Smart board": EquipmentCategory.SMART_BOARD,
        "Bảng thông minh": EquipmentCategory.SMART_BOARD,
        "Network": EquipmentCategory.NETWORK, "Lab equipment": EquipmentCategory.LAB,
        "Teaching kit": EquipmentCategory.TEACHING_KIT, "Furniture": EquipmentCategory.FURNITURE,
        "Other": EquipmentCategory.OTHER,
    },
)  # fmt: skip
CONDITION = ChoiceList(
    Condition,
    {
        "Good": Condition.GOOD, "Cần sửa": Condition.FAIR, "Needs repair": Condition.FAIR,
        "Fair": Condition.FAIR, "Hư": Condition.BROKEN, "Hư hỏng": Condition.BROKEN,
        "Broken": Condition.BROKEN,
    },
)  # fmt: skip

GENDER_LABELS = {MALE: "Nam", FEMALE: "Nữ"}


def ethnicity_label(code: str) -> str:
    return ETHNIC_GROUPS.get(code, "")


def yes_no_label(value: bool | None) -> str:
    if value is None:
        return ""
    return "Có" if value else "Không"
