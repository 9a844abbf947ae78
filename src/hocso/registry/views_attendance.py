"""Attendance pages: the day's roll call of a class (made for a phone) and the month grid.

Thin: the class comes from the scoped selector (outside the actor's scope: 404), the rules and
the write from registry/attendance.py (who may record, which days, replace semantics). The roll
call is one plain form posting the whole class: it works without JavaScript; the reason box is
hidden by CSS while a learner is marked present.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import attendance
from .selectors import class_get

PRESENT, EXCUSED, UNEXCUSED = "present", "P", "K"
STATUSES = (PRESENT, EXCUSED, UNEXCUSED)
# Column heads of the month grid, Monday first (date.weekday()).
WEEKDAY_SHORT = (
    gettext_lazy("T2"), gettext_lazy("T3"), gettext_lazy("T4"), gettext_lazy("T5"),
    gettext_lazy("T6"), gettext_lazy("T7"), gettext_lazy("CN"),
)  # fmt: skip


def _class_or_404(request, pk: int):
    try:
        return class_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _default_day(school_class, today: date) -> date:
    """Today, or the last day of the class's year before it; Sundays step back to Saturday."""
    year = school_class.year
    day = min(today, year.end_date)
    if day < year.start_date:
        return year.start_date
    if day.weekday() == attendance.SUNDAY and day > year.start_date:
        day -= timedelta(days=1)
    return day


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _step(school_class, day: date, delta: int, today: date) -> date | None:
    """The day before (-1) or after (+1) `day` that may have lessons, inside the year and not
    past today; None at either end."""
    year = school_class.year
    day += timedelta(days=delta)
    if day.weekday() == attendance.SUNDAY:
        day += timedelta(days=delta)
    if day < year.start_date or day > min(year.end_date, today):
        return None
    return day


@dataclass
class RollCallRow:
    number: int
    student: object
    status: str = PRESENT
    reason: str = ""
    errors: list = field(default_factory=list)


def _read_rows(request, rows: list[RollCallRow]) -> dict[int, tuple[bool, str]]:
    """Take the posted status and reason of every learner on the list; mark bad rows."""
    absences = {}
    for row in rows:
        key = row.student.pk
        row.status = request.POST.get(f"s-{key}", PRESENT)
        row.reason = request.POST.get(f"r-{key}", "").strip()
        if row.status not in STATUSES:
            row.errors.append(_("Chọn có mặt, vắng có phép (P) hoặc vắng không phép (K)."))
            continue
        if row.status == PRESENT:
            row.reason = ""
            continue
        if len(row.reason) > attendance.REASON_MAX_LENGTH:
            row.errors.append(
                _("Lý do nghỉ dài quá %(n)s ký tự.") % {"n": attendance.REASON_MAX_LENGTH}
            )
            continue
        absences[key] = (row.status == EXCUSED, row.reason)
    return absences


