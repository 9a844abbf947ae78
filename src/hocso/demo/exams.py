"""The demo's online exams, at Trường THCS Lý Tự Trọng (the school with the demo accounts):

- a grade-9 mathematics mid-term taken on 3 November 2026 by every grade-9 learner, graded,
  analysed (classical statistics and a 2PL calibration) and released, so the results, item
  analysis and the learners' reviews have data;
- an open review quiz for grade 7 (grade-6 content, the start-of-year check) whose window runs
  from the day before the demo is loaded to 90 days after, so the demo learner can take it.

The mid-term's answers are simulated from a 2PL model: every learner has an ability, every item a
discrimination and a difficulty drawn from the seed (one very easy and one very hard item, so
the analysis flags them), wrong answers prefer one distractor over the others as real ones do,
and a few learners change an answer (a second save) or leave a question blank. Everything goes
through the exam services — prepare, grade, analyse, release — as a teacher's clicks would.
"""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from hocso.accounts.models import User
from hocso.curriculum.models import Subject
from hocso.exams import analysis, grading, services
from hocso.exams.models import Attempt, AttemptStatus, ExamQuestion, Response, SubmittedHow
from hocso.orgs.models import OrgUnit, SchoolYear
from hocso.questions.content import data_from_content
from hocso.questions.interchange import ItemData, ItemType
from hocso.questions.models import Item, ItemStatus
from hocso.registry.models import SchoolClass

from .accounts import PEOPLE_SCHOOL, TEACHER
from .plan import CURRENT_YEAR

MIDTERM_CODE = "GK1-TOAN9-LTT"
REVIEW_CODE = "ON-TOAN7-LTT"
MIDTERM_OPENS = datetime(2026, 11, 3, 7, 30)  # local time (Asia/Ho_Chi_Minh)
MIDTERM_MINUTES = 45
BLANK_SHARE = 0.01  # questions a learner leaves blank
CHANGED_SHARE = 0.08  # answers changed once (saved twice)
AUTO_SUBMITTED_SHARE = 0.05  # learners still working when time ran out
QUIZ_TYPES = (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE, ItemType.TRUE_FALSE_4,
              ItemType.SHORT_NUMERIC, ItemType.ORDERING)  # fmt: skip


@dataclass
class ExamsSummary:
    sessions: int = 0
    attempts: int = 0
    responses: int = 0
    midterm: str = ""
    review: str = ""


def _items(subject: Subject, grade: int) -> list[Item]:
    return list(
        Item.objects.filter(
            subject=subject, grade=grade, status=ItemStatus.APPROVED, type__in=QUIZ_TYPES
        )
        .select_related("current_version")
        .order_by("pk")
    )


def _classes(school: OrgUnit, year: SchoolYear, grade: int) -> list[SchoolClass]:
    return list(SchoolClass.objects.filter(school=school, year=year, grade=grade).order_by("name"))


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def load_exams(*, seed: int, now: datetime | None = None) -> ExamsSummary:
    """Write the two demo exams (see the module docstring); `now` places the open quiz."""
    now = now or timezone.now()
    summary = ExamsSummary()
    school = OrgUnit.objects.get(name=PEOPLE_SCHOOL)
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    math_subject = Subject.objects.get(code="TOAN")
    # The demo teacher sets both exams, so they manage them (marking, key corrections, analysis).
    teacher = User.objects.get(username=TEACHER)

    opens = _aware(MIDTERM_OPENS)
    midterm = services.session_create(
        actor=teacher, org_unit=school, year=year, subject=math_subject, grade=9,
        code=MIDTERM_CODE, name="Kiểm tra giữa kì I — Toán 9",
        opens_at=opens, closes_at=opens + timedelta(minutes=90),
        duration_minutes=MIDTERM_MINUTES, items=_items(math_subject, 9),
        classes=_classes(school, year, 9), seed=f"demo-{seed}",
        review_allowed=True, show_results="after_release",
    )  # fmt: skip
    services.session_prepare(actor=teacher, session=midterm, now=opens - timedelta(days=1))
    summary.responses += _simulate(midterm, seed)
    grading.session_grade(actor=None, session=midterm)
    analysis.session_analyse(actor=None, session=midterm, model="2pl")
    grading.results_release(actor=None, session=midterm)

    review = services.session_create(
        actor=teacher, org_unit=school, year=year, subject=math_subject, grade=7,
        code=REVIEW_CODE, name="Ôn tập đầu năm — Toán 7 (kiến thức lớp 6)",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=90),
        duration_minutes=20, items=_items(math_subject, 6),
        classes=_classes(school, year, 7), seed=f"demo-{seed}",
        review_allowed=True, show_results="after_submit",
    )  # fmt: skip
    services.session_prepare(actor=teacher, session=review)

    summary.sessions = 2
    summary.attempts = Attempt.objects.filter(session__in=[midterm, review]).count()
    summary.midterm, summary.review = midterm.code, review.code
    return summary


