"""Periodic statistical reports of schools: submission and approval (issue 7, decision 0006 §4).

A period is opened for every current school (`open_period`): one draft `StatReport` each. The
school's admin submits it (`submit`): the school's figures of that moment — every indicator with
an additive source, with all its breakdowns — are copied into `StatReportFigure` rows and stay as
sent, whatever happens to the data or the stored values afterwards. The level above (a district
or province officer over the school) approves it or returns it with a comment (`approve`,
`return_report`; a returned report loses its frozen figures, so submitting it again freezes the
figures of then); the province accepts an approved report (`accept`).

Every action is one transaction that locks the report row first (SELECT … FOR UPDATE), so two
clicks or two officers racing see one outcome: the second is refused with a clear message and
changes nothing. Each writes a `StatReportEvent` (the report's history) and an audit entry.

`completeness` counts, per child unit, the reports expected, submitted, on time, approved,
accepted and late, with one grouped query over the org paths (not one per school).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.services import audit_log
from hocso.core.text import clean_text, fold
from hocso.orgs.models import OrgUnit, SchoolYear

from . import access, compute
from .models import (
    Indicator,
    IndicatorValue,
    ReportPeriod,
    ReportStatus,
    StatReport,
    StatReportEvent,
    StatReportFigure,
)
from .sources import SOURCES, Pair, current_units, schools_qs

# Statuses in which the school has sent its figures (a returned report has not: it is back with
# the school).
SENT = (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.ACCEPTED)
OPEN_FOR_SCHOOL = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class Action:
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    ACCEPT = "accept"


# ---------------------------------------------------------------- opening a period


def open_period(year: SchoolYear, period: str, due_date: date) -> int:
    """A draft report of `period` for every current school that has none yet; the number
    created. Running it again creates nothing (existing reports keep their status and date)."""
    if period not in ReportPeriod.values:
        raise ValidationError(
            {
                "period": _("Kì báo cáo “%(value)s” không hợp lệ (start hoặc end).")
                % {"value": period}
            }
        )
    with transaction.atomic():
        existing = set(
            StatReport.objects.filter(year=year, period=period).values_list(
                "org_unit_id", flat=True
            )
        )
        missing = [pk for pk in schools_qs().values_list("pk", flat=True) if pk not in existing]
        StatReport.objects.bulk_create(
            [
                StatReport(org_unit_id=pk, year=year, period=period, due_date=due_date)
                for pk in missing
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
    return len(missing)


# ---------------------------------------------------------------- the school's figures


def _additive_indicators() -> list[Indicator]:
    return [
        i
        for i in Indicator.objects.exclude(source="").order_by("order", "code")
        if i.source in SOURCES and SOURCES[i.source].additive
    ]


def live_figures(school: OrgUnit, year: SchoolYear) -> dict[tuple[int, str], Pair]:
    """The school's figures now: {(indicator id, breakdown): (numerator, denominator)} for every
    indicator with an additive source, every breakdown included. Read from the stored values;
    an indicator with no stored row for the school is computed from its source for the school
    alone (what `recompute` would store), never written from here."""
    indicators = _additive_indicators()
    figures: dict[tuple[int, str], Pair] = {}
    stored_ids = set()
    for row in IndicatorValue.objects.filter(
        org_unit=school, year=year, indicator__in=indicators
    ).only("indicator_id", "breakdown", "numerator", "denominator"):
        figures[(row.indicator_id, row.breakdown)] = (row.numerator, row.denominator)
        if row.breakdown == "":
            stored_ids.add(row.indicator_id)
    units = {school.path: school}
    for indicator in indicators:
        if indicator.pk in stored_ids:
            continue
        source = SOURCES[indicator.source]
        # Exactly the rows recompute stores for one unit: the total (compute_one's sum over the
        # school's per_school pair) and every breakdown of the source.
        rows = compute._rows_additive(source, indicator, year, school.path, units)
        for (_unit_id, key), pair in rows.items():
            figures[(indicator.pk, key)] = pair
    return figures


def frozen_figures(report: StatReport) -> dict[tuple[int, str], Pair]:
    return {
        (f.indicator_id, f.breakdown): (f.numerator, f.denominator)
        for f in report.figures.all().only("indicator_id", "breakdown", "numerator", "denominator")
    }


# ---------------------------------------------------------------- the workflow


def _lock(report: StatReport) -> StatReport:
    """Lock the report's row for the transaction and bring `report` up to date with it."""
    StatReport.objects.select_for_update().filter(pk=report.pk).values_list("pk", flat=True).get()
    report.refresh_from_db()
    return report


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _event(report: StatReport, action: str, actor, now, comment: str = "") -> None:
    StatReportEvent.objects.create(
        report=report, action=action, actor=_user(actor), comment=comment, at=now
    )
    audit_log(
        actor=actor,
        action=f"statreport.{action}",
        obj=report,
        org_unit=report.org_unit,
        year=report.year.code,
        period=report.period,
        **({"comment": comment} if comment else {}),
    )


