"""Electronic transcripts (học bạ số): the snapshot of a learner's year, issuing, sharing and
public verification.

A transcript is issued by the school admin once a learner's year results are complete. What is
certified is frozen as JSON in `Transcript.content` (built here from the results the grade books
produced) with the SHA-256 of its canonical form, so the verify page can tell whether the stored
snapshot is still the one issued. Re-issuing after a change makes a new version and marks the
old one superseded; an unchanged snapshot is not issued twice.

Each transcript carries a random verification code (12 characters from an alphabet without the
look-alikes 0/O and 1/I, 60 bits from `secrets`). Anyone with the code may open /verify/<code>;
what they see is limited by the share level the learner and the guardian chose:

- "minimal" (the default): valid or not, the school, the year, the learner's initials and birth
  year, and the year's learning result;
- "full": also the table of subjects.

A learner's data is a child's data (DOMAIN.md §8, Personal Data Protection Law 91/2025): from
age 7 disclosing it needs the consent of both the child and the legal representative. So the
learner's and the guardian's choices are kept apart and the full table is shown only when both
chose it (under 7: the guardian's choice; from 18: the learner's own). Either of them going back
to "minimal" is enough to stop showing it.

The PDF of a transcript is drawn by transcript_pdf.py from the snapshot alone.

A school admin issues one learner's transcript (transcript_issue) or a whole class's at once
(transcripts_issue_class: a fixed number of queries whatever the class's size). Both read their
inputs with snapshot_inputs and build each snapshot with compose_snapshot, so a transcript is
the same whichever way it was issued.

Primary learners (grades 1–5, Circular 27) get a transcript of their own shape: the snapshot
says `"programme": "primary"` and holds each subject's end-of-year level, comment and periodic
test scores, the qualities' and competences' end-of-year levels, the year's result, promotion
and award (build_primary_snapshot, present_primary). Codes, hashes, versions, sharing and
verification are the same for both.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.curriculum.models import LAST_PRIMARY_GRADE, AssessmentMode, GradeSubject, Subject
from hocso.orgs.models import OrgKind, OrgUnit, SchoolYear
from hocso.registry.models import (
    ETHNICITY_CHOICES,
    Enrollment,
    Gender,
    Guardianship,
    SchoolClass,
    Student,
)
from hocso.registry.selectors import students_visible

from . import access, rules
from .compute import roster_ids
from .models import (
    Award,
    LearningResult,
    Level,
    Period,
    PrimaryAward,
    PrimaryOutcome,
    PrimaryYearResult,
    ShareLevel,
    SubjectLevel,
    SubjectResult,
    Term,
    TermRecord,
    TraitLevel,
    Transcript,
)
from .selectors_primary import missing_labels, primaries_of

SNAPSHOT_FORMAT = 1
PRIMARY = "primary"  # the snapshot's "programme" for grades 1–5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed safely
CODE_LENGTH = 12
ADULT_AGE = 18
CONSENT_AGE = 7  # from this age a child's own consent is needed too (DOMAIN.md §8)

# --- codes and hashes --------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str:
    """What a person typed or scanned, as a stored code: upper case, spaces and dashes gone."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM: groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def canonical_json(content) -> bytes:
    """The bytes hashed: sorted keys, no spaces, UTF-8 (the same on every database)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def hash_matches(transcript: Transcript) -> bool:
    """The stored snapshot is the one issued: its hash and its own code still agree."""
    content = transcript.content if isinstance(transcript.content, dict) else {}
    issue = content.get("issue") if isinstance(content.get("issue"), dict) else {}
    return (
        secrets.compare_digest(content_hash(content), transcript.content_hash)
        and issue.get("code") == transcript.code
        and issue.get("version") == transcript.version
    )


# --- the snapshot ------------------------------------------------------------------------------
#
# One builder for both ways of issuing: `snapshot_inputs` reads what the snapshots of some
# learners of one class need with a fixed number of queries (a single learner is a class of
# one), `compose_snapshot` and `issue_problems` turn that into one learner's snapshot and what
# blocks its issue, without touching the database. So a transcript has the same bytes whether
# transcript_issue or transcripts_issue_class issued it.


def _decimal_text(value) -> str | None:
    return None if value is None else f"{value:.1f}"


def _province_name(school: OrgUnit) -> str:
    codes = [c for c in school.path.rstrip("/").split("/") if c]
    provinces = OrgUnit.objects.filter(code__in=codes, kind=OrgKind.PROVINCE).values_list(
        "code", "name"
    )
    by_code = dict(provinces)
    for code in reversed(codes):
        if code in by_code:
            return by_code[code]
    return ""


def classes_of_year(student_ids, year: SchoolYear) -> dict[int, int]:
    """{student id: id of the class its year results belong to} (class_of_year for many
    learners, three queries). Learners without any class that year are left out."""
    ids = list(student_ids)
    found: dict[int, int] = {}
    # The year's learning result (term 0) first, then the terms: the first row per learner wins.
    for student_id, class_id in (
        LearningResult.objects.filter(student_id__in=ids, year=year)
        .order_by("student_id", "term")
        .values_list("student_id", "school_class_id")
    ):
        found.setdefault(student_id, class_id)
    for student_id, class_id in PrimaryYearResult.objects.filter(
        student_id__in=ids, year=year
    ).values_list("student_id", "school_class_id"):
        found.setdefault(student_id, class_id)
    for student_id, class_id in (
        Enrollment.objects.filter(student_id__in=ids, year=year)
        .order_by("student_id", "-start_date", "-id")
        .values_list("student_id", "school_class_id")
    ):
        found.setdefault(student_id, class_id)
    return found


def class_of_year(student: Student, year: SchoolYear) -> SchoolClass | None:
    """The class a learner's year results belong to: the one of the year's result, else the
    last class the learner was enrolled in that year."""
    class_id = classes_of_year([student.pk], year).get(student.pk)
    if class_id is None:
        return None
    return SchoolClass.objects.select_related("school", "homeroom_teacher").get(pk=class_id)


def _period_key(period: int) -> str:
    return {Period.FIRST: "term1", Period.SECOND: "term2", Period.YEAR: "year"}[period]


class ResultRow(NamedTuple):
    """A SubjectResult as the snapshot reads it."""

    subject_id: int
    term: int
    average: Decimal | None
    passed: bool | None
    complete: bool


@dataclass
class SnapshotInputs:
    """What the snapshots of some learners of one class need, read once (snapshot_inputs)."""

    year: SchoolYear
    school_class: SchoolClass
    province: str
    grade_subjects: list  # GradeSubject rows of the class's grade, curriculum order
    subjects: dict = field(default_factory=dict)  # subject id → Subject (secondary)
    subject_results: dict = field(default_factory=dict)  # student id → [ResultRow]
    learning: dict = field(default_factory=dict)  # student id → {period: LearningResult}
    records: dict = field(default_factory=dict)  # student id → {period: TermRecord}
    primary: dict = field(default_factory=dict)  # student id → LearnerPrimary

    @property
    def is_primary(self) -> bool:
        return self.school_class.grade <= LAST_PRIMARY_GRADE


def snapshot_inputs(student_ids, year: SchoolYear, school_class: SchoolClass) -> SnapshotInputs:
    """Read what the snapshots (and the completeness checks) of these learners of
    `school_class` need: seven queries whatever their number (the school and homeroom teacher
    come with the class: select_related them)."""
    ids = list(student_ids)
    inputs = SnapshotInputs(
        year=year, school_class=school_class, province=_province_name(school_class.school),
        grade_subjects=list(
            GradeSubject.objects.filter(grade=school_class.grade).select_related("subject")
        ),
    )  # fmt: skip
    if inputs.is_primary:
        inputs.primary = primaries_of(
            ids, year, grade=school_class.grade, grade_subjects=inputs.grade_subjects
        )
        return inputs
    # Plain rows and each subject read once: a class has thousands of subject results.
    inputs.subjects = Subject.objects.in_bulk()
    inputs.subject_results = {i: [] for i in ids}
    for student_id, *row in (
        SubjectResult.objects.filter(student_id__in=ids, year=year)
        .order_by("student_id", "subject__sort_order", "subject__code", "term")
        .values_list("student_id", "subject_id", "term", "average", "passed", "complete")
    ):
        inputs.subject_results[student_id].append(ResultRow(*row))
    inputs.learning = {i: {} for i in ids}
    for result in LearningResult.objects.filter(student_id__in=ids, year=year):
        inputs.learning[result.student_id][result.term] = result
    inputs.records = {i: {} for i in ids}
    for record in TermRecord.objects.filter(student_id__in=ids, year=year):
        inputs.records[record.student_id][record.term] = record
    return inputs


def compose_snapshot(student: Student, inputs: SnapshotInputs) -> dict:
    """What a transcript of this learner's year certifies, from the stored results. JSON types
    only (averages as "7.9", dates ISO); codes, not labels, so it reads the same in any language.
    """
    if inputs.is_primary:
        return _compose_primary(student, inputs)
    taught = {
        gs.subject_id: (gs.display_name, gs.effective_assessment_mode)
        for gs in inputs.grade_subjects
    }
    subjects: dict[int, dict] = {}
    for result in inputs.subject_results.get(student.pk, []):
        row = subjects.get(result.subject_id)
        if row is None:
            subject = inputs.subjects[result.subject_id]
            name, mode = taught.get(subject.pk, (subject.name, subject.assessment_mode))
            row = subjects[result.subject_id] = {
                "code": subject.code, "name": name, "mode": mode,
                "term1": None, "term2": None, "year": None,
            }  # fmt: skip
        if result.average is not None:
            row[_period_key(result.term)] = _decimal_text(result.average)
        elif result.passed is not None:
            row[_period_key(result.term)] = result.passed
    learning = inputs.learning.get(student.pk, {})
    records = inputs.records.get(student.pk, {})
    periods = {}
    for period in (Period.FIRST, Period.SECOND, Period.YEAR):
        result, record = learning.get(period), records.get(period)
        periods[_period_key(period)] = {
            "learning": result.level if result is not None else None,
            "adjusted": bool(result.adjusted) if result is not None else False,
            "conduct": (record.conduct or None) if record is not None else None,
            "days_absent": record.days_absent if record is not None else None,
        }
    year_result = learning.get(Period.YEAR)
    return {
        **_identity(student, inputs),
        "subjects": list(subjects.values()),
        "periods": periods,
        "promoted": year_result.promoted if year_result is not None else None,
        "award": year_result.award if year_result is not None else "",
    }


def build_snapshot(student: Student, year: SchoolYear, school_class: SchoolClass) -> dict:
    """The snapshot of one learner's year (compose_snapshot over the learner's own inputs)."""
    return compose_snapshot(student, snapshot_inputs([student.pk], year, school_class))


def _identity(student: Student, inputs: SnapshotInputs) -> dict:
    """The school, year, class and learner of a snapshot (both programmes)."""
    school_class = inputs.school_class
    school = school_class.school
    teacher = school_class.homeroom_teacher
    return {
        "format": SNAPSHOT_FORMAT,
        "school": {
            "code": school.code,
            "name": school.name,
            "address": school.address,
            "province": inputs.province,
        },
        "year": inputs.year.code,
        "class": {
            "name": school_class.name,
            "grade": school_class.grade,
            "homeroom_teacher": teacher.full_name if teacher is not None else "",
        },
        "learner": {
            "full_name": student.full_name,
            "date_of_birth": student.date_of_birth.isoformat() if student.date_of_birth else None,
            "gender": student.gender,
            "ethnicity": student.ethnicity,
            "moet_code": student.moet_code or "",
        },
    }


# --- the primary snapshot (Circular 27) ------------------------------------------------------


def _compose_primary(student: Student, inputs: SnapshotInputs) -> dict:
    """A primary learner's year as a transcript certifies it: every subject of the grade (and
    any optional one the learner took) with its end-of-year level and comment and its periodic
    test scores by point ("cuoi_hk1", "cuoi_nam", and "giua_hk1"/"giua_hk2" where the grade has
    them); every quality and competence assessed with its end-of-year level (TraitLevel code);
    the year's result (PrimaryOutcome code), promotion and award."""
    data = inputs.primary[student.pk]
    taken = {entry["code"]: entry for entry in data.subjects}
    subjects = []
    for gs in inputs.grade_subjects:
        entry = taken.get(gs.subject.code)
        if entry is None and not gs.is_compulsory:
            continue
        entry = entry or {"levels": {}, "comments": {}, "tests": {}}
        subjects.append(
            {
                "code": gs.subject.code,
                "name": gs.display_name,
                "level": entry["levels"].get(rules.END_OF_YEAR),
                "comment": entry["comments"].get(rules.END_OF_YEAR, ""),
                "tests": dict(entry["tests"]),
            }
        )
    traits = [
        {"code": t["code"], "group": t["group"], "level": t["levels"].get(rules.END_OF_YEAR)}
        for t in data.traits
        if t["levels"].get(rules.END_OF_YEAR)
    ]
    result = data.result
    return {
        **_identity(student, inputs),
        "programme": PRIMARY,
        "subjects": subjects,
        "traits": traits,
        "result": result.outcome if result is not None else None,
        "promoted": result.promoted if result is not None else None,
        "award": result.award if result is not None else "",
    }


