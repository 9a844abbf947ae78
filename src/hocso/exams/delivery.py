"""Taking an exam: start (or resume on another device), save answers, heartbeat, submit, and the
auto-submit of attempts whose time is up (docs/decisions/0004-exam-delivery-plan.md).

The promise: an answer acknowledged to the page is committed. So a batch of saves is one
transaction — a guard that the device still holds the attempt and time is not up, then one
conditional upsert per save that moves a response forward only when its `seq` is newer — and
the caller answers only after that transaction has committed. A retried, duplicated or
late-arriving older save changes nothing and is answered with the stored `seq`, so the page can
tell what is saved (stored seq ≥ the seq it sent).

The server's clock is the only clock: every function takes an optional `now` (tests pass it;
production uses `timezone.now()`), and the attempt stores its deadline. Saves still count for
`ExamSession.grace_seconds` after the deadline (answers in flight); after that they are refused
and the attempt is submitted — by `attempts_submit_expired` (a periodic task) or lazily, by the
first request that touches it.

The page never receives the key: the question payload carries stems, options, statements,
prompts and choices, never fractions, truth values, accepted answers, feedback or rubrics.
Options are sent in the candidate's shown order but answered by their ORIGINAL index ("value"),
so scoring and distractor counts never depend on the shuffle.
"""

import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocso.questions import richtext
from hocso.questions.content import data_from_content
from hocso.questions.generation import matching_right_column, ordering_shown
from hocso.questions.interchange import ItemType

from . import grading
from .access import can_manage, own_attempts
from .models import (
    Attempt,
    AttemptStatus,
    ExamQuestion,
    ExamSession,
    Response,
    SessionStatus,
    SubmittedHow,
)

MAX_SEQ = 2_147_483_647  # Response.seq is an integer column on PostgreSQL
MAX_SAVES_PER_BATCH = 200
MAX_ESSAY_CHARS = 20_000
MAX_SHORT_CHARS = 1_000
TRUE_FALSE_4_STATEMENTS = 4
CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE)


# --- refusals (the API answers them 409 {"code", "detail"}) ------------------------------------


class DeliveryRefused(Exception):
    """A request the exam's rules refuse; `code` is stable for clients, `detail` is for people."""

    code = "refused"
    message = gettext_lazy("Yêu cầu không được chấp nhận.")

    def __init__(self, detail=None):
        self.detail = detail if detail is not None else self.message
        super().__init__(str(self.detail))


class NotOpen(DeliveryRefused):
    code = "not_open"
    message = gettext_lazy("Bài thi chưa đến giờ mở.")


class AttemptClosed(DeliveryRefused):
    code = "closed"
    message = gettext_lazy("Đã hết giờ làm bài; câu trả lời này không được lưu.")


class AccessCodeWrong(DeliveryRefused):
    code = "access_code"
    message = gettext_lazy("Mã vào phòng thi không đúng. Hãy hỏi giám thị.")


class DeviceReplaced(DeliveryRefused):
    code = "device_replaced"
    message = gettext_lazy("Bài làm đang mở trên thiết bị khác. Thiết bị này đã bị thay thế.")


class NotStarted(DeliveryRefused):
    code = "not_started"
    message = gettext_lazy("Bạn chưa bắt đầu làm bài thi này.")


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Save:
    """One answer as the page sends it: the ExamQuestion id, the page's sequence number for
    that question (increasing) and the answer in the shape of "Answer shapes"."""

    question_id: int
    seq: int
    answer: Any


@dataclass
class SaveOutcome:
    saved: dict[int, int]  # question id → stored seq (acknowledged iff ≥ the seq sent)
    status: str
    deadline: datetime
    remaining_seconds: int
    server_time: datetime


@dataclass
class StartResult:
    attempt: Attempt
    device_token: str
    server_time: datetime
    remaining_seconds: int
    questions: list[dict] = field(default_factory=list)
    responses: dict[str, dict] = field(default_factory=dict)


@dataclass
class AttemptState:
    status: str
    deadline: datetime | None
    remaining_seconds: int
    server_time: datetime
    saved: dict[str, int]


# --- time ---------------------------------------------------------------------------------------


