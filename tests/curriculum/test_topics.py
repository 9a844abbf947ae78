"""Curriculum topics: the tree per grade subject, `topics_for`, and their admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import GradeSubject, Topic
from hocso.curriculum.selectors import topics_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def math6():
    return GradeSubject.objects.get(grade=6, subject__code="TOAN")


def test_topics_for_lists_a_grade_subjects_topics_in_program_order(math6):
    strand = Topic.objects.create(grade_subject=math6, code="SO", name="Số và Đại số", order=1)
    Topic.objects.create(grade_subject=math6, code="T2", name="Số nguyên", order=3, parent=strand)
    Topic.objects.create(grade_subject=math6, code="T1", name="Số tự nhiên", order=2, parent=strand)
    math7 = GradeSubject.objects.get(grade=7, subject__code="TOAN")
    Topic.objects.create(grade_subject=math7, code="T1", name="Số hữu tỉ", order=1)

    assert [t.code for t in topics_for(6, "toan")] == ["SO", "T1", "T2"]
    assert [t.code for t in topics_for(6, math6.subject)] == ["SO", "T1", "T2"]
    assert [t.name for t in topics_for(7, "TOAN")] == ["Số hữu tỉ"]
    assert not topics_for(8, "TOAN").exists()


def test_a_topic_code_is_unique_within_its_grade_subject(math6):
    Topic.objects.create(grade_subject=math6, code="T1", name="Số tự nhiên")
    with pytest.raises(IntegrityError):
        Topic.objects.create(grade_subject=math6, code="T1", name="Khác")


def test_a_parent_of_another_grade_subject_or_a_cycle_is_refused(math6):
    math7 = GradeSubject.objects.get(grade=7, subject__code="TOAN")
    other = Topic.objects.create(grade_subject=math7, code="X", name="Lớp 7")
    child = Topic(grade_subject=math6, code="C", name="Con", parent=other)
    with pytest.raises(ValidationError, match="cùng môn học"):
        child.full_clean()

    top = Topic.objects.create(grade_subject=math6, code="A", name="A")
    below = Topic.objects.create(grade_subject=math6, code="B", name="B", parent=top)
    top.parent = below
    with pytest.raises(ValidationError, match="chính nó"):
        top.full_clean()


def test_a_code_with_spaces_or_diacritics_is_refused(math6):
    with pytest.raises(ValidationError):
        Topic(grade_subject=math6, code="chủ đề 1", name="x").full_clean()
    with pytest.raises(IntegrityError):
        Topic.objects.create(grade_subject=math6, code="chủ đề 1", name="x")


def test_province_officers_edit_topics_in_the_admin_with_an_audit_entry(client, users, math6):
    client.force_login(users.superuser)
    response = client.post(
        "/admin/curriculum/topic/add/",
        {"grade_subject": math6.pk, "code": "T1", "name": "Số tự nhiên", "order": 1, "parent": ""},
    )
    assert response.status_code == 302, response.content
    topic = Topic.objects.get(code="T1")
    assert AuditEntry.objects.filter(action="topic.create", object_id=str(topic.pk)).exists()

    client.force_login(users.teacher_a)
    assert client.get("/admin/curriculum/topic/").status_code in (302, 403)