def build_primary_snapshot(student: Student, year: SchoolYear, school_class: SchoolClass) -> dict:
    """The snapshot of a primary learner's year (build_snapshot of a grade 1–5 class)."""
    return build_snapshot(student, year, school_class)


def _primary_missing(student: Student, inputs: SnapshotInputs) -> list[str]:
    result = inputs.primary[student.pk].result
    if result is not None and result.outcome is not None:
        return []
    if result is None or not result.missing:
        return [_("Chưa có đánh giá cuối năm học nào của học sinh (Thông tư 27)")]
    names = {gs.subject.code: gs.display_name for gs in inputs.grade_subjects}
    return [
        _("Cuối năm học còn thiếu: %(items)s")
        % {"items": ", ".join(missing_labels(result.missing, names))}
    ]


def _subject_names(grade_subjects, codes) -> list[str]:
    """The subjects' names as the grade calls them, in the curriculum's order."""
    rows = [gs for gs in grade_subjects if gs.subject.code in codes]
    names = [row.display_name for row in rows]
    known = {row.subject.code for row in rows}
    return names + sorted(code for code in codes if code not in known)


def issue_problems(student: Student, inputs: SnapshotInputs) -> list[str]:
    """Why a transcript of this learner's year cannot be issued yet (missing_for_issue, from
    inputs already read)."""
    if inputs.is_primary:
        return _primary_missing(student, inputs)
    problems = []
    compulsory = {
        gs.subject.code
        for gs in inputs.grade_subjects
        if gs.is_compulsory and gs.assessment_mode != AssessmentMode.PRIMARY
    }
    by_term: dict[int, dict[str, bool]] = {Term.FIRST: {}, Term.SECOND: {}}
    for result in inputs.subject_results.get(student.pk, []):
        if result.term in by_term:
            by_term[result.term][inputs.subjects[result.subject_id].code] = result.complete
    for term in (Term.FIRST, Term.SECOND):
        expected = compulsory | set(by_term[term])
        missing = {code for code in expected if not by_term[term].get(code)}
        if missing:
            problems.append(
                _("%(term)s còn thiếu điểm: %(subjects)s")
                % {
                    "term": Term(term).label,
                    "subjects": ", ".join(_subject_names(inputs.grade_subjects, missing)),
                }
            )
    year_result = inputs.learning.get(student.pk, {}).get(Period.YEAR)
    if not problems and (year_result is None or year_result.level is None):
        problems.append(_("Chưa xác định được kết quả học tập cả năm (kiểm tra các môn lựa chọn)"))
    records = inputs.records.get(student.pk, {})
    lacking = [
        str(Term(t).label)
        for t in (Term.FIRST, Term.SECOND)
        if records.get(t) is None or not records[t].conduct
    ]
    if lacking:
        problems.append(_("Chưa có kết quả rèn luyện: %(terms)s") % {"terms": ", ".join(lacking)})
    return problems


