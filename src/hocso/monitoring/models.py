"""The monitoring centre's indicators (issue 7): the catalog, targets by year, computed values.

An indicator is a numerator over a denominator computed from live data by a *source*
(monitoring/sources.py, named by `Indicator.source`; blank = no data source yet, shown as such,
never faked). Values are stored per org unit × school year × breakdown ("" = all; e.g.
"gender:F") so dashboards read them without recomputing, and rolled up over the tree by summing
numerators and denominators — never by averaging percentages.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hocso.orgs.models import OrgKind

INDICATOR_CODE_PATTERN = r"^[a-z0-9_]+$"


class Unit(models.TextChoices):
    PERCENT = "percent", _("Tỉ lệ (%)")
    RATIO = "ratio", _("Tỉ số")
    COUNT = "count", _("Số lượng")
    AVERAGE = "average", _("Trung bình")


class Indicator(models.Model):
    code = models.CharField(
        _("mã chỉ tiêu"),
        max_length=50,
        unique=True,
        validators=[RegexValidator(INDICATOR_CODE_PATTERN, _("Mã chỉ gồm a–z, 0–9 và _"))],
    )
    name = models.CharField(_("tên chỉ tiêu"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300)
    definition = models.TextField(_("định nghĩa"))
    unit = models.CharField(_("đơn vị tính"), max_length=10, choices=Unit.choices)
    # The key of monitoring.sources.SOURCES that computes it; blank: no data source yet.
    source = models.CharField(_("nguồn dữ liệu"), max_length=50, blank=True)
    # The lowest level where the value means something (a school's learner/teacher ratio does;
    # a school's share of the curriculum covered is the province's library seen from there).
    lowest_level = models.CharField(
        _("cấp thấp nhất"), max_length=20, choices=OrgKind.choices, default=OrgKind.SCHOOL
    )
    # Breakdowns the source can give: school_level, gender, ethnicity, ownership, area.
    disaggregations = models.JSONField(_("phân tổ"), default=list, blank=True)
    higher_is_better = models.BooleanField(_("càng cao càng tốt"), default=True)
    # The plan's indicators (Kế hoạch chuyển đổi số) vs the usual education statistics.
    in_plan = models.BooleanField(_("chỉ tiêu của kế hoạch"), default=False)
    is_public = models.BooleanField(_("công bố dữ liệu mở"), default=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=INDICATOR_CODE_PATTERN), name="indicator_code_format"
            ),
            models.CheckConstraint(condition=Q(unit__in=Unit.values), name="indicator_unit_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def has_source(self) -> bool:
        return bool(self.source)


class Target(models.Model):
    """The value the plan sets for the end of a calendar year (2025, 2030), in the indicator's
    unit (a percent as 0–100). Editable by province officers."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    value = models.DecimalField(_("giá trị mục tiêu"), max_digits=12, decimal_places=3)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="target_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="target_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class IndicatorValue(models.Model):
    """One indicator's numerator and denominator for one unit, school year and breakdown, as
    computed at `computed_at`. `denominator` is null for plain counts."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.CASCADE, related_name="+")
    breakdown = models.CharField(_("phân tổ"), max_length=50, blank=True, default="")
    numerator = models.DecimalField(max_digits=14, decimal_places=3)
    denominator = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("giá trị chỉ tiêu")
        verbose_name_plural = _("giá trị chỉ tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "year", "breakdown"], name="indicatorvalue_unique"
            ),
        ]
        indexes = [models.Index(fields=["year", "indicator"], name="indicatorvalue_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.org_unit_id} {self.year_id} {self.breakdown}"