def attempt_deadline(attempt: Attempt, session: ExamSession) -> datetime:
    """When the attempt's time is up: its duration from the start, never past the window's
    close; accommodations (extra) and time the supervisor added move both."""
    extra = timedelta(minutes=attempt.extra_minutes + attempt.added_minutes)
    by_duration = attempt.started_at + timedelta(minutes=session.duration_minutes) + extra
    return min(by_duration, session.closes_at + extra)


def remaining_seconds(deadline: datetime | None, now: datetime) -> int:
    """Whole seconds left (rounded up, so 0 means time is up)."""
    if deadline is None:
        return 0
    return max(0, math.ceil((deadline - now).total_seconds()))


def _expired(deadline: datetime | None, grace_seconds: int, now: datetime) -> bool:
    """Past the deadline and its grace period: nothing more may be saved."""
    return deadline is not None and now > deadline + timedelta(seconds=grace_seconds)


def _as_datetime(value) -> datetime:
    """A datetime read by raw SQL: SQLite gives text in UTC, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


# --- what the candidate sees --------------------------------------------------------------------


def _permutation(order, size: int) -> list[int] | None:
    """`order` when it is a permutation of range(size), else None (ignored)."""
    if (
        isinstance(order, list)
        and len(order) == size
        and all(isinstance(i, int) and not isinstance(i, bool) for i in order)
        and sorted(order) == list(range(size))
    ):
        return list(order)
    return None


def _attempt_order(attempt: Attempt, question_id: int):
    """The attempt's own shuffle of one question (JSON keys are text once stored)."""
    orders = attempt.option_orders or {}
    return orders.get(str(question_id), orders.get(question_id))


def _image_url(attempt: Attempt, question: ExamQuestion, name: str) -> str:
    """Images are served through the attempt (views_take.take_image), which checks that the
    caller is its candidate: a storage URL would let anyone with the link read the paper."""
    return reverse("exams:take_image", args=[attempt.pk, question.pk, name])


def _question_payload(question: ExamQuestion, attempt: Attempt, position: int, number: int):
    version = question.item_version
    files = version.content.get("files") or {}
    data = data_from_content(
        type=question.item.type, stem=version.stem, points=version.points, content=version.content
    )

    def html(fragment: str) -> str:
        # The same allowlist as the question bank's pages; images through the attempt.
        return richtext.render(
            fragment, lambda name: _image_url(attempt, question, name) if name in files else None
        )

    payload = {
        "id": question.pk,
        "position": position,
        "part": question.part,
        "number": number,
        "type": str(data.type),
        "points": question.points,
        "stem": html(data.stem),
    }
    if data.type in CHOICE_TYPES:
        size = len(data.choices)
        shown = (
            _permutation(_attempt_order(attempt, question.pk), size)
            or _permutation(question.option_order, size)
            or list(range(size))
        )
        payload["options"] = [{"value": i, "html": html(data.choices[i].text)} for i in shown]
    elif data.type == ItemType.TRUE_FALSE_4:
        payload["statements"] = [html(s.text) for s in data.statements]
    elif data.type == ItemType.MATCHING:
        payload["prompts"] = [html(p.left) for p in data.pairs if p.left]
        # Sent as stored: the answer names the chosen right-hand text exactly.
        payload["right_choices"] = matching_right_column(data)
    elif data.type == ItemType.ORDERING:
        shuffle = _permutation(_attempt_order(attempt, question.pk), len(data.order))
        payload["ordering_items"] = (
            [data.order[i] for i in shuffle] if shuffle else ordering_shown(data)
        )
    return payload


def questions_payload(attempt: Attempt) -> list[dict]:
    """The attempt's questions in its shown order, without anything of the key. `position` is
    the shown place (1..n) and `number` the shown number within the part, so a shuffled
    attempt reads Câu 1, 2, 3 like a printed paper."""
    questions = {
        q.pk: q
        for q in ExamQuestion.objects.filter(form_id=attempt.form_id).select_related(
            "item", "item_version"
        )
    }
    order = [pk for pk in attempt.question_order if pk in questions]
    order += [pk for pk in sorted(questions, key=lambda pk: questions[pk].position)
              if pk not in set(order)]  # fmt: skip
    numbers: Counter = Counter()
    payload = []
    for position, pk in enumerate(order, start=1):
        question = questions[pk]
        numbers[question.part] += 1
        payload.append(_question_payload(question, attempt, position, numbers[question.part]))
    return payload


