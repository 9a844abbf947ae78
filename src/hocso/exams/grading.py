"""Grading of online exams: automatic scoring, essays marked by hand, key corrections, the
release of results and the push of scores to the grade book (Circular 22).

Scoring reuses `questions/rules.score_item` on the exact version each question asked. Answers
are stored in ORIGINAL option indexes (exams/models.py), so the shuffle a candidate saw plays no
part here.

How an attempt's total is kept:
- a question without a Response (never answered) earns 0 and no row is created for it;
- an essay earns None until a manager marks it (`essay_grade`) and counts in `pending_manual`;
  a blank essay earns 0 at once, there is nothing to mark;
- `attempt.score` is the sum of the questions' scores only when nothing is pending, and None
  while an essay waits: a partial total would look final in a results table, a grade book or a
  statistic. The auto-scored part is still on each Response for the pages that want it;
- `attempt.max_score` is the sum of the form's points, `graded_at` the time of the last
  grading.
A manual essay score (a Response with `graded_at`) survives every regrade.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.services import audit_log
from hocso.assessment import rules as assessment_rules
from hocso.assessment.models import ChangeSource
from hocso.assessment.services import ScoreErrors, scores_save
from hocso.curriculum.models import LAST_PRIMARY_GRADE
from hocso.questions.content import data_from_content
from hocso.questions.interchange import ItemData, ItemType
from hocso.questions.models import ItemVersion
from hocso.questions.rules import score_item

from .access import can_manage
from .models import (
    Attempt,
    AttemptStatus,
    ExamQuestion,
    ExamSession,
    KeyCorrection,
    Response,
    SessionStatus,
)

ZERO = Decimal(0)
TEN = Decimal(10)
_TOTAL_PLACES = Decimal("0.001")
BATCH = 500


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


# --- scoring one response ------------------------------------------------------------------


def version_data(question: ExamQuestion) -> ItemData:
    """The ItemData of the version `question` asks (question.item and item_version loaded)."""
    version = question.item_version
    return data_from_content(
        type=question.item.type, stem=version.stem, points=version.points, content=version.content
    )


def is_blank(answer) -> bool:
    if answer is None:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, list):
        return all(is_blank(a) for a in answer) if answer else True
    return False


def response_score(question: ExamQuestion, version_data: ItemData, answer) -> Decimal | None:
    """Points earned by `answer` (original option indexes; texts for matching and ordering)
    out of the exam's `question.points`. None for an essay (marked by hand). An answer of the
    wrong shape — delivery refuses those, so only old or hand-made rows — earns 0."""
    if version_data.type == ItemType.ESSAY:
        return None
    try:
        return score_item(version_data, answer, Decimal(question.points))
    except (TypeError, ValueError, InvalidOperation, AttributeError):
        return ZERO


# --- grading attempts ----------------------------------------------------------------------


class _Key:
    """The questions of some forms with the ItemData of their versions, parsed once."""

    def __init__(self, questions) -> None:
        self.questions: dict[int, ExamQuestion] = {}
        self.data: dict[int, ItemData] = {}
        self.max_by_form: dict[int, Decimal] = defaultdict(lambda: ZERO)
        by_version: dict[int, ItemData] = {}
        for question in questions:
            data = by_version.get(question.item_version_id)
            if data is None:
                data = by_version[question.item_version_id] = version_data(question)
            self.questions[question.pk] = question
            self.data[question.pk] = data
            self.max_by_form[question.form_id] += Decimal(question.points)

    @classmethod
    def of_session(cls, session: ExamSession) -> "_Key":
        return cls(
            ExamQuestion.objects.filter(form__session=session).select_related(
                "item", "item_version"
            )
        )

    @classmethod
    def of_form(cls, form_id: int) -> "_Key":
        return cls(
            ExamQuestion.objects.filter(form_id=form_id).select_related("item", "item_version")
        )


def _score_responses(key: _Key, responses) -> tuple[list[Response], Decimal, int]:
    """Score the responses of one attempt in place: (changed rows, total, essays pending)."""
    changed, total, pending = [], ZERO, 0
    for response in responses:
        question = key.questions.get(response.question_id)
        if question is None:  # a question no longer on the form: counts for nothing
            continue
        data = key.data[response.question_id]
        if data.type == ItemType.ESSAY:
            if response.graded_at is not None:  # marked by hand: kept
                score = response.score
            elif is_blank(response.answer):
                score = ZERO
            else:
                score = None
        else:
            score = response_score(question, data, response.answer)
        if score is None:
            pending += 1
        else:
            total += score
        if response.score != score:
            response.score = score
            changed.append(response)
    return changed, total, pending


def _apply_total(attempt: Attempt, key: _Key, total: Decimal, pending: int, now) -> None:
    attempt.max_score = key.max_by_form[attempt.form_id]
    attempt.pending_manual = pending
    # Stored with 3 decimals (questions keep 4): rounded here, not by the database, so the
    # value in memory is the value stored and a regrade compares like with like.
    attempt.score = total.quantize(_TOTAL_PLACES, ROUND_HALF_UP) if pending == 0 else None
    attempt.graded_at = now


_ATTEMPT_FIELDS = ["score", "max_score", "pending_manual", "graded_at"]


@transaction.atomic
def attempt_grade(attempt: Attempt) -> Attempt:
    """Score every response of `attempt` automatically and set its totals (module docstring).
    Called by delivery when an attempt is submitted, and after an essay is marked."""
    key = _Key.of_form(attempt.form_id)
    changed, total, pending = _score_responses(key, list(attempt.responses.all()))
    if changed:
        Response.objects.bulk_update(changed, ["score"])
    _apply_total(attempt, key, total, pending, timezone.now())
    Attempt.objects.filter(pk=attempt.pk).update(
        **{name: getattr(attempt, name) for name in _ATTEMPT_FIELDS}
    )
    return attempt


def _grade_submitted(session: ExamSession) -> dict[int, Attempt]:
    """Grade every submitted attempt of the session in a constant number of queries: the
    questions and versions once, the responses once, then bulk updates. Returns the attempts
    graded, by id (scores as before the grading are not kept here: see key_correct)."""
    key = _Key.of_session(session)
    attempts = {
        a.pk: a
        for a in Attempt.objects.filter(session=session, status=AttemptStatus.SUBMITTED).only(
            "pk", "form_id", "student_id", *_ATTEMPT_FIELDS
        )
    }
    by_attempt: dict[int, list[Response]] = defaultdict(list)
    responses = Response.objects.filter(
        attempt__session=session, attempt__status=AttemptStatus.SUBMITTED
    ).only("pk", "attempt_id", "question_id", "answer", "score", "graded_at")
    for response in responses.iterator(chunk_size=2000):
        by_attempt[response.attempt_id].append(response)
    now = timezone.now()
    changed_responses = []
    for attempt in attempts.values():
        changed, total, pending = _score_responses(key, by_attempt.get(attempt.pk, ()))
        changed_responses += changed
        _apply_total(attempt, key, total, pending, now)
    Response.objects.bulk_update(changed_responses, ["score"], batch_size=BATCH)
    Attempt.objects.bulk_update(list(attempts.values()), _ATTEMPT_FIELDS, batch_size=BATCH)
    return attempts


@transaction.atomic
def session_grade(*, actor, session: ExamSession) -> int:
    """Grade (again) every submitted attempt of the session; returns how many."""
    if not can_manage(actor, session):
        raise PermissionDenied
    attempts = _grade_submitted(session)
    audit_log(
        actor=actor, action="exam.grade", obj=session, org_unit=session.org_unit,
        attempts=len(attempts),
    )  # fmt: skip
    return len(attempts)


# --- essays ----------------------------------------------------------------------------------


@transaction.atomic
def essay_grade(*, actor, response: Response, score, feedback: str = "") -> Response:
    """Mark an essay by hand: 0..the question's points (at most 2 decimals), with feedback.
    The attempt's totals follow at once."""
    response = Response.objects.select_related("question__item", "attempt__session__org_unit").get(
        pk=response.pk
    )
    attempt = response.attempt
    session = attempt.session
    if not can_manage(actor, session):
        raise PermissionDenied
    # One marker at a time per attempt, so the attempt's total is computed from fresh rows.
    Attempt.objects.select_for_update().filter(pk=attempt.pk).first()
    if response.question.item.type != ItemType.ESSAY:
        raise ValidationError(_("Chỉ chấm tay được câu tự luận."))
    if attempt.status != AttemptStatus.SUBMITTED:
        raise ValidationError(_("Thí sinh chưa nộp bài, chưa chấm được."))
    points = Decimal(response.question.points)
    try:
        value = Decimal(str(score).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"score": _("Điểm «%(value)s» không phải là số.") % {"value": score}}
        ) from None
    if not value.is_finite() or not ZERO <= value <= points:
        raise ValidationError(
            {"score": _("Điểm phải từ 0 đến %(max)s.") % {"max": _number_text(points)}}
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"score": _("Điểm có nhiều nhất hai chữ số thập phân.")})
    old = response.score
    response.score = value
    response.feedback = (feedback or "").strip()[:5000]
    response.graded_by = _user(actor)
    response.graded_at = timezone.now()
    response.save(update_fields=["score", "feedback", "graded_by", "graded_at"])
    attempt_grade(attempt)
    audit_log(
        actor=actor, action="exam.essay_grade", obj=attempt, org_unit=attempt.school,
        question=response.question_id, old=_number_text(old), new=_number_text(value),
    )  # fmt: skip
    return response


