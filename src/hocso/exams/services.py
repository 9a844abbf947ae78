"""Writes of exam sessions for staff: create, change, delete, prepare the attempts ahead of the
window, accommodations, and the supervisor's actions (add time, collect, check in).

Every service checks permission first (exams/access.py) and runs in one transaction.

Candidates. The candidates of a session are its attempts. `classes` (ExamClass) are expanded at
prepare time: every learner enrolled in one of them on the day the window opens gets an attempt.
Learners listed one by one need a form to be dealt one, so they are added by `candidates_add`
on a prepared session; `session_create(students=...)` therefore prepares the session at once
and adds them. Preparing again adds the newcomers of the classes and never touches an existing
attempt.

Forms. A blueprint session draws `form_count` forms (mã đề 101, 102, …) at prepare time with
questions.generation (deterministic for the session's seed); a session of hand-picked items has
one form "101" built when the session is created. While nobody can have started (before
`opens_at`), changing what the papers ask redraws the forms and deals every existing attempt
again, so the candidate list survives the change.

Dealing (per candidate, deterministic for the seed and the learner): the form round-robin over
the new candidates in class and name order (neighbours get different forms); the question order
shuffled within each part with `random.Random(f"{seed}/{student_id}")` when shuffle_questions;
the option order of each choice question shuffled by the rule of generation.shuffled_options
(pinned options stay), one stream `random.Random(f"{seed}/{student_id}/options")` taken in the
form's question order, when shuffle_options.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text
from hocso.questions.blueprints import (
    _spec,
    blueprint_candidates,
    blueprint_cells,
    blueprints_visible,
)
from hocso.questions.content import data_from_content
from hocso.questions.generation import ShortageError, generate, option_shuffle
from hocso.questions.interchange import ItemType
from hocso.questions.models import ItemStatus
from hocso.questions.selectors import items_visible
from hocso.registry.models import Enrollment, SchoolClass, Student

from .access import can_create_in, can_manage
from .delivery import attempt_deadline, attempt_submit
from .models import (
    Attempt,
    AttemptStatus,
    ExamClass,
    ExamForm,
    ExamQuestion,
    ExamSession,
    GradebookColumn,
    SessionStatus,
    SubmittedHow,
)

BATCH = 1000
FIXED_FORM_CODE = "101"
CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE)
RULES = (
    "grace_seconds", "shuffle_questions", "shuffle_options", "one_per_page", "review_allowed",
    "show_results", "access_code", "blind_marking", "gradebook_column", "term", "gradebook_seq",
    "seed",
)  # fmt: skip
# What the papers ask or how they are dealt: may change only before anyone can start.
PAPER_FIELDS = frozenset(
    {"blueprint", "form_count", "items", "seed", "shuffle_questions", "shuffle_options",
     "subject", "grade", "year", "classes", "opens_at"}
)  # fmt: skip
LATER_FIELDS = frozenset(
    {"name", "code", "closes_at", "duration_minutes", "grace_seconds", "one_per_page",
     "review_allowed", "show_results", "access_code", "blind_marking", "gradebook_column",
     "term", "gradebook_seq"}
)  # fmt: skip


@dataclass
class PrepareOutcome:
    forms: int  # forms of the session
    created: int  # attempts made by this call
    existing: int  # attempts that were there already (untouched)

    @property
    def total(self) -> int:
        return self.created + self.existing


# --- checks -----------------------------------------------------------------------------------


def _check_window(session: ExamSession) -> None:
    if session.opens_at >= session.closes_at:
        raise ValidationError({"closes_at": _("Giờ đóng phải sau giờ mở.")})
    window = (session.closes_at - session.opens_at).total_seconds() / 60
    if session.duration_minutes > window:
        raise ValidationError(
            {"duration_minutes": _("Thời gian làm bài (%(d)s phút) dài hơn khoảng thời gian mở "
                                   "bài thi (%(w)s phút).")
             % {"d": session.duration_minutes, "w": int(window)}}
        )  # fmt: skip


def _check_gradebook(session: ExamSession) -> None:
    column = session.gradebook_column
    if not column:
        session.term = None
        session.gradebook_seq = None
        return
    if session.term not in (1, 2):
        raise ValidationError({"term": _("Bài thi ghi điểm vào sổ cần chọn học kì.")})
    if column == GradebookColumn.REGULAR:
        if session.gradebook_seq is None:
            raise ValidationError(
                {"gradebook_seq": _("Điểm thường xuyên cần chọn cột số mấy (1–4).")}
            )
    else:
        session.gradebook_seq = None


def _check_blueprint(actor, session: ExamSession, blueprint) -> None:
    if actor is not None and not blueprints_visible(actor=actor).filter(pk=blueprint.pk).exists():
        raise ValidationError({"blueprint": _("Bạn không dùng được ma trận đề này.")})
    if blueprint.subject_id != session.subject_id or blueprint.grade != session.grade:
        raise ValidationError(
            {"blueprint": _("Ma trận đề phải cùng môn học và khối lớp với bài thi.")}
        )


def _checked_items(actor, items) -> list:
    items = list(items)
    ids = [item.pk for item in items]
    if not ids:
        raise ValidationError({"items": _("Chọn ma trận đề hoặc ít nhất một câu hỏi.")})
    if len(set(ids)) != len(ids):
        raise ValidationError({"items": _("Một câu hỏi được chọn hai lần.")})
    usable = {
        item.pk: item
        for item in items_visible(actor=actor)
        .filter(pk__in=ids, status=ItemStatus.APPROVED, current_version__isnull=False)
        .select_related("current_version")
    }
    missing = [pk for pk in ids if pk not in usable]
    if missing:
        raise ValidationError(
            {"items": _("Câu hỏi %(ids)s chưa được duyệt hoặc bạn không dùng được.")
             % {"ids": ", ".join(map(str, missing))}}
        )  # fmt: skip
    return [usable[pk] for pk in ids]


def _checked_classes(actor, session: ExamSession, classes) -> list[SchoolClass]:
    classes = list(classes)
    if not classes:
        return []
    scope = scope_for(actor) if actor is not None else None
    rows = SchoolClass.objects.filter(pk__in=[c.pk for c in classes]).select_related("school")
    checked = []
    for school_class in rows:
        path = school_class.school.path
        if (scope is not None and not scope.covers(path)) or not path.startswith(
            session.org_unit.path
        ):
            raise ValidationError(
                {"classes": _("Lớp %(c)s không thuộc phạm vi của bạn hoặc của đơn vị tổ chức.")
                 % {"c": school_class.name}}
            )  # fmt: skip
        if school_class.year_id != session.year_id:
            raise ValidationError(
                {"classes": _("Lớp %(c)s không thuộc năm học của bài thi.")
                 % {"c": school_class.name}}
            )  # fmt: skip
        if school_class.grade != session.grade:
            raise ValidationError(
                {"classes": _("Lớp %(c)s không thuộc khối %(g)s.")
                 % {"c": school_class.name, "g": session.grade}}
            )  # fmt: skip
        checked.append(school_class)
    return checked


def _checked_students(actor, session: ExamSession, students) -> list[Student]:
    students = list(students)
    scope = scope_for(actor) if actor is not None else None
    rows = list(Student.objects.filter(pk__in=[s.pk for s in students]).select_related("school"))
    for student in rows:
        path = student.school.path
        if (scope is not None and not scope.covers(path)) or not path.startswith(
            session.org_unit.path
        ):
            raise ValidationError(
                {"students": _("Học sinh %(n)s không thuộc phạm vi của bạn hoặc của đơn vị tổ "
                               "chức.") % {"n": student.full_name}}
            )  # fmt: skip
    return rows


def _check_manage(actor, session: ExamSession) -> None:
    if not can_manage(actor, session):
        raise PermissionDenied


def _locked(session: ExamSession) -> ExamSession:
    return (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("org_unit", "subject", "year", "blueprint")
        .get(pk=session.pk)
    )


# --- create, change, delete -------------------------------------------------------------------


@transaction.atomic
def session_create(
    *, actor, org_unit, year, subject, grade, name, code, opens_at, closes_at,
    duration_minutes, blueprint=None, form_count=1, items=None, classes=(), students=(),
    **rules,
) -> ExamSession:  # fmt: skip
    """A DRAFT session (READY at once when `students` are listed, see the module docstring)
    drawn from `blueprint` (`form_count` forms) or asking `items` in one form "101"."""
    if not can_create_in(actor, org_unit):
        raise PermissionDenied
    unknown = set(rules) - set(RULES)
    if unknown:
        raise TypeError(f"session_create does not know {sorted(unknown)}")
    session = ExamSession(
        org_unit=org_unit, year=year, subject=subject, grade=grade, name=clean_text(name),
        code=clean_text(code), opens_at=opens_at, closes_at=closes_at,
        duration_minutes=duration_minutes, blueprint=blueprint,
        form_count=form_count if blueprint is not None else 1,
        created_by=actor if actor is not None and actor.is_authenticated else None, **rules,
    )  # fmt: skip
    session.seed = clean_text(session.seed) or secrets.token_hex(4)
    session.access_code = clean_text(session.access_code)
    session.full_clean(exclude=["created_by"], validate_constraints=False)
    _check_window(session)
    _check_gradebook(session)
    session.validate_constraints()
    if blueprint is not None and items:
        raise ValidationError({"items": _("Chọn ma trận đề hoặc các câu hỏi, không chọn cả hai.")})
    if blueprint is not None:
        _check_blueprint(actor, session, blueprint)
    else:
        items = _checked_items(actor, items or ())
    checked_classes = _checked_classes(actor, session, classes)
    checked_students = _checked_students(actor, session, students) if students else []
    session.save()
    ExamClass.objects.bulk_create(
        ExamClass(session=session, school_class=c) for c in checked_classes
    )
    if blueprint is None:
        _fixed_form(session, items)
    audit_log(
        actor=actor, action="exam.create", obj=session, org_unit=org_unit, code=session.code,
        classes=[c.pk for c in checked_classes],
    )  # fmt: skip
    if checked_students:
        session_prepare(actor=actor, session=session)
        candidates_add(actor=actor, session=session, students=checked_students)
        session.refresh_from_db()
    return session


def _fixed_form(session: ExamSession, items) -> ExamForm:
    form = ExamForm.objects.create(session=session, code=FIXED_FORM_CODE)
    ExamQuestion.objects.bulk_create(
        ExamQuestion(
            form=form,
            position=position,
            part="",
            number=position,
            item=item,
            item_version=item.current_version,
            points=item.current_version.points,
            option_order=list(range(len(item.current_version.content.get("choices", [])))),
        )  # fmt: skip
        for position, item in enumerate(items, start=1)
    )
    return form


def session_items(session: ExamSession) -> list:
    """The items of a hand-built session (its form "101"), in order; none for a blueprint's."""
    if session.blueprint_id is not None:
        return []
    return [
        q.item
        for q in ExamQuestion.objects.filter(form__session=session)
        .select_related("item__current_version")
        .order_by("position")
    ]