def responses_payload(attempt: Attempt) -> dict[str, dict]:
    """The stored answers: {"<question id>": {"seq", "answer"}}."""
    rows = Response.objects.filter(attempt=attempt).values_list("question_id", "seq", "answer")
    return {str(qid): {"seq": seq, "answer": answer} for qid, seq, answer in rows}


# --- answer shapes ------------------------------------------------------------------------------


def _is_index(value, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def answer_problem(item_type: str, content: dict, answer) -> str | None:
    """Why `answer` is not a valid answer to an item of `item_type` with `content` (see the
    contract's "Answer shapes"), or None. `null` is always a valid "no answer"."""
    if answer is None:
        return None
    choices = content.get("choices") or []
    match item_type:
        case ItemType.SINGLE_CHOICE:
            if not _is_index(answer, len(choices)):
                return _("phải là số thứ tự của một phương án")
        case ItemType.MULTIPLE_RESPONSE:
            if not (
                isinstance(answer, list)
                and all(_is_index(i, len(choices)) for i in answer)
                and len(set(answer)) == len(answer)
            ):
                return _("phải là danh sách các phương án đã chọn, không lặp lại")
        case ItemType.TRUE_FALSE:
            if not isinstance(answer, bool):
                return _("phải là đúng hoặc sai")
        case ItemType.TRUE_FALSE_4:
            if not (
                isinstance(answer, list)
                and len(answer) == TRUE_FALSE_4_STATEMENTS
                and all(a is None or isinstance(a, bool) for a in answer)
            ):
                return _("phải gồm 4 ý, mỗi ý đúng, sai hoặc bỏ trống")
        case ItemType.SHORT_TEXT | ItemType.SHORT_NUMERIC:
            if not isinstance(answer, str) or len(answer) > MAX_SHORT_CHARS:
                return _("phải là một đoạn văn bản ngắn")
        case ItemType.ESSAY:
            if not isinstance(answer, str) or len(answer) > MAX_ESSAY_CHARS:
                return _("phải là văn bản không quá 20.000 kí tự")
        case ItemType.MATCHING:
            pairs = content.get("pairs") or []
            prompts = [p for p in pairs if p.get("left")]
            rights = {p.get("right") for p in pairs}
            if not (
                isinstance(answer, list)
                and len(answer) == len(prompts)
                and all(a is None or (isinstance(a, str) and a in rights) for a in answer)
            ):
                return _("phải chọn cho mỗi ý một phương án ghép của câu hỏi")
        case ItemType.ORDERING:
            order = content.get("order") or []
            if not (
                isinstance(answer, list)
                and all(isinstance(a, str) for a in answer)
                and Counter(answer) == Counter(order)
            ):
                return _("phải là các mục của câu hỏi theo thứ tự đã sắp")
        case _:
            return _("dạng câu hỏi không được hỗ trợ")
    return None


def is_answered(answer) -> bool:
    """Whether a stored answer counts as answered (Attempt.answered): not empty, not blank."""
    if answer is None:
        return False
    if isinstance(answer, str):
        return bool(answer.strip())
    if isinstance(answer, list):
        return any(is_answered(a) for a in answer)
    return True


def _validate(saves: list[Save], attempt: Attempt) -> None:
    """Every save names a question of the attempt's form and carries a well-shaped answer;
    else one ValidationError naming each bad question (nothing of the batch is written)."""
    if len(saves) > MAX_SAVES_PER_BATCH:
        raise ValidationError(
            _("Gửi tối đa %(n)s câu trả lời một lần.") % {"n": MAX_SAVES_PER_BATCH}
        )
    wanted = {s.question_id for s in saves}
    rows = (
        ExamQuestion.objects.filter(form_id=attempt.form_id, pk__in=wanted)
        .order_by()  # the model's ordering would join the form for nothing
        .values_list("pk", "part", "number", "item__type", "item_version__content")
    )
    specs = {
        pk: (part, number, item_type, content) for pk, part, number, item_type, content in rows
    }
    errors: dict[str, list[str]] = {}
    for save in saves:
        key = str(save.question_id)
        spec = specs.get(save.question_id)
        if spec is None:
            errors.setdefault(key, []).append(_("Câu hỏi không thuộc bài làm này."))
            continue
        if not 1 <= save.seq <= MAX_SEQ:
            errors.setdefault(key, []).append(_("Số thứ tự lần lưu không hợp lệ."))
        part, number, item_type, content = spec
        problem = answer_problem(item_type, content, save.answer)
        if problem:
            label = f"{part} {number}".strip()
            errors.setdefault(key, []).append(
                _("Câu trả lời của câu %(label)s %(problem)s.")
                % {"label": label, "problem": problem}
            )
    if errors:
        raise ValidationError(errors)


# --- start --------------------------------------------------------------------------------------


def _access_code_ok(session: ExamSession, attempt: Attempt, given: str) -> bool:
    """Supervised exams: the room's code, unless a supervisor checked the candidate in."""
    if not session.access_code or attempt.checked_in_at is not None:
        return True
    expected = session.access_code.strip().casefold()
    return secrets.compare_digest(expected.encode(), (given or "").strip().casefold().encode())


def attempt_start(
    *, actor, attempt: Attempt, access_code: str = "", device_label: str = "", now=None
) -> StartResult:
    """Start the attempt, or resume it (after a reload, or on another device). Each call issues
    a new device token: the device that called last holds the attempt and older tokens are
    refused (takeover). The deadline is fixed at the first start; a resume keeps it."""
    now = now or timezone.now()
    expired = False
    with transaction.atomic():
        try:
            locked = (
                own_attempts(actor)
                .select_for_update(of=("self",))
                .select_related("session")
                .get(pk=attempt.pk)
            )
        except Attempt.DoesNotExist:
            raise PermissionDenied from None  # only the candidate takes their attempt
        session = locked.session
        if locked.status == AttemptStatus.SUBMITTED or session.status in (
            SessionStatus.CLOSED,
            SessionStatus.RELEASED,
        ):
            raise AttemptClosed(_("Bài làm đã được nộp hoặc bài thi đã kết thúc."))
        if session.status == SessionStatus.DRAFT or now < session.opens_at:
            raise NotOpen
        if locked.status == AttemptStatus.NOT_STARTED and now >= session.closes_at:
            raise AttemptClosed(_("Đã hết thời gian mở bài thi."))
        if _expired(locked.deadline, session.grace_seconds, now):
            expired = _submit_expired_one(locked.pk, now)
        else:
            if not _access_code_ok(session, locked, access_code):
                raise AccessCodeWrong
            if locked.status == AttemptStatus.NOT_STARTED:
                locked.started_at = now
                locked.deadline = attempt_deadline(locked, session)
                locked.status = AttemptStatus.IN_PROGRESS
            locked.device_token = secrets.token_urlsafe(32)
            locked.device_label = (device_label or "")[:200]
            locked.last_seen_at = now
            locked.save(
                update_fields=[
                    "started_at", "deadline", "status", "device_token", "device_label",
                    "last_seen_at",
                ]
            )  # fmt: skip
    if expired or locked.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("Đã hết giờ làm bài; bài làm đã được nộp."))
    return StartResult(
        attempt=locked,
        device_token=locked.device_token,
        server_time=now,
        remaining_seconds=remaining_seconds(locked.deadline, now),
        questions=questions_payload(locked),
        responses=responses_payload(locked),
    )


