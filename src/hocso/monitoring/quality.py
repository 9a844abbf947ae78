"""Data-quality checks of a unit's registry for a school year (issue 7, decision 0006 §4).

Each check is one grouped query over the unit's subtree (the learners *of the year* as the
indicators count them, sources.learner_stays) and yields an `Issue`: how many records are
concerned, up to `SAMPLE` of them with a link to the learner or class page, and why they are
listed. A clean registry gives issues with a count of 0 (the page says so), never no answer.

- learners without a valid national ID: missing, or against registry.rules (province code,
  the century/gender digit against the declared gender, the two-digit birth year);
- the same learner counted at two schools at once: one record (so one national ID) with stays
  of the year at two schools, or two records with the same name and date of birth;
- classes of more than 60 learners (an outlier: almost surely a data error) and classes above
  the level's norm (35 in primary school, Circular 28/2020; 45 in lower and upper secondary,
  Circular 32/2020) — the latter a warning;
- learners older than their grade allows: the age reached in the calendar year the school year
  starts above grade + 5 (the normal age: grade 1 at six) + 3 years, the most the Circulars
  allow (28/2020 art. 33, 32/2020 art. 33). Continuing-education centres have no age rule.
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext as _

from hocso.orgs.models import OrgUnit, SchoolType, SchoolYear
from hocso.registry.rules import citizen_id_problems

from .sources import _id_alias, _valid_id_condition, learner_stays

SAMPLE = 50
CLASS_MAX = 60
# The most learners a class may have, by grade (Circular 28/2020 for primary, 32/2020 for
# lower and upper secondary).
PRIMARY_NORM = 35
SECONDARY_NORM = 45
NORMAL_AGE_OFFSET = 5  # grade 1 at six, grade 6 at eleven, grade 10 at fifteen
OVER_AGE_ALLOWED = 3


@dataclass
class Row:
    label: str
    detail: str = ""
    school: str = ""
    link: str = ""


@dataclass
class Issue:
    kind: str
    title: str
    count: int
    explanation: str
    severity: str = "danger"  # danger (an error to fix) or warning
    rows: list[Row] = field(default_factory=list)
    # How many of the `count` cases the rows show, when a case takes several rows (a group of
    # records); None: one row per case.
    shown: int | None = None

    @property
    def shown_count(self) -> int:
        return len(self.rows) if self.shown is None else self.shown

    @property
    def truncated(self) -> bool:
        return self.count > self.shown_count


def _student_link(pk: int) -> str:
    return reverse("registry:student", args=[pk])


def _class_link(pk: int) -> str:
    return reverse("registry:class", args=[pk])


# ---------------------------------------------------------------- national IDs


def invalid_ids(unit: OrgUnit, year: SchoolYear) -> Issue:
    stays = (
        _id_alias(learner_stays(year, unit.path))
        .annotate(
            ok=Case(
                When(_valid_id_condition(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .filter(ok=False)
    )
    count = stays.aggregate(n=Count("student_id", distinct=True))["n"]
    sample = (
        stays.order_by("school__path", "student__search_name", "student_id")
        .values(
            "student_id",
            "student__full_name",
            "student__national_id",
            "student__gender",
            "student__date_of_birth",
            "school__name",
            "school_class__name",
        )  # fmt: skip
        .distinct()[: SAMPLE * 2]
    )
    rows, seen = [], set()
    for r in sample:
        if r["student_id"] in seen or len(rows) >= SAMPLE:
            continue
        seen.add(r["student_id"])
        nid = r["student__national_id"]
        if not nid:
            detail = _("Chưa có số định danh cá nhân")
        else:
            born = r["student__date_of_birth"]
            problems = citizen_id_problems(
                nid, gender=r["student__gender"], birth_year=born.year if born else None
            )
            detail = f"{nid}: " + "; ".join(p.message for p in problems)
        rows.append(
            Row(
                label=r["student__full_name"],
                detail=detail,
                school=f"{r['school__name']} – {r['school_class__name']}",
                link=_student_link(r["student_id"]),
            )
        )
    return Issue(
        kind="invalid_id",
        title=_("Học sinh chưa có số định danh cá nhân hợp lệ"),
        count=count,
        rows=rows,
        explanation=_(
            "Số định danh cá nhân 12 chữ số phải có mã tỉnh đăng ký khai sinh trong danh mục, "
            "chữ số thứ 4 đúng thế kỷ và giới tính (chẵn: nam, lẻ: nữ), chữ số 5–6 đúng năm "
            "sinh. Học sinh chưa có số hoặc có số sai không được tính vào chỉ tiêu “học sinh có "
            "định danh hợp lệ”."
        ),
    )


# ---------------------------------------------------------------- two schools at once


def same_learner_two_schools(unit: OrgUnit, year: SchoolYear) -> Issue:
    """One learner record with stays of the year at two schools of the subtree."""
    groups = (
        learner_stays(year, unit.path)
        .order_by()
        .values("student_id")
        .annotate(schools=Count("school_id", distinct=True))
        .filter(schools__gt=1)
    )
    ids = list(groups.values_list("student_id", flat=True))
    stays = (
        learner_stays(year, unit.path)
        .filter(student_id__in=ids[:SAMPLE])
        .order_by("student__search_name", "student_id", "start_date")
        .values(
            "student_id",
            "student__full_name",
            "student__national_id",
            "school__name",
            "school_class__name",
            "start_date",
            "end_date",
        )  # fmt: skip
    )
    by_student: dict[int, list] = {}
    for s in stays:
        by_student.setdefault(s["student_id"], []).append(s)
    rows = [
        Row(
            label=items[0]["student__full_name"],
            detail=items[0]["student__national_id"] or _("chưa có số định danh"),
            school="; ".join(
                f"{s['school__name']} – {s['school_class__name']} ({s['start_date']:%d/%m/%Y})"
                for s in items
            ),
            link=_student_link(pk),
        )
        for pk, items in by_student.items()
    ]
    return Issue(
        kind="same_id_two_schools",
        title=_("Một học sinh (cùng số định danh) học ở hai trường cùng lúc"),
        count=len(ids),
        rows=rows,
        explanation=_(
            "Hồ sơ học sinh có hai quá trình học trong năm ở hai trường khác nhau mà không quá "
            "trình nào kết thúc bằng chuyển đi: học sinh bị đếm hai lần. Kiểm tra lại việc "
            "chuyển trường."
        ),
    )


def same_name_and_birth(unit: OrgUnit, year: SchoolYear) -> Issue:
    """Two learner records with the same (folded) name and date of birth at two schools. The
    count is of groups (a name and a birth date); the rows are their members, whole groups
    only, as many groups as fit in `SAMPLE` rows (at least one)."""
    stays = learner_stays(year, unit.path).filter(student__date_of_birth__isnull=False)
    groups = list(
        stays.order_by()
        .values("student__search_name", "student__date_of_birth")
        .annotate(
            records=Count("student_id", distinct=True), schools=Count("school_id", distinct=True)
        )
        .filter(records__gt=1, schools__gt=1)
        .order_by("student__search_name", "student__date_of_birth")
    )
    rows: list[Row] = []
    shown_groups = 0
    shown = groups[:SAMPLE]
    if shown:
        match = Q(pk__in=[])
        for g in shown:
            match |= Q(
                student__search_name=g["student__search_name"],
                student__date_of_birth=g["student__date_of_birth"],
            )
        members = (
            stays.filter(match)
            .order_by("student__search_name", "student__date_of_birth", "school__path")
            .values(
                "student_id",
                "student__search_name",
                "student__full_name",
                "student__national_id",
                "student__date_of_birth",
                "school__name",
                "school_class__name",
            )  # fmt: skip
        )
        by_group: dict[tuple, list[Row]] = {}
        for m in members:
            by_group.setdefault(
                (m["student__search_name"], m["student__date_of_birth"]), []
            ).append(
                Row(
                    label=m["student__full_name"],
                    detail=_("sinh ngày %(day)s, số định danh %(nid)s")
                    % {
                        "day": f"{m['student__date_of_birth']:%d/%m/%Y}",
                        "nid": m["student__national_id"] or "—",
                    },
                    school=f"{m['school__name']} – {m['school_class__name']}",
                    link=_student_link(m["student_id"]),
                )
            )
        for g in shown:
            members_of = by_group.get((g["student__search_name"], g["student__date_of_birth"]), [])
            if rows and len(rows) + len(members_of) > SAMPLE:
                break
            rows += members_of
            shown_groups += 1
    return Issue(
        kind="same_name_birth_two_schools",
        title=_("Hai hồ sơ cùng họ tên và ngày sinh ở hai trường"),
        count=len(groups),
        rows=rows,
        shown=shown_groups,
        severity="warning",
        explanation=_(
            "Hai hồ sơ học sinh trùng họ tên (không phân biệt dấu) và ngày sinh, đang học ở hai "
            "trường: có thể là một người được nhập hai lần. Đối chiếu số định danh và hồ sơ "
            "trước khi xóa hay gộp."
        ),
    )


# ---------------------------------------------------------------- class sizes


def _norm_case() -> Case:
    return Case(
        When(school_class__grade__gte=1, school_class__grade__lte=5, then=Value(PRIMARY_NORM)),
        When(school_class__grade__gte=6, school_class__grade__lte=12, then=Value(SECONDARY_NORM)),
        default=Value(CLASS_MAX),
        output_field=IntegerField(),
    )


def class_sizes(unit: OrgUnit, year: SchoolYear) -> tuple[Issue, Issue]:
    """Classes above their level's norm, in one grouped query; split into the outliers (more
    than CLASS_MAX) and the others above the norm."""
    classes = list(
        learner_stays(year, unit.path)
        .order_by()
        .values("school_class_id", "school_class__name", "school_class__grade", "school__name")
        .annotate(learners=Count("student_id", distinct=True), norm=_norm_case())
        .filter(Q(learners__gt=CLASS_MAX) | Q(learners__gt=_norm_case()))
        .order_by("-learners", "school__name", "school_class__name")
    )
    over_max = [c for c in classes if c["learners"] > CLASS_MAX]
    over_norm = [c for c in classes if c["learners"] <= CLASS_MAX]

    def rows(items):
        return [
            Row(
                label=_("Lớp %(name)s (khối %(grade)s)")
                % {"name": c["school_class__name"], "grade": c["school_class__grade"]},
                detail=_("%(n)s học sinh, định mức %(norm)s")
                % {"n": c["learners"], "norm": c["norm"]},
                school=c["school__name"],
                link=_class_link(c["school_class_id"]),
            )
            for c in items[:SAMPLE]
        ]

    return (
        Issue(
            kind="class_over_max",
            title=_("Lớp có hơn %(n)s học sinh") % {"n": CLASS_MAX},
            count=len(over_max),
            rows=rows(over_max),
            explanation=_(
                "Không lớp học phổ thông nào được quá %(n)s học sinh: gần như chắc chắn là lỗi "
                "dữ liệu (học sinh xếp nhầm lớp, quá trình học cũ chưa kết thúc)."
            )
            % {"n": CLASS_MAX},
        ),
        Issue(
            kind="class_over_norm",
            title=_("Lớp vượt sĩ số tối đa theo quy định"),
            count=len(over_norm),
            rows=rows(over_norm),
            severity="warning",
            explanation=_(
                "Sĩ số tối đa: tiểu học %(primary)s học sinh/lớp (Thông tư 28/2020/TT-BGDĐT), "
                "THCS và THPT %(secondary)s học sinh/lớp (Thông tư 32/2020/TT-BGDĐT). Lớp vượt "
                "định mức cần được xem lại hoặc giải trình."
            )
            % {"primary": PRIMARY_NORM, "secondary": SECONDARY_NORM},
        ),
    )


# ---------------------------------------------------------------- over-age learners


def over_age(unit: OrgUnit, year: SchoolYear) -> Issue:
    start_year = year.start_date.year
    limit = NORMAL_AGE_OFFSET + OVER_AGE_ALLOWED
    # Age in the calendar year the school year starts = start_year - birth year; flagged when it
    # exceeds grade + limit, i.e. birth year < start_year - limit - grade.
    stays = (
        learner_stays(year, unit.path)
        .filter(
            school_class__grade__gte=1,
            school_class__grade__lte=12,
            student__date_of_birth__isnull=False,
        )
        .exclude(school__school_type=SchoolType.CONTINUING)
        .alias(born=ExtractYear("student__date_of_birth"))
        .filter(born__lt=Value(start_year - limit) - F("school_class__grade"))
    )
    count = stays.aggregate(n=Count("student_id", distinct=True))["n"]
    sample = stays.order_by("school__path", "school_class__grade", "student__search_name").values(
        "student_id", "student__full_name", "student__date_of_birth", "school__name",
        "school_class__name", "school_class__grade",
    )[:SAMPLE]  # fmt: skip
    rows = [
        Row(
            label=r["student__full_name"],
            detail=_("%(age)s tuổi ở khối %(grade)s (tuổi quy định %(normal)s)")
            % {
                "age": start_year - r["student__date_of_birth"].year,
                "grade": r["school_class__grade"],
                "normal": r["school_class__grade"] + NORMAL_AGE_OFFSET,
            },
            school=f"{r['school__name']} – {r['school_class__name']}",
            link=_student_link(r["student_id"]),
        )
        for r in sample
    ]
    return Issue(
        kind="over_age",
        title=_("Học sinh lớn tuổi hơn mức khối lớp cho phép"),
        count=count,
        rows=rows,
        severity="warning",
        explanation=_(
            "Tuổi tính theo năm (năm bắt đầu năm học trừ năm sinh). Tuổi quy định của khối k là "
            "k + 5 (lớp 1: 6 tuổi, lớp 6: 11 tuổi, lớp 10: 15 tuổi); học sinh được học cao hơn "
            "tuổi quy định nhiều nhất 3 tuổi (Điều 33 Thông tư 28/2020/TT-BGDĐT và Thông tư "
            "32/2020/TT-BGDĐT). Danh sách gồm học sinh hơn tuổi quy định trên 3 năm (không xét "
            "trung tâm GDNN-GDTX): kiểm tra ngày sinh hoặc khối lớp."
        ),
    )


def quality_checks(unit: OrgUnit, year: SchoolYear) -> list[Issue]:
    """Every check for the unit's subtree in the school year, errors first."""
    over_max, over_norm = class_sizes(unit, year)
    return [
        invalid_ids(unit, year),
        same_learner_two_schools(unit, year),
        over_max,
        same_name_and_birth(unit, year),
        over_norm,
        over_age(unit, year),
    ]


__all__ = ["Issue", "Row", "quality_checks"]