@transaction.atomic
def session_update(*, actor, session: ExamSession, **changes) -> ExamSession:
    """Change a session. What the papers ask and who sits (PAPER_FIELDS) changes only while it
    is a draft or prepared and before it opens; a prepared session then gets its forms redrawn
    and its attempts dealt again. The rules of LATER_FIELDS may change later too (the deadline
    of a started attempt follows a new duration or closing time)."""
    session = _locked(session)
    _check_manage(actor, session)
    unknown = set(changes) - PAPER_FIELDS - LATER_FIELDS
    if unknown:
        raise TypeError(f"session_update cannot change {sorted(unknown)}")
    now = timezone.now()
    if session.status in (SessionStatus.CLOSED, SessionStatus.RELEASED) and set(changes) - {
        "name", "show_results", "review_allowed"
    }:  # fmt: skip
        raise ValidationError(_("Bài thi đã kết thúc: chỉ đổi được tên và quyền xem kết quả."))
    paper_changes = {
        key: value for key, value in changes.items()
        if key in PAPER_FIELDS and _differs(session, key, value)
    }  # fmt: skip
    if paper_changes and (
        session.status not in (SessionStatus.DRAFT, SessionStatus.READY) or now >= session.opens_at
    ):
        raise ValidationError(
            _("Bài thi đã mở: không đổi được đề, lớp dự thi, giờ mở hay cách đảo câu nữa.")
        )
    items = changes.pop("items", None)
    classes = changes.pop("classes", None)
    old = {"duration_minutes": session.duration_minutes, "closes_at": session.closes_at}
    for key, value in changes.items():
        if key in ("name", "code", "access_code", "seed"):
            value = clean_text(value or "")
        setattr(session, key, value)
    if session.blueprint is None:
        session.form_count = 1
    if "seed" in changes and not session.seed:
        session.seed = secrets.token_hex(4)
    session.full_clean(exclude=["created_by"], validate_constraints=False)
    _check_window(session)
    _check_gradebook(session)
    session.validate_constraints()
    redraw = bool(set(paper_changes) - {"classes", "opens_at"})
    if session.blueprint is not None and redraw:
        _check_blueprint(actor, session, session.blueprint)
        if items:
            raise ValidationError(
                {"items": _("Chọn ma trận đề hoặc các câu hỏi, không chọn cả hai.")}
            )
    if session.blueprint is None and redraw:
        items = _checked_items(actor, items if items is not None else session_items(session))
    if classes is not None:
        checked = _checked_classes(actor, session, classes)
        _replace_classes(session, checked)
    elif {"year", "grade"} & set(paper_changes):
        _checked_classes(actor, session, [c.school_class for c in session.classes.all()])
    session.save()
    if redraw:
        _redraw(actor, session, items)
    if {"duration_minutes", "closes_at"} & set(changes) and (
        old["duration_minutes"] != session.duration_minutes or old["closes_at"] != session.closes_at
    ):
        _refresh_deadlines(session)
    audit_log(
        actor=actor, action="exam.update", obj=session, org_unit=session.org_unit,
        fields=sorted([*changes, *(["items"] if items is not None else []),
                       *(["classes"] if classes is not None else [])]),
    )  # fmt: skip
    return session