# --- saves --------------------------------------------------------------------------------------


def _guard_sql() -> str:
    """Holds the attempt for this batch: the device's token, in progress, not past the deadline
    plus grace. It locks the attempt's row, so batches of one attempt (and a submit) run one
    after the other."""
    table = connection.ops.quote_name(Attempt._meta.db_table)
    return (
        # Only the model's own table name is formatted in; every value is a bound parameter.
        f"UPDATE {table} SET last_seen_at = %s "  # noqa: S608
        "WHERE id = %s AND device_token = %s AND status = %s AND deadline >= %s "
        "RETURNING answered, deadline"
    )


def _upsert_sql() -> str:
    """Insert the response, or move it forward only if this save is newer: an older or
    duplicate save changes nothing. Standard on SQLite ≥ 3.24 and PostgreSQL."""
    table = connection.ops.quote_name(Response._meta.db_table)
    return (
        f"INSERT INTO {table} "  # noqa: S608 - the model's table name; values are parameters
        "(attempt_id, question_id, school_id, seq, answer, saved_at, feedback) "
        "VALUES (%s, %s, %s, %s, %s, %s, '') "
        "ON CONFLICT (attempt_id, question_id) DO UPDATE "
        "SET answer = excluded.answer, seq = excluded.seq, saved_at = excluded.saved_at "
        f"WHERE {table}.seq < excluded.seq"
    )