def missing_for_issue(
    student: Student, year: SchoolYear, school_class: SchoolClass | None
) -> list[str]:
    """Why a transcript of this learner's year cannot be issued yet: one message per problem
    (empty when it can). Names the subjects still missing assessments, per term."""
    if school_class is None:
        return [_("Học sinh không học lớp nào trong năm học %(year)s") % {"year": year.code}]
    return issue_problems(student, snapshot_inputs([student.pk], year, school_class))


# --- issuing -----------------------------------------------------------------------------------


def content_body(content: dict) -> dict:
    """The snapshot without the issue's own data (code, version, date): what a re-issue
    compares to decide whether anything changed."""
    return {key: value for key, value in content.items() if key != "issue"}


@dataclass
class Stored:
    """What storing one learner's snapshot did: the current transcript afterwards, and the
    one it replaced (None when the learner had none; equal to `transcript` when unchanged)."""

    transcript: Transcript
    before: Transcript | None

    @property
    def is_new(self) -> bool:
        return self.before is None or self.transcript.pk != self.before.pk


STORE_BATCH = 500


@transaction.atomic
def store_snapshots(
    *, year: SchoolYear, school: OrgUnit, bodies: list[tuple[Student, dict]], issued_by=None
) -> list[Stored]:
    """Record snapshots as the learners' current transcripts of the year, in the given order:
    a new version when a body differs from the learner's current one (which is then
    superseded), the current one otherwise. A fixed number of queries for up to STORE_BATCH
    learners. Checks nothing about the actor or completeness: callers do (transcript_issue,
    transcripts_issue_class)."""
    ids = [student.pk for student, _body in bodies]
    current = {
        t.student_id: t
        for t in Transcript.objects.select_for_update().filter(
            student_id__in=ids, year=year, superseded_at__isnull=True
        )
    }
    last_versions = dict(
        Transcript.objects.filter(student_id__in=ids, year=year)
        .values("student_id")
        .annotate(last=Max("version"))
        .values_list("student_id", "last")
    )
    now = timezone.now()
    user = issued_by if issued_by is not None and issued_by.is_authenticated else None
    stored: list[Stored] = []
    fresh: list[tuple[Stored, dict]] = []  # (what is stored, body) of the new versions
    for student, body in bodies:
        old = current.get(student.pk)
        if old is not None and content_body(old.content) == body and hash_matches(old):
            stored.append(Stored(old, old))
            continue
        transcript = Transcript(
            school=school, year=year, student=student,
            version=(last_versions.get(student.pk) or 0) + 1, issued_at=now, issued_by=user,
        )  # fmt: skip
        if old is not None:
            # The choices of who may see how much carry over to the new version.
            transcript.learner_share = old.learner_share
            transcript.guardian_share = old.guardian_share
            transcript.share_level = old.share_level
            transcript.share_changed_at = old.share_changed_at
        item = Stored(transcript, old)
        stored.append(item)
        fresh.append((item, body))
    if not fresh:
        return stored
    replaced = [item.before for item, _body in fresh if item.before is not None]
    if replaced:
        Transcript.objects.filter(pk__in=[t.pk for t in replaced]).update(superseded_at=now)
        for old in replaced:
            old.superseded_at = now
    _insert_with_codes(fresh, now=now, user=user)
    if replaced:
        for item, _body in fresh:
            if item.before is not None:
                item.before.superseded_by = item.transcript
        Transcript.objects.bulk_update(replaced, ["superseded_by"], batch_size=STORE_BATCH)
    return stored


