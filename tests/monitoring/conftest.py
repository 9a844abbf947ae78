"""Shared monitoring fixtures.

`indicators`: the Indicator rows of every source key (update_or_create by code, so it works with
or without the seed migration 0002), as {code: Indicator}.

`school_data`: a small, hand-countable registry over the global `tree` and `year` fixtures
(tests/conftest.py). Dates are inside `year`. Everything is made through the registry services
(actor=None) except the learners themselves (StudentFactory) and one score row.

School A (84000001, THCS, commune 28432) — classes 6A, 7A; rooms + equipment; a school admin and
one grade entry in the year:
  a1 M  valid ID   own phone + internet  Kinh   6A
  a2 F  valid ID   no device             Khmer  6A
  a3 M  no ID      computer + internet   Khmer  7A  started as a repeat
  a4 F  valid ID   —                     Kinh   7A  dropped out (not a learner of the year)
  a5 M  ID whose 4th digit says female (invalid) Kinh 7A
  staff: teacher complete, teacher without qualification, principal complete, clerk (ignored)
School B (84000002, Tiểu học, commune 28432) — class 1A; a room but no equipment; no admin:
  b1 F  valid ID   shared phone + internet        1A
  b2 M  valid ID   computer, internet unknown     1A
  staff: teacher complete
School C (84000003, THPT, commune 29161): nothing recorded.

Learners of the year: A 4 (a1 a2 a3 a5), B 2. The expected figures are in EXPECTED (per unit
code: (numerator, denominator)), written out by hand from the table above.
"""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.assessment.models import Score, ScoreKind
from hocso.curriculum.models import Subject
from hocso.monitoring.models import Indicator
from hocso.registry.models import DeviceAccess, EnrollmentEnd, EnrollmentStart, Gender
from hocso.registry.services import (
    class_create,
    equipment_save,
    room_save,
    student_enroll,
    student_leave,
)

from ..factories import StaffFactory, StudentFactory, UserFactory

# code: (unit, source)
INDICATOR_SOURCES = {
    "learners_valid_id": "percent",
    "teachers_with_record": "percent",
    "facilities_managed": "percent",
    "learners_online_ready": "percent",
    "curriculum_covered": "percent",
    "schools_using_platform": "percent",
    "enrollment": "count",
    "dropout_rate": "percent",
    "repetition_rate": "percent",
    "learner_teacher_ratio": "ratio",
    "average_class_size": "average",
    "khmer_share": "percent",
}

D = Decimal
# Per school code, then rolled up by hand: (numerator, denominator); None = count.
EXPECTED = {
    "learners_valid_id": {"84000001": (2, 4), "84000002": (2, 2), "84000003": (0, 0)},
    "teachers_with_record": {"84000001": (2, 3), "84000002": (1, 1), "84000003": (0, 0)},
    "facilities_managed": {"84000001": (1, 1), "84000002": (0, 1), "84000003": (0, 1)},
    "learners_online_ready": {"84000001": (2, 4), "84000002": (1, 2), "84000003": (0, 0)},
    "schools_using_platform": {"84000001": (1, 1), "84000002": (0, 1), "84000003": (0, 1)},
    "enrollment": {"84000001": (4, None), "84000002": (2, None), "84000003": (0, None)},
    "dropout_rate": {"84000001": (1, 5), "84000002": (0, 2), "84000003": (0, 0)},
    "repetition_rate": {"84000001": (1, 5), "84000002": (0, 2), "84000003": (0, 0)},
    "learner_teacher_ratio": {"84000001": (4, 2), "84000002": (2, 1), "84000003": (0, 0)},
    "average_class_size": {"84000001": (4, 2), "84000002": (2, 1), "84000003": (0, 0)},
    "khmer_share": {"84000001": (2, 4), "84000002": (0, 2), "84000003": (0, 0)},
}


def _nid(century_digit: int, n: int) -> str:
    """A 12-digit ID of a learner born in 2012 (province 084): digit 2 male, 3 female."""
    return f"084{century_digit}12{n:06d}"


