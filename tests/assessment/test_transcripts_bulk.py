"""Issuing a whole class's transcripts at once (transcripts.transcripts_issue_class): the same
transcripts as one by one, skipped learners with reasons, versions, audit, permission, a fixed
number of queries, and the class action on the transcript page."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.accounts.models import AuditEntry
from hocso.assessment import services
from hocso.assessment import transcripts as tx
from hocso.assessment.compute_primary import primary_results_compute
from hocso.assessment.models import (
    LearningResult,
    Period,
    PrimarySubjectAssessment,
    Score,
    ShareLevel,
    Stage,
    Transcript,
)
from hocso.registry import services as registry

from .conftest import enrol
from .primary_setup import make_primary, put_year_end
from .test_transcripts import fill_year, make_family


def raise_maths(people, learners) -> None:
    """Every term II Toán score of these learners becomes 10, and the results follow."""
    Score.objects.filter(student__in=learners, term=2, subject__code="TOAN").update(
        value=Decimal(10)
    )
    services.results_compute(actor=None, school=people.school, year=people.year)


def body_bytes(transcript: Transcript) -> bytes:
    return tx.canonical_json(tx.content_body(transcript.content))


@pytest.fixture
def family(people, users):
    return make_family(people, users)


@pytest.fixture
def primary(tree, users, year):
    p = make_primary(tree, users, year)
    for learner in p.learners:
        put_year_end(p.school_class, learner, traits={"the_chat": "D"}, tests={"TOAN": 8})
    PrimarySubjectAssessment.objects.filter(
        student=p.learners[0], subject__code="TOAN", term=2, stage=Stage.END
    ).update(comment="Tính nhẩm nhanh, trình bày sạch")
    primary_results_compute(school_class=p.school_class)
    return p


# --- what is issued ----------------------------------------------------------------------------


def test_the_class_issue_gives_every_complete_learner_a_current_transcript(family):
    summary = tx.transcripts_issue_class(
        actor=family.users.admin_a, school_class=family.people.school_class
    )

    assert {t.student_id for t in summary.issued} == {s.pk for s in family.people.learners}
    assert summary.unchanged == [] and summary.skipped == []
    for transcript in summary.issued:
        transcript.refresh_from_db()
        assert transcript.is_current and transcript.version == 1
        assert tx.hash_matches(transcript)
        assert tx.transcript_verify(transcript.code).state == tx.VALID
    assert len({t.code for t in summary.issued}) == 3


@pytest.mark.parametrize("first", ["single", "class"])
def test_a_secondary_transcript_has_the_same_bytes_whichever_path_issued_it(family, first):
    learner, year = family.own, family.people.year
    admin, school_class = family.users.admin_a, family.people.school_class
    if first == "single":
        earlier = tx.transcript_issue(actor=admin, student=learner, year=year)
        summary = tx.transcripts_issue_class(actor=admin, school_class=school_class)
        later = next(t for t in summary.unchanged if t.student_id == learner.pk)
    else:
        summary = tx.transcripts_issue_class(actor=admin, school_class=school_class)
        earlier = next(t for t in summary.issued if t.student_id == learner.pk)
        later = tx.transcript_issue(actor=admin, student=learner, year=year)

    assert later.pk == earlier.pk  # nothing differed, so nothing was issued again
    assert body_bytes(earlier) == tx.canonical_json(tx.build_snapshot(learner, year, school_class))
    assert Transcript.objects.filter(student=learner).count() == 1


def test_a_primary_transcript_has_the_same_bytes_whichever_path_issued_it(primary):
    summary = tx.transcripts_issue_class(actor=primary.admin, school_class=primary.school_class)
    by_learner = {t.student_id: t for t in summary.issued}
    assert set(by_learner) == {s.pk for s in primary.learners}

    for learner in primary.learners:
        bulk = by_learner[learner.pk]
        single_body = tx.build_snapshot(learner, primary.year, primary.school_class)
        assert body_bytes(bulk) == tx.canonical_json(single_body)
        again = tx.transcript_issue(actor=primary.admin, student=learner, year=primary.year)
        assert again.pk == bulk.pk
    toan = next(s for s in by_learner[primary.learners[0].pk].content["subjects"]
                if s["code"] == "TOAN")  # fmt: skip
    assert toan["comment"] == "Tính nhẩm nhanh, trình bày sạch"
    assert by_learner[primary.learners[0].pk].content["result"] == "hoan_thanh"


def test_learners_with_incomplete_results_are_skipped_with_the_reasons(people, users):
    complete, incomplete = people.learners[:2], people.learners[2]
    fill_year(people, complete)

    summary = tx.transcripts_issue_class(actor=users.admin_a, school_class=people.school_class)

    assert {t.student_id for t in summary.issued} == {s.pk for s in complete}
    (skipped,) = summary.skipped
    assert skipped.student == incomplete
    assert skipped.reasons == tx.missing_for_issue(incomplete, people.year, people.school_class)
    assert any("Học kì I còn thiếu điểm" in reason for reason in skipped.reasons)
    assert not Transcript.objects.filter(student=incomplete).exists()


def test_a_learner_whose_year_belongs_to_another_class_is_skipped(family):
    people = family.people
    other = registry.class_create(
        actor=None, school=people.school, year=people.year, grade=6, name="6A2"
    )
    (newcomer,) = enrol(other, 1, start=40)
    # A year result recorded in 6A1 (the learner moved to 6A2 after the year's results).
    LearningResult.objects.create(
        school=people.school, year=people.year, term=Period.YEAR, student=newcomer,
        school_class=people.school_class, level="kha",
    )  # fmt: skip

    summary = tx.transcripts_issue_class(actor=family.users.admin_a, school_class=other)

    assert summary.issued == [] and summary.unchanged == []
    (skipped,) = summary.skipped
    assert skipped.student == newcomer
    assert "6A1" in skipped.reasons[0]


# --- versions ----------------------------------------------------------------------------------


def test_issuing_the_class_again_changes_nothing_until_a_result_changes(family):
    people, admin = family.people, family.users.admin_a
    first = tx.transcripts_issue_class(actor=admin, school_class=people.school_class)
    tx.transcript_set_share(actor=family.users.guardian_a, transcript=next(
        t for t in first.issued if t.student_id == family.own.pk), level=ShareLevel.FULL)  # fmt: skip

    second = tx.transcripts_issue_class(actor=admin, school_class=people.school_class)
    assert second.issued == [] and len(second.unchanged) == 3

    raise_maths(people, [family.own])
    third = tx.transcripts_issue_class(actor=admin, school_class=people.school_class)

    (reissued,) = third.issued
    assert reissued.student_id == family.own.pk and reissued.version == 2
    assert reissued.guardian_share == ShareLevel.FULL  # the choices carry over
    old = Transcript.objects.get(student=family.own, version=1)
    assert old.superseded_by_id == reissued.pk and not old.is_current
    assert tx.transcript_verify(old.code).state == tx.SUPERSEDED
    assert len(third.unchanged) == 2


def test_the_audit_has_one_entry_per_class_and_one_per_transcript_issued(family):
    people, admin = family.people, family.users.admin_a
    summary = tx.transcripts_issue_class(actor=admin, school_class=people.school_class)
    tx.transcripts_issue_class(actor=admin, school_class=people.school_class)

    class_entries = AuditEntry.objects.filter(action="transcript.issue_class").order_by("id")
    assert [e.detail for e in class_entries] == [
        {"year": "2025-2026", "issued": 3, "unchanged": 0, "skipped": 0},
        {"year": "2025-2026", "issued": 0, "unchanged": 3, "skipped": 0},
    ]
    assert {e.actor for e in class_entries} == {admin}
    per_learner = AuditEntry.objects.filter(action="transcript.issue")
    assert {e.object_id for e in per_learner} == {str(t.pk) for t in summary.issued}
    assert {e.detail["student"] for e in per_learner} == {s.pk for s in people.learners}


# --- permission --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_c", "teacher_a", "province", "student_a", "guardian_a"])
def test_only_the_school_admin_of_the_class_issues_it(family, who):
    with pytest.raises(PermissionDenied):
        tx.transcripts_issue_class(
            actor=getattr(family.users, who), school_class=family.people.school_class
        )
    assert not Transcript.objects.exists()


def test_the_system_may_issue_a_class(family):
    summary = tx.transcripts_issue_class(actor=None, school_class=family.people.school_class)
    assert len(summary.issued) == 3
    assert all(t.issued_by is None for t in summary.issued)


# --- queries -----------------------------------------------------------------------------------


def _queries(actor, school_class) -> int:
    with CaptureQueriesContext(connection) as captured:
        tx.transcripts_issue_class(actor=actor, school_class=school_class)
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_class(family):
    people, admin = family.people, family.users.admin_a
    bigger = registry.class_create(
        actor=None, school=people.school, year=people.year, grade=6, name="6A2"
    )
    many = enrol(bigger, 9, start=60)
    in_bigger = SimpleNamespace(**{**vars(people), "school_class": bigger})
    fill_year(in_bigger, many)

    assert _queries(admin, bigger) == _queries(admin, people.school_class)
    assert Transcript.objects.filter(student__in=many).count() == 9

    # Every result changed: each class's learners get a new version superseding the old one.
    raise_maths(people, [*people.learners, *many])
    assert _queries(admin, bigger) == _queries(admin, people.school_class)
    assert Transcript.objects.filter(student__in=many, version=2).count() == 9


def test_the_number_of_queries_of_a_primary_class_does_not_grow_with_it(primary, tree, year):
    small = _queries(primary.admin, primary.school_class)
    bigger = registry.class_create(actor=None, school=tree.school_b, year=year, grade=3, name="3B")
    for learner in enrol(bigger, 8, start=700):
        put_year_end(bigger, learner)
    primary_results_compute(school_class=bigger)

    assert _queries(primary.admin, bigger) == small
    assert Transcript.objects.filter(student__in=[*primary.learners]).count() == 3
    assert Transcript.objects.count() == 11


# --- the page ----------------------------------------------------------------------------------


def test_the_transcript_page_offers_the_class_issue_to_the_school_admin(client, family):
    client.force_login(family.users.admin_a)
    page = client.get(f"/students/{family.own.pk}/transcripts/2025-2026/")
    action = f"/classes/{family.people.school_class.pk}/transcripts/issue/"
    assert action in page.content.decode()

    client.force_login(family.users.teacher_a)
    page = client.get(f"/students/{family.own.pk}/transcripts/2025-2026/")
    assert action not in page.content.decode()


def test_the_class_action_issues_and_reports_back_on_the_learners_page(client, family):
    client.force_login(family.users.admin_a)
    url = f"/classes/{family.people.school_class.pk}/transcripts/issue/"

    refused = client.post(url, {"student": family.own.pk}, follow=True)
    assert "Hãy đánh dấu xác nhận" in refused.content.decode()
    assert not Transcript.objects.exists()

    response = client.post(url, {"student": family.own.pk, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/students/{family.own.pk}/transcripts/2025-2026/"
    assert "Lớp 6A1: đã cấp 3 học bạ" in response.content.decode()
    assert Transcript.objects.filter(superseded_at__isnull=True).count() == 3


def test_the_class_action_is_refused_outside_the_admins_school(client, family):
    url = f"/classes/{family.people.school_class.pk}/transcripts/issue/"
    client.force_login(family.users.admin_c)  # another school: the class is not found
    assert client.post(url, {"confirm": "1"}).status_code == 404
    client.force_login(family.users.teacher_a)  # in scope, but not a school admin
    assert client.post(url, {"confirm": "1"}).status_code == 403
    assert not Transcript.objects.exists()
