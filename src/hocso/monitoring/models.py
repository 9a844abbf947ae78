"""The monitoring centre's indicators (issue 7): the catalog, targets by year, computed values.

An indicator is a numerator over a denominator computed from live data by a *source*
(monitoring/sources.py, named by `Indicator.source`; blank = no data source yet, shown as such,
never faked). Values are stored per org unit × school year × breakdown ("" = all; e.g.
"gender:F") so dashboards read them without recomputing, and rolled up over the tree by summing
numerators and denominators — never by averaging percentages.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
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


# ---------------------------------------------------------------- submission and approval


class ReportPeriod(models.TextChoices):
    # The periodic statistical report (báo cáo thống kê) of a school year: its opening figures
    # (đầu năm, due in the autumn) and its closing figures (cuối năm, due after the year ends).
    START = "start", _("Đầu năm học")
    END = "end", _("Cuối năm học")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Cấp trên đã duyệt")
    ACCEPTED = "accepted", _("Sở đã tiếp nhận")


class StatReport(models.Model):
    """One school's periodic statistical report for a school year: the school submits its
    figures, the level above approves (or returns them with a comment), the province accepts.
    The figures are frozen into `StatReportFigure` rows when submitted and never recomputed."""

    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("kì báo cáo"), max_length=10, choices=ReportPeriod.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    due_date = models.DateField(_("hạn nộp"))
    submitted_at = models.DateTimeField(_("ngày gửi"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("ngày duyệt"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last comment of the level above (why it was returned); the history is in `events`.
    comment = models.TextField(_("nhận xét"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year__start_date", "period", "org_unit__path"]
        verbose_name = _("báo cáo thống kê")
        verbose_name_plural = _("báo cáo thống kê")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "year", "period"], name="statreport_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="statreport_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period__in=ReportPeriod.values), name="statreport_period_valid"
            ),
        ]
        indexes = [models.Index(fields=["year", "period", "status"], name="statreport_status")]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.year_id} {self.period}: {self.status}"


class StatReportFigure(models.Model):
    """One frozen figure of a submitted report: what the school sent, kept as sent."""

    report = models.ForeignKey(StatReport, on_delete=models.CASCADE, related_name="figures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    breakdown = models.CharField(max_length=50, blank=True, default="")
    numerator = models.DecimalField(max_digits=14, decimal_places=3)
    denominator = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator", "breakdown"], name="statreportfigure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.indicator_id} {self.breakdown}"


class StatReportEvent(models.Model):
    """The report's history: who submitted, returned, approved or accepted it, when, and why."""

    report = models.ForeignKey(StatReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10)  # submit, return, approve, accept, reopen
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------- alerts


class AlertRule(models.TextChoices):
    BELOW_TARGET = "below_target", _("Dưới mục tiêu")
    REPORT_LATE = "report_late", _("Báo cáo trễ hạn")
    ABSENCE = "absence", _("Nguy cơ bỏ học (nghỉ nhiều)")
    TEACHER_SHORTAGE = "teacher_shortage", _("Thiếu giáo viên")


class Severity(models.TextChoices):
    INFO = "info", _("Thông tin")
    WARNING = "warning", _("Cảnh báo")
    CRITICAL = "critical", _("Nghiêm trọng")


class Alert(models.Model):
    """One open (or resolved) alert raised by a rule about one unit. `key` identifies what it is
    about (rule + unit + year + subject), so re-evaluating a rule updates the alert instead of
    raising it twice, and resolves it when the condition no longer holds."""

    rule = models.CharField(_("quy tắc"), max_length=20, choices=AlertRule.choices)
    key = models.CharField(max_length=200, unique=True)
    severity = models.CharField(
        _("mức độ"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(
        "orgs.SchoolYear", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        "registry.Student", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        "curriculum.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("tiêu đề"), max_length=300)
    detail = models.TextField(_("chi tiết"), blank=True)
    # Where the data behind it is (a path of this site).
    link = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The roles whose inbox shows it (holders of the role over a unit covering org_unit).
    audience = models.JSONField(default=list)
    raised_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=AlertRule.values), name="alert_rule_valid"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="alert_severity_valid"
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "rule"], name="alert_open_rule")]

    def __str__(self) -> str:
        return f"{self.rule} {self.org_unit_id}: {self.title}"


class AlertReceipt(models.Model):
    """A user has read (or dismissed from their inbox) an alert."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)
    dismissed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="alertreceipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} read by {self.user_id}"


# ---------------------------------------------------------------- forecasts, reports, open data


class BirthCohort(models.Model):
    """Live births in a unit's area in a calendar year (from the civil registry / statistics
    office): the children who reach grade 1 six years later."""

    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm sinh"))
    births = models.PositiveIntegerField(_("số trẻ sinh ra"))
    source = models.CharField(_("nguồn"), max_length=200, blank=True)

    class Meta:
        ordering = ["org_unit", "year"]
        verbose_name = _("số trẻ sinh theo năm")
        verbose_name_plural = _("số trẻ sinh theo năm")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="birthcohort_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.year}: {self.births}"


class AnnualReport(models.Model):
    """The narrative an officer writes for a unit's annual report; the figures come from data."""

    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("orgs.SchoolYear", on_delete=models.CASCADE, related_name="+")
    narrative = models.TextField(_("nhận định, đánh giá"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("báo cáo năm")
        verbose_name_plural = _("báo cáo năm")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="annualreport_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.year_id}"


class OpenDataSnapshot(models.Model):
    """The suppressed open-data tree of one school year, written after each recompute so an
    anonymous request never computes."""

    year = models.OneToOneField("orgs.SchoolYear", on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.year_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
