"""Exam sessions over JSON for staff: the sessions the caller sees, one session with its counts
and settings, and the progress of its attempts (what the supervisor page shows).

Scoped like every route: a session the caller may not see answers 404; its attempts are those
the caller may read (all of them for those who manage it, else their schools' candidates).
"""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import selectors
from .models import AttemptStatus

router = Router(tags=["exams"])


class ExamSummary(Schema):
    id: int
    code: str
    name: str
    org_unit: str = Field(alias="org_unit.code", description="Code of the unit that runs it")
    subject: str = Field(alias="subject.code", description="Subject code")
    grade: int
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    status: str = Field(description="draft, ready (attempts made), closed or released")
    candidates: int = Field(description="Attempts (one per candidate)")
    started: int = Field(description="Attempts started")
    submitted: int = Field(description="Attempts submitted")


class ExamClassOut(Schema):
    id: int
    name: str
    school: str = Field(description="School code")


class ExamDetail(ExamSummary):
    year: str = Field(alias="year.code")
    blueprint: int | None = Field(
        alias="blueprint_id", description="Blueprint id, if drawn from one"
    )
    form_count: int
    forms: list[str] = Field(description="Form codes (mã đề) drawn so far")
    classes: list[ExamClassOut]
    grace_seconds: int
    shuffle_questions: bool
    shuffle_options: bool
    one_per_page: bool
    review_allowed: bool
    show_results: str
    access_code_required: bool
    gradebook_column: str
    term: int | None
    gradebook_seq: int | None

    @staticmethod
    def resolve_forms(obj) -> list[str]:
        return list(obj.forms.order_by("code").values_list("code", flat=True))

    @staticmethod
    def resolve_classes(obj) -> list[dict]:
        return [
            {"id": c.school_class_id, "name": c.school_class.name,
             "school": c.school_class.school.code}
            for c in obj.classes.select_related("school_class__school")
        ]  # fmt: skip

    @staticmethod
    def resolve_access_code_required(obj) -> bool:
        return bool(obj.access_code)


class StudentRef(Schema):
    id: int
    full_name: str


class AttemptProgress(Schema):
    id: int
    student: StudentRef
    school: int = Field(alias="school_id", description="School id")
    school_class: str = Field(description="Class name; empty if listed alone")
    form: str = Field(alias="form.code")
    status: str = Field(description="not_started, in_progress or submitted")
    answered: int
    total: int = Field(description="Questions of the attempt")
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    remaining_seconds: int | None = Field(description="Until the deadline, once started")
    online: bool = Field(description="The exam page spoke within the last 60 s")
    disconnected: bool = Field(description="In progress and silent for more than 60 s")
    checked_in_at: datetime | None
    extra_minutes: int
    added_minutes: int

    @staticmethod
    def resolve_school_class(obj) -> str:
        return obj.school_class.name if obj.school_class_id else ""

    @staticmethod
    def resolve_total(obj) -> int:
        return len(obj.question_order)

    @staticmethod
    def resolve_remaining_seconds(obj) -> int | None:
        return selectors.supervisor_row(obj, timezone.now()).seconds_left

    @staticmethod
    def resolve_online(obj) -> bool:
        return selectors.supervisor_row(obj, timezone.now()).online

    @staticmethod
    def resolve_disconnected(obj) -> bool:
        return selectors.supervisor_row(obj, timezone.now()).disconnected


@router.get("/exams", response=list[ExamSummary], url_name="exam_list")
@paginate(Pagination)
def list_exams(
    request, q: str = "", status: str = "", subject: str = "", grade: int | None = None,
    order: str = "-opens",
):  # fmt: skip
    """Sessions the caller sees as staff (run by their units, or with candidates of their
    schools), newest window first. `q` = words of the code or name; `status` = draft/ready/
    closed/released; `subject` = subject code; `order` = -opens, opens, code or name."""
    return selectors.sessions_search(
        actor=request.auth, q=q, status=status, subject=subject, grade=grade, ordering=order
    )


@router.get("/exams/{exam_id}", response=ExamDetail, url_name="exam_detail")
def get_exam(request, exam_id: int):
    """One session with its settings and attempt counts."""
    return selectors.session_get(actor=request.auth, pk=exam_id)


@router.get("/exams/{exam_id}/attempts", response=list[AttemptProgress], url_name="exam_attempts")
@paginate(Pagination)
def list_exam_attempts(request, exam_id: int, status: str = ""):
    """The progress of the session's attempts the caller may read, by class and name: status,
    answered/total, time left, connection. `status` = not_started/in_progress/submitted."""
    session = selectors.session_get(actor=request.auth, pk=exam_id)
    attempts = selectors.supervisor_attempts(actor=request.auth, session=session)
    if status in AttemptStatus.values:
        attempts = attempts.filter(status=status)
    return attempts