def _why_refused(attempt_id: int, device_token: str, now: datetime) -> DeliveryRefused:
    """The guard matched nothing: say why, and submit an attempt whose time is up."""
    attempt = Attempt.objects.select_related("session").get(pk=attempt_id)
    if attempt.status == AttemptStatus.SUBMITTED:
        return AttemptClosed(_("Bài làm đã được nộp; câu trả lời này không được lưu."))
    if attempt.status == AttemptStatus.NOT_STARTED:
        return NotStarted()
    if not secrets.compare_digest(attempt.device_token.encode(), device_token.encode()):
        return DeviceReplaced()
    if _expired(attempt.deadline, attempt.session.grace_seconds, now):
        _submit_expired_one(attempt.pk, now)
    return AttemptClosed()


def responses_save(*, actor, attempt_id: int, device_token: str, saves: list[Save], now=None):
    """Save a batch of answers of the actor's own attempt in one transaction (see the module
    docstring). Returns after the commit, with the stored seq of every saved question.
    Raises DeviceReplaced / AttemptClosed (nothing written), ValidationError for a bad
    question or answer shape (nothing written), Attempt.DoesNotExist if not the actor's."""
    now = now or timezone.now()
    attempt = (
        own_attempts(actor)
        .select_related("session")
        .only("pk", "form_id", "school_id", "session__grace_seconds")
        .get(pk=attempt_id)
    )
    _validate(saves, attempt)
    grace = timedelta(seconds=attempt.session.grace_seconds)
    db_time = Attempt._meta.get_field("last_seen_at")
    response_answer = Response._meta.get_field("answer")
    response_time = Response._meta.get_field("saved_at")
    refusal = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _guard_sql(),
                [
                    db_time.get_db_prep_value(now, connection),
                    attempt.pk,
                    device_token,
                    AttemptStatus.IN_PROGRESS.value,
                    db_time.get_db_prep_value(now - grace, connection),
                ],
            )
            held = cursor.fetchone()
            if held is None:
                refusal = _why_refused(attempt.pk, device_token, now)
            else:
                answered_before, deadline = held[0], _as_datetime(held[1])
                saved_at = response_time.get_db_prep_value(now, connection)
                upsert = _upsert_sql()
                for save in saves:
                    answer = response_answer.get_db_prep_save(save.answer, connection)
                    cursor.execute(
                        upsert,
                        [
                            attempt.pk,
                            save.question_id,
                            attempt.school_id,
                            save.seq,
                            answer,
                            saved_at,
                        ],
                    )
        if refusal is None:
            stored = list(
                Response.objects.filter(attempt_id=attempt.pk).values_list(
                    "question_id", "seq", "answer"
                )
            )
            answered = sum(1 for _q, _s, answer in stored if is_answered(answer))
            if answered != answered_before:
                Attempt.objects.filter(pk=attempt.pk).update(answered=answered)
    # Committed (or refused): only now may the page be told.
    if refusal is not None:
        raise refusal
    wanted = {s.question_id for s in saves}
    return SaveOutcome(
        saved={qid: seq for qid, seq, _a in stored if qid in wanted},
        status=AttemptStatus.IN_PROGRESS,
        deadline=deadline,
        remaining_seconds=remaining_seconds(deadline, now),
        server_time=now,
    )


# --- heartbeat ----------------------------------------------------------------------------------


