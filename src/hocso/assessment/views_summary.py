"""Results summaries of the monitoring centre: learning levels (Circular 22: Tốt, Khá, Đạt, Chưa
đạt) of a class, a school and an area (commune, former district, province), for term I, term II
or the year, each with its .xlsx export, and the action that computes a school's results.

Thin: reads go through the scoped selectors (a class, school or unit outside the actor's read
scope is a 404), the computation through `services.results_compute`. Percentages are worked out
here from counts, and every total is a sum of counts — a percentage is never averaged.

Every export is written to the audit log. The school and area files hold counts only; the class
file lists its learners (personal data), so it is also marked personal and never cached.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import fold
from hocso.curriculum.models import LAST_PRIMARY_GRADE, Subject
from hocso.orgs.models import OrgKind, OrgUnit, SchoolType, SchoolYear
from hocso.orgs.selectors import current_school_year, orgunits_in_scope, orgunits_visible
from hocso.registry.importers.cells import neutralise
from hocso.registry.selectors import class_get

from . import selectors, services
from .models import Level, LockStatus, Period

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIODS = (Period.FIRST, Period.SECOND, Period.YEAR)  # the order of the tabs

# What a learner of a summary counts as, in the order bars and tables show them.
CATEGORIES = (
    (Level.GOOD, Level.GOOD.label, "bg-success"),
    (Level.FAIR, Level.FAIR.label, "bg-primary"),
    (Level.PASS, Level.PASS.label, "bg-info"),
    (Level.FAIL, Level.FAIL.label, "bg-danger"),
    ("incomplete", gettext_lazy("Chưa đủ điểm"), "bg-warning"),
    ("no_result", gettext_lazy("Chưa có kết quả"), "bg-secondary"),
)


# --- counts and percentages --------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal:
    """One decimal, half up (as the grade books round); 0 for an empty row."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Share:
    key: str
    label: str
    css: str
    count: int
    percent: Decimal

    @property
    def width(self) -> str:
        """For style="width: …%": always a dot, whatever the page's language."""
        return f"{self.percent:f}"


@dataclass
class SummaryRow:
    """One row of a summary table: a class, a grade, a child unit or the total."""

    label: str
    counts: dict  # category key → count; "no_result" included
    url: str = ""
    note: str = ""
    obj: object = None
    extra: dict = field(default_factory=dict)

    @property
    def learners(self) -> int:
        return sum(self.counts.values())

    @property
    def with_result(self) -> int:
        return self.learners - self.counts.get("no_result", 0)

    @property
    def shares(self) -> list[Share]:
        whole = self.learners
        return [
            Share(key, str(label), css, self.counts.get(key, 0),
                  _percent(self.counts.get(key, 0), whole))
            for key, label, css in CATEGORIES
        ]  # fmt: skip


def _counts(levels: dict, no_result: int) -> dict:
    counts = {key: levels.get(key, 0) for key, _label, _css in CATEGORIES}
    counts["no_result"] = no_result
    return counts


def _total(label: str, rows: list[SummaryRow]) -> SummaryRow:
    counts = {key: sum(r.counts.get(key, 0) for r in rows) for key, _label, _css in CATEGORIES}
    return SummaryRow(label=label, counts=counts)


# --- request parameters ------------------------------------------------------------------------


def _period(request, available: set[int]) -> int:
    """?term=1|2|0; without it (or with junk), the year when it has results, else the latest
    term that has, else term I."""
    raw = request.GET.get("term", "")
    if raw.isdigit() and int(raw) in Period.values:
        return int(raw)
    for period in (Period.YEAR, Period.SECOND):
        if period in available:
            return period
    return Period.FIRST


def _tabs(term: int, available: set[int], extra: dict) -> list[dict]:
    tabs = []
    for period in PERIODS:
        query = "&".join(f"{k}={v}" for k, v in {**extra, "term": period}.items())
        tabs.append(
            {
                "label": Period(period).label,
                "query": "?" + query,
                "active": period == term,
                "has_results": period in available,
            }
        )
    return tabs