def _insert_with_codes(fresh: list[tuple[Stored, dict]], *, now, user) -> None:
    """Give each new transcript a free code and its content, and insert them all."""
    for _attempt in range(5):
        codes: set[str] = set()
        while len(codes) < len(fresh):
            codes.add(new_code())  # distinct within the batch
        taken = set(Transcript.objects.filter(code__in=codes).values_list("code", flat=True))
        if taken:
            continue  # a code drawn twice (about one in 10^18): draw again
        for (item, body), code in zip(fresh, sorted(codes), strict=True):
            transcript = item.transcript
            content = {
                **body,
                "issue": {
                    "code": code,
                    "version": transcript.version,
                    "issued_at": now.isoformat(),
                    "issued_by": (user.full_name or user.username) if user is not None else "",
                },
            }
            transcript.code, transcript.content = code, content
            transcript.content_hash = content_hash(content)
            transcript.full_clean(exclude=["school", "year", "student", "issued_by"],
                                  validate_unique=False, validate_constraints=False)  # fmt: skip
        try:
            with transaction.atomic():
                Transcript.objects.bulk_create(
                    [item.transcript for item, _body in fresh], batch_size=STORE_BATCH
                )
        except IntegrityError:
            if Transcript.objects.filter(code__in=codes).exists():
                continue  # another issue took one of the codes meanwhile: draw again
            raise
        return
    raise RuntimeError("could not draw free transcript codes")  # pragma: no cover


