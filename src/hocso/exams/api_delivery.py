"""The delivery endpoints: what the exam page (and any other client: the load benchmark, a lab
kiosk) uses to take an exam. Only the candidate reaches their attempt — anyone else, staff
included, gets 404 — and the exam's refusals answer 409 {"code", "detail"}.

The save route is the hot path (every answer of every candidate): it reads the attempt once,
then runs one transaction of one guard statement and one upsert per save, and answers only
after the commit (delivery.responses_save).
"""

from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from . import delivery
from .access import own_attempts
from .models import AttemptStatus

router = Router(tags=["exams"])


class Refusal(Schema):
    code: str = Field(description="not_open, closed, access_code, device_replaced, not_started")
    detail: str


def refused(exc: delivery.DeliveryRefused) -> Status:
    return Status(409, {"code": exc.code, "detail": str(exc.detail)})


# --- the candidate's attempts -------------------------------------------------------------------


class ExamRef(Schema):
    id: int
    code: str
    name: str


class AttemptListItem(Schema):
    id: int
    exam: ExamRef = Field(alias="session")
    status: str
    opens_at: datetime = Field(alias="session.opens_at")
    closes_at: datetime = Field(alias="session.closes_at")
    duration_minutes: int = Field(alias="session.duration_minutes")


@router.get("/attempts", response=list[AttemptListItem], url_name="exam_attempt_list")
@paginate(Pagination)
def list_attempts(request):
    """The caller's own attempts (as a candidate), the latest exam first."""
    return (
        own_attempts(request.auth).select_related("session").order_by("-session__opens_at", "-pk")
    )


# --- start ---------------------------------------------------------------------------------------


class StartIn(Schema):
    access_code: str = Field("", max_length=40)
    device_label: str = Field("", max_length=200)


class StoredResponse(Schema):
    seq: int
    answer: Any = None


class Started(Schema):
    attempt: int
    device_token: str
    status: str
    server_time: datetime
    deadline: datetime
    remaining_seconds: int
    grace_seconds: int
    one_per_page: bool
    questions: list[dict[str, Any]] = Field(
        description="In the candidate's shown order: id, position, part, number, type, points, "
        "stem (HTML); options [{value: original index, html}] for choice types; statements "
        "(true_false_4); prompts and right_choices (matching); ordering_items (ordering)"
    )
    responses: dict[str, StoredResponse] = Field(description="Saved answers by question id")


@router.post(
    "/attempts/{attempt_id}/start",
    response={200: Started, 409: Refusal},
    url_name="exam_attempt_start",
)
def start_attempt(request, attempt_id: int, payload: StartIn | None = None):
    """Start or resume the attempt on this device; issues a new device token (any other device
    of the attempt is then refused: takeover)."""
    payload = payload or StartIn()
    attempt = own_attempts(request.auth).select_related("session").get(pk=attempt_id)
    try:
        started = delivery.attempt_start(
            actor=request.auth,
            attempt=attempt,
            access_code=payload.access_code,
            device_label=payload.device_label,
        )
    except delivery.DeliveryRefused as exc:
        return refused(exc)
    attempt = started.attempt
    return {
        "attempt": attempt.pk,
        "device_token": started.device_token,
        "status": attempt.status,
        "server_time": started.server_time,
        "deadline": attempt.deadline,
        "remaining_seconds": started.remaining_seconds,
        "grace_seconds": attempt.session.grace_seconds,
        "one_per_page": attempt.session.one_per_page,
        "questions": started.questions,
        "responses": started.responses,
    }


# --- saves ---------------------------------------------------------------------------------------


class SaveIn(Schema):
    question: int = Field(description="ExamQuestion id")
    seq: int = Field(ge=1, le=delivery.MAX_SEQ, description="Per question, increasing")
    answer: Any = Field(description="Shaped by the item type, original option indexes")


class SavesIn(Schema):
    device_token: str = Field(max_length=64)
    saves: list[SaveIn] = Field(max_length=delivery.MAX_SAVES_PER_BATCH)


class SavedSeq(Schema):
    question: int
    seq: int = Field(description="Stored seq: the save is acknowledged iff this ≥ the seq sent")


class Saved(Schema):
    saved: list[SavedSeq]
    remaining_seconds: int
    status: str


@router.post(
    "/attempts/{attempt_id}/responses",
    response={200: Saved, 409: Refusal},
    url_name="exam_attempt_responses",
)
def save_responses(request, attempt_id: int, payload: SavesIn):
    """Save answers (one transaction, answered after the commit). Retried, duplicated and
    out-of-order saves are harmless: a save never replaces an answer with a higher seq."""
    try:
        outcome = delivery.responses_save(
            actor=request.auth,
            attempt_id=attempt_id,
            device_token=payload.device_token,
            saves=[delivery.Save(s.question, s.seq, s.answer) for s in payload.saves],
        )
    except delivery.DeliveryRefused as exc:
        return refused(exc)
    return {
        "saved": [{"question": q, "seq": seq} for q, seq in outcome.saved.items()],
        "remaining_seconds": outcome.remaining_seconds,
        "status": outcome.status,
    }


# --- heartbeat -----------------------------------------------------------------------------------


class State(Schema):
    status: str
    remaining_seconds: int
    deadline: datetime | None
    server_time: datetime
    saved: dict[str, int] = Field(description="Stored seq by question id")


@router.get(
    "/attempts/{attempt_id}/state",
    response={200: State, 409: Refusal},
    url_name="exam_attempt_state",
)
def attempt_state(request, attempt_id: int, device_token: str = Query(..., max_length=64)):
    """The page's heartbeat: the server's time left and what is stored."""
    try:
        state = delivery.attempt_state(
            actor=request.auth, attempt_id=attempt_id, device_token=device_token
        )
    except delivery.DeliveryRefused as exc:
        return refused(exc)
    return state


# --- submit --------------------------------------------------------------------------------------


class SubmitIn(Schema):
    device_token: str = Field("", max_length=64)


class Submitted(Schema):
    status: str
    submitted_at: datetime | None
    result_url: str


def result_url(attempt_id: int) -> str:
    try:
        return reverse("exams:my_result", args=[attempt_id])
    except NoReverseMatch:  # the results pages are another module's; the address is agreed
        return f"/my-exams/{attempt_id}/result/"


@router.post(
    "/attempts/{attempt_id}/submit",
    response={200: Submitted, 409: Refusal},
    url_name="exam_attempt_submit",
)
def submit_attempt(request, attempt_id: int, payload: SubmitIn | None = None):
    """Hand the attempt in (idempotent: a second submit answers the same)."""
    payload = payload or SubmitIn()
    attempt = own_attempts(request.auth).select_related("session").get(pk=attempt_id)
    try:
        attempt = delivery.attempt_submit(
            actor=request.auth, attempt=attempt, device_token=payload.device_token
        )
    except delivery.DeliveryRefused as exc:
        return refused(exc)
    return {
        "status": AttemptStatus.SUBMITTED,
        "submitted_at": attempt.submitted_at,
        "result_url": result_url(attempt.pk),
    }
