"""Electronic transcripts: issuing from complete results, the snapshot, versions, sharing and
the public verification (hocso.assessment.transcripts)."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.services import role_grant
from hocso.assessment import services
from hocso.assessment import transcripts as tx
from hocso.assessment.models import ScoreKind, ShareLevel, Transcript
from hocso.registry import services as registry

from ..factories import StudentFactory, UserFactory
from .conftest import full_term, put_scores, subject

GRADE = 6


def fill_year(people, learners=None, *, term1=8, term2=9):
    """Complete term 1 and 2 scores, conduct Tốt and days absent 1 / 2 for the learners."""
    school_class = people.school_class
    learners = people.learners if learners is None else learners
    for learner in learners:
        put_scores(school_class, learner, 1, full_term(GRADE, scored=term1))
        put_scores(school_class, learner, 2, full_term(GRADE, scored=term2))
    services.results_compute(actor=None, school=people.school, year=people.year)
    for learner in learners:
        for term in (1, 2):
            services.term_record_save(
                actor=None, student=learner, school_class=school_class, term=term,
                days_absent=term, conduct="tot",
            )  # fmt: skip


def link_family(people, users):
    """users.student_a is learner 0; users.guardian_a is learner 0's mother. Another guardian
    (with a guardian role at the same school) is the father of learner 1 only."""
    own, other = people.learners[0], people.learners[1]
    own.user = users.student_a
    own.save(update_fields=["user"])
    mother = registry.guardian_link(
        actor=None, student=own, full_name="Thạch Thị Mẹ", phone="0901234567",
        relationship="mother",
    )  # fmt: skip
    mother.user = users.guardian_a
    mother.save(update_fields=["user"])
    other_user = UserFactory(username="guardian_other")
    role_grant(actor=None, user=other_user, role=Role.GUARDIAN, org_unit=people.school)
    father = registry.guardian_link(
        actor=None, student=other, full_name="Sơn Văn Cha", phone="0907654321",
        relationship="father",
    )  # fmt: skip
    father.user = other_user
    father.save(update_fields=["user"])
    return SimpleNamespace(own=own, other=other, other_guardian=other_user)


def make_family(people, users):
    """The `people` class with a complete year and the family accounts linked."""
    fill_year(people)
    links = link_family(people, users)
    return SimpleNamespace(people=people, users=users, **vars(links))


@pytest.fixture
def family(people, users):
    return make_family(people, users)


def issue(family, learner=None):
    return tx.transcript_issue(
        actor=family.users.admin_a, student=learner or family.own, year=family.people.year
    )


# --- issuing -----------------------------------------------------------------------------------


def test_issue_refuses_incomplete_results_and_names_the_missing_subjects(people, users):
    learner = people.learners[0]
    first_term = full_term(GRADE)
    del first_term["TOAN"]
    put_scores(people.school_class, learner, 1, first_term)
    services.results_compute(actor=None, school=people.school, year=people.year)

    with pytest.raises(ValidationError) as refused:
        tx.transcript_issue(actor=users.admin_a, student=learner, year=people.year)

    messages = " | ".join(refused.value.messages)
    assert "Học kì I còn thiếu điểm: Toán" in messages
    assert "Học kì II còn thiếu điểm:" in messages and "Ngữ văn" in messages
    assert "Chưa có kết quả rèn luyện" in messages
    assert not Transcript.objects.exists()


def test_issue_refuses_while_conduct_is_missing_even_with_every_score(people, users):
    learner = people.learners[0]
    for term in (1, 2):
        put_scores(people.school_class, learner, term, full_term(GRADE))
    services.results_compute(actor=None, school=people.school, year=people.year)

    with pytest.raises(ValidationError, match="Chưa có kết quả rèn luyện: Học kì I, Học kì II"):
        tx.transcript_issue(actor=users.admin_a, student=learner, year=people.year)


def test_the_snapshot_certifies_the_years_results(family):
    transcript = issue(family)
    content = transcript.content

    assert content["school"]["name"] == "THCS Lý Tự Trọng"
    assert content["school"]["province"] == "Tỉnh Trà Vinh"
    assert content["year"] == "2025-2026"
    assert content["class"] == {
        "name": "6A1", "grade": 6, "homeroom_teacher": family.people.homeroom_staff.full_name,
    }  # fmt: skip
    assert content["learner"]["full_name"] == family.own.full_name
    assert content["learner"]["date_of_birth"] == "2012-03-14"
    toan = next(s for s in content["subjects"] if s["code"] == "TOAN")
    # (8 + 2·9) / 3 = 8.67 → 8.7
    assert (toan["term1"], toan["term2"], toan["year"], toan["mode"]) == (
        "8.0",
        "9.0",
        "8.7",
        "scored",
    )
    gdtc = next(s for s in content["subjects"] if s["code"] == "GDTC")
    assert (gdtc["term1"], gdtc["year"], gdtc["mode"]) == (True, True, "comment")
    assert {s["code"] for s in content["subjects"]} == set(full_term(GRADE))
    assert content["periods"]["year"] == {
        "learning": "tot", "adjusted": False, "conduct": "tot", "days_absent": 3,
    }  # fmt: skip
    assert content["periods"]["term1"]["days_absent"] == 1
    assert content["promoted"] is True
    assert content["award"] == "gioi"  # Tốt/Tốt, but no subject at 9.0 for the year
    assert content["issue"]["code"] == transcript.code
    assert transcript.version == 1 and transcript.is_current
    assert transcript.share_level == ShareLevel.MINIMAL
    assert transcript.content_hash == tx.content_hash(content)
    assert tx.hash_matches(transcript)
    assert AuditEntry.objects.filter(
        action="transcript.issue", object_id=str(transcript.pk)
    ).exists()


@pytest.mark.parametrize("who", ["admin_c", "teacher_a", "province", "student_a", "guardian_a"])
def test_only_the_school_admin_of_the_learners_school_issues(family, who):
    with pytest.raises(PermissionDenied):
        tx.transcript_issue(
            actor=getattr(family.users, who), student=family.own, year=family.people.year
        )


def test_a_primary_learner_without_year_end_assessments_is_refused_with_a_reason(tree, users, year):
    school_class = registry.class_create(
        actor=None, school=tree.school_b, year=year, grade=3, name="3A"
    )
    learner = StudentFactory(school=tree.school_b)
    registry.student_enroll(
        actor=None, student=learner, school_class=school_class, start_date=date(2025, 9, 5)
    )
    admin_b = UserFactory(username="admin_b")
    role_grant(actor=None, user=admin_b, role=Role.SCHOOL_ADMIN, org_unit=tree.school_b)
    with pytest.raises(ValidationError, match="Thông tư 27"):
        tx.transcript_issue(actor=admin_b, student=learner, year=year)


def test_the_code_is_random_unambiguous_and_unique(family):
    codes = {issue(family, learner).code for learner in family.people.learners}
    assert len(codes) == 3
    for code in codes:
        assert len(code) == tx.CODE_LENGTH
        assert set(code) <= set(tx.CODE_ALPHABET)
        assert not set(code) & set("01IO")


def test_typed_codes_are_normalized():
    assert tx.normalize_code(" abcd-efgh jklm ") == "ABCDEFGHJKLM"
    assert tx.format_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


def test_issuing_again_without_a_change_keeps_the_transcript(family):
    first = issue(family)
    again = issue(family)
    assert again.pk == first.pk
    assert Transcript.objects.filter(student=family.own).count() == 1


def test_a_grade_change_then_reissue_makes_a_new_version_and_supersedes_the_old(family):
    first = issue(family)
    tx.transcript_set_share(actor=family.users.student_a, transcript=first, level="full")
    services.scores_save(
        actor=None, school_class=family.people.school_class, subject=subject("TOAN"), term=2,
        entries=[(family.own.pk, ScoreKind.FINAL, 1, "10")],
    )  # fmt: skip

    second = issue(family)

    first.refresh_from_db()
    assert second.pk != first.pk and second.version == 2 and second.code != first.code
    assert first.superseded_at is not None and first.superseded_by_id == second.pk
    assert not first.is_current and second.is_current
    toan = next(s for s in second.content["subjects"] if s["code"] == "TOAN")
    assert toan["term2"] != "9.0"
    assert second.learner_share == ShareLevel.FULL  # the choices carry over
    assert tx.transcript_verify(first.code).state == tx.SUPERSEDED
    assert tx.transcript_verify(second.code).state == tx.VALID


# --- sharing -----------------------------------------------------------------------------------


def test_full_sharing_of_a_childs_transcript_needs_the_learner_and_the_guardian(family):
    transcript = issue(family)

    transcript = tx.transcript_set_share(
        actor=family.users.guardian_a, transcript=transcript, level="full"
    )
    assert (transcript.guardian_share, transcript.share_level) == ("full", "minimal")
    transcript = tx.transcript_set_share(
        actor=family.users.student_a, transcript=transcript, level="full"
    )
    assert transcript.share_level == ShareLevel.FULL
    transcript = tx.transcript_set_share(
        actor=family.users.guardian_a, transcript=transcript, level="minimal"
    )
    assert transcript.share_level == ShareLevel.MINIMAL  # one of them withdrawing is enough

    entries = AuditEntry.objects.filter(action="transcript.share", object_id=str(transcript.pk))
    assert entries.count() == 3
    assert {e.actor_id for e in entries} == {family.users.guardian_a.pk, family.users.student_a.pk}


def test_an_adult_learner_decides_alone(family):
    family.own.date_of_birth = date(2000, 1, 1)
    family.own.save(update_fields=["date_of_birth"])
    transcript = issue(family)
    transcript = tx.transcript_set_share(
        actor=family.users.student_a, transcript=transcript, level="full"
    )
    assert transcript.share_level == ShareLevel.FULL


@pytest.mark.parametrize(
    ("age", "learner", "guardian", "applied"),
    [
        (6, "minimal", "full", "full"),  # under 7: the representative decides
        (6, "full", "minimal", "minimal"),
        (7, "full", "minimal", "minimal"),  # from 7: both must agree
        (7, "minimal", "full", "minimal"),
        (7, "full", "full", "full"),
        (17, "full", "minimal", "minimal"),
        (18, "full", "minimal", "full"),  # an adult decides alone
        (18, "minimal", "full", "minimal"),
        (None, "full", "minimal", "minimal"),  # unknown age: counted as a child
        (None, "full", "full", "full"),
    ],
)
def test_the_share_level_applied_follows_the_consent_rules(age, learner, guardian, applied):
    assert (
        tx.effective_share_level(learner_share=learner, guardian_share=guardian, age=age) == applied
    )


def test_age_counts_whole_years_to_the_birthday():
    assert tx.age_on(date(2008, 6, 1), date(2026, 5, 31)) == 17
    assert tx.age_on(date(2008, 6, 1), date(2026, 6, 1)) == 18
    assert tx.age_on(None, date(2026, 6, 1)) is None


@pytest.mark.parametrize("who", ["other_guardian", "admin_a", "teacher_a", "outsider"])
def test_no_one_else_chooses_the_share_level(family, who):
    transcript = issue(family)
    actor = family.other_guardian if who == "other_guardian" else getattr(family.users, who)
    with pytest.raises(PermissionDenied):
        tx.transcript_set_share(actor=actor, transcript=transcript, level="full")
    transcript.refresh_from_db()
    assert transcript.guardian_share == transcript.learner_share == ShareLevel.MINIMAL


def test_an_unknown_share_level_is_refused(family):
    transcript = issue(family)
    with pytest.raises(ValidationError):
        tx.transcript_set_share(actor=family.users.student_a, transcript=transcript, level="all")


# --- verification ------------------------------------------------------------------------------


def test_verification_shows_only_minimal_data_by_default(family):
    transcript = issue(family)
    shown = tx.transcript_verify(tx.format_code(transcript.code).lower())
    assert shown.state == tx.VALID
    assert shown.school == "THCS Lý Tự Trọng" and shown.year == "2025-2026"
    assert shown.initials == tx.initials(family.own.full_name) and shown.birth_year == 2012
    assert shown.learning == "tot"
    assert shown.subjects == []


def test_verification_shows_the_subjects_when_both_chose_full(family):
    transcript = issue(family)
    for actor in (family.users.student_a, family.users.guardian_a):
        transcript = tx.transcript_set_share(actor=actor, transcript=transcript, level="full")
    shown = tx.transcript_verify(transcript.code)
    assert [s["code"] for s in shown.subjects] == [
        s["code"] for s in transcript.content["subjects"]
    ]


def test_a_snapshot_changed_in_the_database_no_longer_verifies(family):
    transcript = issue(family)
    content = dict(transcript.content)
    content["periods"] = {
        **content["periods"],
        "year": {**content["periods"]["year"], "learning": "kha"},
    }
    Transcript.objects.filter(pk=transcript.pk).update(content=content)

    shown = tx.transcript_verify(transcript.code)
    assert shown.state == tx.TAMPERED
    assert shown.school == "" and shown.learning is None and shown.initials == ""


def test_an_unknown_code_reveals_nothing(db):
    for code in ("ABCDEFGHJKLM", "", "0000-1111", "x" * 70):
        assert tx.transcript_verify(code) == tx.Verification(tx.UNKNOWN)