def store_snapshot(
    *, student: Student, year: SchoolYear, school: OrgUnit, body: dict, issued_by=None
) -> Transcript:
    """Record one learner's snapshot (store_snapshots for one): the current transcript
    afterwards, new or unchanged."""
    stored = store_snapshots(year=year, school=school, bodies=[(student, body)],
                             issued_by=issued_by)  # fmt: skip
    return stored[0].transcript


def _issue_entries(actor, school: OrgUnit, year: SchoolYear, stored: list[Stored]) -> list:
    """The audit entry of each transcript issued (a new version), written in one query."""
    user = actor if actor is not None and actor.is_authenticated else None
    entries = [
        AuditEntry(
            actor=user, action="transcript.issue", object_type=Transcript._meta.model_name,
            object_id=str(item.transcript.pk), org_unit=school,
            detail={"student": item.transcript.student_id, "year": year.code,
                    "version": item.transcript.version,
                    "replaces": item.before.pk if item.before is not None else None},
        )
        for item in stored
        if item.is_new
    ]  # fmt: skip
    return AuditEntry.objects.bulk_create(entries, batch_size=STORE_BATCH)


@transaction.atomic
def transcript_issue(*, actor, student: Student, year: SchoolYear) -> Transcript:
    """Issue (or re-issue) the learner's transcript of `year`: the school admin of the school
    where the learner studied that year (or the system). Refused, naming what is missing, while
    the year's results are incomplete. Issuing again without any change returns the current
    transcript; after a change it makes the next version and supersedes the old one."""
    school_class = class_of_year(student, year)
    school = school_class.school if school_class is not None else student.school
    if not access.is_school_admin(actor, school):
        raise PermissionDenied
    inputs = snapshot_inputs([student.pk], year, school_class) if school_class else None
    problems = (
        issue_problems(student, inputs)
        if inputs is not None
        else missing_for_issue(student, year, None)
    )
    if problems:
        raise ValidationError(
            [_("Chưa đủ kết quả để cấp học bạ năm học %(year)s cho %(learner)s")
             % {"year": year.code, "learner": student.full_name}, *problems]
        )  # fmt: skip
    stored = store_snapshots(
        year=year, school=school, bodies=[(student, compose_snapshot(student, inputs))],
        issued_by=actor,
    )  # fmt: skip
    _issue_entries(actor, school, year, stored)
    return stored[0].transcript


@dataclass
class Skipped:
    student: Student
    reasons: list[str]


@dataclass
class IssueSummary:
    """What issuing a class's transcripts did: the transcripts issued (new versions), those
    left unchanged (the results did not change since), and the learners skipped with why."""

    issued: list[Transcript] = field(default_factory=list)
    unchanged: list[Transcript] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@transaction.atomic
def transcripts_issue_class(*, actor, school_class: SchoolClass) -> IssueSummary:
    """Issue (or re-issue) the transcripts of the class's year for every learner whose year
    results belong to the class, as transcript_issue would one by one, with a fixed number of
    queries whatever the size of the class. Same permission (the school admin of the class's
    school, or the system); learners with incomplete results, or whose year belongs to another
    class (they moved), are skipped with the reasons. Each transcript issued gets its own audit
    entry, as with transcript_issue, and the class one more with the counts."""
    school_class = SchoolClass.objects.select_related("school", "homeroom_teacher", "year").get(
        pk=school_class.pk
    )
    school, year = school_class.school, school_class.year
    if not access.is_school_admin(actor, school):
        raise PermissionDenied
    candidates = set(roster_ids(school_class))
    candidates |= set(
        LearningResult.objects.filter(school_class=school_class).values_list(
            "student_id", flat=True
        )
    )
    candidates |= set(
        PrimaryYearResult.objects.filter(school_class=school_class).values_list(
            "student_id", flat=True
        )
    )
    learners = list(Student.objects.filter(pk__in=candidates).order_by("search_name", "id"))
    belongs = classes_of_year([s.pk for s in learners], year)
    summary = IssueSummary()
    mine = []
    others = {}
    elsewhere = set(belongs.values()) - {school_class.pk}
    if elsewhere:
        others = dict(SchoolClass.objects.filter(pk__in=elsewhere).values_list("pk", "name"))
    for learner in learners:
        class_id = belongs.get(learner.pk)
        if class_id == school_class.pk:
            mine.append(learner)
        else:
            summary.skipped.append(Skipped(learner, [
                _("Kết quả năm học %(year)s của học sinh thuộc lớp %(name)s")
                % {"year": year.code, "name": others.get(class_id, "—")}
            ]))  # fmt: skip
    inputs = snapshot_inputs([s.pk for s in mine], year, school_class)
    bodies = []
    for learner in mine:
        problems = issue_problems(learner, inputs)
        if problems:
            summary.skipped.append(Skipped(learner, problems))
        else:
            bodies.append((learner, compose_snapshot(learner, inputs)))
    stored = store_snapshots(year=year, school=school, bodies=bodies, issued_by=actor)
    for item in stored:
        (summary.issued if item.is_new else summary.unchanged).append(item.transcript)
    _issue_entries(actor, school, year, stored)
    audit_log(
        actor=actor, action="transcript.issue_class", obj=school_class, org_unit=school,
        year=year.code, issued=len(summary.issued), unchanged=len(summary.unchanged),
        skipped=len(summary.skipped),
    )  # fmt: skip
    return summary


