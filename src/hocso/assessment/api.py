"""Assessment over JSON: a learner's results of a school year (secondary term and year results;
primary levels, test scores and the year result of Circular 27), and the PDF of their transcript.

Both read a learner through the registry's scoped selector, so a learner outside the caller's
scope answers 404 exactly like an unknown one (staff read their org subtrees; a learner reads
themself; a guardian their children).
"""

from django.http import HttpResponse
from ninja import Field, Router, Schema

from hocso.orgs.models import SchoolYear
from hocso.registry.selectors import student_get

from . import transcripts
from .models import Period, Transcript
from .selectors import learner_results
from .selectors_primary import learner_primary
from .transcript_pdf import pdf_filename, render_transcript

router = Router(tags=["assessment"])


class SubjectResultOut(Schema):
    code: str
    name: str
    average: str | None = Field(
        description='Term or year average, one decimal ("7.9"); scored subjects'
    )
    passed: bool | None = Field(description="Đạt (true) / Chưa đạt (false); subjects by comment")
    complete: bool = Field(description="Every required assessment is there")


class PeriodResultOut(Schema):
    period: int = Field(description="1 = Học kì I, 2 = Học kì II, 0 = the whole year")
    learning: str | None = Field(description="tot / kha / dat / chua_dat; null while incomplete")
    adjusted: bool = Field(description="Raised one level by Circular 22, Điều 9 k3")
    missing: list[str] = Field(description="Codes of the subjects still missing assessments")
    conduct: str | None
    days_absent: int | None
    promoted: bool | None = Field(description="The year only: promoted to the next grade")
    award: str = Field(description='The year only: "xuat_sac", "gioi" or ""')
    subjects: list[SubjectResultOut]


class PrimarySubjectOut(Schema):
    code: str
    name: str
    levels: dict[str, str | None] = Field(
        description='By assessment point ("giua_hk1", "cuoi_hk1", "giua_hk2", "cuoi_nam"): '
        "T (Hoàn thành tốt) / H (Hoàn thành) / C (Chưa hoàn thành); null when only a comment"
    )
    comments: dict[str, str] = Field(description="The teacher's comment by assessment point")
    tests: dict[str, int] = Field(description="Periodic test scores (1–10) by assessment point")


class PrimaryTraitOut(Schema):
    code: str = Field(description='A quality or competence, e.g. "cham_chi", "tu_chu_tu_hoc"')
    name: str
    group: str = Field(description="quality / general (competence) / specific (competence)")
    levels: dict[str, str] = Field(
        description="By assessment point: T (Tốt) / D (Đạt) / C (Cần cố gắng)"
    )


class PrimaryResultsOut(Schema):
    outcome: str | None = Field(
        description="The year's result: xuat_sac / tot / hoan_thanh / chua_hoan_thanh; "
        "null while something of the end of the year is missing"
    )
    missing: list[str] = Field(
        description='What is missing: "level:<subject>", "test:<subject>", "trait:<code>"'
    )
    promoted: bool | None = Field(description="Completed the grade's programme")
    award: str = Field(description='"xuat_sac", "tieu_bieu" or ""')
    outstanding: bool = Field(description="Marked outstanding by the teacher")
    subjects: list[PrimarySubjectOut]
    traits: list[PrimaryTraitOut]


class LearnerResultsOut(Schema):
    student_id: int
    year: str
    periods: list[PeriodResultOut]
    primary: PrimaryResultsOut | None = Field(
        None, description="Grades 1–5 (Circular 27): levels, tests and the year result"
    )


def _year(code: str) -> SchoolYear:
    return SchoolYear.objects.get(code=code)  # DoesNotExist → 404


@router.get(
    "/students/{student_id}/results", response=LearnerResultsOut, url_name="student_results"
)
def student_results(request, student_id: int, year: str):
    """A learner's term and year results of one school year (`year` = "YYYY-YYYY"): per
    subject the average or Đạt/Chưa đạt, the learning and conduct results, days absent,
    promotion and award. Periods without any result are left out. A primary learner (grades
    1–5) has `primary` instead: levels, comments and test scores by assessment point, the
    qualities' and competences' levels, and the year result."""
    student = student_get(actor=request.auth, pk=student_id)
    school_year = _year(year)
    results = learner_results(actor=request.auth, student=student, year=school_year)
    periods = []
    for period in (Period.FIRST, Period.SECOND, Period.YEAR):
        found = results.periods.get(period)
        if found is None:
            continue
        learning, record = found.learning, found.record
        periods.append(
            {
                "period": int(period),
                "learning": learning.level if learning else None,
                "adjusted": bool(learning and learning.adjusted),
                "missing": list(learning.missing) if learning else [],
                "conduct": (record.conduct or None) if record else None,
                "days_absent": record.days_absent if record else None,
                "promoted": learning.promoted if learning else None,
                "award": learning.award if learning else "",
                "subjects": [
                    {
                        "code": r.subject.code,
                        "name": r.subject.name,
                        "average": None if r.average is None else f"{r.average:.1f}",
                        "passed": r.passed,
                        "complete": r.complete,
                    }
                    for r in found.subjects
                ],
            }
        )
    primary = learner_primary(actor=request.auth, student=student, year=school_year)
    primary_out = None
    if primary.result is not None or primary.subjects or primary.traits:
        result = primary.result
        primary_out = {
            "outcome": result.outcome if result else None,
            "missing": list(result.missing) if result else [],
            "promoted": result.promoted if result else None,
            "award": result.award if result else "",
            "outstanding": bool(result and result.outstanding),
            "subjects": primary.subjects,
            "traits": primary.traits,
        }
    return {"student_id": student.pk, "year": year, "periods": periods, "primary": primary_out}


@router.get(
    "/students/{student_id}/transcripts/{year}.pdf",
    url_name="student_transcript_pdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "The current transcript of that year as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {"description": "No such learner in scope, no such year, or not issued yet"},
        }
    },
)
def student_transcript_pdf(request, student_id: int, year: str):
    """The PDF of the learner's current electronic transcript (học bạ số) of `year`. Every
    download is written to the audit log."""
    student = student_get(actor=request.auth, pk=student_id)
    current = transcripts.transcript_current(actor=request.auth, student=student, year=_year(year))
    if current is None:
        raise Transcript.DoesNotExist
    data = render_transcript(current, request=request)
    transcripts.transcript_downloaded(actor=request.auth, transcript=current, via="api")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(current)}"'
    response["Cache-Control"] = "private, no-store"
    return response