def _differs(session: ExamSession, key: str, value) -> bool:
    if key == "items":
        return [i.pk for i in value or ()] != [i.pk for i in session_items(session)]
    if key == "classes":
        current = set(session.classes.values_list("school_class_id", flat=True))
        return {c.pk for c in value} != current
    current = getattr(session, key)
    if hasattr(current, "pk"):
        return current.pk != getattr(value, "pk", value)
    return current != value


def _replace_classes(session: ExamSession, classes: list[SchoolClass]) -> None:
    keep = {c.pk for c in classes}
    removed = list(
        session.classes.exclude(school_class_id__in=keep).values_list("school_class_id", flat=True)
    )
    if removed:
        # Before the window nobody has started: the attempts of a class taken off go too
        # (learners listed one by one have no class on their attempt and stay).
        session.attempts.filter(
            school_class_id__in=removed, status=AttemptStatus.NOT_STARTED
        ).delete()
        session.classes.filter(school_class_id__in=removed).delete()
    have = set(session.classes.values_list("school_class_id", flat=True))
    ExamClass.objects.bulk_create(
        ExamClass(session=session, school_class=c) for c in classes if c.pk not in have
    )


def _redraw(actor, session: ExamSession, items) -> None:
    """New forms for a changed session; a prepared session's attempts dealt again."""
    attempts = list(session.attempts.select_related("school_class", "student").order_by("pk"))
    if any(a.status != AttemptStatus.NOT_STARTED for a in attempts):
        raise ValidationError(_("Đã có thí sinh vào thi: không đổi được đề."))
    # Attempts point at their form (PROTECT): drop them and the old forms, then deal again
    # under the same ids (a learner's link to their attempt stays valid).
    session.attempts.all().delete()
    session.forms.all().delete()
    if session.blueprint is None:
        _fixed_form(session, items)
    if session.status == SessionStatus.READY:
        forms = _draw_forms(actor, session)
        rebuilt = _deal(
            session, forms, [(a.student, a.school_id, a.school_class) for a in attempts]
        )
        for new, old in zip(rebuilt, attempts, strict=True):
            new.pk = old.pk
            new.extra_minutes = old.extra_minutes
            new.checked_in_at = old.checked_in_at
        Attempt.objects.bulk_create(rebuilt, batch_size=BATCH)


