"""The org-unit tree (province → historical district → commune → school) and school years.

The tree is data: a merger or the abolition of a level is recorded with validity dates, successor
links and OrgUnitMove rows, never by changing code.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


def ancestor_paths(path: str) -> list[str]:
    """The paths of a unit and of every unit above it, top first:
    "84/842/28432/" → ["84/", "84/842/", "84/842/28432/"]."""
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    return [PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR for i in range(len(parts))]


class OrgKind(models.TextChoices):
    MINISTRY = "ministry", _("Bộ GD&ĐT")
    PROVINCE = "province", _("Tỉnh/Thành phố")
    DISTRICT = "district", _("Quận/Huyện (trước 7/2025)")
    COMMUNE = "commune", _("Xã/Phường")
    SCHOOL = "school", _("Cơ sở giáo dục")


class SchoolType(models.TextChoices):
    PRESCHOOL = "preschool", _("Mầm non")
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("THCS")
    UPPER_SECONDARY = "upper_secondary", _("THPT")
    MULTI_LEVEL = "multi_level", _("Liên cấp")
    CONTINUING = "continuing", _("Trung tâm GDNN-GDTX")
    COLLEGE = "college", _("Cao đẳng")
    UNIVERSITY = "university", _("Đại học")


# Grades a school of each type teaches (0 = preschool). Used to validate classes.
GRADES_BY_SCHOOL_TYPE = {
    SchoolType.PRESCHOOL: range(0, 1),
    SchoolType.PRIMARY: range(1, 6),
    SchoolType.LOWER_SECONDARY: range(6, 10),
    SchoolType.UPPER_SECONDARY: range(10, 13),
    SchoolType.MULTI_LEVEL: range(1, 13),
    SchoolType.CONTINUING: range(6, 13),
    SchoolType.COLLEGE: range(13, 17),
    SchoolType.UNIVERSITY: range(13, 19),
}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Công lập")
    PRIVATE = "private", _("Ngoài công lập")


class Area(models.TextChoices):
    """Urban or rural (thành thị / nông thôn). Set on communes (wards and townships are urban);
    a school without its own area has its nearest ancestor's."""

    URBAN = "urban", _("Thành thị")
    RURAL = "rural", _("Nông thôn")


class OrgUnit(models.Model):
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("cấp"), max_length=20, choices=OrgKind.choices)
    school_type = models.CharField(
        _("loại hình"), max_length=20, choices=SchoolType.choices, blank=True
    )
    ownership = models.CharField(
        _("công lập/ngoài công lập"),
        max_length=10,
        choices=Ownership.choices,
        default=Ownership.PUBLIC,
    )
    area = models.CharField(
        _("thành thị/nông thôn"), max_length=10, choices=Area.choices, blank=True
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Ancestor codes joined by "/", ending with "/": "84/842/28432/". A subtree is one indexed
    # prefix match on both SQLite and PostgreSQL.
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", symmetrical=False, related_name="predecessors", blank=True
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' whatever the
            # collation; SQLite ignores opclasses.
            models.Index(fields=["kind", "school_type"], name="orgunit_kind_type"),
            models.Index(
                fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code__contains=PATH_SEPARATOR), name="orgunit_code_no_slash"
            ),
            models.CheckConstraint(
                condition=Q(kind=OrgKind.SCHOOL) | Q(school_type=""),
                name="orgunit_school_type_only_for_schools",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_school(self) -> bool:
        return self.kind == OrgKind.SCHOOL

    def is_active_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class OrgUnitMove(models.Model):
    """One re-parenting of a unit, so the tree of any past date can be drawn again."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="moves")
    old_parent = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    new_parent = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    old_path = models.CharField(max_length=255)
    effective_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.unit.code}: {self.old_path} → {self.new_parent_id} ({self.effective_on})"


class SchoolYear(models.Model):
    code = models.CharField(_("năm học"), max_length=9, unique=True)  # "2025-2026"
    start_date = models.DateField(_("ngày bắt đầu"))
    end_date = models.DateField(_("ngày kết thúc"))
    term1_end = models.DateField(_("kết thúc học kì I"))
    term2_start = models.DateField(_("bắt đầu học kì II"))

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("năm học")
        verbose_name_plural = _("năm học")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lt=models.F("term1_end"))
                & Q(term1_end__lt=models.F("term2_start"))
                & Q(term2_start__lt=models.F("end_date")),
                name="schoolyear_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{4}-[0-9]{4}$"), name="schoolyear_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code
