"""Exam results over JSON: the candidates' results of an exam for staff, and one attempt's
result for its candidate (by the session's show rules) or for staff who may see it.

Scoped like every route: an exam or attempt the caller may not see answers 404. A candidate
asking before their result may be shown gets 200 with `available: false` and the reason, so a
client can say "come back later" rather than treat it as an error.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import results
from .models import Attempt

router = Router(tags=["exams"])


class ResultRow(Schema):
    attempt: int = Field(alias="pk")
    student: int = Field(alias="student_id")
    full_name: str = Field(alias="student.full_name")
    moet_code: str | None = Field(alias="student.moet_code")
    school: str = Field(alias="school.code")
    school_class: str | None = Field(description="Class name")
    form: str = Field(alias="form.code", description="Form (mã đề)")
    status: str
    score: Decimal | None = Field(description="Points earned; null until fully graded")
    max_score: Decimal | None
    score_10: Decimal | None = Field(description="On the 10-point scale, two decimals")
    pending_manual: int = Field(description="Essays still to be marked")
    started_at: datetime | None
    submitted_at: datetime | None
    time_used_seconds: int | None

    @staticmethod
    def resolve_school_class(obj) -> str | None:
        return obj.school_class.name if obj.school_class_id else None

    @staticmethod
    def resolve_score_10(obj) -> Decimal | None:
        return results.ten_point(obj.score, obj.max_score)

    @staticmethod
    def resolve_time_used_seconds(obj) -> int | None:
        used = results.time_used(obj)
        return None if used is None else int(used.total_seconds())


@router.get(
    "/exams/{exam_id}/results",
    response=list[ResultRow],
    summary="The candidates' results of an exam (those the caller may see)",
)
@paginate(Pagination)
def exam_results(request, exam_id: int, sort: str = results.DEFAULT_SORT):
    session = results.session_get(actor=request.auth, pk=exam_id)
    return results.candidates(actor=request.auth, session=session, sort=sort)


class QuestionResult(Schema):
    id: int
    label: str
    part: str
    number: int
    type: str
    stem: str
    points: str
    score: str | None
    answer: object = None
    feedback: str = ""
    options: list[dict] | None = None
    statements: list[dict] | None = None
    expected: list | None = None
    prompts: list[dict] | None = None
    general_feedback: str | None = None


class AttemptResult(Schema):
    attempt: int
    exam: dict
    status: str
    available: bool = Field(description="Whether the score may be shown to the caller now")
    review_available: bool
    message: str = Field(description="Why not (yet), in the user's language")
    score: Decimal | None = None
    max_score: Decimal | None = None
    score_10: Decimal | None = None
    pending_manual: int | None = None
    time_used_seconds: int | None = None
    questions: list[QuestionResult] = Field(
        default_factory=list, description="With the answer given and the key, when shown"
    )


def _attempt_for(actor, attempt_id: int) -> tuple[Attempt, bool]:
    """(attempt, as staff) — the caller's own attempt, else one they may read as staff."""
    try:
        return results.own_attempt_get(actor=actor, pk=attempt_id), False
    except ObjectDoesNotExist:
        return results.staff_attempt_get(actor=actor, pk=attempt_id), True


@router.get(
    "/attempts/{attempt_id}/result",
    response=AttemptResult,
    summary="One attempt's result: the candidate's own (by the exam's rules) or for staff",
)
def attempt_result(request, attempt_id: int):
    attempt, staff = _attempt_for(request.auth, attempt_id)
    session = attempt.session
    if staff:
        shown = results.Availability(score=attempt.score is not None, review=True)
    else:
        shown = results.availability(attempt, session, timezone.now())
    body = {
        "attempt": attempt.pk,
        "exam": {"id": session.pk, "code": session.code, "name": session.name},
        "status": attempt.status,
        "available": shown.score,
        "review_available": shown.review,
        "message": str(shown.message),
        "pending_manual": attempt.pending_manual if staff or shown.score else None,
    }
    if shown.score or staff:
        used = results.time_used(attempt)
        body |= {
            "score": attempt.score,
            "max_score": attempt.max_score,
            "score_10": results.ten_point(attempt.score, attempt.max_score),
            "time_used_seconds": None if used is None else int(used.total_seconds()),
        }
    if shown.review:
        body["questions"] = [
            results.review_as_dict(review, with_key=True)
            for review in results.attempt_review(attempt)
        ]
    return body


# --- statistics (item analysis and IRT: exams/analysis.py) -------------------------------------


class IrtSummary(Schema):
    model: str = Field(description="rasch or 2pl")
    converged: bool
    iterations: int
    loglik: float | None = Field(description="Marginal log-likelihood")
    latent_sd: float | None = Field(description="SD of ability on the reported scale")
    candidates: int = Field(description="Attempts the calibration used")


class ItemStatistics(Schema):
    item: int = Field(description="Question-bank item id")
    position: str = Field(description="Where the first form asks it (part.number)")
    type: str
    key: list[int] = Field(description="Options worth points (choice items), original indexes")
    responses: int = Field(description="Candidates whose form had the item")
    facility: float | None = Field(description="p: mean score / max points")
    point_biserial: float | None = Field(description="Corrected item–rest correlation")
    upper_lower: float | None = Field(description="D: p(upper 27 %) − p(lower 27 %)")
    distractors: dict[str, int] = Field(description='Per original option index, and "blank"')
    flags: list[str] = Field(description="negative_discrimination, too_hard, too_easy")
    irt_model: str
    irt_a: float | None
    irt_b: float | None


class ExamRef(Schema):
    id: int
    code: str
    name: str


class ExamStatistics(Schema):
    exam: ExamRef
    analysed_at: datetime | None = Field(description="null: not analysed yet")
    candidates: int = Field(description="Submitted attempts analysed")
    item_count: int
    mean: float | None = Field(description="Mean score on the 10-point scale")
    sd: float | None
    sem: float | None = Field(description="Standard error of measurement, 10-point scale")
    reliability: float | None = Field(description="Cronbach's alpha")
    kr20: float | None = Field(description="KR-20, when every item is scored 0/1")
    distribution: list[int] = Field(description="Candidates per 10-point bin [0,1) … [9,10]")
    irt: IrtSummary | None
    items: list[ItemStatistics]


@router.get(
    "/exams/{exam_id}/statistics",
    response=ExamStatistics,
    summary="The stored item analysis of an exam: test statistics and one row per item",
)
def exam_statistics(request, exam_id: int):
    from .analysis import session_statistics  # kept with the statistics routes

    return session_statistics(actor=request.auth, pk=exam_id)