def _refresh_deadlines(session: ExamSession) -> None:

    started = list(session.attempts.filter(status=AttemptStatus.IN_PROGRESS))
    for attempt in started:
        attempt.deadline = attempt_deadline(attempt, session)
    Attempt.objects.bulk_update(started, ["deadline"], batch_size=BATCH)


@transaction.atomic
def session_delete(*, actor, session: ExamSession) -> None:
    """Delete a draft or prepared session that nobody has started."""
    session = _locked(session)
    _check_manage(actor, session)
    if session.status not in (SessionStatus.DRAFT, SessionStatus.READY):
        raise ValidationError(_("Chỉ xoá được bài thi chưa diễn ra."))
    if session.attempts.exclude(status=AttemptStatus.NOT_STARTED).exists():
        raise ValidationError(_("Đã có thí sinh vào thi: không xoá được bài thi."))
    audit_log(
        actor=actor, action="exam.delete", obj=session, org_unit=session.org_unit,
        code=session.code,
    )  # fmt: skip
    session.attempts.all().delete()  # before the forms they point at (PROTECT)
    session.delete()


# --- prepare ----------------------------------------------------------------------------------


@dataclass
class _FormPlan:
    """A form as dealing needs it: question ids by part, and the choice questions' data in
    the form's option order."""

    form: ExamForm
    parts: list[list[int]]
    pinned: dict[int, list[bool]]  # choice question id → pinned flag per shown option
    option_orders: dict[int, list[int]]  # question id → the form's option order