def _status_error(report: StatReport, doing: str) -> ValidationError:
    return ValidationError(
        _("Không thể %(doing)s: báo cáo đang ở trạng thái “%(status)s”.")
        % {"doing": doing, "status": report.get_status_display()}
    )


@transaction.atomic
def submit(report: StatReport, actor) -> StatReport:
    """The school's admin sends the report: its figures are frozen as they are now."""
    report = _lock(report)
    if not access.can_submit_report(actor, report.org_unit):
        raise PermissionDenied(_("Chỉ quản trị của trường mới gửi được báo cáo của trường."))
    if report.status not in OPEN_FOR_SCHOOL:
        raise _status_error(report, _("gửi báo cáo"))
    now = timezone.now()
    report.figures.all().delete()
    StatReportFigure.objects.bulk_create(
        [
            StatReportFigure(
                report=report,
                indicator_id=indicator_id,
                breakdown=breakdown,
                numerator=num,
                denominator=den,
            )
            for (indicator_id, breakdown), (num, den) in sorted(
                live_figures(report.org_unit, report.year).items()
            )
        ],
        batch_size=500,
    )
    report.status = ReportStatus.SUBMITTED
    report.submitted_at, report.submitted_by = now, _user(actor)
    report.approved_at = report.approved_by = None
    report.accepted_at = report.accepted_by = None
    report.save()
    _event(report, Action.SUBMIT, actor, now)
    return report


@transaction.atomic
def return_report(report: StatReport, actor, comment: str) -> StatReport:
    """The level above sends the report back to the school with a comment (required). The frozen
    figures are dropped: the next submission freezes the figures of then."""
    report = _lock(report)
    if not access.can_approve_report(actor, report.org_unit):
        raise PermissionDenied(_("Chỉ cấp trên của trường mới trả lại được báo cáo."))
    comment = clean_text(comment or "")
    if not comment:
        raise ValidationError({"comment": _("Cần ghi rõ lý do trả lại báo cáo.")})
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
        raise _status_error(report, _("trả lại báo cáo"))
    now = timezone.now()
    report.figures.all().delete()
    report.status = ReportStatus.RETURNED
    report.comment = comment
    report.approved_at = report.approved_by = None
    report.save()
    _event(report, Action.RETURN, actor, now, comment)
    return report


def _refuse_submitter(report: StatReport, actor) -> None:
    if report.submitted_by_id is not None and report.submitted_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("Người gửi báo cáo không tự duyệt báo cáo của mình."))


@transaction.atomic
def approve(report: StatReport, actor) -> StatReport:
    """The level above approves a submitted report (never the one who submitted it)."""
    report = _lock(report)
    if not access.can_approve_report(actor, report.org_unit):
        raise PermissionDenied(_("Chỉ cấp trên của trường mới duyệt được báo cáo."))
    _refuse_submitter(report, actor)
    if report.status != ReportStatus.SUBMITTED:
        raise _status_error(report, _("duyệt báo cáo"))
    now = timezone.now()
    report.status = ReportStatus.APPROVED
    report.approved_at, report.approved_by = now, _user(actor)
    report.save()
    _event(report, Action.APPROVE, actor, now)
    return report


@transaction.atomic
def accept(report: StatReport, actor) -> StatReport:
    """The province accepts an approved report: the end of the workflow."""
    report = _lock(report)
    if not access.can_accept_report(actor, report.org_unit):
        raise PermissionDenied(_("Chỉ Sở GD&ĐT mới tiếp nhận được báo cáo."))
    _refuse_submitter(report, actor)
    if report.status != ReportStatus.APPROVED:
        raise _status_error(report, _("tiếp nhận báo cáo"))
    now = timezone.now()
    report.status = ReportStatus.ACCEPTED
    report.accepted_at, report.accepted_by = now, _user(actor)
    report.save()
    _event(report, Action.ACCEPT, actor, now)
    return report