@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request, pk: int):
    """The class list for one day with present / P / K per learner and one save button."""
    school_class = _class_or_404(request, pk)
    actor = request.user
    today = timezone.localdate()
    may_record = attendance.can_record(actor, school_class)
    if request.method == "POST" and not may_record:
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    asked = source.get("date", "").strip()
    day = _parse_day(asked) if asked else _default_day(school_class, today)
    http_status = 200
    if day is None:
        if request.method == "POST":
            messages.error(request, _("Ngày điểm danh không hợp lệ: %(value)s.") % {"value": asked})
            return redirect(reverse("registry:attendance", args=[school_class.pk]))
        messages.error(
            request,
            _("Ngày không hợp lệ: “%(value)s” (cần dạng năm-tháng-ngày).") % {"value": asked[:20]},
        )
        day, http_status = _default_day(school_class, today), 400
    problem = attendance.day_problem(school_class, day, today=today)
    roster = list(attendance.roll_call_roster(school_class, day))
    existing = attendance.day_absences(school_class, day)
    rows = []
    for number, student in enumerate(roster, start=1):
        absence = existing.get(student.pk)
        rows.append(
            RollCallRow(
                number=number,
                student=student,
                status=PRESENT if absence is None else (EXCUSED if absence.excused else UNEXCUSED),
                reason=absence.reason if absence else "",
            )
        )
    url = f"{reverse('registry:attendance', args=[school_class.pk])}?date={day.isoformat()}"
    if request.method == "POST":
        absences = _read_rows(request, rows)
        if any(row.errors for row in rows):
            messages.error(request, _("Chưa lưu: có dòng không hợp lệ (đánh dấu đỏ)."))
            http_status = 400
        else:
            try:
                result = attendance.record_roll_call(school_class, day, absences, actor)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, _("Chưa lưu điểm danh: %(why)s") % {"why": message})
                http_status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Đã lưu điểm danh lớp %(name)s ngày %(day)s: %(present)s có mặt, "
                        "%(excused)s vắng có phép, %(unexcused)s vắng không phép."
                    )
                    % {
                        "name": school_class.name,
                        "day": f"{day:%d/%m/%Y}",
                        "present": result.present,
                        "excused": result.excused,
                        "unexcused": result.unexcused,
                    },  # fmt: skip
                )
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect(url)
    counts = {
        "excused": sum(1 for row in rows if row.status == EXCUSED),
        "unexcused": sum(1 for row in rows if row.status == UNEXCUSED),
    }
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "day": day,
        "today": today,
        "rows": rows,
        "counts": counts,
        "may_record": may_record,
        "editable": may_record and not problem,
        "problem": problem,
        "warning": attendance.day_warning(day) if not problem else "",
        "previous_day": _step(school_class, day, -1, today),
        "next_day": _step(school_class, day, +1, today),
        "min_day": school_class.year.start_date,
        "max_day": min(school_class.year.end_date, today),
        "last_saved": attendance.last_roll_call(school_class, day),
        "has_errors": any(row.errors for row in rows),
        "month": day.strftime("%Y-%m"),
    }
    return render(request, "registry/attendance.html", context, status=http_status)


# --- the month grid --------------------------------------------------------------------------


def _parse_month(text: str) -> date | None:
    try:
        year_text, month_text = text.strip().split("-")
        return date(int(year_text), int(month_text), 1)
    except ValueError:
        return None


def _year_months(school_class) -> list[date]:
    """The first days of the months the class's school year touches."""
    year = school_class.year
    months, month = [], year.start_date.replace(day=1)
    while month <= year.end_date:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


@login_required
@require_GET
def month(request, pk: int):
    """Learners × school days of one month with P/K marks, totals and the learners at risk."""
    school_class = _class_or_404(request, pk)
    today = timezone.localdate()
    months = _year_months(school_class)
    asked = request.GET.get("month", "").strip()
    first = _parse_month(asked) if asked else None
    http_status = 200
    if first is None or first not in months:
        if asked:
            messages.error(
                request,
                _("Tháng “%(value)s” không thuộc năm học %(year)s.")
                % {"value": asked[:20], "year": school_class.year.code},
            )
            http_status = 400
        first = _default_day(school_class, today).replace(day=1)
    rows = attendance.month_summary(school_class, first)
    days = attendance.school_days(school_class, first)
    columns = [(day, WEEKDAY_SHORT[day.weekday()], day <= today) for day in days]
    for row in rows:
        marks = {absence.date: absence for absence in row.days}
        row.cells = [(day, marks.get(day)) for day in days]
    index = months.index(first)
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "first": first,
        "columns": columns,
        "today": today,
        "rows": rows,
        "at_risk": sum(1 for row in rows if row.at_risk),
        "previous_month": months[index - 1] if index > 0 else None,
        "next_month": months[index + 1] if index + 1 < len(months) else None,
        "months": months,
        "may_record": attendance.can_record(request.user, school_class),
        "unexcused_limit": attendance.ABSENCE_UNEXCUSED_LIMIT,
        "total_limit": attendance.ABSENCE_TOTAL_LIMIT,
    }
    return render(request, "registry/attendance_month.html", context, status=http_status)


urlpatterns = [
    path("classes/<int:pk>/attendance/", roll_call, name="attendance"),
    path("classes/<int:pk>/attendance/month/", month, name="attendance_month"),
]