# --- sharing -----------------------------------------------------------------------------------


def age_on(date_of_birth: date | None, day: date) -> int | None:
    if date_of_birth is None:
        return None
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def effective_share_level(*, learner_share: str, guardian_share: str, age: int | None) -> str:
    """What the verify page may show, from both choices (module docstring, DOMAIN.md §8). An
    unknown age counts as a child's (both consents)."""
    if age is not None and age >= ADULT_AGE:
        return learner_share
    if age is not None and age < CONSENT_AGE:
        return guardian_share
    if learner_share == ShareLevel.FULL and guardian_share == ShareLevel.FULL:
        return ShareLevel.FULL
    return ShareLevel.MINIMAL


def relation_to(actor, student: Student) -> str | None:
    """ "learner" when the actor is the learner, "guardian" when a linked guardian, else None."""
    if actor is None or not actor.is_authenticated:
        return None
    if student.user_id is not None and student.user_id == actor.pk:
        return "learner"
    if Guardianship.objects.filter(student=student, guardian__user=actor).exists():
        return "guardian"
    return None


def share_rule(student: Student) -> str:
    """Whose choice decides, today: "adult" (the learner's), "young" (the guardian's) or
    "both"."""
    age = age_on(student.date_of_birth, timezone.localdate())
    if age is not None and age >= ADULT_AGE:
        return "adult"
    if age is not None and age < CONSENT_AGE:
        return "young"
    return "both"


def with_share_choice(transcript: Transcript, relation: str | None) -> Transcript:
    """Attach what the share form shows: the reader's own choice and whose choice decides."""
    transcript.my_share = (
        transcript.guardian_share if relation == "guardian" else transcript.learner_share
    )
    transcript.share_rule = share_rule(transcript.student)
    return transcript


@transaction.atomic
def transcript_set_share(*, actor, transcript: Transcript, level: str) -> Transcript:
    """The learner or one of their guardians chooses how much the verify page shows of the
    current transcript ("minimal" or "full"); the level applied follows both choices."""
    relation = relation_to(actor, transcript.student)
    if relation is None:
        raise PermissionDenied
    if level not in ShareLevel.values:
        raise ValidationError(
            {"level": _("Mức chia sẻ không hợp lệ: %(level)s") % {"level": level}}
        )
    transcript = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if not transcript.is_current:
        raise ValidationError(
            _("Bản học bạ này đã được thay thế bởi bản mới; hãy chọn mức chia sẻ trên bản mới")
        )
    field_name = "learner_share" if relation == "learner" else "guardian_share"
    old = {"learner": transcript.learner_share, "guardian": transcript.guardian_share,
           "applied": transcript.share_level}  # fmt: skip
    setattr(transcript, field_name, level)
    transcript.share_level = effective_share_level(
        learner_share=transcript.learner_share,
        guardian_share=transcript.guardian_share,
        age=age_on(transcript.student.date_of_birth, timezone.localdate()),
    )
    if (
        getattr(transcript, field_name) == old[relation]
        and transcript.share_level == old["applied"]
    ):
        return transcript
    transcript.share_changed_at = timezone.now()
    transcript.full_clean(exclude=["school", "year", "student", "issued_by", "superseded_by"],
                          validate_unique=False, validate_constraints=False)  # fmt: skip
    transcript.save(
        update_fields=["learner_share", "guardian_share", "share_level", "share_changed_at"]
    )
    audit_log(
        actor=actor, action="transcript.share", obj=transcript, org_unit=transcript.school,
        by=relation, chosen=level, before=old, applied=transcript.share_level,
    )  # fmt: skip
    return transcript


def transcript_downloaded(*, actor, transcript: Transcript, via: str) -> None:
    """Record a download of a transcript's PDF (a read of personal data). `via`: web / api."""
    relation = relation_to(actor, transcript.student) or "staff"
    audit_log(
        actor=actor, action="transcript.download", obj=transcript, org_unit=transcript.school,
        student=transcript.student_id, year=transcript.year.code, version=transcript.version,
        reader=relation, via=via,
    )  # fmt: skip


# --- reads -------------------------------------------------------------------------------------


def _check_visible(actor, student: Student) -> None:
    if not students_visible(actor=actor).filter(pk=student.pk).exists():
        raise PermissionDenied


def transcripts_of(*, actor, student: Student):
    """Every version of the learner's transcripts, newest year and version first, for those
    who may read the learner (staff in scope, the learner, their guardians)."""
    _check_visible(actor, student)
    return (
        Transcript.objects.filter(student=student)
        .select_related("year", "school", "issued_by")
        .order_by("-year__start_date", "-version")
    )


def transcript_current(*, actor, student: Student, year: SchoolYear) -> Transcript | None:
    _check_visible(actor, student)
    return (
        Transcript.objects.filter(student=student, year=year, superseded_at__isnull=True)
        .select_related("year", "school", "issued_by")
        .first()
    )