def _draw_forms(actor, session: ExamSession) -> list[_FormPlan]:
    """The session's forms, drawn from the blueprint the first time."""
    if session.blueprint is not None and not session.forms.exists():
        blueprint = session.blueprint
        cells = blueprint_cells(blueprint)
        try:
            versions = generate(
                [_spec(cell) for cell in cells],
                blueprint_candidates(actor=actor, blueprint=blueprint),
                versions=session.form_count,
                seed=session.seed,
                part_order=[part.get("code", "") for part in blueprint.parts],
            )
        except ShortageError as exc:
            raise ValidationError(
                {"blueprint": _("Ngân hàng thiếu câu hỏi đã duyệt cho %(n)s ô của ma trận đề.")
                 % {"n": len(exc.shortages)}}
            ) from exc  # fmt: skip
        for version in versions:
            form = ExamForm.objects.create(session=session, code=version.code)
            ExamQuestion.objects.bulk_create(
                ExamQuestion(
                    form=form,
                    position=position,
                    part=q.part,
                    number=q.number,
                    item_id=q.item_id,
                    item_version_id=q.version_id,
                    points=q.points,
                    option_order=q.option_order,
                )  # fmt: skip
                for position, q in enumerate(version.questions, start=1)
            )
    plans = []
    forms = list(session.forms.order_by("code"))
    questions = (
        ExamQuestion.objects.filter(form__session=session)
        .select_related("item_version", "item")
        .order_by("form_id", "position")
    )
    by_form: dict[int, list[ExamQuestion]] = {}
    for question in questions:
        by_form.setdefault(question.form_id, []).append(question)
    for form in forms:
        parts: dict[str, list[int]] = {}
        pinned, orders = {}, {}
        for question in by_form.get(form.pk, []):
            parts.setdefault(question.part, []).append(question.pk)
            if question.item.type in CHOICE_TYPES:
                version = question.item_version
                data = data_from_content(
                    type=question.item.type, stem=version.stem, points=version.points,
                    content=version.content,
                )  # fmt: skip
                order = list(question.option_order) or list(range(len(data.choices)))
                pinned[question.pk] = [data.choices[i].pinned for i in order]
                orders[question.pk] = order
        plans.append(_FormPlan(form, list(parts.values()), pinned, orders))
    if not plans or not any(plan.parts for plan in plans):
        raise ValidationError(_("Bài thi chưa có câu hỏi nào."))
    return plans


