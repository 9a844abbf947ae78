"""Question-bank fixtures: banks of the shared `tree` (province, school A, school C), a second
teacher in school A, a teacher in school C, and a topic of grade-6 mathematics."""

from types import SimpleNamespace

import pytest

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.curriculum.models import GradeSubject, Subject, Topic
from hocso.questions.services import bank_create

from ..factories import UserFactory


def _user_with_role(username, role, unit):
    user = UserFactory(username=username)
    role_grant(actor=None, user=user, role=role, org_unit=unit)
    return user


@pytest.fixture
def qworld(tree, users):
    math = Subject.objects.get(code="TOAN")
    math6 = GradeSubject.objects.get(grade=6, subject=math)
    topic = Topic.objects.create(grade_subject=math6, code="T6.1", name="Số tự nhiên", order=1)
    return SimpleNamespace(
        math=math,
        topic=topic,
        teacher_a2=_user_with_role("teacher_a2", Role.TEACHER, tree.school_a),
        teacher_c=_user_with_role("teacher_c", Role.TEACHER, tree.school_c),
        province_bank=bank_create(
            actor=None, code="SO-TOAN", name="Toán toàn tỉnh", org_unit=tree.province, subject=math
        ),
        bank_a=bank_create(
            actor=None,
            code="A-TOAN",
            name="Toán THCS Lý Tự Trọng",
            org_unit=tree.school_a,
            subject=math,
        ),  # fmt: skip
        bank_c=bank_create(
            actor=None, code="C-TOAN", name="Toán THPT Trà Cú", org_unit=tree.school_c, subject=math
        ),
    )