def is_staff_reader(actor, student: Student) -> bool:
    """The actor reads the learner as staff (scope), not as the learner or a guardian."""
    return scope_for(actor).covers(student.school.path)


def can_issue(actor, student: Student, year: SchoolYear) -> bool:
    school_class = class_of_year(student, year)
    school = school_class.school if school_class is not None else student.school
    return actor is not None and actor.is_authenticated and access.is_school_admin(actor, school)


def own_learners(*, actor):
    """The learners linked to a learner's or guardian's account (not staff scope)."""
    scope = scope_for(actor)
    if not actor.is_authenticated or not (scope.roles & {Role.STUDENT, Role.GUARDIAN}):
        return Student.objects.none()
    ids = set(Student.objects.filter(user=actor).values_list("pk", flat=True))
    ids |= set(
        Guardianship.objects.filter(guardian__user=actor).values_list("student_id", flat=True)
    )
    return Student.objects.filter(pk__in=ids).select_related("school").order_by("search_name", "id")


# --- public verification -----------------------------------------------------------------------

VALID, SUPERSEDED, TAMPERED, UNKNOWN = "valid", "superseded", "tampered", "unknown"


def initials(full_name: str) -> str:
    """ "Nguyễn Văn An" → "N. V. A." (the verify page never shows the whole name)."""
    return " ".join(f"{word[0]}." for word in full_name.split() if word)


@dataclass
class Verification:
    """What /verify/<code> may show. Personal fields are filled only as far as the state and
    the share level allow; nothing is filled for an unknown code or a changed snapshot."""

    state: str
    code: str = ""
    share_level: str = ShareLevel.MINIMAL
    school: str = ""
    year: str = ""
    initials: str = ""
    birth_year: int | None = None
    learning: str | None = None  # the year's learning result (Level code; primary: PrimaryOutcome)
    primary: bool = False  # a primary (Circular 27) transcript
    issued_at: str = ""
    version: int | None = None
    subjects: list = field(default_factory=list)  # only with "full"

    @property
    def is_valid(self) -> bool:
        return self.state == VALID


def transcript_verify(code: str) -> Verification:
    """Public: no actor. Looks the code up and says what the owner allows to be shown."""
    code = normalize_code(code)
    transcript = (
        Transcript.objects.filter(code=code).first()
        if code and len(code) <= 16 and all(ch in CODE_ALPHABET for ch in code)
        else None
    )
    if transcript is None:
        return Verification(UNKNOWN)
    if not hash_matches(transcript):
        return Verification(TAMPERED, code=transcript.code)
    content = transcript.content
    learner = content.get("learner", {})
    born = learner.get("date_of_birth")
    shown = Verification(
        state=VALID if transcript.is_current else SUPERSEDED,
        code=transcript.code,
        share_level=transcript.share_level,
        school=content.get("school", {}).get("name", ""),
        year=content.get("year", ""),
        initials=initials(learner.get("full_name", "")),
        birth_year=int(born[:4]) if born else None,
        issued_at=content.get("issue", {}).get("issued_at", ""),
        version=transcript.version,
    )
    shown.primary = content.get("programme") == PRIMARY
    if transcript.is_current:
        if shown.primary:
            shown.learning = content.get("result")
        else:
            shown.learning = content.get("periods", {}).get("year", {}).get("learning")
        if transcript.share_level == ShareLevel.FULL:
            shown.subjects = content.get("subjects", [])
    return shown


def verification_display(result: Verification) -> dict:
    """What the verify page shows of a verification beyond its fields: the year's result as a
    label and the subjects' rows (headers and values), for either programme."""
    shown: dict = {}
    if result.primary:
        if result.subjects:
            shown["subject_headers"] = [_("Mức đạt được"), _("Điểm KTĐK cuối năm")]
            shown["subjects"] = [
                {"name": s.get("name", ""), "values": [primary_level_label(s.get("level")),
                                                       _test_text(s, rules.END_OF_YEAR)]}
                for s in result.subjects
            ]  # fmt: skip
        if result.learning:
            shown["learning"] = outcome_label(result.learning)
        return shown
    if result.subjects:
        shown["subjects"] = [
            {"name": s.get("name", ""), "values": [subject_value(s, k) for k in PERIOD_KEYS]}
            for s in result.subjects
        ]
    if result.learning:
        shown["learning"] = level_label(result.learning)
    return shown


# --- showing a snapshot (the page and the PDF) -------------------------------------------------


def level_label(code) -> str:
    return str(Level(code).label) if code in Level.values else "—"


def subject_value(subject: dict, key: str) -> str:
    """A cell of the subject table: "7,9" (decimal comma), "Đ"/"CĐ" for comment subjects."""
    value = subject.get(key)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Đ") if value else _("CĐ")
    return str(value).replace(".", ",")


def decision_label(content: dict) -> str:
    promoted = content.get("promoted")
    grade = content.get("class", {}).get("grade")
    if promoted is None:
        return _("Chưa xét")
    if not promoted:
        return _("Chưa được lên lớp")
    if grade in (9, 12):
        return _("Hoàn thành chương trình lớp %(grade)s") % {"grade": grade}
    return _("Được lên lớp")


def award_label(content: dict) -> str:
    award = content.get("award") or ""
    return str(Award(award).label) if award and award in Award.values else _("Không")