def _year(request, actor, unit) -> tuple[SchoolYear | None, list[SchoolYear]]:
    """?year=YYYY-YYYY (any known school year, 404 otherwise); without it the newest year with
    results, else the current school year."""
    years = selectors.years_with_results(actor=actor, unit=unit)
    code = request.GET.get("year", "").strip()
    if code:
        year = next((y for y in years if y.code == code), None)
        if year is None:
            year = SchoolYear.objects.filter(code=code).first()
            if year is None:
                raise Http404
            years = sorted([*years, year], key=lambda y: y.start_date, reverse=True)
        return year, years
    return (years[0] if years else current_school_year()), years


def _school_or_404(actor, pk: int) -> OrgUnit:
    school = orgunits_in_scope(actor=actor).filter(pk=pk, kind=OrgKind.SCHOOL).first()
    if school is None:
        raise Http404
    return school


def _unit_or_404(actor, pk: int) -> OrgUnit:
    """A commune, former district or province the actor reads (a school has its own page)."""
    unit = orgunits_in_scope(actor=actor).filter(pk=pk).first()
    if unit is None or unit.kind == OrgKind.SCHOOL:
        raise Http404
    return unit


def _can_compute(actor, school) -> bool:
    # The same rule as services.results_compute: anyone who may write at the school.
    return scope_for(actor).covers(school.path, write=True)


def _compute_command(school, year) -> str:
    year_code = year.code if year is not None else "YYYY-YYYY"
    return f"hocso compute-results --school {school.code} --year {year_code}"


# --- the class -------------------------------------------------------------------------------


@dataclass
class LearnerRow:
    number: int
    student: object
    status: str  # the level's label, "Chưa đủ điểm" or "Chưa có kết quả"
    status_key: str  # category key
    missing: list
    conduct: str
    days_absent: int | None