def _number_text(value) -> str | None:
    if value is None:
        return None
    number = Decimal(value).normalize()
    return format(number, "f") if number else "0"


# --- key corrections -------------------------------------------------------------------------


@transaction.atomic
def key_correct(
    *, actor, session: ExamSession, item, new_version: ItemVersion, reason: str = ""
) -> KeyCorrection:
    """Move every question of the session asking `item` to `new_version` (another version of
    the same item, typically the one its author just saved with the right key), regrade every
    submitted attempt and record who changed: [{attempt, student, old, new}] for those whose
    score changed only. The exam's points per question stay as they were."""
    if not can_manage(actor, session):
        raise PermissionDenied
    if new_version.item_id != item.pk:
        raise ValidationError({"new_version": _("Phiên bản được chọn không phải của câu hỏi này.")})
    questions = list(
        ExamQuestion.objects.select_for_update()
        .filter(form__session=session, item=item)
        .order_by("form__code", "position")
    )
    if not questions:
        raise ValidationError({"item": _("Bài thi không có câu hỏi này.")})
    old_version_id = questions[0].item_version_id
    if all(q.item_version_id == new_version.pk for q in questions):
        raise ValidationError(
            {"new_version": _("Bài thi đang dùng đúng phiên bản này của câu hỏi.")}
        )
    ExamQuestion.objects.filter(pk__in=[q.pk for q in questions]).update(item_version=new_version)
    before = dict(
        Attempt.objects.filter(session=session, status=AttemptStatus.SUBMITTED).values_list(
            "pk", "score"
        )
    )
    graded = _grade_submitted(session)
    names = dict(
        Attempt.objects.filter(pk__in=graded.keys()).values_list("pk", "student__full_name")
    )
    changes = [
        {
            "attempt": pk,
            "student": names.get(pk, ""),
            "old": _number_text(before.get(pk)),
            "new": _number_text(attempt.score),
        }
        for pk, attempt in sorted(graded.items(), key=lambda pair: names.get(pair[0], ""))
        if before.get(pk) != attempt.score
    ]
    correction = KeyCorrection.objects.create(
        session=session, item=item, old_version_id=old_version_id, new_version=new_version,
        reason=(reason or "").strip(), changes=changes, corrected_by=_user(actor),
    )  # fmt: skip
    audit_log(
        actor=actor, action="exam.key_correct", obj=session, org_unit=session.org_unit,
        item=item.pk, old_version=old_version_id, new_version=new_version.pk,
        changed=len(changes), reason=correction.reason,
    )  # fmt: skip
    return correction