def _deal(session: ExamSession, plans: list[_FormPlan], candidates, start: int = 0) -> list:
    """Unsaved attempts for (student, school id, class or None) in the order given; the k-th
    gets form (start + k) mod n."""
    seed = session.seed
    attempts = []
    for index, (student, school_id, school_class) in enumerate(candidates):
        plan = plans[(start + index) % len(plans)]
        rng = random.Random(f"{seed}/{student.pk}")
        order = []
        for part in plan.parts:
            part = list(part)
            if session.shuffle_questions:
                rng.shuffle(part)
            order.extend(part)
        option_orders = {}
        if session.shuffle_options:
            option_rng = random.Random(f"{seed}/{student.pk}/options")
            for question_id, pinned in plan.pinned.items():  # in the form's order
                shown = option_shuffle(pinned, option_rng)
                form_order = plan.option_orders[question_id]
                option_orders[str(question_id)] = [form_order[i] for i in shown]
        attempts.append(
            Attempt(
                session=session,
                student=student,
                school_id=school_id,
                school_class=school_class,
                form=plan.form,
                question_order=order,
                option_orders=option_orders,
            )  # fmt: skip
        )
    return attempts


def enrolled_on(classes, on: date):
    """Enrollments in `classes` open on day `on` (started, not yet ended)."""
    return Enrollment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on), school_class__in=classes, start_date__lte=on
    )


@transaction.atomic
def session_prepare(*, actor, session: ExamSession, now=None) -> PrepareOutcome:
    """Draw the forms (first time) and make an attempt for every learner of the session's
    classes on the opening day who has none yet. Idempotent; status READY. `now` (default: the
    clock) is when it happens: the demo prepares its past exam as of before it opened."""
    session = _locked(session)
    _check_manage(actor, session)
    if session.status not in (SessionStatus.DRAFT, SessionStatus.READY):
        raise ValidationError(_("Bài thi đã kết thúc, không tạo thêm bài làm."))
    if (now or timezone.now()) >= session.closes_at:
        raise ValidationError(_("Đã quá giờ đóng bài thi."))
    plans = _draw_forms(actor, session)
    existing = set(session.attempts.values_list("student_id", flat=True))
    opening_day = timezone.localdate(session.opens_at)
    class_ids = list(session.classes.values_list("school_class_id", flat=True))
    rows = (
        enrolled_on(class_ids, opening_day)
        .exclude(student_id__in=existing)
        .select_related("student", "school_class")
        .order_by("school_class__name", "student__search_name", "student_id")
    )
    seen: set[int] = set()
    candidates = []
    for enrollment in rows:
        if enrollment.student_id not in seen:
            seen.add(enrollment.student_id)
            candidates.append((enrollment.student, enrollment.school_id, enrollment.school_class))
    attempts = _deal(session, plans, candidates, start=len(existing))
    Attempt.objects.bulk_create(attempts, batch_size=BATCH)
    session.status = SessionStatus.READY
    session.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor, action="exam.prepare", obj=session, org_unit=session.org_unit,
        forms=len(plans), created=len(attempts), existing=len(existing),
    )  # fmt: skip
    return PrepareOutcome(forms=len(plans), created=len(attempts), existing=len(existing))