def attempt_state(*, actor, attempt_id: int, device_token: str, now=None) -> AttemptState:
    """The page's heartbeat: status, time left by the server's clock and the stored seq of
    every answer. Marks the device as seen; submits the attempt if its time is up."""
    now = now or timezone.now()
    attempt = own_attempts(actor).select_related("session").get(pk=attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        if not secrets.compare_digest(attempt.device_token.encode(), device_token.encode()):
            raise DeviceReplaced
        if _expired(attempt.deadline, attempt.session.grace_seconds, now):
            with transaction.atomic():
                _submit_expired_one(attempt.pk, now)
            attempt.refresh_from_db()
        else:
            Attempt.objects.filter(pk=attempt.pk, device_token=device_token).update(
                last_seen_at=now
            )
    saved = Response.objects.filter(attempt_id=attempt.pk).values_list("question_id", "seq")
    return AttemptState(
        status=attempt.status,
        deadline=attempt.deadline,
        remaining_seconds=(
            remaining_seconds(attempt.deadline, now)
            if attempt.status == AttemptStatus.IN_PROGRESS
            else 0
        ),
        server_time=now,
        saved={str(qid): seq for qid, seq in saved},
    )


# --- submit -------------------------------------------------------------------------------------


def _grade_after_commit(attempt_ids: list[int]) -> None:
    """Auto-grade submitted attempts once their submit is committed. A grading failure must not
    undo or hide a committed submit: the callback is registered `robust` (logged, not raised)
    and grading can be rerun for the whole session."""
    if not attempt_ids:
        return
    for attempt in Attempt.objects.filter(pk__in=attempt_ids).select_related("session"):
        grading.attempt_grade(attempt)


def _on_commit_grade(attempt_ids: list[int]) -> None:
    ids = list(attempt_ids)
    transaction.on_commit(lambda: _grade_after_commit(ids), robust=True)


def _submit_expired_one(attempt_id: int, now: datetime) -> bool:
    """Submit one attempt whose time (and grace) is up, as an auto-submit at its deadline.
    Call inside a transaction; True if this call submitted it."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("session")
        .filter(pk=attempt_id, status=AttemptStatus.IN_PROGRESS)
        .first()
    )
    if attempt is None or not _expired(attempt.deadline, attempt.session.grace_seconds, now):
        return False
    Attempt.objects.filter(pk=attempt_id, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SUBMITTED,
        submitted_at=attempt.deadline,
        submitted_how=SubmittedHow.AUTO,
    )
    _on_commit_grade([attempt_id])
    return True


def _may_submit(actor, attempt: Attempt, how: str) -> bool:
    own = own_attempts(actor).filter(pk=attempt.pk).exists()
    if how == SubmittedHow.CANDIDATE:
        return own
    if how == SubmittedHow.SUPERVISOR:
        return can_manage(actor, attempt.session)
    return own or can_manage(actor, attempt.session)  # AUTO: the page at 0:00, or the system


@transaction.atomic
def attempt_submit(
    *,
    actor,
    attempt: Attempt,
    device_token: str | None = None,
    how=SubmittedHow.CANDIDATE,
    now=None,
) -> Attempt:
    """Hand the attempt in. Idempotent: submitting a submitted attempt returns it unchanged.
    The candidate submits from the device that holds the attempt (`device_token`; None skips
    the check, for supervisors and the system). Grading runs after the commit."""
    now = now or timezone.now()
    if not _may_submit(actor, attempt, how):
        raise PermissionDenied
    locked = (
        Attempt.objects.select_for_update(of=("self",)).select_related("session").get(pk=attempt.pk)
    )
    if locked.status == AttemptStatus.SUBMITTED:
        return locked
    if device_token is not None and not secrets.compare_digest(
        locked.device_token.encode(), device_token.encode()
    ):
        if locked.status == AttemptStatus.NOT_STARTED:
            raise NotStarted
        raise DeviceReplaced
    if locked.status == AttemptStatus.NOT_STARTED and how == SubmittedHow.CANDIDATE:
        raise NotStarted
    if _expired(locked.deadline, locked.session.grace_seconds, now):
        # Time was up before this request: it is the auto-submit that was due.
        how, submitted_at = SubmittedHow.AUTO, locked.deadline
    else:
        submitted_at = now
    locked.status = AttemptStatus.SUBMITTED
    locked.submitted_at = submitted_at
    locked.submitted_how = how
    locked.save(update_fields=["status", "submitted_at", "submitted_how"])
    _on_commit_grade([locked.pk])
    return locked


def attempts_submit_expired(*, now=None) -> int:
    """Submit every attempt in progress whose deadline plus grace has passed (as auto-submits
    at their deadline); returns how many. Safe to run at any time and concurrently with saves:
    a locked attempt (a save in flight) is left for the next run or its own lazy submit."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now)  # attempt_status_deadline
            .values_list("pk", "deadline", "session__grace_seconds")
        )
        ids = [pk for pk, deadline, grace in due if _expired(deadline, grace, now)]
        submitted = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            submitted += Attempt.objects.filter(
                pk__in=chunk, status=AttemptStatus.IN_PROGRESS
            ).update(
                status=AttemptStatus.SUBMITTED,
                submitted_at=F("deadline"),
                submitted_how=SubmittedHow.AUTO,
            )
        _on_commit_grade(ids)
    return submitted