# --- the simulated sitting --------------------------------------------------------------------


def _chance(ability: float, a: float, b: float) -> float:
    return 1 / (1 + math.exp(-a * (ability - b)))


def _item_parameters(questions: list[ExamQuestion], rng: random.Random) -> dict[int, tuple]:
    """(a, b) per item: difficulties spread over the scale, the first item made very easy and
    the second very hard so the analysis has something to flag."""
    params = {}
    for index, question in enumerate(sorted(questions, key=lambda q: q.item_id)):
        a = math.exp(rng.gauss(0.1, 0.3))
        b = {0: -6.0, 1: 3.0}.get(index, rng.uniform(-1.6, 1.6))
        params[question.item_id] = (a, b)
    return params


def _wrong_choice(data: ItemData, rng: random.Random, key: int) -> int:
    """A distractor, the first ones more attractive (weights 3, 2, 1, …)."""
    distractors = [i for i in range(len(data.choices)) if i != key]
    weights = [len(distractors) - n for n in range(len(distractors))]
    return rng.choices(distractors, weights=weights)[0]


def _answer(data: ItemData, right: bool, rng: random.Random):
    """A response shaped as questions/rules.py expects (original option indexes)."""
    match data.type:
        case ItemType.SINGLE_CHOICE:
            key = max(range(len(data.choices)), key=lambda i: data.choices[i].fraction)
            return key if right else _wrong_choice(data, rng, key)
        case ItemType.TRUE_FALSE:
            return bool(data.correct) if right else not data.correct
        case ItemType.TRUE_FALSE_4:
            truths = [s.is_true for s in data.statements]
            if right:
                return truths
            wrong = rng.sample(range(4), rng.choice((1, 1, 2, 3)))
            return [(not t) if i in wrong else t for i, t in enumerate(truths)]
        case ItemType.SHORT_NUMERIC:
            value = data.numeric_answers[0].value
            shown = value if right else value + rng.choice((-2, -1, 1, 10))
            return str(shown).replace(".", ",")
        case ItemType.ORDERING:
            order = list(data.order)
            if not right and len(order) > 1:
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            return order
    return None


def _simulate(session, seed: int) -> int:
    """Every candidate sits the mid-term: answers saved in order through the exam, some changed,
    submitted before the deadline (a few by the clock). Returns the number of responses."""
    rng = random.Random(f"hocso-demo-exam-{seed}")
    attempts = list(Attempt.objects.filter(session=session).select_related("form").order_by("pk"))
    questions = {
        q.pk: q
        for q in ExamQuestion.objects.filter(form__session=session).select_related(
            "item", "item_version"
        )
    }
    datas = {
        pk: data_from_content(
            type=q.item.type,
            stem=q.item_version.stem,
            points=q.item_version.points,
            content=q.item_version.content,
        )
        for pk, q in questions.items()
    }
    params = _item_parameters(list({q.item_id: q for q in questions.values()}.values()), rng)
    duration = timedelta(minutes=session.duration_minutes)
    rows, submitted = [], []
    for attempt in attempts:
        ability = rng.gauss(0, 1)
        started = session.opens_at + timedelta(seconds=rng.uniform(0, 240))
        deadline = started + duration
        auto = rng.random() < AUTO_SUBMITTED_SHARE
        span = duration.total_seconds() * (1.0 if auto else rng.uniform(0.55, 0.95))
        order = attempt.question_order
        answered = 0
        for position, question_id in enumerate(order):
            if rng.random() < BLANK_SHARE:
                continue
            question = questions[question_id]
            a, b = params[question.item_id]
            answer = _answer(datas[question_id], rng.random() < _chance(ability, a, b), rng)
            seq = 2 if rng.random() < CHANGED_SHARE else 1
            saved = started + timedelta(seconds=span * (position + rng.random()) / len(order))
            rows.append(
                Response(attempt=attempt, question=question, school_id=attempt.school_id,
                         seq=seq, answer=answer, saved_at=saved)
            )  # fmt: skip
            answered += 1
        attempt.status = AttemptStatus.SUBMITTED
        attempt.started_at, attempt.deadline = started, deadline
        attempt.submitted_at = deadline if auto else started + timedelta(seconds=span)
        attempt.submitted_how = SubmittedHow.AUTO if auto else SubmittedHow.CANDIDATE
        attempt.last_seen_at = attempt.submitted_at
        attempt.answered = answered
        submitted.append(attempt)
    Response.objects.bulk_create(rows, batch_size=2000)
    Attempt.objects.bulk_update(
        submitted,
        ["status", "started_at", "deadline", "submitted_at", "submitted_how", "last_seen_at",
         "answered"],
        batch_size=1000,
    )  # fmt: skip
    return len(rows)
