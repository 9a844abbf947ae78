"""The monitoring centre's alerts (issue 7, "Alerts"): rules over indicators and records, each
giving the set of conditions that hold now, and `evaluate`, which keeps the `Alert` rows in step
with them.

A rule returns {key: fields}; `key` names what the condition is about (rule, unit, year,
subject, learner, month), so evaluating again *updates* the alert rather than raising it twice,
*resolves* it (sets `resolved_at`) when the condition no longer holds and *reopens* it when it
comes back. Each rule is written in one transaction; the emails of the alerts it raised are sent
after the commit.

Rules (thresholds are the module constants below; settings.HOCSO_ALERTS = {"NAME": value}
overrides any of them):
- below_target: a unit's stored value is worse than the plan's target by more than the margin
  of `dashboard.near_margin` (5 percentage points for percents, 5% of the target otherwise): the
  dashboard's and the annual report's "Chưa đạt" (dashboard.status_of is BELOW), so the three
  always agree and the margin is not overridden here; critical beyond 3 margins.
- report_late: a statistical report past its due date and still a draft or returned.
- absence: a learner studying who missed more than 3 days without permission, or more than 5
  days in all, in one calendar month (this month and the previous one) — drop-out risk.
- teacher_shortage: the periods a school's classes need in a subject against what its active
  teachers of that subject can give, short by half a teacher or more.

Who sees an alert: `Alert.audience` lists roles; a user sees an alert when they hold one of them
over a unit covering the alert's unit (monitoring.access.holds), within their read scope. A
teacher sees learners' alerts of their homeroom classes only. Learners are never named in the
stored title, detail or email: pages add the name for those who may read the learner.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hocso.accounts.models import Role, RoleAssignment
from hocso.accounts.scope import READ_ROLES, scope_for
from hocso.core.text import fold
from hocso.orgs.models import OrgKind, SchoolType, SchoolYear, ancestor_paths
from hocso.orgs.selectors import current_school_year
from hocso.registry.attendance import ABSENCE_TOTAL_LIMIT, ABSENCE_UNEXCUSED_LIMIT

from . import access, dashboard
from .models import (
    Alert,
    AlertReceipt,
    AlertRule,
    Indicator,
    IndicatorValue,
    ReportPeriod,
    ReportStatus,
    Severity,
    StatReport,
    Unit,
)

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- thresholds

# below_target: raised when dashboard.status_of says BELOW, i.e. worse than the target by more
# than dashboard.near_margin (5 percentage points for a percent, 5% of the target otherwise) —
# one rule for the dashboard, the annual report and this alert.
# A gap larger than this many margins is critical.
BELOW_TARGET_CRITICAL_MARGINS = 3

# report_late: a report this many days past its due date is critical.
REPORT_LATE_CRITICAL_DAYS = 14

# absence: MORE than this many days in one calendar month is a drop-out risk.
# The roll call's own limits (registry/attendance.py), so its month grid and this rule agree by
# default. A HOCSO_ALERTS override of these two changes this alert ONLY: the roll call's month
# grid keeps registry/attendance.py's limits (and then the two disagree).
ABSENCE_UNEXCUSED_DAYS = ABSENCE_UNEXCUSED_LIMIT
ABSENCE_TOTAL_DAYS = ABSENCE_TOTAL_LIMIT
# This many days in all (or more) in one month is critical.
ABSENCE_CRITICAL_DAYS = 10

# teacher_shortage. The weekly teaching norm of a full-time teacher (định mức tiết dạy/tuần):
# 23 periods in primary, 19 in lower secondary, 17 in upper secondary — the teacher working-regime
# circular, Thông tư 05/2025/TT-BGDĐT (chế độ làm việc đối với giáo viên phổ thông, dự bị đại
# học), which keeps the norms of the Thông tư 28/2009/TT-BGDĐT it replaced.
TEACHING_NORM_PRIMARY = 23
TEACHING_NORM_LOWER_SECONDARY = 19
TEACHING_NORM_UPPER_SECONDARY = 17
# Weeks of teaching in a school year (the curriculum's yearly periods are spread over 35 weeks).
TEACHING_WEEKS = 35
# A shortfall of at least this many teachers raises an alert; this many or more is critical.
SHORTAGE_MIN_TEACHERS = Decimal("0.5")
SHORTAGE_CRITICAL_TEACHERS = Decimal(2)
# How a teacher of several subjects splits their norm: "need" = in proportion to the periods the
# school needs in each of them (a primary class teacher listing "Tiếng Việt; Toán; Đạo đức; …"
# spends most periods on Tiếng Việt), "equal" = 1/k of it to each of k subjects.
SHORTAGE_SPLIT = "need"
# Subjects not checked: the homeroom teacher leads experiential activities (HĐTN) and the local
# content (GDĐP) is taught by teachers of other subjects; no teacher lists them.
SHORTAGE_UNCHECKED_SUBJECTS = ("HDTN", "GDDP")
# Subjects of some grades taught by teachers of other subjects: grades 6–9's Nghệ thuật is half
# music and half fine arts, taught by teachers of Âm nhạc and of Mĩ thuật.
SHORTAGE_SUBJECT_PARTS = {"NT": {"AN": Decimal("0.5"), "MT": Decimal("0.5")}}
# Grades 10–12: each class takes this many of its group's electives (which ones is not recorded,
# so each elective counts for this share of every class).
ELECTIVES_PER_CLASS = 4

# Who sees each rule's alerts (roles held over a unit covering the alert's unit).
OFFICE_AUDIENCE = [Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.SCHOOL_ADMIN]
ABSENCE_AUDIENCE = [Role.SCHOOL_ADMIN, Role.TEACHER]

_LEVELS = [OrgKind.PROVINCE, OrgKind.DISTRICT, OrgKind.COMMUNE, OrgKind.SCHOOL]


def setting(name: str):
    """A threshold: settings.HOCSO_ALERTS[name] if set, else this module's constant."""
    overrides = getattr(settings, "HOCSO_ALERTS", None) or {}
    if name in overrides:
        return overrides[name]
    return globals()[name]