# --- releasing results -----------------------------------------------------------------------


def latest_deadline(session: ExamSession):
    """When the last candidate may still be writing: the window's end plus the largest
    accommodation and added time, plus the grace period for answers in flight."""
    extra = Attempt.objects.filter(session=session).aggregate(
        extra=Max("extra_minutes"), added=Max("added_minutes")
    )
    minutes = (extra["extra"] or 0) + (extra["added"] or 0)
    return session.closes_at + timedelta(minutes=minutes, seconds=session.grace_seconds)


@transaction.atomic
def results_release(*, actor, session: ExamSession) -> ExamSession:
    """Publish the results (status RELEASED): candidates whose exam shows results "when the
    teacher releases them" see them from now on. Refused while candidates may still be writing
    and while essays wait to be marked."""
    session = ExamSession.objects.select_for_update().select_related("org_unit").get(pk=session.pk)
    if not can_manage(actor, session):
        raise PermissionDenied
    if session.status == SessionStatus.RELEASED:
        return session
    if session.status == SessionStatus.DRAFT:
        raise ValidationError(_("Bài thi còn là bản nháp, chưa có kết quả để công bố."))
    if timezone.now() < latest_deadline(session):
        raise ValidationError(_("Chưa hết giờ thi: còn thí sinh có thể đang làm bài."))
    pending = Attempt.objects.filter(
        session=session, status=AttemptStatus.SUBMITTED, pending_manual__gt=0
    ).count()
    if pending:
        raise ValidationError(
            _("Còn %(n)s bài có câu tự luận chưa chấm; chấm xong mới công bố được.")
            % {"n": pending}
        )
    session.status = SessionStatus.RELEASED
    session.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="exam.release", obj=session, org_unit=session.org_unit)
    return session


# --- the grade book --------------------------------------------------------------------------