@transaction.atomic
def candidates_add(*, actor, session: ExamSession, students) -> int:
    """Attempts for learners listed one by one (a prepared session only: they are dealt a form
    at once). Learners who already have an attempt are skipped; returns how many were added."""
    session = _locked(session)
    _check_manage(actor, session)
    if session.status != SessionStatus.READY:
        raise ValidationError(_("Hãy tạo bài làm cho bài thi trước khi thêm thí sinh."))
    if timezone.now() >= session.closes_at:
        raise ValidationError(_("Đã quá giờ đóng bài thi."))
    students = _checked_students(actor, session, students)
    existing = set(session.attempts.values_list("student_id", flat=True))
    new = sorted((s for s in students if s.pk not in existing), key=lambda s: (s.search_name, s.pk))
    attempts = _deal(
        session, _draw_forms(actor, session), [(s, s.school_id, None) for s in new],
        start=len(existing),
    )  # fmt: skip
    Attempt.objects.bulk_create(attempts, batch_size=BATCH)
    audit_log(
        actor=actor, action="exam.candidates_add", obj=session, org_unit=session.org_unit,
        students=[s.pk for s in new],
    )  # fmt: skip
    return len(attempts)


# --- per attempt: accommodations and the supervisor's actions ----------------------------------


def _locked_attempt(actor, attempt: Attempt) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("session__org_unit")
        .get(pk=attempt.pk)
    )
    _check_manage(actor, attempt.session)
    return attempt


def _move_deadline(attempt: Attempt) -> None:
    if attempt.status == AttemptStatus.IN_PROGRESS:
        attempt.deadline = attempt_deadline(attempt, attempt.session)


@transaction.atomic
def accommodation_set(*, actor, attempt: Attempt, extra_minutes: int) -> Attempt:
    """The extra time a candidate is granted (moves the deadline of a started attempt)."""
    attempt = _locked_attempt(actor, attempt)
    if attempt.status == AttemptStatus.SUBMITTED:
        raise ValidationError(_("Thí sinh đã nộp bài."))
    if not 0 <= int(extra_minutes) <= 600:
        raise ValidationError({"extra_minutes": _("Thêm giờ từ 0 đến 600 phút.")})
    attempt.extra_minutes = int(extra_minutes)
    _move_deadline(attempt)
    attempt.save(update_fields=["extra_minutes", "deadline"])
    audit_log(
        actor=actor, action="exam.accommodation", obj=attempt,
        org_unit=attempt.session.org_unit, extra_minutes=attempt.extra_minutes,
    )  # fmt: skip
    return attempt


@transaction.atomic
def attempt_add_time(*, actor, attempt: Attempt, minutes: int) -> Attempt:
    """The supervisor gives a candidate more time (an incident in the room)."""
    attempt = _locked_attempt(actor, attempt)
    if attempt.status == AttemptStatus.SUBMITTED:
        raise ValidationError(_("Thí sinh đã nộp bài."))
    minutes = int(minutes)
    if minutes < 1 or attempt.added_minutes + minutes > 600:
        raise ValidationError({"minutes": _("Cộng từ 1 phút, tổng không quá 600 phút.")})
    attempt.added_minutes += minutes
    _move_deadline(attempt)
    attempt.save(update_fields=["added_minutes", "deadline"])
    audit_log(
        actor=actor, action="exam.add_time", obj=attempt, org_unit=attempt.session.org_unit,
        minutes=minutes, total=attempt.added_minutes,
    )  # fmt: skip
    return attempt


@transaction.atomic
def attempt_close(*, actor, attempt: Attempt) -> Attempt:
    """The supervisor collects an attempt (submitted as it stands)."""

    attempt = _locked_attempt(actor, attempt)
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt
    if attempt.status == AttemptStatus.NOT_STARTED:
        raise ValidationError(_("Thí sinh chưa vào thi, không có bài để thu."))
    audit_log(actor=actor, action="exam.close_attempt", obj=attempt,
              org_unit=attempt.session.org_unit)  # fmt: skip
    return attempt_submit(actor=actor, attempt=attempt, how=SubmittedHow.SUPERVISOR)


@transaction.atomic
def attempt_check_in(*, actor, attempt: Attempt) -> Attempt:
    """The supervisor has seen the candidate in the room (supervised computer-based exams)."""
    attempt = _locked_attempt(actor, attempt)
    if attempt.checked_in_at is None:
        attempt.checked_in_at = timezone.now()
        attempt.save(update_fields=["checked_in_at"])
    return attempt