def _dec(name: str) -> Decimal:
    return Decimal(str(setting(name)))


def teaching_norm(school_type: str) -> int:
    """Periods per week a full-time teacher of a school of this type gives (a continuing-
    education centre counts as upper secondary, a multi-level school as lower secondary)."""
    if school_type == SchoolType.PRIMARY:
        return int(setting("TEACHING_NORM_PRIMARY"))
    if school_type in (SchoolType.UPPER_SECONDARY, SchoolType.CONTINUING):
        return int(setting("TEACHING_NORM_UPPER_SECONDARY"))
    return int(setting("TEACHING_NORM_LOWER_SECONDARY"))


# ---------------------------------------------------------------- helpers

TENTH = Decimal("0.1")


def _round(value: Decimal, places: Decimal = TENTH) -> Decimal:
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def _num(value) -> str:
    """A number as Vietnamese write it: decimal comma, no trailing zeros ("4,5", "50")."""
    text = format(_round(Decimal(value), Decimal("0.01")).normalize(), "f")
    return text.replace(".", ",")


def _path(name: str, args: list, fallback: str, query: str = "") -> str:
    """A path of this site (the named route if it is installed, else its contract path)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        url = fallback
    return f"{url}?{query}" if query else url


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


@dataclass(frozen=True)
class AlertSummary:
    raised: int
    updated: int
    resolved: int


@dataclass(frozen=True)
class Rule:
    name: str
    # (year, today) → {key: fields}
    conditions: Callable[[SchoolYear, date], dict[str, dict]]
    # The open alerts of this rule that a run for `year` answers for (resolved when not found).
    owns: Callable[[SchoolYear], Q]


# ---------------------------------------------------------------- below_target


def _margin(indicator: Indicator) -> tuple[str, Decimal]:
    """The margin as the alert's data records it: ("points", 5) for a percent, ("relative",
    0.05) otherwise (dashboard.near_margin's terms)."""
    if indicator.unit == Unit.PERCENT:
        return "points", dashboard.NEAR_MARGIN_POINTS
    return "relative", dashboard.NEAR_MARGIN_SHARE


def below_target_gap(indicator: Indicator, value: Decimal, target: Decimal) -> Decimal | None:
    """How far `value` is worse than `target`, in the margin's terms (percentage points for a
    percent, a share of the target otherwise); None when it is not worse (or cannot be said:
    a target of 0 outside percents)."""
    shortfall = (target - value) if indicator.higher_is_better else (value - target)
    if shortfall <= 0:
        return None
    if indicator.unit == Unit.PERCENT:
        return shortfall
    if target == 0:
        return None
    return shortfall / abs(target)


def below_target_conditions(year: SchoolYear, today: date) -> dict[str, dict]:
    from .compute import value_of
    from .selectors import target_for
    from .sources import current_units

    conditions = {}
    indicators = Indicator.objects.exclude(source="").prefetch_related("targets")
    open_units = current_units()
    for indicator in indicators:
        target = target_for(indicator, year)
        if target is None or indicator.lowest_level not in _LEVELS:
            continue  # no target, or meaningful only above the province
        kinds = _LEVELS[: _LEVELS.index(indicator.lowest_level) + 1]
        kind_margin, margin = _margin(indicator)
        rows = (
            IndicatorValue.objects.filter(
                indicator=indicator,
                year=year,
                breakdown="",
                org_unit__kind__in=kinds,
                org_unit__in=open_units,
            )
            .select_related("org_unit")
            .order_by("org_unit__path")
        )
        for row in rows:
            value = value_of(row.numerator, row.denominator, indicator.unit)
            if value is None:
                continue
            if dashboard.status_of(value, target, indicator) != dashboard.BELOW:
                continue
            gap = below_target_gap(indicator, value, target)
            shortfall = abs(value - target)  # in the indicator's unit
            unit = row.org_unit
            critical = shortfall > dashboard.near_margin(indicator, target) * int(
                setting("BELOW_TARGET_CRITICAL_MARGINS")
            )
            suffix = "%" if indicator.unit == Unit.PERCENT else ""
            if kind_margin == "points":
                gap_text = _("%(gap)s điểm phần trăm") % {"gap": _num(shortfall)}
            elif gap is not None:
                gap_text = f"{_num(gap * 100)}%"
            else:  # a target of 0: no share of it to give
                gap_text = _num(shortfall)
            title = (
                _("%(indicator)s của %(unit)s thấp hơn mục tiêu")
                if indicator.higher_is_better
                else _("%(indicator)s của %(unit)s cao hơn mục tiêu")
            ) % {"indicator": indicator.name, "unit": unit.name}
            detail = _(
                "Năm học %(year)s: %(value)s%(suffix)s so với mục tiêu %(target)s%(suffix)s "
                "(chênh %(gap)s)."
            ) % {
                "year": year.code,
                "value": _num(value),
                "target": _num(target),
                "suffix": suffix,
                "gap": gap_text,
            }
            conditions[f"below_target:{indicator.code}:{unit.code}:{year.code}"] = {
                "severity": Severity.CRITICAL if critical else Severity.WARNING,
                "org_unit_id": unit.pk,
                "year_id": year.pk,
                "indicator_id": indicator.pk,
                "title": title,
                "detail": detail,
                "link": _path(
                    "monitoring:indicator",
                    [indicator.code],
                    f"/monitoring/indicators/{indicator.code}/",
                    f"org={unit.code}&year={year.code}",
                ),
                "data": {
                    "value": str(value),
                    "target": str(target),
                    "numerator": str(row.numerator),
                    "denominator": None if row.denominator is None else str(row.denominator),
                    "gap": None if gap is None else str(_round(gap, Decimal("0.0001"))),
                    "margin": str(margin),
                    "margin_kind": kind_margin,
                    "unit": indicator.unit,
                    "higher_is_better": indicator.higher_is_better,
                },
                "audience": list(OFFICE_AUDIENCE),
            }
    return conditions


# ---------------------------------------------------------------- report_late


def report_late_conditions(year: SchoolYear, today: date) -> dict[str, dict]:
    late = StatReport.objects.filter(
        year=year,
        due_date__lt=today,
        status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
    ).select_related("org_unit", "year")
    critical_days = int(setting("REPORT_LATE_CRITICAL_DAYS"))
    conditions = {}
    for report in late:
        days = (today - report.due_date).days
        period = ReportPeriod(report.period).label
        title = _("Báo cáo thống kê %(period)s %(year)s của %(unit)s quá hạn nộp %(due)s") % {
            "period": str(period).lower(),
            "year": report.year.code,
            "unit": report.org_unit.name,
            "due": report.due_date.strftime("%d/%m/%Y"),
        }
        detail = (
            _("Báo cáo bị trả lại, chưa gửi lại.")
            if report.status == ReportStatus.RETURNED
            else _("Báo cáo chưa được gửi.")
        )
        conditions[f"report_late:{report.pk}"] = {
            "severity": Severity.CRITICAL if days > critical_days else Severity.WARNING,
            "org_unit_id": report.org_unit_id,
            "year_id": report.year_id,
            "title": title,
            "detail": detail,
            "link": _path("monitoring:report", [report.pk], f"/monitoring/reports/{report.pk}/"),
            "data": {
                "report_id": report.pk,
                "period": report.period,
                "status": report.status,
                "due_date": report.due_date.isoformat(),
                "critical_after_days": critical_days,
            },
            "audience": list(OFFICE_AUDIENCE),
        }
    return conditions


# ---------------------------------------------------------------- absence


def absence_conditions(year: SchoolYear, today: date) -> dict[str, dict]:
    """Learners studying with too many days absent in this month or the previous one: one
    grouped query over registry.Absence, then one for their classes."""
    from hocso.registry.models import Absence, Enrollment, SchoolClass, StudentStatus

    unexcused_limit = int(setting("ABSENCE_UNEXCUSED_DAYS"))
    total_limit = int(setting("ABSENCE_TOTAL_DAYS"))
    critical_days = int(setting("ABSENCE_CRITICAL_DAYS"))
    rows = list(
        Absence.objects.filter(
            date__gte=previous_month_start(today),
            date__lte=today,
            student__status=StudentStatus.STUDYING,
        )
        .annotate(month=TruncMonth("date"))
        .values("student_id", "month")
        .annotate(
            total=Count("id"),
            unexcused=Count("id", filter=Q(excused=False)),
            last_class=Max("school_class_id"),
        )
        .filter(Q(unexcused__gt=unexcused_limit) | Q(total__gt=total_limit))
        .order_by("student_id", "month")
    )
    if not rows:
        return {}
    students = {r["student_id"] for r in rows}
    # The learner's class now (its homeroom teacher is who should act); else the class of the
    # absences.
    current = dict(
        Enrollment.objects.filter(student_id__in=students, end_date__isnull=True).values_list(
            "student_id", "school_class_id"
        )
    )
    class_ids = set(current.values()) | {r["last_class"] for r in rows}
    classes = {
        c.pk: c for c in SchoolClass.objects.filter(pk__in=class_ids).select_related("school")
    }
    years = {y.pk: y for y in SchoolYear.objects.all()}
    conditions = {}
    for row in rows:
        school_class = classes[current.get(row["student_id"], row["last_class"])]
        month = row["month"]
        if hasattr(month, "date"):  # a datetime on some backends
            month = month.date()
        month_code = month.strftime("%Y-%m")
        total, unexcused = row["total"], row["unexcused"]
        title = _(
            "Học sinh lớp %(class)s có nguy cơ bỏ học: nghỉ %(total)s ngày trong tháng %(month)s"
        ) % {"class": school_class.name, "total": total, "month": month.strftime("%m/%Y")}
        detail = _(
            "%(unexcused)s ngày nghỉ không phép, %(excused)s ngày nghỉ có phép "
            "(ngưỡng: quá %(u)s ngày không phép hoặc quá %(t)s ngày tất cả trong một tháng)."
        ) % {
            "unexcused": unexcused,
            "excused": total - unexcused,
            "u": unexcused_limit,
            "t": total_limit,
        }
        year_of_class = years.get(school_class.year_id, year)
        conditions[f"absence:{row['student_id']}:{month_code}"] = {
            "severity": Severity.CRITICAL if total >= critical_days else Severity.WARNING,
            "org_unit_id": school_class.school_id,
            "year_id": year_of_class.pk,
            "student_id": row["student_id"],
            "title": title,
            "detail": detail,
            "link": _path(
                "registry:student",
                [row["student_id"]],
                f"/students/{row['student_id']}/",
            ),
            "data": {
                "month": month_code,
                "total": total,
                "unexcused": unexcused,
                "class_id": school_class.pk,
                "class_name": school_class.name,
                "unexcused_limit": unexcused_limit,
                "total_limit": total_limit,
            },
            "audience": list(ABSENCE_AUDIENCE),
        }
    return conditions


# ---------------------------------------------------------------- teacher_shortage


def periods_needed(
    classes_per_grade: dict[int, int], grade_subjects: list[tuple[int, str, int, bool, str]]
) -> dict[str, dict[int, Decimal]]:
    """Periods per week each subject needs, by grade: {subject code: {grade: periods}}.

    `grade_subjects`: (grade, subject code, periods per year, compulsory, elective group).
    Optional subjects are left out, electives count for ELECTIVES_PER_CLASS out of their group,
    unchecked subjects are dropped, and subjects taught by teachers of other subjects are split
    into those (SHORTAGE_SUBJECT_PARTS)."""
    weeks = Decimal(int(setting("TEACHING_WEEKS")))
    per_class = int(setting("ELECTIVES_PER_CLASS"))
    unchecked = set(setting("SHORTAGE_UNCHECKED_SUBJECTS"))
    parts = setting("SHORTAGE_SUBJECT_PARTS")
    group_sizes: dict[tuple[int, str], int] = defaultdict(int)
    for grade, _code, _periods, _compulsory, group in grade_subjects:
        if group:
            group_sizes[(grade, group)] += 1
    needed: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for grade, code, periods, compulsory, group in grade_subjects:
        classes = classes_per_grade.get(grade, 0)
        if not classes or code in unchecked:
            continue
        if group:
            # ELECTIVES_PER_CLASS of the group's subjects (all of them in a smaller group).
            taken, among = min(per_class, group_sizes[(grade, group)]), group_sizes[(grade, group)]
        elif compulsory:
            taken, among = 1, 1
        else:
            continue
        # Multiplied out before dividing, so whole figures stay whole.
        weekly = Decimal(periods) * classes * taken / (weeks * among)
        for part, fraction in parts.get(code, {code: Decimal(1)}).items():
            needed[part][grade] += weekly * Decimal(str(fraction))
    return {code: dict(grades) for code, grades in needed.items()}


def periods_available(
    teachers: list[list[str]], need: dict[str, Decimal], norm: int
) -> dict[str, Decimal]:
    """Periods per week the teachers can give each subject. `teachers`: each one's subject
    codes (unknown names included as None); `need`: the school's weekly need per subject.
    A teacher's norm is split over their subjects (SHORTAGE_SPLIT)."""
    available: dict[str, Decimal] = defaultdict(Decimal)
    split = setting("SHORTAGE_SPLIT")
    for codes in teachers:
        if not codes:
            continue
        weights = {}
        if split == "need":
            weights = {c: need.get(c, Decimal(0)) for c in codes if c is not None}
        if not any(weights.values()):
            weights = {c: Decimal(1) for c in codes}
        total = sum(weights.values())
        for code, weight in weights.items():
            if code is not None and weight:
                available[code] += Decimal(norm) * weight / total
    return dict(available)


def _subject_codes(text: str, by_name: dict[str, str]) -> list[str | None]:
    """ "Toán; Tin học" → ["TOAN", "TIN"]; a name the curriculum does not know → None."""
    names = [part.strip() for part in (text or "").split(";") if part.strip()]
    return [by_name.get(fold(name)) for name in names]


def teacher_shortage_conditions(year: SchoolYear, today: date) -> dict[str, dict]:
    from hocso.curriculum.models import GradeSubject, Subject
    from hocso.registry.models import Position, SchoolClass, Staff

    from .sources import schools_qs

    schools = {s.pk: s for s in schools_qs().only("pk", "code", "name", "school_type")}
    classes: dict[int, dict[int, int]] = defaultdict(dict)
    for school_id, grade, n in (
        SchoolClass.objects.filter(year=year, school_id__in=schools)
        .values_list("school_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    ):
        classes[school_id][grade] = n
    if not classes:
        return {}
    subjects = {s.code: s for s in Subject.objects.all()}
    by_name = {fold(s.name): s.code for s in subjects.values()}
    grade_subjects = list(
        GradeSubject.objects.values_list(
            "grade", "subject__code", "periods_per_year", "is_compulsory", "elective_group"
        )
    )
    teachers: dict[int, list[list[str | None]]] = defaultdict(list)
    for school_id, text in Staff.objects.filter(
        school_id__in=classes, is_active=True, position=Position.TEACHER
    ).values_list("school_id", "subjects"):
        teachers[school_id].append(_subject_codes(text, by_name))
    min_teachers = _dec("SHORTAGE_MIN_TEACHERS")
    critical_teachers = _dec("SHORTAGE_CRITICAL_TEACHERS")
    conditions = {}
    for school_id, per_grade in classes.items():
        school = schools[school_id]
        norm = teaching_norm(school.school_type)
        needed = periods_needed(per_grade, grade_subjects)
        need_total = {code: sum(grades.values(), Decimal(0)) for code, grades in needed.items()}
        available = periods_available(teachers.get(school_id, []), need_total, norm)
        for code, total in sorted(need_total.items()):
            have = available.get(code, Decimal(0))
            shortfall = total - have
            if shortfall < min_teachers * norm:
                continue
            subject = subjects[code]
            listing = sum(1 for codes in teachers.get(school_id, []) if code in codes)
            short_teachers = shortfall / norm
            title = _("%(school)s thiếu giáo viên môn %(subject)s") % {
                "school": school.name,
                "subject": subject.name,
            }
            detail = _(
                "Năm học %(year)s: các lớp cần %(need)s tiết/tuần, giáo viên hiện có dạy được "
                "%(have)s tiết/tuần; thiếu %(short)s tiết, khoảng %(teachers)s giáo viên "
                "(định mức %(norm)s tiết/tuần)."
            ) % {
                "year": year.code,
                "need": _num(_round(total)),
                "have": _num(_round(have)),
                "short": _num(_round(shortfall)),
                "teachers": _num(_round(short_teachers)),
                "norm": norm,
            }
            conditions[f"teacher_shortage:{school.code}:{code}:{year.code}"] = {
                "severity": (
                    Severity.CRITICAL if short_teachers >= critical_teachers else Severity.WARNING
                ),
                "org_unit_id": school.pk,
                "year_id": year.pk,
                "subject_id": subject.pk,
                "title": title,
                "detail": detail,
                "link": _path(
                    "orgs:school", [school.code], f"/schools/{school.code}/", "tab=staff"
                ),
                "data": {
                    "needed": str(_round(total)),
                    "available": str(_round(have)),
                    "shortfall": str(_round(shortfall)),
                    "teachers_short": str(_round(short_teachers)),
                    "teachers_listing": listing,
                    "norm": norm,
                    "weeks": int(setting("TEACHING_WEEKS")),
                    "grades": [
                        {
                            "grade": grade,
                            "classes": per_grade.get(grade, 0),
                            "periods": str(_round(periods)),
                        }
                        for grade, periods in sorted(needed[code].items())
                    ],
                },
                "audience": list(OFFICE_AUDIENCE),
            }
    return conditions


# ---------------------------------------------------------------- evaluation

RULES: dict[str, Rule] = {
    AlertRule.BELOW_TARGET: Rule(
        AlertRule.BELOW_TARGET, below_target_conditions, lambda year: Q(year=year)
    ),
    AlertRule.REPORT_LATE: Rule(
        AlertRule.REPORT_LATE, report_late_conditions, lambda year: Q(year=year)
    ),
    # Absences are read by month around today whatever the year: every open one is answered for.
    AlertRule.ABSENCE: Rule(AlertRule.ABSENCE, absence_conditions, lambda year: Q()),
    AlertRule.TEACHER_SHORTAGE: Rule(
        AlertRule.TEACHER_SHORTAGE, teacher_shortage_conditions, lambda year: Q(year=year)
    ),
}

KEY_BATCH = 500
_FIELDS = (
    "severity",
    "org_unit_id",
    "year_id",
    "indicator_id",
    "student_id",
    "subject_id",
    "title",
    "detail",
    "link",
    "data",
    "audience",
)
_DEFAULTS = {
    "severity": Severity.WARNING,
    "year_id": None,
    "indicator_id": None,
    "student_id": None,
    "subject_id": None,
    "detail": "",
    "link": "",
    "data": {},
    "audience": [],
}


def _apply(rule: Rule, conditions: dict[str, dict], year: SchoolYear, now) -> tuple[list, int, int]:
    """Upsert one rule's alerts (in the caller's transaction): (raised ids, updated, resolved).

    Another run of the same rule may create an alert between our read and our insert (two
    `evaluate` at once: the command and the task, say). The new alerts are inserted in one
    savepoint; on a duplicate key, one savepoint each, and a key created by the other run is
    read back (locked, waiting for its commit) and handled like one we had found: updated,
    neither raised nor emailed twice."""
    locked = Alert.objects.select_for_update()
    existing = {
        a.key: a
        for a in locked.filter(Q(rule=rule.name, resolved_at__isnull=True) & rule.owns(year))
    }
    keys = [k for k in conditions if k not in existing]
    for start in range(0, len(keys), KEY_BATCH):  # resolved ones that may come back
        existing.update({a.key: a for a in locked.filter(key__in=keys[start : start + KEY_BATCH])})
    raised, updated = [], 0
    new = [
        Alert(rule=rule.name, key=key, raised_at=now, **{f: fields[f] for f in _FIELDS})
        for key, fields in (
            (key, {**_DEFAULTS, **given})
            for key, given in conditions.items()
            if key not in existing
        )
    ]
    for alert, created in _insert(new, locked):
        if created:
            raised.append(alert.pk)
        else:  # created by the other run meanwhile: updated below like a found one
            existing[alert.key] = alert
    for key, given in conditions.items():
        alert = existing.get(key)
        if alert is None:
            continue  # inserted just now
        fields = {**_DEFAULTS, **given}
        changed = [f for f in _FIELDS if getattr(alert, f) != fields[f]]
        for f in changed:
            setattr(alert, f, fields[f])
        if alert.resolved_at is not None:
            # It came back: open again, unread again, emailed again.
            alert.resolved_at = None
            alert.raised_at = now
            alert.emailed_at = None
            alert.save()
            AlertReceipt.objects.filter(alert=alert).delete()
            raised.append(alert.pk)
        elif changed:
            alert.save(update_fields=[*changed, "updated_at"])
            updated += 1
    gone = [a.pk for key, a in existing.items() if key not in conditions and a.resolved_at is None]
    if gone:
        Alert.objects.filter(pk__in=gone).update(resolved_at=now, updated_at=now)
    return raised, updated, len(gone)


def _insert(new: list[Alert], locked: QuerySet[Alert]) -> list[tuple[Alert, bool]]:
    """Insert `new`: (alert, True) for each row inserted, (the other run's row, False) for a
    key another run inserted first."""
    if not new:
        return []
    try:
        with transaction.atomic():
            created = Alert.objects.bulk_create(new, batch_size=KEY_BATCH)
    except IntegrityError:
        pass
    else:
        if any(a.pk is None for a in created):  # a backend that does not return ids
            ids = dict(
                Alert.objects.filter(key__in=[a.key for a in created]).values_list("key", "pk")
            )
            for alert in created:
                alert.pk = ids[alert.key]
        return [(alert, True) for alert in created]
    out = []
    for alert in new:
        alert.pk = None
        alert._state.adding = True
        try:
            with transaction.atomic():
                alert.save(force_insert=True)
            out.append((alert, True))
        except IntegrityError:
            out.append((locked.get(key=alert.key), False))
    return out


def evaluate(
    year=None, rules=None, *, today: date | None = None, email: bool = True
) -> AlertSummary:
    """Evaluate `rules` (names; default all) for `year` (a SchoolYear or "YYYY-YYYY"; default the
    current school year) on `today` (default: today), one transaction per rule; the alerts
    raised are emailed after each commit."""
    today = today or timezone.localdate()
    if isinstance(year, str):
        year = SchoolYear.objects.get(code=year)
    year = year or current_school_year(on=today)
    if year is None:
        return AlertSummary(0, 0, 0)
    names = list(rules) if rules else list(RULES)
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"Unknown alert rule(s): {', '.join(unknown)}")
    raised = updated = resolved = 0
    # Titles and details are stored: always in the site's language, whatever the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        for name in names:
            rule = RULES[name]
            conditions = rule.conditions(year, today)
            with transaction.atomic():
                new, changed, gone = _apply(rule, conditions, year, timezone.now())
                if new and email:
                    transaction.on_commit(partial(send_alert_emails, new))
            raised += len(new)
            updated += changed
            resolved += gone
    return AlertSummary(raised=raised, updated=updated, resolved=resolved)


# ---------------------------------------------------------------- who sees what


def _audience_has(role: str) -> Q:
    # The audience is a JSON list of role names: match the quoted name in its text (works on
    # SQLite and PostgreSQL alike, where JSON `contains` is PostgreSQL-only).
    return Q(audience__icontains=f'"{role}"')


def homeroom_class_ids(user) -> list[int]:
    from hocso.registry.models import SchoolClass

    cached = getattr(user, "_hocso_homeroom_classes", None)
    if cached is None:
        cached = list(
            SchoolClass.objects.filter(homeroom_teacher__user=user).values_list("pk", flat=True)
        )
        user._hocso_homeroom_classes = cached
    return cached


def visible_alerts(user) -> QuerySet[Alert]:
    """Every alert (open or resolved) the user may see: in their read scope, with a role of the
    audience held over a unit covering the alert's unit; a teacher only learners' alerts of
    their homeroom classes."""
    if not user or not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    if user.is_superuser:
        return Alert.objects.all()
    scope = scope_for(user)
    if not scope.is_staff_member:
        return Alert.objects.none()
    condition = Q(pk__in=[])
    for role, path in access._assignments(user):
        if role not in READ_ROLES:
            continue
        part = Q(org_unit__path__startswith=path) & _audience_has(role)
        if role == Role.TEACHER:
            part &= Q(student__isnull=True) | Q(data__class_id__in=homeroom_class_ids(user))
        condition |= part
    return Alert.objects.filter(condition).filter(scope.q("org_unit__path"))


def may_see(user, alert: Alert) -> bool:
    """`visible_alerts` for one alert, in Python (who is emailed)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    path = alert.org_unit.path
    if not scope_for(user).covers(path):
        return False
    for role in alert.audience:
        if role not in READ_ROLES or not access.holds(user, {role}, path):
            continue
        homeroom = (alert.data or {}).get("class_id") in homeroom_class_ids(user)
        if role == Role.TEACHER and alert.student_id is not None and not homeroom:
            continue
        return True
    return False


def inbox(user) -> QuerySet[Alert]:
    """The user's open alerts, newest first."""
    return visible_alerts(user).filter(resolved_at__isnull=True).order_by("-raised_at", "-id")


def with_read(qs: QuerySet[Alert], user) -> QuerySet[Alert]:
    """Alerts annotated with `is_read` (the user has a receipt)."""
    return qs.annotate(is_read=Exists(AlertReceipt.objects.filter(alert=OuterRef("pk"), user=user)))


def unread_count(user) -> int:
    """How many open alerts of the user's inbox they have not read."""
    if not user or not user.is_authenticated:
        return 0
    return (
        inbox(user)
        .exclude(Exists(AlertReceipt.objects.filter(alert=OuterRef("pk"), user=user)))
        .count()
    )


def mark_read(alert: Alert, user) -> None:
    AlertReceipt.objects.get_or_create(alert=alert, user=user)


def mark_all_read(user) -> int:
    """Mark every unread open alert of the user's inbox read; how many."""
    unread = list(
        inbox(user)
        .exclude(Exists(AlertReceipt.objects.filter(alert=OuterRef("pk"), user=user)))
        .values_list("pk", flat=True)
    )
    AlertReceipt.objects.bulk_create(
        [AlertReceipt(alert_id=pk, user=user) for pk in unread], ignore_conflicts=True
    )
    return len(unread)


# ---------------------------------------------------------------- email


def site_url() -> str:
    """The site's address for links in emails: HOCSO_PUBLIC_URL, else the first allowed host."""
    public = getattr(settings, "HOCSO_PUBLIC_URL", "")
    if public:
        return public.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    return f"http://{hosts[0] if hosts else 'localhost'}"


def recipients(alert: Alert) -> list:
    """Users to email about an alert: holders of an audience role over a unit covering it, with
    an email address, who may see it (a teacher: their homeroom's learners only)."""
    return recipients_of([alert])[alert.pk]


def recipients_of(alerts: list[Alert]) -> dict[int, list]:
    """`recipients` of many alerts at once, by alert pk, in a fixed number of queries whatever
    their number: the candidates' role assignments (one query), the users (one), the teachers'
    homeroom classes (one), then matched in Python as `may_see` does. A READ role held over a
    unit covering the alert's unit puts the unit in the holder's read scope, so `may_see`'s
    scope check is already met."""
    from hocso.accounts.models import User
    from hocso.registry.models import SchoolClass

    alerts = [a for a in alerts if a is not None]
    if not alerts:
        return {}
    roles = {role for a in alerts for role in a.audience if role in READ_ROLES}
    paths = {p for a in alerts for p in ancestor_paths(a.org_unit.path)}
    held: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for user_id, role, path in RoleAssignment.objects.filter(
        role__in=roles, org_unit__path__in=paths
    ).values_list("user_id", "role", "org_unit__path"):
        held[user_id].append((role, path))
    users = list(
        User.objects.filter(is_active=True, pk__in=list(held)).exclude(email="").order_by("pk")
    )
    homeroom: dict[int, set[int]] = defaultdict(set)
    teachers = [u.pk for u in users if any(role == Role.TEACHER for role, _p in held[u.pk])]
    if teachers and any(a.student_id is not None for a in alerts):
        for user_id, class_id in SchoolClass.objects.filter(
            homeroom_teacher__user_id__in=teachers
        ).values_list("homeroom_teacher__user_id", "pk"):
            homeroom[user_id].add(class_id)
    out = {}
    for alert in alerts:
        above = set(ancestor_paths(alert.org_unit.path))
        audience = set(alert.audience)
        class_id = (alert.data or {}).get("class_id")
        out[alert.pk] = [
            user
            for user in users
            if any(
                role in audience
                and path in above
                and (
                    user.is_superuser
                    or role != Role.TEACHER
                    or alert.student_id is None
                    or class_id in homeroom[user.pk]
                )
                for role, path in held[user.pk]
            )
        ]
    return out


def _message(alert: Alert) -> tuple[str, str]:
    # Never the learner's name: the title and detail do not carry it and email leaves the site.
    link = site_url() + _path("monitoring:alert", [alert.pk], f"/monitoring/alerts/{alert.pk}/")
    subject = _("[Cảnh báo] %(title)s") % {"title": alert.title}
    body = "\n\n".join(
        part
        for part in (
            alert.title,
            alert.detail,
            _("Mức độ: %(severity)s") % {"severity": alert.get_severity_display()},
            _("Xem chi tiết và số liệu: %(link)s") % {"link": link},
            _("Thư này được gửi tự động từ trung tâm giám sát; vui lòng không trả lời."),
        )
        if part
    )
    return subject.replace("\n", " ")[:200], body


def send_alert_emails(alert_ids: list[int]) -> int:
    """One email per recipient per alert (send_mass_mail, one connection); sets emailed_at.
    Returns how many emails were sent."""
    messages = []
    sent_ids = []
    with translation.override(settings.LANGUAGE_CODE):
        alerts = list(
            Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).select_related(
                "org_unit"
            )
        )
        audience = recipients_of(alerts)
        for alert in alerts:
            people = audience[alert.pk]
            if not people:
                continue
            subject, body = _message(alert)
            messages += [(subject, body, None, [u.email]) for u in people]
            sent_ids.append(alert.pk)
    if not messages:
        return 0
    try:
        count = send_mass_mail(messages, fail_silently=False)
    except Exception:  # the alerts stay raised; emailed_at stays empty and says so
        logger.exception("Sending alert emails failed")
        return 0
    Alert.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    return count


__all__ = [
    "AlertSummary",
    "RULES",
    "evaluate",
    "inbox",
    "mark_all_read",
    "mark_read",
    "may_see",
    "unread_count",
    "visible_alerts",
]