def _class_context(request, pk: int) -> dict:
    actor = request.user
    try:
        school_class = class_get(actor=actor, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    try:
        available = selectors.class_periods_with_results(actor=actor, school_class=school_class)
        term = _period(request, available)
        summary = selectors.class_summary(actor=actor, school_class=school_class, term=term)
        learners = list(
            selectors.class_learner_results(actor=actor, school_class=school_class, term=term)
        )
    except PermissionDenied:
        raise Http404 from None
    codes = {code for s in learners for code in (s.missing or [])}
    names = dict(Subject.objects.filter(code__in=codes).values_list("code", "name"))
    levels = dict(Level.choices)
    rows = []
    for number, student in enumerate(learners, start=1):
        if not student.has_result:
            key, status = "no_result", _("Chưa có kết quả")
        elif student.level:
            key, status = student.level, str(levels[student.level])
        else:
            key, status = "incomplete", _("Chưa đủ điểm")
        rows.append(
            LearnerRow(
                number=number, student=student, status=status, status_key=key,
                missing=[names.get(c, c) for c in (student.missing or [])] if key == "incomplete"
                else [],
                conduct=str(levels.get(student.conduct, "")) if student.conduct else "",
                days_absent=student.days_absent,
            )
        )  # fmt: skip
    books = [Period.FIRST, Period.SECOND] if term == Period.YEAR else [term]
    missing = [
        {
            "subject": grade_subject.subject,
            "lacking": lacking,
            "books": [
                {
                    "label": Period(book).label,
                    "url": reverse(
                        "assessment:gradebook",
                        args=[school_class.pk, grade_subject.subject.code, book],
                    ),
                }
                for book in books
            ],
        }
        for grade_subject, lacking in summary.missing
    ]
    if term == Period.YEAR:
        statuses = [
            (Period(t).label, selectors.lock_status(school_class=school_class, term=t))
            for t in (Period.FIRST, Period.SECOND)
        ]
    else:
        statuses = [(Period(term).label, summary.status)]
    counts = dict(summary.levels)
    return {
        "school_class": school_class,
        "school": school_class.school,
        "categories": CATEGORIES,
        "term": term,
        "term_label": Period(term).label,
        "tabs": _tabs(term, available, {}),
        "summary": summary,
        "row": SummaryRow(label=school_class.name, counts=counts),
        "has_results": any(v for k, v in counts.items() if k != "no_result"),
        "missing": missing,
        "statuses": [
            {
                "term": label,
                "status": status,
                "label": LockStatus(status).label,
                "locked": status == LockStatus.LOCKED,
            }
            for label, status in statuses
        ],  # fmt: skip
        "learners": rows,
        "is_primary": school_class.grade <= LAST_PRIMARY_GRADE,
        "can_compute": _can_compute(actor, school_class.school),
        "command": _compute_command(school_class.school, school_class.year),
        "export_url": reverse("assessment:class_results_export", args=[school_class.pk])
        + f"?term={term}",
        "school_url": reverse("assessment:school_results", args=[school_class.school_id])
        + f"?year={school_class.year.code}&term={term}",
    }


@login_required
@require_GET
def class_results(request, pk: int):
    """A class's learning levels for a term or the year: counts and shares, the subjects still
    missing assessments (with their grade books), the term's lock status, and every learner's
    level, conduct and days absent."""
    context = _class_context(request, pk)
    return render(request, "assessment/results_class.html", context)


@login_required
@require_GET
def class_results_export(request, pk: int):
    context = _class_context(request, pk)
    school_class, term = context["school_class"], context["term"]
    summary_rows = [[share.label, share.count, float(share.percent)] for share in
                    context["row"].shares]  # fmt: skip
    summary_rows.append([_("Tổng số học sinh"), context["row"].learners, 100.0])
    learner_rows = [
        [
            row.number, row.student.moet_code or "", row.student.full_name, row.status,
            ", ".join(row.missing), row.conduct, row.days_absent,
        ]
        for row in context["learners"]
    ]  # fmt: skip
    missing_rows = [[m["subject"].name, m["lacking"]] for m in context["missing"]]
    sheets = [
        (_("Tong hop"), [_("Mức"), _("Số học sinh"), _("Tỉ lệ (%)")], summary_rows, [24, 14, 12]),
        (
            _("Hoc sinh"),
            [_("STT"), _("Mã định danh Bộ GD&ĐT"), _("Họ và tên"), _("Kết quả học tập"),
             _("Môn còn thiếu điểm"), _("Kết quả rèn luyện"), _("Số ngày nghỉ")],
            learner_rows, [6, 18, 28, 16, 36, 16, 12],
        ),
        (_("Mon thieu diem"), [_("Môn"), _("Số học sinh thiếu điểm")], missing_rows, [36, 20]),
    ]  # fmt: skip
    response = _xlsx_response(sheets, f"ket-qua-lop-{school_class.pk}-{_file_period(term)}.xlsx")
    # The learner sheet is personal data: no copies in shared caches.
    response["Cache-Control"] = "no-store"
    audit_log(
        actor=request.user, action="results.export", obj=school_class,
        org_unit=school_class.school, kind="class", year=school_class.year.code, term=term,
        rows=len(learner_rows), personal=True,
    )  # fmt: skip
    return response


# --- the school ------------------------------------------------------------------------------


def _school_context(request, pk: int) -> dict:
    actor = request.user
    school = _school_or_404(actor, pk)
    try:
        year, years = _year(request, actor, school)
        available = (
            selectors.periods_with_results(actor=actor, unit=school, year=year) if year else set()
        )
        term = _period(request, available)
        by_grade = (
            selectors.school_summary(actor=actor, school=school, year=year, term=term)
            if year
            else {}
        )
        by_class = (
            selectors.school_summary_by_class(actor=actor, school=school, year=year, term=term)
            if year
            else []
        )
    except PermissionDenied:
        raise Http404 from None
    secondary = [c for c in by_class if c.school_class.grade > LAST_PRIMARY_GRADE]
    class_rows = [
        SummaryRow(
            label=c.school_class.name, counts=_counts(c.levels, c.no_result), obj=c.school_class,
            url=reverse("assessment:class_results", args=[c.school_class.pk]) + f"?term={term}",
            extra={"grade": c.school_class.grade},
        )
        for c in secondary
    ]  # fmt: skip
    grades = sorted(
        {r.extra["grade"] for r in class_rows}
        | {g for g in by_grade if g > LAST_PRIMARY_GRADE}  # as the class rows: Circular 22 only
    )
    grade_rows = []
    for grade in grades:
        no_result = sum(r.counts["no_result"] for r in class_rows if r.extra["grade"] == grade)
        grade_rows.append(
            SummaryRow(
                label=_("Khối %(grade)s") % {"grade": grade},
                counts=_counts(by_grade.get(grade, {}), no_result),
                extra={"grade": grade},
            )
        )
    total = _total(_("Toàn trường"), grade_rows)
    query = {"year": year.code} if year else {}
    return {
        "school": school,
        "ancestors": _ancestors(actor, school),
        "categories": CATEGORIES,
        "year": year,
        "years": years,
        "term": term,
        "term_label": Period(term).label,
        "tabs": _tabs(term, available, query),
        "grade_rows": grade_rows,
        "class_rows": class_rows,
        "total": total,
        "has_results": bool(total.with_result),
        "primary_classes": len(by_class) - len(secondary),
        # Primary schools and preschools have no Circular 22 results to compute.
        "is_primary": school.school_type in (SchoolType.PRIMARY, SchoolType.PRESCHOOL),
        "can_compute": _can_compute(actor, school),
        "command": _compute_command(school, year),
        "export_url": reverse("assessment:school_results_export", args=[school.pk])
        + "?"
        + "&".join(f"{k}={v}" for k, v in {**query, "term": term}.items()),
        "next": request.get_full_path(),
    }


def _ancestors(actor, unit) -> list[dict]:
    """The units above `unit` for the breadcrumb; linked to their results page when the actor
    reads them (an officer's own units), plain text when they only see them in the tree."""
    codes = unit.path.rstrip("/").split("/")[:-1]
    scope = scope_for(actor)
    return [
        {
            "unit": a,
            "url": reverse("assessment:area_results", args=[a.pk]) if scope.covers(a.path) else "",
        }
        for a in orgunits_visible(actor=actor).filter(code__in=codes).order_by("depth")
    ]


@login_required
@require_GET
def school_results(request, pk: int):
    """A school's learning levels by grade with the total, and each class with its counts."""
    context = _school_context(request, pk)
    return render(request, "assessment/results_school.html", context)


def _level_headers() -> list[str]:
    headers = []
    for _key, label, _css in CATEGORIES:
        headers += [str(label), _("%(level)s (%%)") % {"level": label}]
    return headers


def _level_cells(row: SummaryRow) -> list:
    cells = []
    for share in row.shares:
        cells += [share.count, float(share.percent)]
    return cells


@login_required
@require_GET
def school_results_export(request, pk: int):
    context = _school_context(request, pk)
    school, year, term = context["school"], context["year"], context["term"]
    levels = _level_headers()
    widths = [10] * len(levels)
    grade_rows = [
        [row.label, row.learners, *_level_cells(row)]
        for row in [*context["grade_rows"], context["total"]]
    ]
    class_rows = [
        [row.label, row.extra["grade"], row.learners, *_level_cells(row)]
        for row in context["class_rows"]
    ]
    sheets = [
        (_("Theo khoi"), [_("Khối"), _("Số học sinh"), *levels], grade_rows, [16, 12, *widths]),
        (_("Theo lop"), [_("Lớp"), _("Khối"), _("Số học sinh"), *levels], class_rows,
         [12, 8, 12, *widths]),
    ]  # fmt: skip
    year_code = year.code if year else ""
    response = _xlsx_response(
        sheets, f"ket-qua-truong-{school.code}-{year_code}-{_file_period(term)}.xlsx"
    )
    audit_log(
        actor=request.user, action="results.export", obj=school, org_unit=school, kind="school",
        year=year_code, term=term, rows=len(class_rows), personal=False,
    )  # fmt: skip
    return response


@login_required
@require_POST
def results_compute(request, pk: int):
    """Recompute the school's term and year results from its grade books (what `hocso
    compute-results` does), then go back to the page the button was on."""
    actor = request.user
    school = _school_or_404(actor, pk)
    year = SchoolYear.objects.filter(code=request.POST.get("year", "")).first()
    if year is None:
        raise Http404
    outcome = services.results_compute(actor=actor, school=school, year=year)
    messages.success(
        request,
        _(
            "Đã tính kết quả của %(classes)s lớp, %(learners)s học sinh: %(complete)s có đủ "
            "điểm, %(incomplete)s còn thiếu điểm."
        )
        % {
            "classes": outcome.classes, "learners": outcome.learners,
            "complete": outcome.complete, "incomplete": outcome.incomplete,
        },
    )  # fmt: skip
    fallback = reverse("assessment:school_results", args=[school.pk]) + f"?year={year.code}"
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return redirect(target or fallback)


# --- the area --------------------------------------------------------------------------------


def _area_context(request, pk: int) -> dict:
    actor = request.user
    unit = _unit_or_404(actor, pk)
    try:
        year, years = _year(request, actor, unit)
        available = (
            selectors.periods_with_results(actor=actor, unit=unit, year=year) if year else set()
        )
        term = _period(request, available)
        children = (
            selectors.area_summary_by_child(actor=actor, unit=unit, year=year, term=term)
            if year
            else []
        )
    except PermissionDenied:
        raise Http404 from None
    query = {"year": year.code} if year else {}
    suffix = "?" + "&".join(f"{k}={v}" for k, v in {**query, "term": term}.items())
    rows, without_schools = [], 0
    # Alphabetical the Vietnamese way, as the org tree lists them.
    for child in sorted(children, key=lambda c: (c.unit.kind, fold(c.unit.name))):
        if not child.schools and not child.with_result and not child.no_result:
            without_schools += 1  # only primary schools or preschools: nothing to show
            continue
        page = "assessment:school_results" if child.unit.is_school else "assessment:area_results"
        rows.append(
            SummaryRow(
                label=child.unit.name, counts=_counts(child.levels, child.no_result),
                url=reverse(page, args=[child.unit.pk]) + suffix, obj=child.unit,
                note=child.unit.code,
                extra={"schools": child.schools, "schools_with_results": child.schools_with_results},
            )
        )  # fmt: skip
    total = _total(_("Tổng cộng"), rows)
    total.extra = {
        "schools": sum(r.extra["schools"] for r in rows),
        "schools_with_results": sum(r.extra["schools_with_results"] for r in rows),
    }
    return {
        "unit": unit,
        "ancestors": _ancestors(actor, unit),
        "categories": CATEGORIES,
        "year": year,
        "years": years,
        "term": term,
        "term_label": Period(term).label,
        "tabs": _tabs(term, available, query),
        "rows": rows,
        "without_schools": without_schools,
        "total": total,
        "has_results": bool(total.with_result),
        "export_url": reverse("assessment:area_results_export", args=[unit.pk]) + suffix,
    }


@login_required
@require_GET
def area_results(request, pk: int):
    """Learning levels under a commune, former district or the province: one row per child unit
    (its whole subtree summed), a drill-down link to each, and the total."""
    context = _area_context(request, pk)
    return render(request, "assessment/results_area.html", context)


@login_required
@require_GET
def area_results_export(request, pk: int):
    context = _area_context(request, pk)
    unit, year, term = context["unit"], context["year"], context["term"]
    levels = _level_headers()
    rows = [
        [
            row.obj.code if row.obj is not None else "", row.label,
            row.obj.get_kind_display() if row.obj is not None else "",
            row.extra["schools_with_results"], row.extra["schools"], row.learners,
            *_level_cells(row),
        ]
        for row in [*context["rows"], context["total"]]
    ]  # fmt: skip
    headers = [
        _("Mã"), _("Đơn vị"), _("Cấp"), _("Trường đã có kết quả"), _("Số trường THCS, THPT"),
        _("Số học sinh"), *levels,
    ]  # fmt: skip
    sheets = [(_("Theo don vi"), headers, rows, [12, 32, 16, 12, 12, 12, *[10] * len(levels)])]
    year_code = year.code if year else ""
    response = _xlsx_response(
        sheets, f"ket-qua-don-vi-{unit.code}-{year_code}-{_file_period(term)}.xlsx"
    )
    audit_log(
        actor=request.user, action="results.export", obj=unit, org_unit=unit, kind="area",
        year=year_code, term=term, rows=len(context["rows"]), personal=False,
    )  # fmt: skip
    return response


# --- xlsx ------------------------------------------------------------------------------------


def _file_period(term: int) -> str:
    return "ca-nam" if term == Period.YEAR else f"hk{term}"


def _xlsx_response(sheets, filename: str) -> HttpResponse:
    """Several sheets, each a bold header row then its rows (registry.exporters.xlsx writes
    one); text that a spreadsheet would run as a formula is neutralised the same way."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows, widths in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31])
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([neutralise(v) if isinstance(v, str) else v for v in row])
    response = HttpResponse(content_type=XLSX_TYPE)
    workbook.save(response)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
