"""Reads of exam sessions for staff, always scoped (exams/access.py): the list with search and
filters, one session with its counts, and the supervisor's rows (one query for the room)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hocso.core.text import fold

from .access import attempts_visible, sessions_visible
from .models import Attempt, AttemptStatus, ExamSession, SessionStatus

ONLINE_SECONDS = 60  # a page that spoke within this long is connected (it beats every 15–30 s)
ORDERINGS = {
    "opens": ("opens_at", "pk"),
    "-opens": ("-opens_at", "pk"),
    "code": ("code",),
    "name": ("name", "pk"),
}


def with_counts(sessions: QuerySet[ExamSession]) -> QuerySet[ExamSession]:
    """Each session with .candidates, .started and .submitted (attempt counts), in the same
    query."""
    return sessions.annotate(
        candidates=Count("attempts"),
        started=Count("attempts", filter=Q(attempts__started_at__isnull=False)),
        submitted=Count("attempts", filter=Q(attempts__status=AttemptStatus.SUBMITTED)),
    )


def sessions_search(
    *, actor, q: str = "", status: str = "", subject: str = "", grade: int | None = None,
    ordering: str = "-opens",
) -> QuerySet[ExamSession]:  # fmt: skip
    """Sessions the actor may see as staff; `q` = words of the code or name (with or without
    diacritics), `subject` = subject code."""
    sessions = sessions_visible(actor).select_related("subject", "org_unit")
    if status in SessionStatus.values:
        sessions = sessions.filter(status=status)
    if subject:
        sessions = sessions.filter(subject__code=subject)
    if grade:
        sessions = sessions.filter(grade=grade)
    words = fold(q).split() if q else []
    if words:
        # Names are short and per unit few: match folded words in Python on the ids only.
        matching = [
            pk
            for pk, code, name in sessions.values_list("pk", "code", "name")
            if all(w in fold(f"{code} {name}") for w in words)
        ]
        sessions = sessions.filter(pk__in=matching)
    return with_counts(sessions).order_by(*ORDERINGS.get(ordering, ORDERINGS["-opens"]))


def session_get(*, actor, pk: int) -> ExamSession:
    """One session the actor may see, with its counts; ExamSession.DoesNotExist otherwise."""
    return (
        with_counts(sessions_visible(actor))
        .select_related("subject", "org_unit", "year", "blueprint", "created_by")
        .get(pk=pk)
    )


@dataclass
class SupervisorRow:
    attempt: Attempt
    name: str
    class_name: str
    status: str
    answered: int
    total: int
    seconds_left: int | None  # None before the start
    online: bool
    disconnected: bool  # in progress and silent for more than ONLINE_SECONDS
    checked_in: bool

    @property
    def time_left(self) -> str:
        """ "mm:ss" (or "h:mm:ss") of a started attempt; "" otherwise."""
        if self.seconds_left is None:
            return ""
        hours, rest = divmod(self.seconds_left, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def supervisor_attempts(*, actor, session: ExamSession) -> QuerySet[Attempt]:
    return (
        attempts_visible(actor, session)
        .select_related("student", "school_class", "form")
        .order_by("school_class__name", "student__search_name", "pk")
    )


def supervisor_row(attempt: Attempt, now: datetime) -> SupervisorRow:
    """What the supervisor sees of one attempt (its student and class already loaded)."""
    in_progress = attempt.status == AttemptStatus.IN_PROGRESS
    online = (
        in_progress
        and attempt.last_seen_at is not None
        and now - attempt.last_seen_at <= timedelta(seconds=ONLINE_SECONDS)
    )
    left = None
    if in_progress and attempt.deadline is not None:
        left = max(int((attempt.deadline - now).total_seconds()), 0)
    return SupervisorRow(
        attempt=attempt,
        name=attempt.student.full_name,
        class_name=attempt.school_class.name if attempt.school_class else "",
        status=attempt.status,
        answered=attempt.answered,
        total=len(attempt.question_order),
        seconds_left=left,
        online=online,
        disconnected=in_progress and not online,
        checked_in=attempt.checked_in_at is not None,
    )


def supervisor_rows(
    *, actor, session: ExamSession, now: datetime | None = None, school_class_id: int | None = None
):
    """Per attempt the learner, class, status, answered/total, time left, connection and
    check-in: one query for the whole list (of one class — one exam room — when given)."""
    now = now or timezone.now()
    attempts = supervisor_attempts(actor=actor, session=session)
    if school_class_id is not None:
        attempts = attempts.filter(school_class_id=school_class_id)
    return [supervisor_row(attempt, now) for attempt in attempts]


def supervisor_summary(rows: list[SupervisorRow]) -> dict[str, int]:
    return {
        "total": len(rows),
        "not_started": sum(r.status == AttemptStatus.NOT_STARTED for r in rows),
        "in_progress": sum(r.status == AttemptStatus.IN_PROGRESS for r in rows),
        "submitted": sum(r.status == AttemptStatus.SUBMITTED for r in rows),
        "disconnected": sum(r.disconnected for r in rows),
    }