def gradebook_value(score: Decimal, max_score: Decimal, grade: int) -> Decimal:
    """An attempt's score on the grade book's 10-point scale, as Circular 22 stores it: one
    decimal rounded half-up (DOMAIN.md §1; 7.25 → 7.3). Primary periodic tests (Circular 27)
    store integers 1–10, also rounded half-up (a 0 is then refused by the grade book)."""
    if not max_score:
        return ZERO
    scaled = Decimal(score) * TEN / Decimal(max_score)
    if grade <= LAST_PRIMARY_GRADE:
        return scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return assessment_rules.round_half_up(scaled)


@dataclass
class ClassPush:
    school_class: object
    written: int = 0  # learners whose cell was created or changed
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)  # messages naming the learner


@dataclass
class GradebookPush:
    classes: list[ClassPush] = field(default_factory=list)
    not_graded: int = 0  # submitted but an essay still waits
    absent: int = 0  # never submitted: nothing written for them
    no_class: int = 0  # candidates listed one by one, with no class to write into

    @property
    def written(self) -> int:
        return sum(c.written for c in self.classes)

    @property
    def refused(self) -> int:
        return sum(len(c.refused) for c in self.classes)


def _push_class(actor, session, school_class, entries, names) -> ClassPush:
    """scores_save for one class. The grade book refuses a list as a whole, so learners it
    refuses one by one (not on the class list any more…) are set aside and the rest saved;
    a refusal of the whole class (locked term, no right to write) is reported once."""
    outcome = ClassPush(school_class=school_class)
    kind, seq = session.gradebook_column, session.gradebook_seq or 1
    rows = [(student_id, kind, seq, value) for student_id, value in entries]
    for _attempt in range(2):
        if not rows:
            return outcome
        try:
            with transaction.atomic():
                result = scores_save(
                    actor=actor, school_class=school_class, subject=session.subject,
                    term=session.term, entries=rows, source=ChangeSource.EXAM,
                )  # fmt: skip
        except ScoreErrors as errors:
            bad = {p.index for p in errors.problems}
            outcome.refused += [p.message for p in errors.problems]
            rows = [row for index, row in enumerate(rows) if index not in bad]
            continue
        except PermissionDenied:
            outcome.refused.append(
                _("Lớp %(name)s: bạn không có quyền ghi sổ điểm môn %(subject)s.")
                % {"name": school_class.name, "subject": session.subject.name}
            )
            return outcome
        except ValidationError as error:
            outcome.refused += [
                _("Lớp %(name)s: %(reason)s") % {"name": school_class.name, "reason": message}
                for message in error.messages
            ]
            return outcome
        outcome.written = len(result.students)
        outcome.unchanged = result.unchanged
        return outcome
    return outcome


@transaction.atomic
def scores_to_gradebook(*, actor, session: ExamSession) -> GradebookPush:
    """Write the exam's scores into the grade book column it names (gradebook_column, term,
    gradebook_seq), class by class, through assessment.services.scores_save (source EXAM, so
    the grade book's history says where the score came from). Only fully graded attempts are
    written; absent candidates and attempts with essays still to mark are counted, not written.
    Each class is saved or refused on its own: a locked term of one class stops only it."""
    if not can_manage(actor, session):
        raise PermissionDenied
    if not session.gradebook_column or not session.term:
        raise ValidationError(_("Bài thi này không được chọn để ghi điểm vào sổ điểm."))
    attempts = (
        Attempt.objects.filter(session=session)
        .select_related("school_class", "student")
        .order_by("school_class__name", "student__full_name", "pk")
    )
    outcome = GradebookPush()
    by_class: dict[int, list] = defaultdict(list)
    classes, names = {}, {}
    for attempt in attempts:
        if attempt.status != AttemptStatus.SUBMITTED:
            outcome.absent += 1
            continue
        if attempt.school_class_id is None:
            outcome.no_class += 1
            continue
        if attempt.score is None:
            outcome.not_graded += 1
            continue
        classes[attempt.school_class_id] = attempt.school_class
        names[attempt.student_id] = attempt.student.full_name
        value = gradebook_value(attempt.score, attempt.max_score, attempt.school_class.grade)
        by_class[attempt.school_class_id].append((attempt.student_id, value))
    for class_id, entries in by_class.items():
        outcome.classes.append(_push_class(actor, session, classes[class_id], entries, names))
    audit_log(
        actor=actor, action="exam.gradebook", obj=session, org_unit=session.org_unit,
        column=session.gradebook_column, term=session.term, written=outcome.written,
        refused=outcome.refused, absent=outcome.absent, not_graded=outcome.not_graded,
    )  # fmt: skip
    return outcome