@pytest.fixture
def indicators(db):
    rows = {}
    for order, (code, unit) in enumerate(INDICATOR_SOURCES.items()):
        rows[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": code, "name_en": code, "definition": code, "unit": unit,
                "source": code, "order": order,
            },
        )  # fmt: skip
    return rows


def add_learner(
    school_class, *, start, gender=Gender.MALE, national_id=None,
    reason=EnrollmentStart.ADMISSION, **fields,
):  # fmt: skip
    """A learner (StudentFactory) enrolled in `school_class` from `start`."""
    student = StudentFactory(
        school=school_class.school, gender=gender, national_id=national_id, **fields
    )
    student_enroll(
        actor=None,
        student=student,
        school_class=school_class,
        start_date=start,
        reason=reason,
    )
    return student


@pytest.fixture
def school_data(tree, year):
    start = year.start_date
    a, b = tree.school_a, tree.school_b
    a6 = class_create(actor=None, school=a, year=year, grade=6, name="6A")
    a7 = class_create(actor=None, school=a, year=year, grade=7, name="7A")
    b1c = class_create(actor=None, school=b, year=year, grade=1, name="1A")
    online = {"internet_at_home": True}
    learners = SimpleNamespace(
        a1=add_learner(a6, start=start, national_id=_nid(2, 1),
                       device_access=DeviceAccess.OWN_PHONE, **online),
        a2=add_learner(a6, start=start, gender=Gender.FEMALE, national_id=_nid(3, 2),
                       ethnicity="05", device_access=DeviceAccess.NONE),
        a3=add_learner(a7, start=start, ethnicity="05", device_access=DeviceAccess.COMPUTER,
                       reason=EnrollmentStart.REPEAT, **online),
        a4=add_learner(a7, start=start, gender=Gender.FEMALE, national_id=_nid(3, 4)),
        a5=add_learner(a7, start=start, national_id=_nid(3, 5)),
        b1=add_learner(b1c, start=start, gender=Gender.FEMALE, national_id=_nid(3, 6),
                       device_access=DeviceAccess.SHARED_PHONE, **online),
        b2=add_learner(b1c, start=start, national_id=_nid(2, 7),
                       device_access=DeviceAccess.COMPUTER),
    )  # fmt: skip
    student_leave(
        actor=None, student=learners.a4, on=start + timedelta(days=30),
        reason=EnrollmentEnd.DROP_OUT,
    )  # fmt: skip

    complete = {"date_of_birth": date(1985, 6, 1), "qualification": "bachelor"}
    StaffFactory(school=a, position="teacher", **complete)
    StaffFactory(school=a, position="teacher", date_of_birth=date(1990, 1, 1), qualification="")
    StaffFactory(school=a, position="principal", **complete)
    StaffFactory(school=a, position="staff", **complete)
    StaffFactory(school=b, position="teacher", **complete)

    room = room_save(actor=None, school=a, code="P101", name="Phòng 101", kind="classroom")
    equipment_save(
        actor=None, school=a, asset_code="MT-01", name="Máy tính", category="computer", room=room
    )
    room_save(actor=None, school=b, code="P1", name="Phòng 1", kind="classroom")

    role_grant(actor=None, user=UserFactory(), role=Role.SCHOOL_ADMIN, org_unit=a)
    Score.objects.create(
        school=a, year=year, term=1, school_class=a6, student=learners.a1,
        subject=Subject.objects.order_by("pk").first(), kind=ScoreKind.MIDTERM, seq=1,
        value=Decimal("8.0"),
    )  # fmt: skip
    return SimpleNamespace(tree=tree, year=year, learners=learners, classes=(a6, a7, b1c))


def expected_pair(code: str, schools: list[str]):
    """The hand-counted pair summed over `schools` (codes)."""
    pairs = [EXPECTED[code][s] for s in schools]
    num = sum(D(p[0]) for p in pairs)
    if pairs[0][1] is None:
        return num, None
    return num, sum(D(p[1]) for p in pairs)