def date_label(iso: str | None) -> str:
    if not iso:
        return "—"
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"


PERIOD_KEYS = ("term1", "term2", "year")


def present(content: dict) -> dict:
    """A snapshot as display strings in the active language (the page; the PDF in Vietnamese)."""
    if content.get("programme") == PRIMARY:
        return present_primary(content)
    learner = content.get("learner", {})
    periods = content.get("periods", {})

    def learning(key):
        period = periods.get(key, {})
        label = level_label(period.get("learning"))
        return f"{label} (*)" if period.get("adjusted") else label

    days = [periods.get(k, {}).get("days_absent") for k in PERIOD_KEYS]
    return {
        "school": content.get("school", {}),
        "year": content.get("year", ""),
        "class": content.get("class", {}),
        "learner": {
            "full_name": learner.get("full_name", ""),
            "date_of_birth": date_label(learner.get("date_of_birth")),
            "gender": str(dict(Gender.choices).get(learner.get("gender"), "—")),
            "ethnicity": str(dict(ETHNICITY_CHOICES).get(learner.get("ethnicity"), "—")),
            "moet_code": learner.get("moet_code") or "—",
        },
        "subjects": [
            {"name": s.get("name", ""), "values": [subject_value(s, k) for k in PERIOD_KEYS]}
            for s in content.get("subjects", [])
        ],
        "learning": [learning(k) for k in PERIOD_KEYS],
        "adjusted": any(periods.get(k, {}).get("adjusted") for k in PERIOD_KEYS),
        "conduct": [level_label(periods.get(k, {}).get("conduct")) for k in PERIOD_KEYS],
        "days_absent": ["—" if d is None else str(d) for d in days],
        "decision": decision_label(content),
        "award": award_label(content),
        "issue": content.get("issue", {}),
    }


# --- showing a primary snapshot ----------------------------------------------------------------


def primary_level_label(code) -> str:
    return str(SubjectLevel(code).label) if code in SubjectLevel.values else "—"


def trait_level_label(code) -> str:
    return str(TraitLevel(code).label) if code in TraitLevel.values else "—"


def outcome_label(code) -> str:
    return str(PrimaryOutcome(code).label) if code in PrimaryOutcome.values else "—"


def _test_text(subject: dict, point: str) -> str:
    value = (subject.get("tests") or {}).get(point)
    return "—" if value is None else str(value)


TEST_POINTS = rules.PRIMARY_ASSESSMENT_POINTS  # giua_hk1, cuoi_hk1, giua_hk2, cuoi_nam
TRAIT_GROUPS = ("quality", "general", "specific")


def _trait_group_label(group: str) -> str:
    return {
        "quality": _("Phẩm chất chủ yếu"),
        "general": _("Năng lực chung"),
        "specific": _("Năng lực đặc thù"),
    }[group]


def primary_decision_label(content: dict) -> str:
    promoted = content.get("promoted")
    grade = content.get("class", {}).get("grade")
    if promoted is None:
        return _("Chưa xét")
    if not promoted:
        return _("Chưa hoàn thành chương trình lớp %(grade)s") % {"grade": grade}
    return _("Hoàn thành chương trình lớp %(grade)s") % {"grade": grade}


def present_primary(content: dict) -> dict:
    """A primary snapshot as display strings (the page; the PDF in Vietnamese): the subjects
    with their level, the test scores of the points where some subject has one, and the
    comment; the qualities and competences by group; the result, decision and award."""
    learner = content.get("learner", {})
    subjects = content.get("subjects", [])
    points = [p for p in TEST_POINTS if any(p in (s.get("tests") or {}) for s in subjects)]
    traits = content.get("traits", [])
    groups = []
    for group in TRAIT_GROUPS:
        items = [
            {"name": _(rules.PRIMARY_TRAITS.get(t.get("code"), t.get("code", ""))),
             "level": trait_level_label(t.get("level"))}
            for t in traits
            if t.get("group") == group
        ]  # fmt: skip
        if items:
            groups.append({"label": _trait_group_label(group), "items": items})
    award = content.get("award") or ""
    return {
        "primary": True,
        "school": content.get("school", {}),
        "year": content.get("year", ""),
        "class": content.get("class", {}),
        "learner": {
            "full_name": learner.get("full_name", ""),
            "date_of_birth": date_label(learner.get("date_of_birth")),
            "gender": str(dict(Gender.choices).get(learner.get("gender"), "—")),
            "ethnicity": str(dict(ETHNICITY_CHOICES).get(learner.get("ethnicity"), "—")),
            "moet_code": learner.get("moet_code") or "—",
        },
        "test_points": [_(rules.PRIMARY_ASSESSMENT_POINT_NAMES[p]) for p in points],
        "test_point_codes": points,
        "subjects": [
            {
                "name": s.get("name", ""),
                "level": primary_level_label(s.get("level")),
                "tests": [_test_text(s, p) for p in points],
                "comment": s.get("comment") or "",
            }
            for s in subjects
        ],
        "trait_groups": groups,
        "result": outcome_label(content.get("result")),
        "decision": primary_decision_label(content),
        "award": str(PrimaryAward(award).label) if award in PrimaryAward.values and award
        else _("Không"),
        "issue": content.get("issue", {}),
    }  # fmt: skip
