"""Reading exam results: per candidate, per class, per school, and a candidate's own review.

Every selector is scoped through exams/access.py: staff see the attempts `attempts_visible`
gives them (all of a session they manage, else their schools' candidates — so in a
Department exam a school admin sees only their school), a learner only their own attempts,
and only when the session's rules allow it (`availability`).

Summaries read the graded scores of the visible attempts in ONE query per grouping and compute
count, mean, median, minimum, maximum and the distribution in Python: the median has no
portable SQL aggregate (SQLite has none), and the rows are three numbers each.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.questions.interchange import ItemType

from .access import attempts_visible, own_attempts, sessions_visible
from .grading import latest_deadline, version_data
from .models import (
    Attempt,
    AttemptStatus,
    ExamQuestion,
    ExamSession,
    Response,
    SessionStatus,
    ShowResults,
)

TEN = Decimal(10)
BINS = 10
_TWO_PLACES = Decimal("0.01")


def ten_point(score, max_score) -> Decimal | None:
    """A score on the 10-point scale, two decimals (for reading; the grade book rounds to one)."""
    if score is None or not max_score:
        return None
    return (Decimal(score) * TEN / Decimal(max_score)).quantize(_TWO_PLACES, ROUND_HALF_UP)


def session_get(*, actor, pk: int) -> ExamSession:
    """A session the actor may see as staff; ExamSession.DoesNotExist otherwise."""
    return sessions_visible(actor).select_related("org_unit", "subject", "year").get(pk=pk)


# --- who may see a candidate's result ------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    score: bool  # the total and the per-question points
    review: bool  # the questions with the candidate's answers and the key
    message: str = ""  # why not (yet), for the candidate


def exam_over(session: ExamSession, now=None) -> bool:
    """No candidate can be writing any more (the last accommodation and grace included)."""
    if session.status in (SessionStatus.CLOSED, SessionStatus.RELEASED):
        return True
    return (now or timezone.now()) >= latest_deadline(session)


def availability(attempt: Attempt, session: ExamSession, now=None) -> Availability:
    """What the candidate may see of their attempt now, by `session.show_results`:
    never; after_submit (the score at once; the answers and key only once the exam is over
    for everyone, so they cannot reach those still writing); after_close; after_release
    (session RELEASED). Review also needs `review_allowed`."""
    if attempt.status != AttemptStatus.SUBMITTED:
        return Availability(False, False, _("Bạn chưa nộp bài này."))
    rule = session.show_results
    if rule == ShowResults.NEVER:
        return Availability(False, False, _("Bài thi này không cho xem kết quả."))
    released = session.status == SessionStatus.RELEASED
    if rule == ShowResults.AFTER_RELEASE and not released:
        return Availability(
            False, False, _("Kết quả sẽ hiện khi giáo viên công bố điểm. Hãy quay lại sau.")
        )
    over = released or exam_over(session, now)
    if rule == ShowResults.AFTER_CLOSE and not over:
        return Availability(
            False, False, _("Kết quả sẽ hiện sau khi kết thúc giờ thi. Hãy quay lại sau.")
        )
    if attempt.score is None:
        message = _("Bài làm đang được chấm (còn câu tự luận chưa chấm).")
        return Availability(False, False, message)
    if not session.review_allowed:
        return Availability(True, False, _("Bài thi này không cho xem lại bài làm."))
    if not over:
        return Availability(True, False, _("Bài làm và đáp án sẽ hiện sau khi kết thúc giờ thi."))
    return Availability(True, True)


def own_attempt_get(*, actor, pk: int) -> Attempt:
    """The learner's own attempt; Attempt.DoesNotExist for anyone else's."""
    return own_attempts(actor).select_related("session", "student", "form").get(pk=pk)


def staff_attempt_get(*, actor, pk: int) -> Attempt:
    """An attempt the actor may read as staff; Attempt.DoesNotExist otherwise."""
    attempt = (
        Attempt.objects.select_related(
            "session__org_unit", "student", "form", "school_class", "school"
        )
        .filter(pk=pk)
        .first()
    )
    if attempt is None or not attempts_visible(actor, attempt.session).filter(pk=pk).exists():
        raise Attempt.DoesNotExist
    return attempt


# --- candidates ------------------------------------------------------------------------------

SORTS = {
    "name": ("student__search_name", "pk"),
    "-name": ("-student__search_name", "-pk"),
    "class": ("school_class__name", "student__search_name", "pk"),
    "-class": ("-school_class__name", "student__search_name", "pk"),
    "score": ("score", "student__search_name", "pk"),
    "-score": ("-score", "student__search_name", "pk"),
    "form": ("form__code", "student__search_name", "pk"),
    "-form": ("-form__code", "student__search_name", "pk"),
}
DEFAULT_SORT = "class"


def candidates(
    *, actor, session: ExamSession, school_class=None, school=None, sort: str = DEFAULT_SORT
) -> QuerySet[Attempt]:
    """The visible attempts of the session, filtered by class or school, sorted server-side
    (`SORTS`; None scores last when sorting by score)."""
    attempts = attempts_visible(actor, session).select_related(
        "student", "school_class", "school", "form"
    )
    if school_class is not None:
        attempts = attempts.filter(school_class_id=school_class)
    if school is not None:
        attempts = attempts.filter(school_id=school)
    keys = SORTS.get(sort, SORTS[DEFAULT_SORT])
    ordering = []
    for key in keys:
        if key.lstrip("-") == "score":
            expr = F("score")
            ordering.append(
                expr.desc(nulls_last=True) if key.startswith("-") else expr.asc(nulls_last=True)
            )
        else:
            ordering.append(key)
    return attempts.order_by(*ordering)


def time_used(attempt: Attempt) -> timedelta | None:
    if attempt.started_at is None or attempt.submitted_at is None:
        return None
    return max(attempt.submitted_at - attempt.started_at, timedelta(0))


def question_columns(session: ExamSession) -> list[tuple[str, str]]:
    """(part, number) of the questions in print order, over every form (forms of one blueprint
    share their layout; a question is identified by where it is printed)."""
    seen = []
    rows = (
        ExamQuestion.objects.filter(form__session=session)
        .order_by("position")
        .values_list("part", "number")
    )
    for row in rows:
        if row not in seen:
            seen.append(row)
    return seen


def question_scores(attempts) -> dict[int, dict[tuple[str, str], Decimal | None]]:
    """For each attempt: {(part, number): points earned} (one query). A question without a
    response is absent (0 points); an essay waiting to be marked is None."""
    ids = [a.pk for a in attempts]
    scores: dict[int, dict] = defaultdict(dict)
    rows = Response.objects.filter(attempt_id__in=ids).values_list(
        "attempt_id", "question__part", "question__number", "score"
    )
    for attempt_id, part, number, score in rows:
        scores[attempt_id][(part, number)] = score
    return scores


@dataclass
class CandidateResult:
    attempt: Attempt
    score: Decimal | None
    max_score: Decimal | None
    ten: Decimal | None
    time_used: timedelta | None
    per_question: list = field(default_factory=list)  # [(label, points earned, points)]


def candidate_result(attempt: Attempt) -> CandidateResult:
    questions = {
        q.pk: q for q in ExamQuestion.objects.filter(form_id=attempt.form_id).order_by("position")
    }
    earned = dict(Response.objects.filter(attempt=attempt).values_list("question_id", "score"))
    per_question = [
        (question_label(q), earned.get(q.pk, Decimal(0)), q.points) for q in questions.values()
    ]
    return CandidateResult(
        attempt=attempt,
        score=attempt.score,
        max_score=attempt.max_score,
        ten=ten_point(attempt.score, attempt.max_score),
        time_used=time_used(attempt),
        per_question=per_question,
    )


def question_label(question: ExamQuestion) -> str:
    if question.part:
        return _("Phần %(part)s câu %(n)s") % {"part": question.part, "n": question.number}
    return _("Câu %(n)s") % {"n": question.number}


# --- summaries ---------------------------------------------------------------------------------


@dataclass
class Summary:
    key: int | None
    label: str
    count: int = 0  # candidates
    submitted: int = 0
    graded: int = 0
    mean: Decimal | None = None  # on the 10-point scale
    median: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * BINS)  # [0,1) … [9,10]


def bin_of(ten: Decimal) -> int:
    """The distribution bin of a 10-point score: [0,1) → 0 … [9,10] → 9."""
    return min(int(ten), BINS - 1) if ten >= 0 else 0


def _summarise(rows) -> list[Summary]:
    groups: dict = {}
    values: dict = defaultdict(list)
    for key, label, status, score, max_score in rows:
        summary = groups.get(key)
        if summary is None:
            summary = groups[key] = Summary(key=key, label=label or _("(không thuộc lớp nào)"))
        summary.count += 1
        summary.submitted += status == AttemptStatus.SUBMITTED
        ten = ten_point(score, max_score) if status == AttemptStatus.SUBMITTED else None
        if ten is not None:
            values[key].append(ten)
    for key, summary in groups.items():
        tens = values[key]
        summary.graded = len(tens)
        if not tens:
            continue
        summary.mean = (sum(tens) / len(tens)).quantize(_TWO_PLACES, ROUND_HALF_UP)
        summary.median = Decimal(median(tens)).quantize(_TWO_PLACES, ROUND_HALF_UP)
        summary.minimum, summary.maximum = min(tens), max(tens)
        for ten in tens:
            summary.distribution[bin_of(ten)] += 1
    return sorted(groups.values(), key=lambda s: s.label)


def summary_by_class(*, actor, session: ExamSession) -> list[Summary]:
    rows = (
        attempts_visible(actor, session)
        .order_by()
        .values_list("school_class_id", "school_class__name", "status", "score", "max_score")
    )
    return _summarise(rows)


def summary_by_school(*, actor, session: ExamSession) -> list[Summary]:
    rows = (
        attempts_visible(actor, session)
        .order_by()
        .values_list("school_id", "school__name", "status", "score", "max_score")
    )
    return _summarise(rows)


def summary_overall(*, actor, session: ExamSession) -> Summary:
    rows = (
        attempts_visible(actor, session)
        .order_by()
        .values_list("session_id", "session__code", "status", "score", "max_score")
    )
    found = _summarise(rows)
    return found[0] if found else Summary(key=session.pk, label=session.code)


# --- review: the questions with the answer given and the key ----------------------------------


@dataclass
class QuestionReview:
    question: ExamQuestion
    label: str
    type: str
    stem: str  # HTML (sanitized when stored)
    points: Decimal
    score: Decimal | None
    answered: bool
    answer: object
    feedback: str = ""  # the marker's, for essays
    options: list = field(default_factory=list)  # [{html, chosen, correct}] in shown order
    statements: list = field(default_factory=list)  # [{html, answer, key}]
    expected: list = field(default_factory=list)  # texts: accepted answers, right order…
    prompts: list = field(default_factory=list)  # matching: [{html, given, right}]
    rubric: str = ""
    general_feedback: str = ""


def attempt_review(attempt: Attempt) -> list[QuestionReview]:
    """The attempt's questions in the order the candidate saw them, each with the answer
    given, the points earned and the key (the caller decides whether the key may be shown)."""
    questions = {
        q.pk: q
        for q in ExamQuestion.objects.filter(form_id=attempt.form_id).select_related(
            "item", "item_version"
        )
    }
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    order = [pk for pk in attempt.question_order if pk in questions] or sorted(
        questions, key=lambda pk: questions[pk].position
    )
    reviews = []
    for pk in order:
        question = questions[pk]
        data = version_data(question)
        response = responses.get(pk)
        answer = response.answer if response is not None else None
        review = QuestionReview(
            question=question,
            label=question_label(question),
            type=data.type,
            stem=data.stem,
            points=question.points,
            score=response.score if response is not None else Decimal(0),
            answered=response is not None,
            answer=answer,
            feedback=response.feedback if response is not None else "",
            rubric=data.rubric,
            general_feedback=data.general_feedback,
        )
        _fill_key(review, data, answer, _shown_order(attempt, question, len(data.choices)))
        reviews.append(review)
    return reviews


def _shown_order(attempt: Attempt, question: ExamQuestion, count: int) -> list[int]:
    order = attempt.option_orders.get(str(question.pk)) or question.option_order
    if sorted(order or []) != list(range(count)):
        return list(range(count))
    return list(order)


def _fill_key(review: QuestionReview, data, answer, shown: list[int]) -> None:
    if data.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        if data.type == ItemType.SINGLE_CHOICE:
            chosen = {answer} if isinstance(answer, int) else set()
        else:
            chosen = {a for a in answer or () if isinstance(a, int)}
        review.options = [
            {
                "letter": chr(ord("A") + position),
                "html": data.choices[index].text,
                "chosen": index in chosen,
                "correct": data.choices[index].fraction > 0,
            }
            for position, index in enumerate(shown)
        ]
    elif data.type == ItemType.TRUE_FALSE:
        review.expected = [data.correct]
    elif data.type == ItemType.TRUE_FALSE_4:
        given = list(answer) if isinstance(answer, list) else []
        given += [None] * (len(data.statements) - len(given))
        review.statements = [
            {"letter": chr(ord("a") + n), "html": s.text, "answer": given[n], "key": s.is_true}
            for n, s in enumerate(data.statements)
        ]
    elif data.type == ItemType.SHORT_TEXT:
        review.expected = [a.text for a in data.text_answers if a.fraction > 0]
    elif data.type == ItemType.SHORT_NUMERIC:
        review.expected = [
            f"{a.value} ± {a.tolerance}" if a.tolerance else str(a.value)
            for a in data.numeric_answers
            if a.fraction > 0
        ]
    elif data.type == ItemType.MATCHING:
        prompts = [p for p in data.pairs if p.left]
        given = list(answer) if isinstance(answer, list) else []
        given += [None] * (len(prompts) - len(given))
        review.prompts = [
            {"html": p.left, "given": given[n], "right": p.right} for n, p in enumerate(prompts)
        ]
    elif data.type == ItemType.ORDERING:
        review.expected = list(data.order)


def review_as_dict(review: QuestionReview, *, with_key: bool) -> dict:
    """The JSON form of a reviewed question (the API); the key only `with_key`."""
    out = {
        "id": review.question.pk,
        "label": review.label,
        "part": review.question.part,
        "number": review.question.number,
        "type": review.type,
        "stem": review.stem,
        "points": str(review.points),
        "score": None if review.score is None else str(review.score),
        "answer": review.answer,
        "feedback": review.feedback,
    }
    if with_key:
        out["options"] = review.options
        out["statements"] = review.statements
        out["expected"] = review.expected
        out["prompts"] = review.prompts
        out["general_feedback"] = review.general_feedback
    return out