def allowed_actions(report: StatReport, actor) -> set[str]:
    """The actions `actor` may take on the report now (the page shows these buttons only)."""
    actions = set()
    school = report.org_unit
    if report.status in OPEN_FOR_SCHOOL and access.can_submit_report(actor, school):
        actions.add(Action.SUBMIT)
    is_submitter = report.submitted_by_id is not None and report.submitted_by_id == actor.pk
    if access.can_approve_report(actor, school):
        if report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            actions.add(Action.RETURN)
        if report.status == ReportStatus.SUBMITTED and not is_submitter:
            actions.add(Action.APPROVE)
    if (
        report.status == ReportStatus.APPROVED
        and not is_submitter
        and access.can_accept_report(actor, school)
    ):
        actions.add(Action.ACCEPT)
    return actions


def is_late(report: StatReport, today: date | None = None) -> bool:
    """Due date passed and not sent (a draft or a returned report)."""
    today = today or timezone.localdate()
    return report.status in OPEN_FOR_SCHOOL and report.due_date < today


def was_on_time(report: StatReport) -> bool | None:
    if report.submitted_at is None or report.status not in SENT:
        return None
    return timezone.localdate(report.submitted_at) <= report.due_date


# ---------------------------------------------------------------- completeness


@dataclass(frozen=True)
class CompletenessRow:
    unit: OrgUnit
    expected: int
    submitted: int
    on_time: int
    approved: int
    accepted: int
    late: int
    is_total: bool = False

    def _percent(self, n: int) -> int:
        return round(100 * n / self.expected) if self.expected else 0

    @property
    def submitted_percent(self) -> int:
        return self._percent(self.submitted)

    @property
    def on_time_percent(self) -> int:
        return self._percent(self.on_time)

    @property
    def approved_percent(self) -> int:
        return self._percent(self.approved)

    @property
    def accepted_percent(self) -> int:
        return self._percent(self.accepted)

    @property
    def late_percent(self) -> int:
        return self._percent(self.late)


def _counts(today: date) -> dict:
    sent = Q(status__in=SENT)
    return {
        "expected": Count("id"),
        "submitted": Count("id", filter=sent),
        "on_time": Count("id", filter=sent & Q(submitted_at__date__lte=F("due_date"))),
        "approved": Count(
            "id", filter=Q(status__in=(ReportStatus.APPROVED, ReportStatus.ACCEPTED))
        ),
        "accepted": Count("id", filter=Q(status=ReportStatus.ACCEPTED)),
        "late": Count("id", filter=Q(status__in=OPEN_FOR_SCHOOL, due_date__lt=today)),
    }


def child_units(unit: OrgUnit) -> list[OrgUnit]:
    """The unit's children in today's tree, by name as people read it (diacritics folded)."""
    children = current_units().filter(parent=unit)
    return sorted(children, key=lambda u: (fold(u.name), u.name, u.code))


def completeness(
    unit: OrgUnit, year: SchoolYear, period: str, *, today: date | None = None
) -> list[CompletenessRow]:
    """The unit's own row first (every report of its subtree), then one row per child unit of
    today's tree. Two queries: one aggregate for the unit, one grouped by child (a CASE over the
    children's path prefixes), whatever the number of schools."""
    today = today or timezone.localdate()
    reports = StatReport.objects.filter(
        year=year, period=period, org_unit__path__startswith=unit.path
    )
    counts = _counts(today)
    total = reports.aggregate(**counts)
    rows = [CompletenessRow(unit=unit, is_total=True, **total)]
    children = child_units(unit)
    if not children:
        return rows
    bucket = Case(
        *[When(org_unit__path__startswith=c.path, then=Value(c.pk)) for c in children],
        default=Value(0),
        output_field=IntegerField(),
    )
    grouped = {
        row.pop("bucket"): row
        for row in reports.annotate(bucket=bucket).order_by().values("bucket").annotate(**counts)
    }
    empty = dict.fromkeys(counts, 0)
    rows += [CompletenessRow(unit=c, **grouped.get(c.pk, empty)) for c in children]
    return rows


__all__ = [
    "Action",
    "CompletenessRow",
    "accept",
    "allowed_actions",
    "approve",
    "completeness",
    "frozen_figures",
    "live_figures",
    "open_period",
    "return_report",
    "submit",
]
